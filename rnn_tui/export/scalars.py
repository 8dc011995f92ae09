"""Every scalar in one metrics.jsonl row: the numbers the run logged, named "event/key".

A row's numbers are its numeric fields (train/train_loss, train/lr, train/grad_norm,
train/tokens_per_s, eval/val_loss and every eval metric, probe/clipped_norm,
probe/clip_fraction, ...; booleans as 0/1), the numeric leaves of its dict fields
(baselines/losses/uniform) and, for the list fields its event class declares as SERIES
(engine/events.py), one scalar per index: probe/grad_norms/<layer>/<t> is the gradient
norm at timestep t, the history of the vanishing-gradient picture. Other lists (samples,
attention grids, confusion matrices) are pictures, not scalars: `rnn-tui report` draws them.
Missing numbers (null: NaN or inf in the run) are left out.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from engine import events as ev
from engine import families


@dataclass(frozen=True)
class Scalar:
    tag: str  # "train/train_loss", "probe/grad_norms/0/07"
    step: int
    wall_time: float  # Unix seconds when the row was written
    value: float


def row_scalars(record: dict[str, Any]) -> list[tuple[str, float]]:
    """(tag, value) of every scalar in one metrics.jsonl row (or an event's to_dict())."""
    families.load_events()  # a family's rows name their SERIES in its events module
    name = str(record.get("event", "event"))
    cls = ev.EVENTS.get(name)
    series = cls.SERIES if cls is not None else ()
    skip = {*ev.NOT_FIELDS, "step", cls.HPARAMS if cls is not None else None}
    out: list[tuple[str, float]] = []
    for key, value in record.items():
        if key not in skip:
            _flatten(f"{name}/{key}", value, out, lists=key in series)
    return out


def _flatten(tag: str, value: Any, out: list[tuple[str, float]], lists: bool) -> None:
    """Numbers of VALUE into OUT; lists only when LISTS (a SERIES field), else skipped."""
    if isinstance(value, bool):
        out.append((tag, float(value)))
    elif isinstance(value, (int, float)):
        if math.isfinite(value):
            out.append((tag, float(value)))
    elif isinstance(value, dict):
        for key, inner in value.items():
            _flatten(f"{tag}/{key}", inner, out, lists)
    elif isinstance(value, list) and lists:
        width = len(str(max(len(value) - 1, 0)))  # zero-padded: tags sort by position
        for i, inner in enumerate(value):
            _flatten(f"{tag}/{i:0{width}d}", inner, out, lists)


def run_scalars(records: list[dict[str, Any]], fallback_wall: float) -> list[Scalar]:
    """The scalars of a run's rows in order. Rows written before metrics.jsonl had a
    wall_time get `fallback_wall` (the file's modification time)."""
    out = []
    for record in records:
        step = int(record.get("step", 0))
        wall = record.get(ev.WALL_TIME)
        wall = float(wall) if isinstance(wall, (int, float)) else fallback_wall
        out += [Scalar(tag, step, wall, value) for tag, value in row_scalars(record)]
    return out


def hparams(config: dict[str, Any]) -> dict[str, Any]:
    """The config as hyperparameters: numbers, strings and booleans as they are, anything
    else (a list, None) as its text, since TensorBoard's hparams take only those three."""
    return {k: v if isinstance(v, (bool, int, float, str)) else str(v)
            for k, v in config.items()}
