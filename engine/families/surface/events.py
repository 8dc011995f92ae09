"""The events only an error-surface run yields: the surface once, the two paths as they go."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from engine.events import Event, register


@register
@dataclass
class Surface(Event):
    """The loss (h_T - target)^2 of the one-unit RNN over a grid: loss[i][j] at b = b[i],
    w = w[j] (T = timesteps, h_0 = h0)."""
    name: ClassVar[str] = "surface"
    KEEP_IN_HISTORY: ClassVar[int] = 1
    step: int
    w: list[float]
    b: list[float]
    loss: list[list[float]]  # len(b) x len(w)
    timesteps: int
    h0: float
    target: float

    def summary(self) -> str:
        flat = [v for row in self.loss for v in row]
        return (f"error surface: {len(self.w)}x{len(self.b)} grid, w in [{self.w[0]:g}, "
                f"{self.w[-1]:g}], b in [{self.b[0]:g}, {self.b[-1]:g}], loss "
                f"{min(flat):.3g} to {max(flat):.3g}")


@register
@dataclass
class Paths(Event):
    """The two gradient-descent paths from the same start, up to optimizer step `step`.

    unclipped[k], clipped[k] = (w, b) after k steps (k = 0 is the start); losses_* the loss
    there; norms_*[k] = ||g|| of step k+1 before clipping. The clipped path's step is
    lr * min(||g||, threshold). `jumped`: some unclipped step moved (w, b) farther than
    `jump` (the cliff threw it); `max_grad_norm`: the largest ||g|| either path met.
    """
    name: ClassVar[str] = "paths"
    KEEP_IN_HISTORY: ClassVar[int] = 1
    step: int
    unclipped: list[list[float]]
    clipped: list[list[float]]
    losses_unclipped: list[float]
    losses_clipped: list[float]
    norms_unclipped: list[float]
    norms_clipped: list[float]
    threshold: float
    jump: float
    loss_unclipped: float  # the loss where each path is now
    loss_clipped: float
    largest_step_unclipped: float  # the longest step each path took in (w, b)
    largest_step_clipped: float
    max_grad_norm: float
    jumped: bool  # the unclipped path jumped off the cliff
    jumped_clipped: bool

    def summary(self) -> str:
        w, b = self.unclipped[-1]
        wc, bc = self.clipped[-1]
        cliff = "jumped off the cliff" if self.jumped else "no jump"
        return (f"paths at step {self.step}: unclipped ({w:.3g}, {b:.3g}) loss "
                f"{self.loss_unclipped:.4f} ({cliff}, longest step "
                f"{self.largest_step_unclipped:.3g}) · clipped ({wc:.3g}, {bc:.3g}) loss "
                f"{self.loss_clipped:.4f} · max ||g|| {self.max_grad_norm:.3g}")
