"""Sequence to sequence: an encoder-decoder, with or without attention, on character tasks.

    from engine.families.seq2seq.config import Seq2SeqConfig
    from engine.training.loop import Trainer
    for event in Trainer(Seq2SeqConfig(task="dates", minutes=5)).events(): ...

Modules: config (Seq2SeqConfig), tasks (the data: dates, reverse, sort, add, TSV pairs),
attention (score functions), model (Seq2Seq), decode (greedy and beam search), metrics
(BLEU, chrF, exact match), events (Attention), probes (gradient per input position),
evaluate (held-out metrics), task (Seq2SeqTask: the family's side of the training loop).
"""
