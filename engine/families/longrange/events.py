"""The events only a long-range run yields: the Jacobian picture and held-out examples."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from engine.events import Event, register


@register
@dataclass
class Jacobian(Event):
    """Why gradients vanish or explode, at one probe step.

    gains[layer][t] = ||dh_T/dh_t||_F / sqrt(H), the RMS gain of the state Jacobian over the
    probe sequences (engine/families/longrange/jacobian.py): 1 at t = T, and for a vanilla
    RNN about sigma^(T-t) where sigma is the typical gain of one step. sigma_max[k] holds the
    largest singular value of each (H, H) block of layer k's W_hh, by gate name ("W_hh" for
    a vanilla RNN): below 1 (with |tanh'| <= 1) the vanilla RNN's gain must vanish.
    """
    name: ClassVar[str] = "jacobian"
    KEEP_IN_HISTORY: ClassVar[int] = 1
    SERIES: ClassVar[tuple[str, ...]] = ("gains", "sigma_max")
    step: int
    gains: list[list[float]]  # layers x positions
    sigma_max: list[dict[str, float]]  # per layer: gate block -> largest singular value

    def per_step(self, layer: int = 0) -> float | None:
        """The effective gain of one step, gains[layer][0] ** (1 / (T - 1)): the w of the
        scalar example that fades (or grows) the same way over the probe's length."""
        row = self.gains[layer] if layer < len(self.gains) else []
        if len(row) < 2 or not row[0] > 0:
            return None
        return row[0] ** (1.0 / (len(row) - 1))

    def summary(self) -> str:
        first = " · ".join(f"{row[0]:.2e}" for row in self.gains if row)
        sig = " · ".join(f"{max(d.values()):.3g}" for d in self.sigma_max if d)
        return (f"jacobian at step {self.step}: ||dh_T/dh_0|| {first} (per layer) · "
                f"max sigma_max(W_hh) {sig}")


@register
@dataclass
class Examples(Event):
    """A few held-out sequences with what the model answered: one line each for a person
    (`inputs`: what mattered in the sequence; `targets`, `outputs`: as text)."""
    name: ClassVar[str] = "examples"
    KEEP_IN_HISTORY: ClassVar[int] = 1
    step: int
    task: str
    inputs: list[str]
    targets: list[str]
    outputs: list[str]
    correct: list[bool] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [f"{i} -> {o}" + (" ✓" if ok else f" (want {t})")
                for i, t, o, ok in zip(self.inputs, self.targets, self.outputs, self.correct)]

    def summary(self) -> str:
        body = "\n    ".join(self.lines()[:3])
        return f"held-out {self.task} examples at step {self.step}:\n    {body}"

    def text_log(self) -> str:
        return f"--- step {self.step} ---\n" + "\n".join(self.lines()) + "\n\n"
