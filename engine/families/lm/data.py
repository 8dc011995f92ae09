"""The train/validation split and the stream batcher for truncated BPTT.

The batcher follows `batchify` in pytorch/examples word_language_model: the training ids are
cut into B equal contiguous streams (rows), and consecutive windows read consecutive
columns, so row b of one window continues row b of the previous one and the hidden state
of stream b can be carried across windows (detached between them).
"""

from __future__ import annotations

from typing import Iterator

import numpy as np
import torch

from engine.errors import EngineError


def split_text(text: str, val_fraction: float) -> tuple[str, str]:
    """(train, val): validation is the LAST val_fraction of the text, so it is unseen future."""
    if not 0.0 < val_fraction < 1.0:
        raise EngineError(f"val_fraction must be in (0, 1), got {val_fraction}")
    n_val = int(round(len(text) * val_fraction))
    if n_val < 2 or len(text) - n_val < 2:
        raise EngineError(f"text of {len(text)} characters is too short to split with "
                          f"val_fraction {val_fraction}")
    return text[:-n_val], text[-n_val:]


def _as_tensor(ids) -> torch.Tensor:
    if isinstance(ids, torch.Tensor):
        return ids.to(torch.long).flatten()
    return torch.as_tensor(np.asarray(ids, dtype=np.int64)).flatten()


class StreamBatcher:
    """B contiguous streams over the training ids, read window by window with a cursor.

    next_batch(bptt) returns (x, y, new_epoch), x and y of shape (B, bptt), y = x shifted by
    one character. Windows are always full: at the end of an epoch a remainder shorter than
    bptt is skipped and the cursor wraps to the start. new_epoch is True when x starts at
    the beginning of the streams (the first batch, and each wrap): reset the hidden state.
    """

    def __init__(self, ids, batch_size: int, bptt: int, device: str | torch.device = "cpu"):
        ids = _as_tensor(ids)
        if batch_size < 1 or bptt < 1:
            raise EngineError("batch_size and bptt must be >= 1")
        self.batch_size, self.bptt = batch_size, bptt
        self.stream_len = len(ids) // batch_size
        if self.stream_len < bptt + 1:
            raise EngineError(_too_short(len(ids), batch_size, bptt))
        # Trailing len % B characters are dropped, as in batchify.
        self.data = ids[: self.stream_len * batch_size].view(batch_size, -1).to(device)
        self.pos = 0  # column where the next window starts
        self.epoch = 0  # completed passes

    def batches_per_epoch(self, bptt: int | None = None) -> int:
        return (self.stream_len - 1) // (bptt or self.bptt)

    def window(self, i: int, bptt: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """The i-th window of an epoch read with a fixed bptt (no cursor involved)."""
        t = bptt or self.bptt
        if not 0 <= i < self.batches_per_epoch(t):
            raise IndexError(f"window {i} out of range")
        return self._slice(i * t, t)

    def next_batch(self, bptt: int | None = None) -> tuple[torch.Tensor, torch.Tensor, bool]:
        t = bptt or self.bptt
        if t + 1 > self.stream_len:
            raise EngineError(_too_short(self.stream_len * self.batch_size,
                                         self.batch_size, t))
        if self.pos + t + 1 > self.stream_len:
            self.pos, self.epoch = 0, self.epoch + 1
        new_epoch = self.pos == 0
        x, y = self._slice(self.pos, t)
        self.pos += t
        return x, y, new_epoch

    @property
    def epoch_progress(self) -> float:
        """Fractional passes over the training text, for the TrainStep event."""
        return self.epoch + self.pos / (self.stream_len - 1)

    def state_dict(self) -> dict[str, int]:
        return {"pos": self.pos, "epoch": self.epoch, "batch_size": self.batch_size,
                "stream_len": self.stream_len}

    def load_state_dict(self, state: dict) -> None:
        same = (state.get("batch_size") == self.batch_size
                and state.get("stream_len") == self.stream_len)
        if not same:
            raise EngineError("cannot resume the data position: the checkpoint was made with "
                              f"batch_size {state.get('batch_size')} and streams of "
                              f"{state.get('stream_len')} tokens, this run has "
                              f"{self.batch_size} and {self.stream_len} (same corpus and "
                              f"--batch-size needed)")
        pos, epoch = int(state["pos"]), int(state["epoch"])
        if not (0 <= pos < self.stream_len and epoch >= 0):
            raise EngineError(f"invalid data position in checkpoint: pos {pos}, epoch {epoch}")
        self.pos, self.epoch = pos, epoch

    def _slice(self, start: int, t: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.data[:, start:start + t], self.data[:, start + 1:start + t + 1]


def _too_short(n: int, batch_size: int, bptt: int) -> str:
    need = batch_size * (bptt + 1)
    fixes = ["a bigger corpus"]
    if n // (bptt + 1) >= 1:  # fewer streams of the same window
        fixes.append(f"--batch-size {n // (bptt + 1)}")
    if n // batch_size >= 2:  # shorter windows with the same streams
        fixes.append(f"--bptt {n // batch_size - 1}")
    return (f"training text has {n:,} tokens, fewer than one batch needs "
            f"(batch_size {batch_size} x (bptt {bptt} + 1) = {need:,}); "
            f"use {' or '.join(fixes)}")


def eval_streams(val_ids, n_streams: int = 16, bptt: int = 100,
                 device: str | torch.device = "cpu"
                 ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Windows (x, y) covering the validation ids, in order, for a stateful full pass.

    The ids are cut into up to N_STREAMS streams of at least 64 characters (fewer for a
    short text); carry the hidden state from one window to the next. The last window of a
    pass may be shorter than bptt so that every character but each stream's first is
    scored. Weight window losses by y.numel() to get the mean per character.
    """
    ids = _as_tensor(val_ids)
    if len(ids) < 2:
        raise EngineError(f"validation text has {len(ids)} tokens; need at least 2")
    n = max(1, min(n_streams, len(ids) // 64))
    length = len(ids) // n
    data = ids[: n * length].view(n, length).to(device)
    for start in range(0, length - 1, bptt):
        t = min(bptt, length - 1 - start)
        yield data[:, start:start + t], data[:, start + 1:start + 1 + t]
