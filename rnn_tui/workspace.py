"""Where the app keeps its runs, and what a directory of runs holds.

One launch of the app is one session, and its runs live side by side in one directory -
the run it started with, and one more for every reset, cell, task or attention switch:

    runs/20250114-093012/1-gru/
    runs/20250114-093012/2-lstm/     (after `m`)

With `--out DIR` the first run is DIR and the later ones are its siblings DIR-2, DIR-3, ...
`scan(root)` lists the run directories under a root (a session, or all of runs/) with what
the runs screen and `rnn-tui runs list` show; `rename` and `delete` refuse a run another
process (or this one) is training. Nothing here imports torch or Textual, except the
family's Task class for its headline metric (`best`).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import families
from engine.errors import EngineError
from engine.run.rundir import CHECKPOINT, METRICS, holder, read_metrics

RUN_FILES = ("config.json", METRICS, CHECKPOINT)  # a directory with one of these is a run
DEFAULT_ROOT = "runs"


class Workspace:
    """The run directories of one launch of the app (see the module docstring)."""

    def __init__(self, root: str | Path = DEFAULT_ROOT, first: str | None = None,
                 session: str | None = None) -> None:
        self.root = Path(root)
        self.first = first  # --out: the first run's directory, the later ones beside it
        self.session = unused(self.root / (session or time.strftime("%Y%m%d-%H%M%S")))
        self.count = 0

    def next_dir(self, config: Any) -> Path:
        """The directory of the next run of this launch."""
        self.count += 1
        if self.first is not None:
            return Path(self.first) if self.count == 1 else sibling(self.first)
        return unused(self.session / f"{self.count}-{config.short_name()}")

    @property
    def runs_root(self) -> Path:
        """Where the runs screen looks: all sessions (or --out's parent)."""
        return Path(self.first).parent if self.first is not None else self.root


def sibling(path: str | Path) -> Path:
    """PATH-2, PATH-3, ...: the first that does not exist."""
    base = str(path).rstrip("/\\") or str(path)
    k = 2
    while os.path.exists(f"{base}-{k}"):
        k += 1
    return Path(f"{base}-{k}")


def unused(path: Path) -> Path:
    return sibling(path) if path.exists() else path


# --- what is in a directory of runs ---------------------------------------------------------


@dataclass
class RunInfo:
    """One run directory, as the runs screen and `runs list` show it."""

    path: Path
    name: str  # relative to the root it was found under
    family: str
    model: str  # "GRU 512×2"
    data: str  # the corpus or the task
    steps: int  # the checkpoint's step (else the last logged one)
    best: str  # "val 1.523" or "exact_match 99.50%"; "–" before the first evaluation
    size: int  # bytes on disk
    modified: float  # seconds since the epoch, of the newest file
    checkpoint: bool
    in_use: int | None = None  # pid of a process training it now
    config: dict[str, Any] = field(default_factory=dict, repr=False)

    def config_object(self) -> Any:
        """The run's config as its family's dataclass (to open it)."""
        return families.get(self.family).config_class().from_dict(self.config,
                                                                  source=str(self.path))


def is_run(path: Path) -> bool:
    return path.is_dir() and any((path / name).exists() for name in RUN_FILES)


def run_dirs(root: Path, depth: int = 3) -> list[Path]:
    """Run directories under ROOT (ROOT itself if it is one), at most `depth` levels down."""
    root = Path(root)
    if is_run(root):
        return [root]
    if depth <= 0 or not root.is_dir():
        return []
    found: list[Path] = []
    for child in sorted(root.iterdir()):
        if child.is_dir() and not child.name.startswith("."):
            found += run_dirs(child, depth - 1)
    return found


def scan(root: str | Path) -> list[RunInfo]:
    """Every run under ROOT, newest first (unreadable ones are left out)."""
    root = Path(root)
    infos = []
    for path in run_dirs(root):
        try:
            infos.append(describe(path, root))
        except (EngineError, OSError, ValueError):
            continue
    return sorted(infos, key=lambda r: r.modified, reverse=True)


def describe(path: Path, root: Path | None = None) -> RunInfo:
    records = read_metrics(path) if (path / METRICS).exists() else []
    started = next((r for r in records if r.get("event") == "start"), {})
    family = started.get("family", families.DEFAULT)
    config = _read_config(path) or started.get("config") or {}
    cfg = families.get(family).config_class().from_dict(config, source=str(path))
    steps = _checkpoint_step(path)
    if steps is None:
        steps = max((int(r.get("step", 0)) for r in records if r.get("event") == "train"),
                    default=0)
    files = [p for p in path.rglob("*") if p.is_file()]
    name = str(path.relative_to(root)) if root is not None and path != root else path.name
    return RunInfo(path=path, name=name or path.name, family=family, model=cfg.describe(),
                   data=cfg.data_label(), steps=steps, best=best_metric(family, records),
                   size=sum(p.stat().st_size for p in files),
                   modified=max((p.stat().st_mtime for p in files), default=0.0),
                   checkpoint=(path / CHECKPOINT).is_file(), in_use=holder(path),
                   config=config)


def best_metric(family: str, records: list[dict[str, Any]]) -> str:
    """The family's headline at its best evaluation (else the lowest held-out loss)."""
    evals = [r for r in records if r.get("event") == "eval"
             and isinstance(r.get("val_loss"), (int, float))]
    if not evals:
        return "–"
    task = families.get(family).task_class()
    if task.headline:
        key, higher = task.headline
        values = [r[key] for r in evals if isinstance(r.get(key), (int, float))]
        if values:
            fmt = next((f for k, _label, f in task.report_metrics if k == key), ".4g")
            value = max(values) if higher else min(values)
            return f"{key} " + (f"{100 * value:.2f}%" if fmt == "%" else format(value, fmt))
    return f"val {min(r['val_loss'] for r in evals):.3f}"


def _read_config(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((path / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _checkpoint_step(path: Path) -> int | None:
    """The step in the checkpoint's header (read without its tensors)."""
    try:
        with open(path / CHECKPOINT, "rb") as fh:
            n = int.from_bytes(fh.read(8), "little")
            header = json.loads(fh.read(min(n, 64 << 20)).decode("utf-8"))
        meta = json.loads(header.get("__metadata__", {}).get("rnn_tui", "{}"))
        return int(meta["step"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


# --- changing runs ------------------------------------------------------------------------


def check_not_in_use(path: Path) -> None:
    pid = holder(path)
    if pid is not None:
        who = "this app" if pid == os.getpid() else f"pid {pid}"
        raise EngineError(f"{path} is being trained ({who}): stop it first")


def rename(path: Path, new_name: str) -> Path:
    """Rename a run directory in place (same parent); refused while it trains."""
    new_name = new_name.strip()
    if not new_name or "/" in new_name or "\\" in new_name or new_name in (".", ".."):
        raise EngineError(f"{new_name!r} is not a name for a run directory (no slashes)")
    if not is_run(path):
        raise EngineError(f"{path} is not a run directory")
    check_not_in_use(path)
    target = path.parent / new_name
    if target.exists():
        raise EngineError(f"{target} exists already")
    path.rename(target)
    return target


def delete(path: Path) -> int:
    """Delete a run directory (only one: config, metrics or a checkpoint in it); the bytes
    freed. An emptied session directory goes too."""
    if not is_run(path):
        raise EngineError(f"{path} is not a run directory: not deleted")
    check_not_in_use(path)
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    shutil.rmtree(path)
    parent = path.parent
    try:
        if parent.name and not any(parent.iterdir()):
            parent.rmdir()
    except OSError:
        pass
    return size


def human_size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"
