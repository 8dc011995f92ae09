"""A race's standings, kept up to date from the racers' events (engine/racing/race.py).

    table = Standings(["rnn", "lstm"], threshold=0.01)
    table.update("lstm", event)      # every (racer, event) the race yields
    for s in table.ranked(): ...     # solved first (least own time to solve), then by best

Each racer is judged by its family's headline metric (`Task.headline`: the adding task's mse,
a seq2seq task's exact match; the held-out loss when there is none) and "solved" is the first
evaluation past `threshold` on it. Time is the racer's OWN active time (`elapsed_s`: its
steps and side jobs), which is what it would have taken alone on one core; the racers'
steps are kept equal by the race, so a cheap cell does not win by training more.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from engine import events as ev


@dataclass
class Standing:
    name: str
    metric: str = "val_loss"  # the headline metric it is judged by
    higher_is_better: bool = False
    describe: str = ""  # the model in a few words ("LSTM 128×1")
    steps: int = 0
    own_s: float = 0.0  # its own active seconds so far
    train_loss: float | None = None
    grad_norm: float | None = None
    last: float | None = None  # the latest evaluation's headline value
    best: float | None = None
    best_step: int | None = None
    solved_step: int | None = None  # first evaluation past the threshold
    solved_s: float | None = None  # its own seconds at that evaluation
    baseline: float | None = None  # the family's first baseline on the headline metric
    status: str = "starting"  # starting | training | finished | diverged | failed | stopped
    message: str = ""  # why it ended (divergence, failure)
    history: list[tuple[int, float]] = field(default_factory=list)  # (step, headline)

    def better(self, a: float, b: float | None) -> bool:
        return b is None or (a > b if self.higher_is_better else a < b)


class Standings:
    def __init__(self, names: list[str], threshold: float | None = None) -> None:
        self.threshold = threshold
        self.rows: dict[str, Standing] = {n: Standing(n) for n in names}

    def judge_by(self, name: str, headline: tuple[str, bool] | None, describe: str) -> None:
        """Which metric racer `name` is judged by (its task's headline)."""
        row = self.rows[name]
        row.metric, row.higher_is_better = headline or ("val_loss", False)
        row.describe = describe

    def update(self, name: str, event: ev.Event) -> None:
        row = self.rows[name]
        if isinstance(event, ev.TrainStep):
            row.steps, row.own_s, row.status = event.step, event.elapsed_s, "training"
            row.train_loss, row.grad_norm = event.train_loss, event.grad_norm
        elif isinstance(event, ev.Eval):
            self._eval(row, event)
        elif isinstance(event, ev.Baselines):
            for values in event.metrics.values():
                if row.metric in values:
                    row.baseline = values[row.metric]
                    break
            else:
                if row.metric == "val_loss" and event.losses:
                    row.baseline = min(event.losses.values())
        elif isinstance(event, ev.Finished):
            row.steps = max(row.steps, event.step)
            row.status = {"steps": "finished", "time": "finished"}.get(event.reason,
                                                                        event.reason)
            row.message = event.message if event.reason in ("diverged", "failed") else ""

    def ended(self) -> str:
        """How the race ended, for the exit code: "stopped" (a racer was interrupted),
        "failed" (none finished and one failed: a full disk, bad data), "diverged" (none
        finished and one diverged), else "finished"."""
        statuses = {row.status for row in self.rows.values()}
        if "stopped" in statuses:
            return "stopped"
        if "finished" not in statuses:
            for status in ("failed", "diverged"):
                if status in statuses:
                    return status
        return "finished"

    def _eval(self, row: Standing, event: ev.Eval) -> None:
        value: Any = event.val_loss if row.metric == "val_loss" else \
            event.metrics.get(row.metric)
        if not isinstance(value, (int, float)) or not math.isfinite(value):
            return
        row.last = value
        row.history.append((event.step, value))
        if row.better(value, row.best):
            row.best, row.best_step = value, event.step
        t = self.threshold
        past = t is not None and (value > t if row.higher_is_better else value < t)
        if past and row.solved_step is None:
            row.solved_step, row.solved_s = event.step, row.own_s

    def ranked(self) -> list[Standing]:
        """Solved first (least own time to solve), then by best value, then the rest."""
        def key(s: Standing) -> tuple:
            if s.solved_step is not None:
                return (0, s.solved_s or 0.0, s.solved_step)
            if s.best is not None:
                return (1, -s.best if s.higher_is_better else s.best, 0)
            return (2, 0.0, 0)

        return sorted(self.rows.values(), key=key)

    def step_spread(self) -> float:
        """max / min steps over the racers (1.0 = perfectly fair)."""
        steps = [s.steps for s in self.rows.values()]
        return max(steps) / max(1, min(steps)) if steps else 1.0
