"""Two gradient-descent paths over the same error surface, as one module.

    unclipped (2,) = (w, b)   its gradient is used as it is
    clipped   (2,) = (w, b)   its gradient goes through ADL's pseudo-code on the way back:
                              g <- dE/dtheta; if ||g|| >= threshold: g <- threshold * g / ||g||
    forward -> losses (2,): (h_T - target)^2 of each path; the loop minimises their sum, and
               since the paths share no parameter each gets exactly its own gradient.

The clipping is a gradient hook on the clipped path's parameter: it runs inside the loop's
backward(), before the optimizer step, and records both paths' norms before clipping.
"""

from __future__ import annotations

import torch
import torch.nn as nn
from torch import Tensor

from engine.families.surface.grid import run_unit


def clip_norm(g: Tensor, threshold: float) -> Tensor:
    """ADL's Algorithm 1: rescale g to norm `threshold` when it is at least that long."""
    norm = g.norm()
    return g * (threshold / norm) if norm >= threshold else g


class SurfaceModel(nn.Module):
    def __init__(self, w: float, b: float, timesteps: int, h0: float, target: float,
                 threshold: float) -> None:
        super().__init__()
        self.unclipped = nn.Parameter(torch.tensor([w, b]))
        self.clipped = nn.Parameter(torch.tensor([w, b]))
        self.timesteps, self.h0, self.target = timesteps, h0, target
        self.threshold = threshold  # the task sets it before each step (a live setting)
        self.last_norms = [0.0, 0.0]  # ||g|| of each path at the last backward, before clipping
        self.unclipped.register_hook(self._seen(0))
        self.clipped.register_hook(self._clip)

    def _seen(self, i: int):
        def hook(g: Tensor) -> None:
            self.last_norms[i] = float(g.norm())
        return hook

    def _clip(self, g: Tensor) -> Tensor:
        self.last_norms[1] = float(g.norm())
        return clip_norm(g, self.threshold)

    def losses(self) -> Tensor:
        """(2,): the loss at each path's (w, b), unclipped then clipped."""
        theta = torch.stack([self.unclipped, self.clipped])  # (2, 2)
        h = run_unit(theta[:, 0], theta[:, 1], self.timesteps, self.h0)  # (2,)
        return (h - self.target) ** 2

    def forward(self) -> tuple[Tensor, Tensor]:
        losses = self.losses()
        return losses, losses.sum()
