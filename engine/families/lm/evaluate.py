"""Validation loss: one pass over a text with the hidden state carried across windows."""

from __future__ import annotations

import torch

from engine.errors import check_cancel
from engine.recurrent import detach_hidden


def evaluate(model, ids: torch.Tensor, device: torch.device, window: int = 256,
             max_streams: int = 16, cancel=None, progress=None) -> float:
    """Mean cross-entropy in nats per token over `ids` (evaluate_total / its count)."""
    total, count = evaluate_total(model, ids, device, window, max_streams, cancel, progress)
    return total / max(count, 1)


@torch.no_grad()
def evaluate_total(model, ids: torch.Tensor, device: torch.device, window: int = 256,
                   max_streams: int = 16, cancel=None, progress=None) -> tuple[float, int]:
    """(total cross-entropy in nats, tokens predicted) over all of `ids` (1-D long tensor):
    every token but the first is predicted once, so the count is len(ids) - 1.

    The text is cut into up to `max_streams` contiguous streams read in parallel; each carries
    its hidden state from window to window, so every token but the first of each stream
    is predicted with its full left context. The few tokens left over (fewer than the number
    of streams) are read last as one more stream. `cancel()` is asked before every window:
    when it says so, engine.errors.Cancelled (a run being stopped does not wait for a full
    pass). `progress(share)`, when given, hears after every window how much is done.
    """
    n = ids.numel() - 1
    streams = max(1, min(max_streams, n // max(window, 1)))
    length = n // streams
    was_training = model.training
    model.eval()
    try:
        total = _streams_total(model, ids[: streams * length + 1], streams, length, device,
                               window, cancel, progress)
        rest = ids[streams * length:]  # its first id was the last target above: context only
        if rest.numel() > 1:
            total += _streams_total(model, rest, 1, rest.numel() - 1, device, window, cancel)
    finally:
        model.train(was_training)
    return total, max(n, 0)


def _streams_total(model, ids: torch.Tensor, streams: int, length: int, device, window: int,
                   cancel=None, progress=None) -> float:
    """Summed nats of predicting ids[1:] read as `streams` rows of `length` targets."""
    x_all = ids[: streams * length].view(streams, length).to(device)  # (S, L)
    y_all = ids[1: streams * length + 1].view(streams, length).to(device)  # (S, L)
    hidden = model.init_hidden(streams, device)
    total = torch.zeros((), device=device, dtype=torch.float64)
    for start in range(0, length, window):
        check_cancel(cancel)
        x = x_all[:, start:start + window]
        y = y_all[:, start:start + window]
        logits, _, hidden = model(x, hidden)
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.size(-1)), y.reshape(-1), reduction="sum")
        total += loss.double()
        hidden = detach_hidden(hidden)
        if progress is not None:
            progress(min(1.0, (start + window) / max(length, 1)))
    return float(total)
