"""Sequence-to-sequence models (encoder-decoder, with or without attention) on toy tasks.

    from engine.seq2seq import Seq2SeqConfig, Seq2SeqTrainer
    for event in Seq2SeqTrainer(Seq2SeqConfig(task="dates", minutes=5)).events(): ...

Modules: config (Seq2SeqConfig), tasks (data and vocabulary), attention (score functions),
model (Seq2Seq), decode (greedy and beam search), metrics (BLEU, chrF, exact match),
events (Seq2SeqEval, Seq2SeqTrainStep, Attention), probes (gradient per input position),
evaluate (held-out metrics; a model back from its run directory), trainer (Seq2SeqTrainer).
Like the rest of `engine`, nothing here imports textual, rich or typer.
"""

from engine.seq2seq.config import Seq2SeqConfig  # noqa: F401


def __getattr__(name):  # lazy: importing the config must not pull in torch
    if name == "Seq2SeqTrainer":
        from engine.seq2seq.trainer import Seq2SeqTrainer
        return Seq2SeqTrainer
    raise AttributeError(name)
