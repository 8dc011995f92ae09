"""Where the evidence for one tag comes from: ||dL_k / dh_t|| for each direction of a tagger.

    k = target_position(n)                        # the middle token of n-token sentences
    norms = direction_gradients(model, batch, k)  # rows = layer * D + d, n positions each

L_k is the cross-entropy of the tag at position k alone. In a bidirectional tagger the
forward RNN's state h→_t reaches token k only for t <= k, and the backward RNN's h←_t only
for t >= k: the forward row lights up on the words before k and the backward row on the
words after it, each fading with distance. That is the picture of why the bidirectional
RNN helps tagging: the backward RNN carries the right context ("can" before "fish" or
before "do" is a noun or a verb). A unidirectional tagger has only the first row: for it
the right context does not exist.

The textbook cells run on the same weights (Recurrent.unrolled), in eval mode, on held-out
sentences of one length n, so no position is padding; the norms are averaged over them.
"""

from __future__ import annotations

from collections import Counter
from typing import Sequence

import torch
import torch.nn.functional as F

from engine.families.tag.batches import IGNORE, TagBatch
from engine.recurrent import eval_mode

PROBE_LENGTHS = range(9, 26)  # sentence lengths the probe prefers (long enough to see fading)
PROBE_MOST = 16  # sentences averaged per probe


def target_position(n: int) -> int:
    """The token whose tag the probe differentiates: the middle one (0-based)."""
    return n // 2


def same_length(sentences: Sequence, most: int = PROBE_MOST) -> list:
    """Up to MOST held-out sentences of one length: the most common length in PROBE_LENGTHS
    (the shorter on ties), else the most common length of all."""
    counts = Counter(len(tokens) for tokens, _ in sentences)
    if not counts:
        return []
    preferred = {n: c for n, c in counts.items() if n in PROBE_LENGTHS} or counts
    n = min(preferred, key=lambda length: (-preferred[length], length))
    return [s for s in sentences if len(s[0]) == n][:most]


def direction_gradients(model, batch: TagBatch, k: int) -> list[list[float]]:
    """||dL_k / dh_t|| per layer and direction (rows: layer * D + d; d = 0 reads left to
    right, 1 right to left) and position t, averaged over the batch's sentences, which
    must all be longer than k. L_k is the sum over sentences of the tag-k cross-entropy, so
    each sentence's gradients are its own."""
    with eval_mode(model), torch.enable_grad():
        r = model.read(batch, unrolled=True)
        # (0, and zero gradients, when every gold tag at k is one unseen in training)
        loss = F.cross_entropy(r.logits[:, k], batch.tags[:, k], ignore_index=IGNORE,
                               reduction="sum")
        flat = [h for layer in r.unrolled.by_direction for d in layer for h in d]  # (B, H)
        # autograd.grad: the trainer's parameter gradients are left untouched.
        grads = torch.autograd.grad(loss, flat, allow_unused=True)
    T = batch.words.shape[1]
    g = torch.stack([torch.zeros_like(h) if gr is None else gr for h, gr in zip(flat, grads)])
    return g.view(-1, T, *g.shape[1:]).norm(dim=-1).mean(dim=-1).tolist()  # (rows, T)
