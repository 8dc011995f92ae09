"""The language-model family: characters or words, n-gram / feed-forward / recurrent models.

Word-level groundwork (not wired into the trainer yet):
  words        word corpora: tokenise with <eos> per line, vocabulary cap, train/val/test ids
  ffnn         the feed-forward neural LM of Bengio et al. 2003 (window of n-1 words)
  tying        the output layer tied to the input embedding (Press & Wolf 2017)
  ngram_words  word n-gram baselines (interpolated Kneser-Ney, unigram, uniform) on ids
  scoring      a sentence's log-probability, perplexity and per-token surprisal
"""
