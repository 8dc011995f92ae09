"""A run's budget (--steps, --minutes), shared by the language-model and seq2seq trainers."""

from __future__ import annotations

FINISH_MESSAGES = {
    "steps": "reached the step budget",
    "time": "reached the time budget",
    "stopped": "stopped on request",
}


def progress(cfg, step: int, elapsed: float) -> float | None:
    """Fraction of the budget spent (the further of steps and time), None without a budget."""
    parts = []
    if cfg.steps:
        parts.append(step / cfg.steps)
    if cfg.minutes:
        parts.append(elapsed / (cfg.minutes * 60))
    return max(parts) if parts else None


def finish_reason(cfg, step: int, elapsed: float, stopped: bool) -> str | None:
    """Why the run should end now ("stopped", "steps", "time"), or None to go on."""
    if stopped:
        return "stopped"
    if cfg.steps is not None and step >= cfg.steps:
        return "steps"
    if cfg.minutes is not None and elapsed >= cfg.minutes * 60:
        return "time"
    return None
