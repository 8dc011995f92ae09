"""The loss of the one-unit RNN over a grid of (w, b), all points at once.

    W, B  (G_b, G_w) grids       h (G_b, G_w) starts at h0
    T times: h = tanh(W * h + B)       loss = (h - target)^2     -> (G_b, G_w)

Row i is b = b_values[i] (bottom to top on screen), column j is w = w_values[j].
"""

from __future__ import annotations

import torch


def run_unit(w: torch.Tensor, b: torch.Tensor, timesteps: int, h0: float) -> torch.Tensor:
    """h_T of h_t = tanh(w h_{t-1} + b) from h_0 = h0, elementwise over w and b (any shape)."""
    h = torch.full_like(w, h0)
    for _ in range(timesteps):
        h = torch.tanh(w * h + b)
    return h


def unit_states(w: torch.Tensor, b: torch.Tensor, timesteps: int, h0: float
                ) -> list[torch.Tensor]:
    """[h_1, ..., h_T] of the same recurrence for one (w, b), each a 0-d tensor in the graph
    (the gradient probe differentiates the loss with respect to each)."""
    h, hs = torch.full_like(w, h0), []
    for _ in range(timesteps):
        h = torch.tanh(w * h + b)
        hs.append(h)
    return hs


def loss_grid(w_values: torch.Tensor, b_values: torch.Tensor, timesteps: int, h0: float,
              target: float) -> torch.Tensor:
    """(len(b_values), len(w_values)) losses (h_T - target)^2, in float64."""
    B, W = torch.meshgrid(b_values.double(), w_values.double(), indexing="ij")
    return (run_unit(W, B, timesteps, h0) - target) ** 2
