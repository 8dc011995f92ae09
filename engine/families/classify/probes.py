"""Gradient flow over the input positions of a classifier: ||dL / dh_t|| for every t.

The loss sits at the END of the sentence (one label for the whole text), so the gradient
reaching the state at position t has travelled back through n - t recurrent steps:
    dL/dh_t = dL/dh_n · prod_{s=t+1..n} dh_s/dh_{s-1}
and on a long sentence the early words' states get little of it with a vanilla RNN (the
vanishing gradient, right in the panel). A bidirectional model's backward RNN is the mirror
image: its loss-side end is position 1, so its gradient fades towards the END.

Runs the textbook cells with the batch's lengths (padding holds the state, so a padded
batch gives each sequence what it would give alone) in eval mode.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor

from engine.families.classify.explain import evaluating
from engine.families.classify.model import Classifier


def gradient_per_position(model: Classifier, ids: Tensor, lengths: Tensor, targets: Tensor
                          ) -> list[list[list[float]]]:
    """norms[b][row][t] = ||dL_b / dh_t|| for sequence b's real positions t < lengths[b],
    one row per layer and direction (row = layer * D + direction, as in h_n: direction 0
    reads left to right, 1 right to left). Plain lists, ready for an event.

    ids (B, T) long, lengths (B,) long, targets (B,) long. L_b is sequence b's cross-entropy;
    the loss is their SUM, so each sequence's gradients are its own, whatever B is.
    """
    with evaluating(model), torch.enable_grad():
        r = model.read(ids, lengths, unrolled=True)
        loss = F.cross_entropy(r.logits, targets, reduction="sum")
        flat = [h for layer in r.unrolled.by_direction for d in layer for h in d]  # (B, H)
        grads = torch.autograd.grad(loss, flat, allow_unused=True)
    T = ids.shape[1]
    g = torch.stack([torch.zeros_like(h) if gr is None else gr for h, gr in zip(flat, grads)])
    norms = g.view(-1, T, *g.shape[1:]).norm(dim=-1).permute(2, 0, 1)  # (B, rows, T)
    return [row[:, : int(n)].tolist() for row, n in zip(norms, lengths)]


def mean_over_batch(norms: list[list[list[float]]], align: Literal["start", "end"] = "end"
                    ) -> list[list[float]]:
    """The per-sequence curves averaged per position: rows x T_max. align "end" lines the
    sequences up on their LAST token (column -1 is one step from the loss for every
    sentence: the natural axis for a forward RNN), "start" on their first. A position only
    averages the sequences that reach it."""
    T = max(len(seq[0]) for seq in norms)
    rows = len(norms[0])
    total = torch.zeros(rows, T, dtype=torch.float64)
    count = torch.zeros(T, dtype=torch.float64)
    for seq in norms:
        v = torch.tensor(seq, dtype=torch.float64)  # (rows, n)
        n = v.shape[1]
        at = slice(T - n, T) if align == "end" else slice(0, n)
        total[:, at] += v
        count[at] += 1
    return (total / count.clamp(min=1)).tolist()
