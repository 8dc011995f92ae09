"""Several runs side by side, for `rnn-tui compare` (the chart and `--table`) and the app's
runs screen: their curves from metrics.jsonl and their configs, with what differs.

    runs = load_runs(["runs/a", "runs/b"])
    runs[0].train.steps, runs[0].train.seconds, runs[0].train.loss   # numpy arrays
    for key, values, differs in config_rows(runs): ...

Each curve is kept against both the step and the run's active time (TrainStep.elapsed_s;
an evaluation gets the time of the train step it followed), so the chart can align runs by
either. Colours are given by position (the order on the command line), so the same command
draws each run in the same colour every time. No torch, no Textual.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.errors import EngineError
from engine.run.rundir import read_metrics
from rnn_tui.workspace import RunInfo, describe

# One colour per run (train dimmer, validation full): distinct on dark backgrounds.
RUN_COLORS = ("#4fc3f7", "#ffb74d", "#81c784", "#f06292", "#ba68c8", "#fff176", "#a1887f",
              "#4db6ac")
# Config keys that say nothing about the model or how it learns.
NOT_COMPARED = ("log_every", "checkpoint_every_s", "device", "first_look_at")


@dataclass
class Curve:
    steps: np.ndarray = field(default_factory=lambda: np.zeros(0))
    seconds: np.ndarray = field(default_factory=lambda: np.zeros(0))
    loss: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def x(self, by: str) -> np.ndarray:
        return self.seconds if by == "time" else self.steps


@dataclass
class ComparedRun:
    info: RunInfo
    train: Curve
    val: Curve
    color: str
    best_val: float | None  # the lowest held-out loss, nats per token

    @property
    def name(self) -> str:
        return self.info.name


def load_runs(paths: list[str | Path]) -> list[ComparedRun]:
    """The runs to compare, in the order given; a path that is not a run: EngineError."""
    if not paths:
        raise EngineError("give the run directories to compare")
    runs, names = [], short_names([Path(p) for p in paths])
    for k, (path, name) in enumerate(zip(map(Path, paths), names)):
        if not os.path.lexists(path / "metrics.jsonl"):  # (not a file: read_metrics says)
            raise EngineError(f"{path}: no metrics.jsonl, not an rnn-tui run directory")
        info = describe(path)
        info.name = name
        train, val = curves(read_metrics(path))
        best = float(val.loss.min()) if len(val.loss) else None
        runs.append(ComparedRun(info, train, val, RUN_COLORS[k % len(RUN_COLORS)], best))
    return runs


def curves(records: list[dict[str, Any]]) -> tuple[Curve, Curve]:
    """(train, validation) curves of a run's records: the last value logged for each step
    (a run resumed after a kill logged some steps twice), finite losses only."""
    train: dict[int, tuple[float, float]] = {}
    evals: dict[int, float] = {}
    for r in records:
        step = r.get("step")
        if r.get("event") == "train" and _finite(r.get("train_loss")):
            train[int(step)] = (float(r.get("elapsed_s") or 0.0), float(r["train_loss"]))
        elif r.get("event") == "eval" and _finite(r.get("val_loss")):
            evals[int(step)] = float(r["val_loss"])
    t_steps = np.array(sorted(train), dtype=np.float64)
    t_secs = np.array([train[int(s)][0] for s in t_steps])
    t_loss = np.array([train[int(s)][1] for s in t_steps])
    v_steps = np.array(sorted(evals), dtype=np.float64)
    v_secs = np.interp(v_steps, t_steps, t_secs) if len(t_steps) else np.zeros(len(v_steps))
    return (Curve(t_steps, t_secs, t_loss),
            Curve(v_steps, v_secs, np.array([evals[int(s)] for s in v_steps])))


def config_rows(runs: list[ComparedRun]) -> list[tuple[str, list[str], bool]]:
    """(key, the runs' values as text, whether they differ) for every config key any run
    has, the differing ones first (then in the config's own order)."""
    keys: list[str] = []
    for run in runs:
        keys += [k for k in run.info.config if k not in keys and k not in NOT_COMPARED]
    rows = []
    for key in keys:
        values = [_shown(run.info.config.get(key, "–")) for run in runs]
        rows.append((key, values, len(set(values)) > 1))
    return sorted(rows, key=lambda row: not row[2])


def summary_rows(runs: list[ComparedRun]) -> list[list[str]]:
    """One row per run for `--table`: name, family, model, data, steps, active time, last
    train loss, the best evaluation (the family's headline, else the held-out loss)."""
    out = []
    for run in runs:
        last = f"{run.train.loss[-1]:.4f}" if len(run.train.loss) else "–"
        secs = run.train.seconds[-1] if len(run.train.seconds) else 0.0
        out.append([run.name, run.info.family, run.info.model, run.info.data,
                    f"{run.info.steps:,}", _clock(secs), last, run.info.best])
    return out


SUMMARY_HEADER = ["run", "family", "model", "data", "steps", "time", "last train", "best"]


def short_names(paths: list[Path]) -> list[str]:
    """The shortest trailing parts of the paths that tell them apart ("s1/1-gru")."""
    for depth in range(1, 6):
        names = ["/".join(p.resolve().parts[-depth:]) for p in paths]
        if len(set(names)) == len(names):
            return names
    return [str(p) for p in paths]


def _finite(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)


def _shown(v: Any) -> str:
    return f"{v:g}" if isinstance(v, float) else str(v)


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
