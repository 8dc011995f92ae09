"""Sentence scores as text: per-token surprisal bars and the "which is likelier" line, for
`rnn-tui score` and the app's comparison panel (rnn_tui/widgets/surprisal_view.py).

A score is a dict as the Scores event carries it: {"text", "tokens", "unknown",
"log_probs"} with ln P per token. Surprisal is -log2 P in bits: 1 bit is a coin flip, 10
bits a one-in-a-thousand guess; a sentence's ln P is the sum of its tokens'.
"""

from __future__ import annotations

import math

LN2 = math.log(2.0)
EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(bits: float, width: int, scale: float) -> str:
    """A horizontal bar of BITS at SCALE bits per cell, at most WIDTH cells (an arrow when
    it does not fit), drawn in eighths of a cell."""
    if not math.isfinite(bits) or bits <= 0 or width <= 0:
        return ""
    cells = bits / scale
    if cells > width:
        return "█" * (width - 1) + "▶"
    full = int(cells)
    part = EIGHTHS[int((cells - full) * 8)]
    return ("█" * full + part).rstrip()


def totals(score: dict) -> tuple[float, float, float]:
    """(ln P in nats, -log2 P in bits, perplexity per token) of one sentence."""
    lp = float(sum(score["log_probs"]))
    n = max(1, len(score["log_probs"]))
    return lp, -lp / LN2, math.exp(min(700.0, -lp / n))


def headline(score: dict) -> str:
    lp, bits, ppl = totals(score)
    n = len(score["log_probs"])
    return (f"ln P = {lp:.2f} nats ({bits:.2f} bits) · perplexity {ppl:,.1f} over {n} "
            f"token{'s' if n != 1 else ''}")


def token_rows(score: dict, width: int, scale: float) -> list[tuple[str, float, str, bool]]:
    """(token, bits, bar, unknown) per token."""
    out = []
    for token, lp, unk in zip(score["tokens"], score["log_probs"], score["unknown"]):
        bits = -lp / LN2
        out.append((_shown(token), bits, bar(bits, width, scale), bool(unk)))
    return out


def scale_for(scores: list[dict], width: int) -> float:
    """Bits per cell so that the most surprising token of all fits in WIDTH cells (whole
    bits per cell when that is enough): one scale, so the bars of two sentences compare."""
    worst = max((-lp / LN2 for s in scores for lp in s["log_probs"]), default=1.0)
    per_cell = worst / max(1, width)
    return max(1.0, math.ceil(per_cell)) if per_cell > 1 else max(per_cell, 0.25)


def verdict(scores: list[dict]) -> str | None:
    """With two or more sentences: which is likelier, and by how much."""
    if len(scores) < 2:
        return None
    ranked = sorted(scores, key=lambda s: totals(s)[0], reverse=True)
    best, next_ = ranked[0], ranked[1]
    gap = totals(best)[0] - totals(next_)[0]  # nats
    times = math.exp(gap) if gap < 700 else math.inf
    how = f"{times:,.0f}×" if times >= 10 else f"{times:.2f}×"
    return (f"{best['text']!r} is {how} as likely as {next_['text']!r} "
            f"(Δ ln P = {gap:.2f} nats = {gap / LN2:.1f} bits)")


def _shown(token: str) -> str:
    return {"\n": "⏎", " ": "␣", "\t": "→"}.get(token, token)
