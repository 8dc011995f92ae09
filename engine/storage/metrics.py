"""A run's metrics.jsonl read back: the one parser of that file (its writer is `RunWriter` in
engine/storage/rundir.py).

    DIR/metrics.jsonl   one JSON object per event, with an "event" field, one a line

    records = read_metrics(run)              # every usable row, a torn last line skipped
    records = read_metrics(run, whole=True)  # a torn last line refused (export, report)
    first = first_record(run)                # the start row: what tells a legacy run
    truncate_metrics(run, step)              # on resume: rows after the checkpoint dropped

A row is skipped, never fatal: a line cut by a kill, bytes that are not UTF-8, a line over
MAX_LINE bytes or nested too deeply, anything but a JSON object whose step (if any) is a
finite number. The file must be a regular one inside its run directory (engine/files.py).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from engine.errors import EngineError
from engine.files import is_regular, lines, loads_json, open_regular, replace_text

METRICS = "metrics.jsonl"
MAX_LINE = 16 << 20  # bytes of one metrics.jsonl line; a longer line is skipped
MAX_DEPTH = 16  # nesting of one row (rnn-tui writes ~6 levels)


def read_metrics(out_dir: str | Path, whole: bool = False) -> list[dict[str, Any]]:
    """All rows of a run directory's metrics.jsonl, skipping a torn last line (WHOLE: a torn
    last line is an EngineError instead - a run cut off while writing is not read as done)."""
    path = Path(out_dir) / METRICS
    if not os.path.lexists(path):
        raise EngineError(f"no {METRICS} in {out_dir}: not an rnn-tui run directory")
    try:
        with _open(path) as fh:
            if whole and _torn(fh):
                raise EngineError(f"{path} ends in a half-written line (the run was cut off "
                                  f"while writing): resume the run with --resume, or delete "
                                  f"that line")
            return [record for _, record in _records(fh)]
    except OSError as exc:
        raise EngineError(f"cannot read {path}: {exc.strerror or exc}") from None


def first_record(out_dir: str | Path) -> dict[str, Any] | None:
    """The first row of a run's metrics.jsonl (None: no such file, unreadable, or a first
    line that is not a row)."""
    path = Path(out_dir) / METRICS
    if not is_regular(path):
        return None
    try:
        with _open(path) as fh:
            return parse_record(next(lines(fh, MAX_LINE), None))
    except (OSError, EngineError):
        return None


def truncate_metrics(out_dir: Path, step: int) -> None:
    """On resume, drop events logged after the checkpoint's step: they will be redone.
    Rewritten atomically: a kill during the rewrite leaves the old file."""
    path = out_dir / METRICS
    if not path.exists():
        return
    with _open(path) as fh:
        kept = [line + "\n" for line, record in _records(fh) if record.get("step", 0) <= step]
    replace_text(path, "".join(kept))


def parse_record(raw: bytes | None) -> dict[str, Any] | None:
    """One metrics.jsonl line as a row, or None where the readers skip it."""
    if raw is None:
        return None
    try:
        record = loads_json(raw.decode("utf-8"), "a metrics line", MAX_DEPTH)
    except ValueError:  # UnicodeDecodeError and JSONDecodeError both are
        return None
    step = record.get("step", 0) if isinstance(record, dict) else None
    if isinstance(step, bool) or not isinstance(step, (int, float)) or not math.isfinite(step):
        return None
    return record


def _open(path: Path) -> BinaryIO:
    return open_regular(path, "metrics file", inside=path.parent)


def _records(fh: BinaryIO) -> Iterator[tuple[str, dict[str, Any]]]:
    """(line, row) of each usable line of an open metrics.jsonl."""
    for raw in lines(fh, MAX_LINE):
        record = parse_record(raw)
        if record is not None:
            yield raw.decode("utf-8"), record


def _torn(fh: BinaryIO) -> bool:
    """Whether the file's last line has no newline: a writer stopped in the middle of it
    (the file is left at its start)."""
    if fh.seek(0, os.SEEK_END) == 0:
        return False
    fh.seek(-1, os.SEEK_END)
    torn = fh.read(1) != b"\n"
    fh.seek(0)
    return torn
