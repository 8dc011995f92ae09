"""Validation loss: one pass over a text with the hidden state carried across windows
(`evaluate_total`), and the lines `rnn-tui eval` prints for a text (`evaluate_text`)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch

from engine.errors import EngineError, check_cancel
from engine.recurrent import detach_hidden

if TYPE_CHECKING:  # pragma: no cover
    from engine.families.lm.task import LanguageModelTask


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


def evaluate_text(task: "LanguageModelTask", model, spec: str | None) -> list[str]:
    """The loss on a text (a corpus spec), or on the run's own held-out split (and its
    test split, if it has one). Characters a character model's vocabulary lacks are left
    out of the text and counted (not refused); a word model reads them as <unk>."""
    from engine.data.corpus import load_corpus

    lines: list[str] = []
    if spec is None:
        task.load_data()
        cfg, words = task.config, task.data.words
        held_out = cfg.val or f"{cfg.val_fraction:.0%} held out of {cfg.corpus}"
        found = [(task.val_ids, words.get("val"), f"the run's held-out text ({held_out})")]
        if task.data.test is not None:
            test = cfg.test or f"the last {cfg.test_fraction:.0%} of {cfg.corpus}"
            found.append((task.data.test, words.get("test"), f"the run's test text ({test})"))
    else:
        text = load_corpus(spec).text
        if task.config.tokens == "char":
            (ids, lines), words = _known_ids(task, text), None
        else:
            ids, words = task.encode(text), _words(task, text)
        found = [(ids, words, spec)]
    return lines + [_eval_line(task, model, ids, words, what) for ids, words, what in found]


def _words(task: "LanguageModelTask", text: str) -> int:
    from engine.families.lm.words import tokenize_words

    return int(tokenize_words(text, task.tokenizer, task.config.eos)[1].sum())


def _eval_line(task: "LanguageModelTask", model, ids: torch.Tensor, words: int | None,
               what: str) -> str:
    total, count = evaluate_total(model, ids, task.device, cancel=task.cancel,
                                  progress=task.progress)
    loss = total / max(count, 1)
    if not math.isfinite(loss):
        raise EngineError(f"the model's loss on {what} is {loss}: its predictions overflow "
                          f"(a checkpoint from a run that was diverging)")
    unit = task.config.tokens
    m = task.loss_metrics(total, count, words)
    unk = "" if task.vocab.unk_id is None else \
        f" ({100 * float((ids == task.vocab.unk_id).float().mean()):.1f}% <unk>)"
    per = f"{m[f'bits_per_{unit}']:.4f} bits/{unit} · perplexity {m['perplexity']:.3f}"
    if "token_perplexity" in m:
        per += (f" per word ({words - 1:,} words with <eos>) · "
                f"{m['token_perplexity']:.3f} per token")
    return (f"{loss:.4f} nats/{'token' if unit == 'word' else unit} · {per} · "
            f"on {count:,} predicted {_plural(unit)}{unk} of {what}")


def _known_ids(task: "LanguageModelTask", text: str) -> tuple[torch.Tensor, list[str]]:
    """The ids of `text` without the characters the vocabulary lacks, and a line that
    counts those (none: no line)."""
    from collections import Counter

    unknown = set(task.vocab.unknown(set(text)))
    if not unknown:
        return task.encode(text), []
    kept = text.translate({ord(ch): None for ch in unknown})
    dropped = len(text) - len(kept)
    counts = Counter(ch for ch in text if ch in unknown)
    shown = " ".join(repr(c) for c, _ in counts.most_common(8))
    if len(kept) < 2:
        raise EngineError(f"nothing to evaluate: every character of {len(text):,} is "
                          f"outside the model's vocabulary ({shown})")
    line = (f"{dropped:,} of {len(text):,} characters ({100 * dropped / len(text):.2g}%) are "
            f"outside the model's vocabulary and were left out: {len(unknown)} distinct, "
            f"most frequent {shown}")
    return task.encode(kept), [line]


def _plural(unit: str) -> str:
    return {"char": "characters", "word": "tokens"}.get(unit, unit + "s")
