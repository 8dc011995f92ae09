"""The events only a seq2seq run yields: decoded examples with their attention."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from engine.events import Event, register


@register
@dataclass
class Attention(Event):
    """The attention of one decoded example: weights[i][j] = alpha_ij, how much output
    step i (rows, the characters of `output` then <eos>) drew on source position j."""
    name: ClassVar[str] = "attention"
    KEEP_IN_HISTORY: ClassVar[int] = 20
    step: int
    source: str
    output: str  # greedy decode (without <eos>)
    target: str  # the reference ("" when unknown, e.g. a requested translation)
    weights: list[list[float]]  # len(output)+1 (the <eos> step, if emitted) x len(source)
    probs: list[float]  # probability of each emitted symbol when it was chosen
    attention: str = "none"  # the attention kind; weights is [] for "none"
    # A requested translation with beam search (width > 1): every finished or cut beam,
    # best first, as [text, total log-probability, finished] (runs of earlier versions:
    # without finished); `output` is the first. [] for greedy.
    beams: list[list] = field(default_factory=list)
    # `output` ended with <eos> (False: cut at the output limit, and said in a warning). Not
    # logged: it is for the one who asked (the grid's <eos> row), not a scalar of the run.
    finished: bool = True

    def to_dict(self) -> dict:
        record = super().to_dict()
        record.pop("finished", None)
        return record

    def summary(self) -> str:
        mark = "" if not self.target else (
            " ✓" if self.output == self.target else f" (want {self.target!r})")
        return f"    {self.source!r} -> {self.output!r}{mark}"
