"""The events only a seq2seq run yields (the rest come from `engine.events`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Optional

from engine import events as ev


@dataclass
class Seq2SeqEval(ev.Eval):
    """An evaluation on the fixed held-out set. Same event name and loss fields as the LM's
    Eval (val_loss is nats per target token, teacher-forced), plus decoding metrics."""
    name: ClassVar[str] = "eval"
    token_accuracy: float = 0.0  # teacher-forced argmax == target, over real target tokens
    exact_match: float = 0.0  # greedy decode == target string, share of held-out examples
    bleu: Optional[float] = None  # corpus BLEU-4 on words, in [0, 1] (pairs task only)
    chrf: Optional[float] = None  # chrF (char 6-grams, beta 2), in [0, 1] (pairs task only)
    examples: int = 0  # held-out examples evaluated
    best_exact: bool = False  # the highest exact match so far


@dataclass
class Seq2SeqTrainStep(ev.TrainStep):
    """The LM's train event plus the teacher-forcing ratio in force (it may be scheduled)."""
    name: ClassVar[str] = "train"
    teacher_forcing: float = 1.0  # probability a decoder step was fed the true previous char


@dataclass
class Attention(ev.Event):
    """The attention of one decoded example: weights[i][j] = alpha_ij, how much output
    step i (rows, the characters of `output` then <eos>) drew on source position j."""
    name: ClassVar[str] = "attention"
    step: int
    source: str
    output: str  # greedy decode (without <eos>)
    target: str  # the reference ("" when unknown, e.g. a requested translation)
    weights: list[list[float]]  # len(output)+1 (the <eos> step, if emitted) x len(source)
    probs: list[float]  # probability of each emitted symbol when it was chosen
    attention: str = "none"  # the attention kind; weights is [] for "none"
    # A requested translation with beam search (width > 1): every finished or cut beam,
    # best first, as [text, total log-probability]; `output` is the first. [] for greedy.
    beams: list[list] = field(default_factory=list)


SEQ2SEQ_EVENTS = (Seq2SeqEval, Seq2SeqTrainStep, Attention)
