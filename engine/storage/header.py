"""A checkpoint's header, read without torch: listing runs and telling a run from another
folder (engine/storage/identity.py, the app's workspace on its UI thread) need its step and format
marker, not its tensors (the rest of the format: engine/storage/checkpoint.py).

safetensors layout: 8 bytes little-endian N, then N bytes of JSON - {"__metadata__":
{"rnn_tui": "<JSON: format, version, config, step, ...>"}, "<tensor>": {...}, ...} - then
the tensors' bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.errors import EngineError
from engine.files import loads_json, open_regular

# The checkpoint's file name in a run directory. Here, with what can be read without torch, so
# that listing runs (the app's workspace, on its UI thread) needs no torch.
CHECKPOINT = "checkpoint.safetensors"
FORMAT = "rnn-tui-checkpoint"
TEMP_PREFIX, TEMP_SUFFIX = ".checkpoint-", ".tmp"  # a write in progress (or killed)
MAX_HEADER = 64 << 20  # the JSON header (metadata, vocabulary, tensor table)


def read_meta(path: str | Path) -> dict[str, Any] | None:
    """The rnn-tui metadata in a checkpoint's header, read without its tensors (the header
    at most MAX_HEADER bytes); None when PATH is not a readable rnn-tui checkpoint."""
    try:
        with open_regular(path, "checkpoint") as fh:
            n = int.from_bytes(fh.read(8), "little")
            if not 0 < n <= MAX_HEADER:
                return None
            header = loads_json(fh.read(n).decode("utf-8"), "checkpoint header", 4)
        meta = loads_json(header.get("__metadata__", {}).get("rnn_tui", "null"), "metadata")
    except (OSError, EngineError, ValueError, AttributeError):
        return None
    return meta if isinstance(meta, dict) and meta.get("format") == FORMAT else None


def read_metadata(blob: bytes) -> dict[str, str]:
    """The safetensors header: 8-byte little-endian length, then JSON."""
    n = int.from_bytes(blob[:8], "little")
    if n <= 0 or n > min(len(blob) - 8, MAX_HEADER):
        raise ValueError("bad header length")
    header = loads_json(blob[8:8 + n].decode("utf-8"), "checkpoint header", 4)
    return header.get("__metadata__", {}) or {}


def stale_temps(folder: Path) -> list[Path]:
    """The temp files of checkpoint writes in FOLDER (regular files only, never a link)."""
    return [p for p in folder.glob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}")
            if p.is_file() and not p.is_symlink()]
