"""The run directory: what a training run leaves on disk, shared by `rnn-tui run` and the app.

    DIR/config.json              the resolved config (after defaults, TOML and flags)
    DIR/metrics.jsonl            one JSON object per event, with an "event" field
    DIR/samples.txt              the samples taken during training, with a header each
    DIR/checkpoint.safetensors   the latest checkpoint (see engine.checkpoint)
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from engine import events as ev
from engine.checkpoint import FILENAME as CHECKPOINT
from engine.errors import EngineError

OWN_FILES = ("config.json", "metrics.jsonl", "samples.txt", CHECKPOINT)


def prepare(out_dir: str | Path, resume: bool = False, force: bool = False) -> Path:
    """Create or check DIR. An existing run is refused unless resume or force."""
    path = Path(out_dir)
    if path.exists() and not path.is_dir():
        raise EngineError(f"--out {path} exists and is not a directory")
    existing = path.is_dir() and any(path.iterdir())
    if resume:
        if not (path / CHECKPOINT).is_file():
            raise EngineError(f"cannot resume: no {CHECKPOINT} in {path}")
    elif existing and not force:
        raise EngineError(f"output directory {path} already exists and is not empty; "
                          f"use --resume to continue that run or --force to start over")
    elif existing and force:
        for name in OWN_FILES:
            (path / name).unlink(missing_ok=True)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".rnn-tui-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise EngineError(f"cannot write to output directory {path}: "
                          f"{exc.strerror or exc}") from None
    return path


class RunWriter:
    """Appends events to metrics.jsonl (flushed per line, so a kill loses nothing written)."""

    def __init__(self, out_dir: Path):
        self.dir = out_dir
        self._metrics = open(out_dir / "metrics.jsonl", "a", encoding="utf-8")

    def write_config(self, config: dict[str, Any]) -> None:
        tmp = self.dir / ".config.json.tmp"
        tmp.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self.dir / "config.json")

    def write(self, event: ev.Event) -> None:
        self._metrics.write(json.dumps(_finite(event.to_dict())) + "\n")
        self._metrics.flush()
        text = event.text_log()
        if text is not None:
            with open(self.dir / "samples.txt", "a", encoding="utf-8") as fh:
                fh.write(text)

    def close(self) -> None:
        self._metrics.close()


def truncate_metrics(out_dir: Path, step: int) -> None:
    """On resume, drop events logged after the checkpoint's step: they will be redone."""
    path = out_dir / "metrics.jsonl"
    if not path.exists():
        return
    kept = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut by a kill
        if record.get("step", 0) <= step:
            kept.append(line)
    path.write_text("".join(k + "\n" for k in kept), encoding="utf-8")


def read_metrics(out_dir: str | Path) -> list[dict[str, Any]]:
    """All events of a run directory, skipping a torn last line."""
    path = Path(out_dir) / "metrics.jsonl"
    if not path.exists():
        raise EngineError(f"no metrics.jsonl in {out_dir}: not an rnn-tui run directory")
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return records


def _finite(obj: Any) -> Any:
    """JSON has no NaN/inf: write them as null so every line stays valid JSON."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj
