"""What a lesson step has seen of its runs: the engine's events, folded into plain values.

One `Observation` per step attempt. It is fed every event the controller reports (any
object with the engine Event interface; anything else is ignored) and keeps, per run the
step started: its settings, the latest and best value of every metric, the latest gradient
probe; and, for the event names the step's checks mention, the events themselves. The
predicates (predicates.py) read only this, so the app and the headless autoplay evaluate a
check the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

RECOVER_STEPS = 20  # a run trains this many steps after a divergence: "recovered"
KEEP_EVENTS = 200  # per event name, the newest kept for `where` matching
SYNTHETIC_EVENTS = ("recovered",)  # events the observation makes up (not the engine's)
# Train/eval/probe fields read as metrics (besides the family's own metrics and extras).
TRAIN_FIELDS = ("train_loss", "grad_norm", "lr", "tokens_per_s", "elapsed_s", "step")
PROBE_FIELDS = ("global_norm", "clipped_norm", "clip_fraction")
COMMON_METRICS = TRAIN_FIELDS + PROBE_FIELDS + ("val_loss",)


def lower_is_better(metric: str) -> bool:
    """Whether a smaller value of `metric` is the better one (losses, perplexity...)."""
    return any(k in metric for k in ("loss", "perplexity", "bits_per", "norm", "mse"))


@dataclass
class RunRecord:
    """One run a step started (a new `started` event starts the next record)."""
    config: dict[str, Any]
    settings: dict[str, Any]  # the config with the live changes applied
    metrics: dict[str, Any] = field(default_factory=dict)  # latest value by name
    best: dict[str, Any] = field(default_factory=dict)  # best value by name
    grad_norms: list[list[float]] | None = None  # the latest probe: layers x timesteps
    first_step: int | None = None
    elapsed0: float | None = None  # the run's active time when this step first saw it
    finished: str | None = None  # the end event's reason

    def train_seconds(self) -> float:
        """Active training time of this run since the step first saw it."""
        return self.metrics.get("elapsed_s", 0.0) - (self.elapsed0 or 0.0)

    def label(self) -> str:
        return str(self.config.get("model", "run"))

    def update(self, name: str, value: Any) -> None:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            return
        self.metrics[name] = value
        if not math.isfinite(value):
            return
        old = self.best.get(name)
        if old is None or (value < old if lower_is_better(name) else value > old):
            self.best[name] = value


class Observation:
    """Everything a step's checks can ask about (see the module docstring)."""

    def __init__(self, watched: frozenset[str] = frozenset()) -> None:
        self.watched = watched  # event names whose records are kept
        self.runs: list[RunRecord] = []
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.answer: int | None = None  # the choice the learner gave (0-based)
        self.diverged = False

    @property
    def current(self) -> RunRecord | None:
        return self.runs[-1] if self.runs else None

    def feed(self, event: Any) -> None:
        name = getattr(event, "name", None)
        if not isinstance(name, str) or not hasattr(event, "to_dict"):
            return  # a controller's own state change, not an engine event
        handler = getattr(self, f"_on_{name}", None)
        if handler is not None:
            handler(event)
        if name in self.watched:
            self._keep(name, event.to_dict())

    def _keep(self, name: str, record: dict[str, Any]) -> None:
        kept = self.events.setdefault(name, [])
        kept.append(record)
        del kept[:-KEEP_EVENTS]

    # --- the engine's events -------------------------------------------------------------

    def _on_start(self, event: Any) -> None:
        self.runs.append(RunRecord(dict(event.config), dict(event.config),
                                   first_step=event.step, elapsed0=0.0))

    _on_opened = _on_start

    def _on_train(self, event: Any) -> None:
        run = self.record()
        if run.elapsed0 is None:
            run.elapsed0 = event.elapsed_s
        for key in TRAIN_FIELDS:
            run.update(key, getattr(event, key))
        for key, value in (event.extras or {}).items():
            run.update(key, value)
        if self.diverged and run.finished is None and \
                event.step - (run.first_step or 0) >= RECOVER_STEPS and \
                math.isfinite(event.train_loss):
            self.diverged = False
            self._keep("recovered", {"event": "recovered", "step": event.step})

    def _on_eval(self, event: Any) -> None:
        run = self.record()
        run.update("val_loss", event.val_loss)
        for key, value in (event.metrics or {}).items():
            run.update(key, value)

    def _on_probe(self, event: Any) -> None:
        run = self.record()
        run.grad_norms = event.grad_norms
        for key in PROBE_FIELDS:
            run.update(key, getattr(event, key))

    def _on_hparam(self, event: Any) -> None:
        self.record().settings[event.key] = event.new

    def _on_end(self, event: Any) -> None:
        run = self.record()
        run.finished = event.reason
        if event.reason == "diverged":
            self.diverged = True

    def record(self) -> RunRecord:
        """The current run (a record with no config when events arrive before `started`)."""
        if not self.runs:
            self.runs.append(RunRecord({}, {}))
        return self.runs[-1]
