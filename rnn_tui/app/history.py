"""A run's history from its `metrics.jsonl`: the one reader of that file in the app, the runs
list (rnn_tui/workspace.py) and the comparison (rnn_tui/compare/runs.py).

`read_events(DIR)` reads the file (`engine.storage.metrics.read_metrics`, which skips a torn last
line) and turns the records back into engine events (by their `event` name,
engine.events.from_record; a malformed record is left out). `load_history(DIR)` boils them
down to what the panels show: the train and validation curves, the baselines,
the hyperparameter markers, the last probes, the family's last own events (samples, gates,
attention grids: as many as each event class keeps, `KEEP_IN_HISTORY`), and the latest values
for the status bar. It runs on the training worker thread,
before the trainer is built (the trainer truncates metrics.jsonl to its checkpoint on resume),
so the UI thread only receives the finished `History` and never parses JSON.

Records logged after the last checkpoint are dropped: the resumed trainer redoes those steps.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from engine import events as ev
from engine import families
from engine.errors import EngineError

COMMON = (ev.Started, ev.Baselines, ev.TrainStep, ev.Eval, ev.Probe, ev.Checkpoint,
          ev.HParamChange, ev.Warning, ev.Finished)


@dataclass
class History:
    """What the panels show of a run's past. Plain data, safe to pass between threads."""

    train_x: list[float] = field(default_factory=list)
    train_y: list[float] = field(default_factory=list)
    val_x: list[float] = field(default_factory=list)
    val_y: list[float] = field(default_factory=list)
    markers: list[tuple[int, str, Any]] = field(default_factory=list)  # (step, key, new value)
    baselines: ev.Baselines | None = None
    probes: list[ev.Probe] = field(default_factory=list)  # the last `keep_probes`
    family_events: list[ev.Event] = field(default_factory=list)  # the family's, in order
    started: ev.Started | None = None
    last_train: ev.TrainStep | None = None
    last_eval: ev.Eval | None = None
    checkpoint: ev.Checkpoint | None = None
    best_val: float | None = None
    hparams: dict[str, Any] = field(default_factory=dict)  # latest live hparam values
    records: int = 0  # events read (after the cut at the checkpoint)

    @property
    def step(self) -> int:
        """The last step the history knows of (0 for an empty one)."""
        steps = [e.step for e in (self.last_train, self.last_eval, self.checkpoint) if e]
        return max(steps, default=0)

    @property
    def empty(self) -> bool:
        return self.records == 0


def events_from_records(records: Iterable[Any]) -> list[ev.Event]:
    """metrics.jsonl records back to their events, a row of an older format first upgraded
    by the family that wrote it (its registry entry's `upgrade`); unknown or malformed ones
    are left out."""
    families.load_events()  # every family's events can be read back by name
    records = list(records)
    upgrade = upgrade_of(records)
    return [e for e in (ev.from_record(upgrade(r)) for r in records) if e is not None]


def upgrade_of(records: list[Any]) -> Any:
    """The upgrade of the family whose run logged `records` (its start row says which; none
    said: a run from before the families, the default family's)."""
    start = next((r for r in records if isinstance(r, dict) and r.get("event") == "start"),
                 {})
    try:
        return families.get(start.get("family") or families.DEFAULT).record_upgrade()
    except EngineError:  # a family this version does not know: its rows as they are
        return lambda record: record


def read_events(out_dir: str | Path) -> list[ev.Event]:
    """Every event a run directory logged (EngineError when it has no metrics.jsonl)."""
    from engine.storage.metrics import read_metrics

    return events_from_records(read_metrics(out_dir))


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def history_from_events(events: list[ev.Event], *, keep_probes: int = 200) -> History:
    checkpoints = [e.step for e in events if isinstance(e, ev.Checkpoint)]
    if checkpoints:  # the trainer resumes from the last checkpoint and redoes what followed
        cut = checkpoints[-1]
        events = [e for e in events if getattr(e, "step", 0) <= cut]
    h = History(records=len(events))
    own: dict[str, list[tuple[int, ev.Event]]] = defaultdict(list)
    for i, e in enumerate(events):
        if isinstance(e, ev.TrainStep):
            if _finite(e.train_loss):
                h.train_x.append(e.step)
                h.train_y.append(e.train_loss)
            h.last_train = e
        elif isinstance(e, ev.Eval):
            if _finite(e.val_loss):
                h.val_x.append(e.step)
                h.val_y.append(e.val_loss)
                if h.best_val is None or e.val_loss < h.best_val:
                    h.best_val = e.val_loss
            h.last_eval = e
        elif isinstance(e, ev.Probe):
            h.probes.append(e)
        elif isinstance(e, ev.Baselines):
            h.baselines = e
        elif isinstance(e, ev.Started):
            h.started = e
            h.hparams.update(e.config or {})
        elif isinstance(e, ev.HParamChange):
            h.markers.append((e.step, e.key, e.new))
            h.hparams[e.key] = e.new
        elif isinstance(e, ev.Checkpoint):
            h.checkpoint = e
        elif not isinstance(e, COMMON):
            own[e.name].append((i, e))
    kept = [pair for seq in own.values() for pair in seq[-type(seq[0][1]).KEEP_IN_HISTORY:]]
    h.family_events = [e for _, e in sorted(kept, key=lambda pair: pair[0])]
    del h.probes[:-keep_probes]
    return h


def load_history(out_dir: str | Path, **kwargs: Any) -> History:
    """The history of run directory `out_dir` (EngineError when it has no metrics.jsonl)."""
    return history_from_events(read_events(out_dir), **kwargs)
