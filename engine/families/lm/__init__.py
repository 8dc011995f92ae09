"""The character language model: truncated BPTT over B carried streams of one text.

Modules: config (LMConfig), data (split, stream batcher, evaluation windows), model (CharLM:
embedding, recurrent layers, head), evaluate (held-out loss with the state carried),
sampling (character by character), probes (gradient per timestep, gate activity), events
(Sample, Gates), task (LanguageModelTask: the family's side of the training loop).
"""
