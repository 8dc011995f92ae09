"""What is a run: the marker rnn-tui writes in a run directory, and telling a run it wrote
before markers existed from any other folder.

    DIR/rnn-tui-run.json   {"format": "rnn-tui-run", "version": 1, "id": "<32 hex digits>"}

`RunDir.commit` (engine/storage/rundir.py) writes the marker into every run it starts or resumes
(`mark`). `signature` says what a directory is: "run" when its marker is valid (`read_marker`),
"legacy" for a run written before markers - no marker, but its checkpoint's header is an
rnn-tui checkpoint or its metrics.jsonl starts with rnn-tui's start event - and None for
anything else: a config.json or a metrics.jsonl alone is never a run, a symlink never is, and
a marker that is not exactly one rnn-tui wrote makes the folder not a run. A legacy run gets
its marker the first time it is opened or resumed (`adopt`). Listing runs (the app's
workspace, on its UI thread), `--force` and deleting a run (engine/storage/removal.py) all ask
here; nothing here imports torch.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from pathlib import Path
from typing import Any

from engine.errors import EngineError
from engine.files import is_regular, loads_json, read_bytes, replace_text
from engine.storage import header
from engine.storage.header import CHECKPOINT
from engine.storage.metrics import first_record

MARKER = "rnn-tui-run.json"  # the marker's file name in a run directory
MARKER_FORMAT, MARKER_VERSION = "rnn-tui-run", 1


def read_marker(path: Path) -> dict[str, Any] | None:
    """PATH's marker if it is exactly one rnn-tui wrote (a regular file, not a link, of a
    known format and version with a 32-hex-digit id), else None."""
    marker = Path(path) / MARKER
    if not is_regular(marker):
        return None
    try:
        data = loads_json(read_bytes(marker, "run marker", 4096), "run marker", 2)
    except (OSError, EngineError, ValueError):
        return None
    ok = (isinstance(data, dict) and data.get("format") == MARKER_FORMAT
          and data.get("version") == MARKER_VERSION and isinstance(data.get("id"), str)
          and re.fullmatch(r"[0-9a-f]{32}", data["id"]) is not None)
    return data if ok else None


def mark(path: Path) -> None:
    """Write PATH's marker, with a new id."""
    marker = {"format": MARKER_FORMAT, "version": MARKER_VERSION, "id": uuid.uuid4().hex}
    replace_text(Path(path) / MARKER, json.dumps(marker) + "\n")


def signature(path: str | Path) -> str | None:
    """"run" (a valid marker), "legacy" (no marker, written before markers: an rnn-tui
    checkpoint header or start event), or None: not an rnn-tui run. A symlink never is."""
    path = Path(path)
    if path.is_symlink() or not path.is_dir():
        return None
    if os.path.lexists(path / MARKER):
        return "run" if read_marker(path) is not None else None
    checkpoint = path / CHECKPOINT
    if is_regular(checkpoint) and header.read_meta(checkpoint) is not None:
        return "legacy"
    return "legacy" if _started(path) else None


def is_run(path: str | Path) -> bool:
    return signature(path) is not None


def adopt(path: str | Path) -> None:
    """A legacy run gets its marker (best effort: a read-only run stays legacy)."""
    if signature(path) == "legacy":
        try:
            mark(Path(path))
        except OSError:
            pass


def _started(path: Path) -> bool:
    """Whether metrics.jsonl's first line is rnn-tui's start event."""
    record = first_record(path)
    return (record is not None and record.get("event") == "start"
            and isinstance(record.get("config"), dict) and bool(record["config"])
            and isinstance(record.get("device"), str)
            and isinstance(record.get("parameters"), int))
