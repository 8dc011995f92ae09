"""Training batches of texts of similar length, in a seeded order that a resume can rebuild.

    batcher = EpochBatcher(lengths, batch_size=32, seed=1337)
    idx = batcher.indices(step)      # the example indices of optimizer step `step`

Every epoch is one pass over the training examples: shuffled (seeded by seed and the epoch
number), cut into pools of POOL batches, each pool sorted by length and cut into batches,
and the batches shuffled again. A batch then holds texts of about one length, so the packed
RNN runs few steps on a handful of sequences (a batch's longest text sets the number of
sequential steps; with random batches one long review makes 31 short ones wait), while the
order stays random at the level of batches. Step s is batch s % n of epoch s // n, so a
resumed run continues with exactly the batches it would have had.
"""

from __future__ import annotations

import random
from typing import Sequence

POOL = 50  # batches per length-sorted pool: enough to find neighbours, still well mixed


class EpochBatcher:
    def __init__(self, lengths: Sequence[int], batch_size: int, seed: int) -> None:
        if not lengths:
            raise ValueError("no training examples")
        self.lengths = list(lengths)
        self.batch_size = batch_size
        self.seed = seed
        self._epoch: int | None = None
        self._batches: list[list[int]] = []
        self.per_epoch = len(self._plan(0))  # the same for every epoch

    def _plan(self, epoch: int) -> list[list[int]]:
        rng = random.Random(self.seed * 1_000_003 + epoch)
        order = list(range(len(self.lengths)))
        rng.shuffle(order)
        B, size = self.batch_size, self.batch_size * POOL
        batches = []
        for start in range(0, len(order), size):
            pool = sorted(order[start:start + size], key=self.lengths.__getitem__)
            batches += [pool[i:i + B] for i in range(0, len(pool), B)]
        rng.shuffle(batches)
        return batches

    def indices(self, step: int) -> list[int]:
        """The examples of optimizer step `step` (0-based)."""
        epoch, k = divmod(step, self.per_epoch)
        if epoch != self._epoch:
            self._epoch, self._batches = epoch, self._plan(epoch)
        return self._batches[k]

    def epoch(self, step: int) -> float:
        """Passes over the training data after `step` steps (fractional)."""
        return step / self.per_epoch
