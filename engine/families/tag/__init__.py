"""Tagging: one label per token (POS tags from CoNLL-U, entity or slot tags from IOB files).

Modules: config (TagConfig), corpora (where UD English GUM is found), data (readers, format
detection, splits), scheme (IOB1/IOB2/BIOES and conlleval's chunks), chars (one tag per
character of raw text), batches (vocabularies, padded id batches), model (word + character
BiLSTM tagger), task (the family's Task), evaluate (`rnn-tui eval`), probes (the evidence
for a tag from each direction), metrics (accuracy, unseen-word accuracy, per-tag accuracy,
confusion matrix, span P/R/F1), baselines (most frequent tag per word), events.
Like the rest of `engine`, nothing here imports textual, rich or typer; torch is
imported by batches, model, probes and task.
"""
