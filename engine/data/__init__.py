"""Data every family shares: corpus.py (text files, bundled corpora), download.py (corpora
fetched on request), tokens.py (vocabularies and tokenizers), sequences.py (padding and
length batches), ngram.py (count-based baselines)."""
