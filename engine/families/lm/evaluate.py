"""Validation loss: one pass over a text with the hidden state carried across windows."""

from __future__ import annotations

import torch

from engine.errors import check_cancel
from engine.recurrent import detach_hidden


@torch.no_grad()
def evaluate(model, ids: torch.Tensor, device: torch.device, window: int = 256,
             max_streams: int = 16, cancel=None, progress=None) -> float:
    """Mean cross-entropy in nats/char over all of `ids` (1-D long tensor).

    The text is cut into up to `max_streams` contiguous streams read in parallel; each carries
    its hidden state from window to window, so every character but the first of each stream
    is predicted with its full left context. `cancel()` is asked before every window: when
    it says so, engine.errors.Cancelled (a run being stopped does not wait for a full pass).
    `progress(share)`, when given, hears after every window how much is done.
    """
    n = ids.numel() - 1
    streams = max(1, min(max_streams, n // max(window, 1)))
    length = n // streams
    x_all = ids[: streams * length].view(streams, length).to(device)
    y_all = ids[1: streams * length + 1].view(streams, length).to(device)
    was_training = model.training
    model.eval()
    hidden = model.init_hidden(streams, device)
    total, count = torch.zeros((), device=device, dtype=torch.float64), 0
    try:
        for start in range(0, length, window):
            check_cancel(cancel)
            x = x_all[:, start:start + window]
            y = y_all[:, start:start + window]
            logits, _, hidden = model(x, hidden)
            loss = torch.nn.functional.cross_entropy(
                logits.reshape(-1, logits.size(-1)), y.reshape(-1), reduction="sum")
            total += loss.double()
            count += y.numel()
            hidden = detach_hidden(hidden)
            if progress is not None:
                progress(min(1.0, (start + window) / max(length, 1)))
    finally:
        model.train(was_training)
    return float(total) / max(count, 1)
