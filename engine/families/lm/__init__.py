"""The language model, over characters or words: truncated BPTT over B carried streams.

Modules: config (LMConfig: char and word defaults), splits (the corpus as ids, train / val /
test, the vocabulary; words.py tokenises words with <eos>), data (stream batcher, evaluation
windows), model (CharLM: embedding, recurrent layers, full / tied / adaptive head; tying.py),
ffnn (the feed-forward LM of Bengio et al.), evaluate (held-out loss with the state carried),
sampling (token by token), scoring (a sentence's log-probability), baselines (count models
and a ladder's rungs as reference lines; ngram_words.py: word Kneser-Ney), ladder (n-gram ->
FFNN -> RNN/GRU/LSTM on one split), probes (gradient per timestep, gate activity), events
(Sample, Gates, Scores), task (LanguageModelTask: the family's side of the training loop).
"""
