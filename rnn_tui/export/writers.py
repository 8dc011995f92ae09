"""The export formats, each written beside its destination and moved into place at the end,
so a failure (a full disk, a missing library) leaves nothing partial behind.

  csv          one row per scalar: run, tag, step, wall_time, value (the columns of
               TensorBoard's scalar CSV, with the run and tag that a spreadsheet pivots on)
  json         {"runs": [{name, dir, family, hparams (config.json as it is), scalars: {tag:
               {step: [...], wall_time: [...], value: [...]}}}]}
  tensorboard  a log directory with one folder of event files per run: the scalars and the
               config as hyperparameters (TensorBoard's hparams plugin)
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterator

from engine.errors import EngineError
from rnn_tui.export.runs import ExportedRun

FORMATS = ("csv", "json", "tensorboard")


def write(runs: list[ExportedRun], fmt: str, out: Path) -> None:
    if fmt not in FORMATS:
        raise EngineError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}")
    if fmt == "tensorboard":
        from rnn_tui.export.tensorboard import write_logdir

        with staged(out, directory=True) as tmp:
            write_logdir(runs, tmp)
        return
    writer: Callable[[list[ExportedRun], Path], None] = _csv if fmt == "csv" else _json
    with staged(out, directory=False) as tmp:
        writer(runs, tmp)


@contextlib.contextmanager
def staged(out: Path, directory: bool) -> Iterator[Path]:
    """A temporary file or folder beside OUT, moved onto OUT when the body succeeds and
    removed when it fails. OUT's folder must exist; a folder OUT must be new or empty."""
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise EngineError(f"cannot write {out}: the directory {parent} does not exist")
    if out.is_dir() and (not directory or any(out.iterdir())):
        raise EngineError(f"{out} is a directory" + (" and not empty: give a new one"
                                                     if directory else ": give a file name"))
    try:
        if directory:
            tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=parent))
        else:
            fd, name = tempfile.mkstemp(prefix=f".{out.name}.", dir=parent)
            os.close(fd)
            tmp = Path(name)
    except OSError as exc:
        raise EngineError(f"cannot write in {parent}: {exc.strerror or exc}") from None
    try:
        yield tmp
        os.chmod(tmp, _mode(directory))  # mkstemp/mkdtemp make it private; OUT is not
        if directory and out.is_dir():
            out.rmdir()  # empty (checked above)
        os.replace(tmp, out)
    except OSError as exc:
        raise EngineError(f"cannot write {out}: {exc.strerror or exc}") from None
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        elif tmp.exists():
            tmp.unlink()


def _mode(directory: bool) -> int:
    """What a new file (folder) gets here: 0o666 (0o777) less the umask."""
    umask = os.umask(0)
    os.umask(umask)
    return (0o777 if directory else 0o666) & ~umask


def _csv(runs: list[ExportedRun], path: Path) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        rows = csv.writer(fh)
        rows.writerow(["run", "tag", "step", "wall_time", "value"])
        for run in runs:
            rows.writerows([run.name, s.tag, s.step, repr(s.wall_time), repr(s.value)]
                           for s in run.scalars)


def _json(runs: list[ExportedRun], path: Path) -> None:
    out = []
    for run in runs:
        series: dict[str, dict[str, list]] = {}
        for s in run.scalars:
            tag = series.setdefault(s.tag, {"step": [], "wall_time": [], "value": []})
            tag["step"].append(s.step)
            tag["wall_time"].append(s.wall_time)
            tag["value"].append(s.value)
        out.append({"name": run.name, "dir": str(run.path.resolve()), "family": run.family,
                    "hparams": run.config, "scalars": series})
    path.write_text(json.dumps({"runs": out}, indent=1) + "\n", encoding="utf-8")
