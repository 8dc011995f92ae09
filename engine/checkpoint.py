"""Checkpoints: one safetensors file, written atomically, loaded without executing code.

Layout of `checkpoint.safetensors`:
  tensors   model.<param>            the model's state_dict
            optim.<i>.<key>          optimizer state of parameter i (exp_avg, step, ...)
            hidden.<k>               the carried hidden state of the B training streams
            rng.cpu / rng.cuda       torch RNG states (dropout), for exact resume
  metadata  "rnn_tui" -> JSON        format marker and version, config, vocabulary, step,
                                     elapsed time, data position, optimizer hyperparameters

safetensors stores raw tensors plus a JSON header and nothing else, so a file from the
internet cannot run code when loaded (unlike a pickle). Writing goes to a temporary file in the
same directory, fsync, then os.replace: a crash or SIGKILL mid-write leaves the previous
checkpoint intact.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from engine.errors import EngineError

FORMAT = "rnn-tui-checkpoint"
VERSION = 1
FILENAME = "checkpoint.safetensors"


@dataclass
class CheckpointData:
    """Everything a checkpoint holds, as plain Python plus tensors."""
    meta: dict[str, Any]  # config, vocab, step, elapsed_s, data position, optimizer groups
    model: dict[str, torch.Tensor]
    optim: dict[str, torch.Tensor] = field(default_factory=dict)  # "<i>.<key>" -> tensor
    hidden: dict[str, torch.Tensor] = field(default_factory=dict)
    rng: dict[str, torch.Tensor] = field(default_factory=dict)


def save(path: str | Path, data: CheckpointData) -> Path:
    """Write atomically: temp file in the same directory, fsync, rename over the old one."""
    from safetensors.torch import save as st_save

    path = Path(path)
    tensors: dict[str, torch.Tensor] = {}
    for prefix, group in (("model", data.model), ("optim", data.optim),
                          ("hidden", data.hidden), ("rng", data.rng)):
        for key, t in group.items():
            # safetensors refuses shared or non-contiguous storage: give each its own copy.
            tensors[f"{prefix}.{key}"] = t.detach().to("cpu").contiguous().clone()
    meta = {"format": FORMAT, "version": VERSION, **data.meta}
    blob = st_save(tensors, metadata={"rnn_tui": json.dumps(meta)})
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".checkpoint-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load(path: str | Path) -> CheckpointData:
    """Read and check a checkpoint; any problem is an EngineError with a clear message."""
    from safetensors import SafetensorError
    from safetensors.torch import load as st_load

    path = Path(path)
    if path.is_dir():
        path = path / FILENAME
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        raise EngineError(f"no checkpoint at {path}") from None
    except OSError as exc:
        raise EngineError(f"cannot read checkpoint {path}: {exc.strerror}") from None
    try:
        tensors = st_load(blob)
        meta = json.loads(_read_metadata(blob).get("rnn_tui", "null"))
    except (SafetensorError, ValueError, UnicodeDecodeError, Exception) as exc:
        if isinstance(exc, EngineError):
            raise
        raise EngineError(f"checkpoint {path} is corrupt or truncated "
                          f"(not a readable safetensors file)") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise EngineError(f"{path} is a safetensors file but not an rnn-tui checkpoint")
    if meta.get("version") != VERSION:
        raise EngineError(f"checkpoint {path} has format version {meta.get('version')}; "
                          f"this rnn-tui reads version {VERSION}")
    groups: dict[str, dict[str, torch.Tensor]] = {"model": {}, "optim": {}, "hidden": {},
                                                   "rng": {}}
    for key, t in tensors.items():
        prefix, _, rest = key.partition(".")
        if prefix not in groups:
            raise EngineError(f"checkpoint {path} has an unexpected tensor {key!r}")
        groups[prefix][rest] = t
    for k in ("config", "vocab", "step"):
        if k not in meta:
            raise EngineError(f"checkpoint {path} is missing its {k!r} entry")
    return CheckpointData(meta=meta, **groups)


def _read_metadata(blob: bytes) -> dict[str, str]:
    """The safetensors header: 8-byte little-endian length, then JSON."""
    n = int.from_bytes(blob[:8], "little")
    if n <= 0 or n > len(blob) - 8:
        raise ValueError("bad header length")
    header = json.loads(blob[8:8 + n].decode("utf-8"))
    return header.get("__metadata__", {}) or {}


# --- optimizer state <-> flat tensors ---------------------------------------------------

def load_weights(model: torch.nn.Module, weights: dict[str, torch.Tensor],
                 what: str = "the model") -> None:
    """Put a checkpoint's weights into `model`; weights of another shape or architecture are
    an EngineError naming the first mismatch, not a RuntimeError."""
    try:
        model.load_state_dict(weights, strict=True)
    except RuntimeError as exc:
        raise EngineError(f"the checkpoint's weights do not fit {what}: "
                          f"{str(exc).splitlines()[0]}") from None


def optimizer_to_flat(opt: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], list]:
    """Split torch's optimizer state_dict into tensors and JSON-able param groups."""
    sd = opt.state_dict()
    flat: dict[str, torch.Tensor] = {}
    for idx, state in sd["state"].items():
        for key, value in state.items():
            t = value if torch.is_tensor(value) else torch.tensor(value)
            flat[f"{idx}.{key}"] = t
    return flat, sd["param_groups"]


def optimizer_from_flat(opt: torch.optim.Optimizer, flat: dict[str, torch.Tensor],
                        groups: list) -> None:
    state: dict[int, dict[str, Any]] = {}
    for key, t in flat.items():
        idx, _, name = key.partition(".")
        state.setdefault(int(idx), {})[name] = t
    try:
        opt.load_state_dict({"state": state, "param_groups": groups})
    except (ValueError, KeyError, RuntimeError) as exc:
        raise EngineError(f"the checkpoint's optimizer state does not fit this model: {exc}") \
            from None
