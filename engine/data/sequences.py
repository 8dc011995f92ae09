"""Variable-length sequences in batches, for the families that read whole sentences.

    ids, lengths = pad([np.array([5, 7, 2]), np.array([9])])      # (2, 3), (2,): [3, 1]
    tags, _ = pad(tag_arrays, value=-100)                         # ignored by cross_entropy
    for idx in length_batches(lengths, 32, seed=7): ...           # one shuffled pass

`length_batches` groups sequences of similar length (sorted within pools of a few dozen
batches, then the batches shuffled), so a batch carries little padding: a packed RNN skips
padding anyway, but embeddings, heads and a character encoder do not. Seeded and
deterministic: the same (lengths, batch_size, seed) always gives the same batches.
"""

from __future__ import annotations

import random
from typing import Sequence

import numpy as np
import torch
from torch import Tensor

POOL_BATCHES = 50  # batches per pool sorted by length (more: less padding, less shuffling)


def pad(seqs: Sequence[np.ndarray], value: int = 0) -> tuple[Tensor, Tensor]:
    """1-D int arrays -> (B, T_max) long padded with `value`, lengths (B,) long."""
    lengths = np.fromiter(map(len, seqs), dtype=np.int64, count=len(seqs))
    out = np.full((len(seqs), int(lengths.max()) if len(seqs) else 0), value, dtype=np.int64)
    if len(seqs):  # one vectorised copy: the real positions, row by row, are a mask's Trues
        out[np.arange(out.shape[1])[None, :] < lengths[:, None]] = np.concatenate(seqs)
    return torch.from_numpy(out), torch.from_numpy(lengths)


def length_batches(lengths: Sequence[int], batch_size: int, seed: int | str | None,
                   pool: int = POOL_BATCHES) -> list[list[int]]:
    """One pass over the sequences as batches of indices. With a seed: shuffled, then each
    pool of `pool` batches sorted by length and cut, and the batches shuffled; None: in
    order of length (for evaluation: the least padding). The last batch may be short."""
    order = list(range(len(lengths)))
    if seed is None:
        order.sort(key=lambda i: lengths[i])
        return [order[k:k + batch_size] for k in range(0, len(order), batch_size)]
    rng = random.Random(seed)
    rng.shuffle(order)
    size = batch_size * pool
    out: list[list[int]] = []
    for k in range(0, len(order), size):
        chunk = sorted(order[k:k + size], key=lambda i: lengths[i])
        out += [chunk[j:j + batch_size] for j in range(0, len(chunk), batch_size)]
    rng.shuffle(out)
    return out
