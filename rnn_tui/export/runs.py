"""Run directories read for export and report, through the project's readers
(engine.storage.metrics.read_metrics, rnn_tui.workspace.describe), refused when they cannot be
read whole: not a run, still being written (its lock is held), or cut off in the middle of
its last metrics.jsonl line. Each refusal is an EngineError: one line, exit code 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import EngineError
from engine.storage.metrics import METRICS, read_metrics
from engine.storage.rundir import holder
from rnn_tui.export.scalars import Scalar, run_scalars


@dataclass
class ExportedRun:
    name: str  # the shortest trailing part of its path that tells the runs apart
    path: Path
    family: str  # engine/families registry name
    config: dict[str, Any]  # config.json (else the start row's)
    records: list[dict[str, Any]]  # metrics.jsonl rows, in order
    scalars: list[Scalar]


def read_runs(paths: list[str | Path]) -> list[ExportedRun]:
    """The runs in the order given (all checked before anything is written). A folder of
    runs (a race's --out, a session under runs/) stands for the runs directly in it."""
    from rnn_tui.compare.runs import short_names
    from rnn_tui.workspace import is_run, run_dirs

    if not paths:
        raise EngineError("give one or more run directories")
    expanded: list[Path] = []
    for path in map(Path, paths):
        expanded += [path] if is_run(path) else (run_dirs(path, depth=1) or [path])
    return [read_run(path, name) for path, name in zip(expanded, short_names(expanded))]


def read_run(path: Path, name: str) -> ExportedRun:
    from rnn_tui.workspace import describe

    metrics = path / METRICS
    if not path.is_dir():
        raise EngineError(f"{path} is not a directory (give a run directory)")
    if not metrics.is_file():
        raise EngineError(f"{path}: no {METRICS}, not an rnn-tui run directory")
    pid = holder(path)
    if pid is not None:
        raise EngineError(f"{path} is still being written (pid {pid}): wait for the run to "
                          f"end, or stop it, then try again")
    records = read_metrics(path, whole=True)
    info = describe(path)
    return ExportedRun(name, path, info.family, dict(info.config), records,
                       run_scalars(records, metrics.stat().st_mtime))

