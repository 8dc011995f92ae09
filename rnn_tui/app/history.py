"""A run's history from its `metrics.jsonl`, for `rnn-tui open DIR` (the app resuming a run).

`load_history(DIR)` reads the file (`engine.rundir.read_metrics`, which skips a torn last line),
turns the records back into engine events and boils them down to what the panels show: the
train and validation curves, the baselines, the hyperparameter markers, the last probes, gates
and samples, and the latest values for the status bar. It runs on the training worker thread,
before the trainer is built (the trainer truncates metrics.jsonl to its checkpoint on resume),
so the UI thread only receives the finished `History` and never parses JSON.

Records logged after the last checkpoint are dropped: the resumed trainer redoes those steps.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from engine import events as ev
from engine.seq2seq.events import Attention, Seq2SeqEval, Seq2SeqTrainStep

EVENT_TYPES: dict[str, type[ev.Event]] = {cls.name: cls for cls in ev.ALL_EVENTS}
EVENT_TYPES[Attention.name] = Attention
_FIELDS = {cls: {f.name for f in dataclasses.fields(cls)}
           for cls in (*ev.ALL_EVENTS, Attention, Seq2SeqEval, Seq2SeqTrainStep)}
LIVE_HPARAMS = ("lr", "clip", "clip_mode", "bptt", "temperature", "teacher_forcing")


@dataclass
class History:
    """What the panels show of a run's past. Plain data, safe to pass between threads."""

    train_x: list[float] = field(default_factory=list)
    train_y: list[float] = field(default_factory=list)
    val_x: list[float] = field(default_factory=list)
    val_y: list[float] = field(default_factory=list)
    markers: list[tuple[int, str, Any]] = field(default_factory=list)  # (step, key, new value)
    baselines: ev.Baselines | None = None
    samples: list[ev.Sample] = field(default_factory=list)  # the last few, oldest first
    probes: list[ev.Probe] = field(default_factory=list)  # the last `keep_probes`
    gates: ev.Gates | None = None  # the last (metrics.jsonl keeps no hidden states)
    attention: list[Attention] = field(default_factory=list)  # seq2seq: the last few
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


def event_from_record(record: dict[str, Any]) -> ev.Event | None:
    """One metrics.jsonl record back to its event; None for an unknown or malformed one."""
    cls = EVENT_TYPES.get(record.get("event")) if isinstance(record, dict) else None
    if cls is None:
        return None
    if cls is ev.Eval and "exact_match" in record:  # a seq2seq run's evaluation
        cls = Seq2SeqEval
    elif cls is ev.TrainStep and "teacher_forcing" in record:
        cls = Seq2SeqTrainStep
    kwargs = {k: v for k, v in record.items() if k in _FIELDS[cls]}
    if cls is ev.Gates:
        kwargs.setdefault("hidden", [])  # dropped from the log (too big)
    try:
        return cls(**kwargs)
    except TypeError:
        return None


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def history_from_records(records: Iterable[dict[str, Any]], *, keep_samples: int = 3,
                         keep_probes: int = 200) -> History:
    events = [e for e in map(event_from_record, records) if e is not None]
    checkpoints = [e.step for e in events if isinstance(e, ev.Checkpoint)]
    if checkpoints:  # the trainer resumes from the last checkpoint and redoes what followed
        cut = checkpoints[-1]
        events = [e for e in events if getattr(e, "step", 0) <= cut]
    h = History(records=len(events))
    for e in events:
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
        elif isinstance(e, ev.Gates):
            h.gates = e
        elif isinstance(e, ev.Sample):
            h.samples.append(e)
        elif isinstance(e, Attention):
            h.attention.append(e)
        elif isinstance(e, ev.Baselines):
            h.baselines = e
        elif isinstance(e, ev.Started):
            h.started = e
            cfg = e.config or {}
            h.hparams.update({k: cfg[k] for k in LIVE_HPARAMS if k in cfg})
        elif isinstance(e, ev.HParamChange):
            h.markers.append((e.step, e.key, e.new))
            if e.key in LIVE_HPARAMS:
                h.hparams[e.key] = e.new
        elif isinstance(e, ev.Checkpoint):
            h.checkpoint = e
    h.samples = h.samples[-keep_samples:] if keep_samples > 0 else []
    del h.attention[:-20]
    del h.probes[:-keep_probes]
    return h


def load_history(out_dir: str | Path, **kwargs: Any) -> History:
    """The history of run directory `out_dir` (EngineError when it has no metrics.jsonl)."""
    from engine.rundir import read_metrics

    return history_from_records(read_metrics(out_dir), **kwargs)
