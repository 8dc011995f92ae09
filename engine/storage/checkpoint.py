"""Checkpoints: one safetensors file, written atomically, loaded without executing code.

Layout of `checkpoint.safetensors`:
  tensors   model.<param>            the model's state_dict
            optim.<i>.<key>          optimizer state of parameter i (exp_avg, step, ...)
            hidden.<k>               the carried hidden state of the B training streams
            rng.cpu / rng.cuda       torch RNG states (dropout), for exact resume; under
                                     torchrun rank r's as rng.cpu.r / rng.cuda.r
  metadata  "rnn_tui" -> JSON        format marker and version, config, vocabulary, step,
                                     elapsed time, data position, optimizer hyperparameters

safetensors stores raw tensors plus a JSON header and nothing else, so a file from the
internet cannot run code when loaded (unlike a pickle). Writing goes to a temporary file in the
same directory, fsync, then os.replace: a crash or SIGKILL mid-write leaves the previous
checkpoint intact, and the temp file it leaves (`.checkpoint-*.tmp`) is removed by the next
run (`remove_stale_temps`). A full disk is an EngineError, the previous checkpoint untouched.

`load` checks the metadata field by field before anything is built from it (an edited file
gets one clear line, never a traceback or a 192 GB allocation), and refuses non-finite
weights: such a file was saved after training diverged and cannot sample or evaluate.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from engine.errors import EngineError
from engine.files import loads_json, read_bytes
from engine.storage.header import CHECKPOINT as FILENAME
from engine.storage.header import FORMAT, TEMP_PREFIX, TEMP_SUFFIX, read_metadata, stale_temps

VERSION = 1
MAX_BYTES = 16 << 30  # a checkpoint is read whole: refuse a larger file before reading it


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
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(blob)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):  # ENOSPC, EACCES, a directory in the way ...
            raise EngineError(f"cannot write checkpoint {path}: {exc.strerror or exc}; the "
                              f"previous checkpoint, if any, is unchanged") from None
        raise
    return path


def remove_stale_temps(folder: Path) -> None:
    """Delete the temp files of checkpoint writes killed half-way (call with the run's lock:
    a live writer's temp file must not go)."""
    for tmp in stale_temps(folder):
        tmp.unlink(missing_ok=True)


def load(path: str | Path) -> CheckpointData:
    """Read and check a checkpoint; any problem is an EngineError with a clear message."""
    from safetensors import SafetensorError
    from safetensors.torch import load as st_load

    blob, path = _read_file(path)
    try:
        tensors = st_load(blob)
        meta = loads_json(read_metadata(blob).get("rnn_tui", "null"), "metadata")
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
    check_meta(meta, groups, str(path))
    return CheckpointData(meta=meta, **groups)


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _is_number(v: Any) -> bool:  # NaN allowed: a validation loss may have been one
    return isinstance(v, (int, float)) and not isinstance(v, bool)


# key -> (what it must be, the check); None is allowed for every key but config and step.
_META = {
    "config": ("a table of options", lambda v: isinstance(v, dict)),
    "vocab": ("a list of distinct tokens (non-empty strings)",
              lambda v: isinstance(v, list) and v and len(set(v)) == len(v)
              and all(isinstance(c, str) and c for c in v)),
    "step": ("a whole number >= 0", _is_int),
    "elapsed": ("a number of seconds >= 0",
                lambda v: _is_number(v) and math.isfinite(v) and v >= 0),
    "best_val": ("a number", _is_number),
    "best_metric": ("a number", _is_number),
    "train_loss": ("a number", _is_number),
    "last_eval_step": ("a whole number >= 0", _is_int),
    "world_size": ("a whole number from 1 to 1,000,000",
                   lambda v: _is_int(v) and 1 <= v <= 10**6),
    "max_source_len": ("a whole number from 0 to 100,000", lambda v: _is_int(v) and v <= 10**5),
    "max_target_len": ("a whole number from 0 to 100,000", lambda v: _is_int(v) and v <= 10**5),
    "kind": ("a string", lambda v: isinstance(v, str)),
    "data": ("a table of whole numbers",
             lambda v: isinstance(v, dict) and all(_is_int(x) for x in v.values())),
    "optimizer_groups": ("a list of tables",
                         lambda v: isinstance(v, list) and all(isinstance(g, dict) for g in v)),
}


def check_meta(meta: dict[str, Any], groups: dict[str, dict[str, torch.Tensor]],
               where: str) -> None:
    """Every metadata entry of the expected type, the RNG state torch's own shape, every
    weight finite: an EngineError naming the entry otherwise."""
    for key, (what, ok) in _META.items():
        required = key in ("config", "step")
        if key not in meta or (meta[key] is None and not required):
            if required:
                raise EngineError(f"checkpoint {where} is missing its {key!r} entry")
            continue
        if not ok(meta[key]):
            raise EngineError(f"checkpoint {where}: {key!r} must be {what}, got "
                              f"{_short(meta[key])}")
    for name, t in groups["rng"].items():
        want = torch.get_rng_state() if name.split(".")[0] == "cpu" else None  # cpu.<rank>
        if t.dtype != torch.uint8 or t.dim() != 1 or (want is not None
                                                       and t.numel() != want.numel()):
            raise EngineError(f"checkpoint {where}: the RNG state rng.{name} has the wrong "
                              f"shape or type ({tuple(t.shape)}, {t.dtype})")
    for name, t in groups["model"].items():
        if t.is_floating_point() and not bool(torch.isfinite(t).all()):
            raise EngineError(f"checkpoint {where} has non-finite weights (NaN or inf in "
                              f"{name}): it was saved after training diverged; resume from "
                              f"an earlier checkpoint or train again")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _read_file(path: str | Path) -> tuple[bytes, Path]:
    """The checkpoint's bytes: a regular file (a directory given: its checkpoint, which may
    not be a symlink out of it) of at most MAX_BYTES."""
    path, inside = Path(path), None
    if path.is_dir():
        path, inside = path / FILENAME, path
    try:
        return read_bytes(path, "checkpoint", MAX_BYTES, inside), path
    except FileNotFoundError:
        raise EngineError(f"no checkpoint at {path}") from None


# --- optimizer state <-> flat tensors ---------------------------------------------------

def check_shapes(weights: dict[str, torch.Tensor], expected: dict[str, Any],
                 what: str = "the model") -> None:
    """Weights of another shape or architecture than EXPECTED (name -> shape): an
    EngineError naming the first tensor that does not fit, with both shapes."""
    missing = sorted(set(expected) - set(weights))
    extra = sorted(set(weights) - set(expected))
    if missing or extra:
        parts = ([f"{len(missing)} missing (first: model.{missing[0]})"] if missing else []) + \
                ([f"{len(extra)} unexpected (first: model.{extra[0]})"] if extra else [])
        raise EngineError(f"the checkpoint's weights do not fit {what}: tensors "
                          f"{' and '.join(parts)}")
    for name, shape in expected.items():
        got = tuple(weights[name].shape)
        if got != tuple(shape):
            raise EngineError(f"the checkpoint's weights do not fit {what}: model.{name} has "
                              f"shape {got} in the checkpoint but {tuple(shape)} in the model")


def load_weights(model: torch.nn.Module, weights: dict[str, torch.Tensor],
                 what: str = "the model") -> None:
    """Put a checkpoint's weights into `model`; a mismatch is an EngineError (check_shapes)."""
    check_shapes(weights, {k: v.shape for k, v in model.state_dict().items()}, what)
    try:
        model.load_state_dict(weights, strict=True)
    except RuntimeError as exc:  # a dtype torch cannot copy, ...
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
    params = [p for group in opt.param_groups for p in group["params"]]
    state: dict[int, dict[str, Any]] = {}
    try:
        for key, t in flat.items():
            idx, _, name = key.partition(".")
            # Per-parameter state (exp_avg, momentum_buffer, ...) has the parameter's shape;
            # torch only finds out at the next step, with a RuntimeError.
            if t.dim() > 0 and tuple(t.shape) != tuple(params[int(idx)].shape):
                raise ValueError(f"optim.{key} has shape {tuple(t.shape)}, its parameter "
                                 f"{tuple(params[int(idx)].shape)}")
            state.setdefault(int(idx), {})[name] = t
        opt.load_state_dict({"state": state, "param_groups": groups})
    except (ValueError, KeyError, RuntimeError, TypeError, IndexError) as exc:
        raise EngineError(f"the checkpoint's optimizer state does not fit this model: "
                          f"{type(exc).__name__} {exc}") from None
