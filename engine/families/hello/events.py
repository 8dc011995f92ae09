"""The event only a "hello" run yields: the network unrolled, with its real numbers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from engine.events import Event, register


@register
@dataclass
class Unrolled(Event):
    """One forward and backward pass over the word at optimizer step `step`.

    Per timestep t (T = len(word) - 1 rows): the input character (x_t is its one-hot vector
    over `vocab`), the hidden state h_t of the top layer (H values), the softmax p_t over the
    vocabulary, the target (the next character), the loss -log p_t[target], and the full
    gradient dL/dh_t (H values; L the mean loss over the T steps) and its norm.
    `greedy` is the model's free-running decoding from the first character (each most
    likely next character fed back in); `spells` says whether it is the whole word: the
    lesson's check ("it spells hello").
    """
    name: ClassVar[str] = "unrolled"
    KEEP_IN_HISTORY: ClassVar[int] = 1
    step: int
    cell: str
    vocab: list[str]
    inputs: list[str]
    targets: list[str]
    hidden: list[list[float]]  # T x H
    probs: list[list[float]]  # T x V
    predicted: list[str]  # the most likely next character at each t (teacher-forced)
    losses: list[float]  # T: -log p_t[target]
    loss: float  # their mean: the training loss of this pass
    grads: list[list[float]]  # T x H: dL/dh_t
    grad_norms: list[float]  # T: ||dL/dh_t||
    greedy: str
    spells: bool

    def summary(self) -> str:
        ok = "spells it" if self.spells else "not yet"
        return (f"unrolled at step {self.step}: loss {self.loss:.4f} · greedy "
                f"{self.greedy!r} ({ok}) · ||dL/dh_t|| "
                + " ".join(f"{g:.3g}" for g in self.grad_norms))
