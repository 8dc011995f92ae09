"""Will it fit? A memory estimate made before anything big is allocated.

The validators allow sizes one at a time (hidden 16384, 64 layers) whose product no machine
holds: building that model would die in the allocator, or in the OOM killer, after a long
wait. So the trainers and `sample`/`eval` count the parameters first, by building the model
on torch's "meta" device (shapes only, no storage: instant at any size), and refuse with the
estimate when it exceeds the memory available.

    float32 bytes = 4 x parameters x (weights + gradients + optimizer slots
                                      + 2 copies while a checkpoint is serialised)
                  + activations kept for backward (batch x positions x width x 4)
"""

from __future__ import annotations

import os
from typing import Callable

import torch
from torch.overrides import TorchFunctionMode

from engine.errors import EngineError

OPTIMIZER_SLOTS = {"adam": 2, "rmsprop": 2, "sgd": 1}  # exp_avg + exp_avg_sq; square_avg
# + momentum; momentum


def parameter_count(build: Callable[[], torch.nn.Module]) -> int:
    """Parameters of the model `build()` makes, without allocating them."""
    with torch.device("meta"), _NoInit():
        return sum(p.numel() for p in build().parameters())


def meta_shapes(build: Callable[[], torch.nn.Module]) -> dict[str, torch.Size]:
    """name -> shape of the model's state_dict, without allocating it."""
    with torch.device("meta"), _NoInit():
        return {k: v.shape for k, v in build().state_dict().items()}


class _NoInit(TorchFunctionMode):
    """Skip the initialisers (torch.nn.init.*, Tensor.normal_) while building on "meta": a
    meta tensor has no values to fill, and normal_ on one (nn.Embedding's init) runs a
    Python decomposition that imports torch._dynamo: 1.0 s measured here, paid by every
    `sample`, `eval` and training start before this mode."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if getattr(func, "__module__", None) == "torch.nn.init" or \
                getattr(func, "__name__", None) in _FILLS:
            return args[0] if args else (kwargs or {}).get("tensor")  # (init passes it so)
        return func(*args, **(kwargs or {}))


_FILLS = frozenset({"normal_", "uniform_", "exponential_", "random_", "bernoulli_"})


def training_bytes(parameters: int, optimizer: str, activations: int) -> int:
    slots = OPTIMIZER_SLOTS.get(optimizer, 2)
    return 4 * parameters * (2 + slots + 2 * (1 + slots)) + activations


def activation_bytes(batch: int, positions: int, width: int) -> int:
    """Tensors autograd keeps for one step: BATCH x POSITIONS x WIDTH float32 values."""
    return 4 * batch * positions * width


def available_bytes(device: torch.device) -> int | None:
    """Free memory on DEVICE (None: not known, do not check)."""
    if device.type == "cuda":
        return int(torch.cuda.mem_get_info(device)[0])
    if device.type != "cpu":
        return None
    free = _meminfo_available()
    limit = _cgroup_free()
    known = [v for v in (free, limit) if v is not None]
    return min(known) if known else None


def check_fits(need: int, device: torch.device, what: str, fix: str) -> None:
    """EngineError with the estimate when NEED bytes exceed what DEVICE has free."""
    have = available_bytes(device)
    if have is not None and need > have:
        raise EngineError(f"{what} needs about {_gb(need)} of memory, more than the "
                          f"{_gb(have)} available ({device.type}); {fix}")


def _gb(n: int) -> str:
    return f"{n / 2**30:,.1f} GB"


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def _cgroup_free() -> int | None:
    """A container's memory limit minus its use (cgroup v2), if it has one."""
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as fh:
            limit = fh.read().strip()
        with open("/sys/fs/cgroup/memory.current", encoding="ascii") as fh:
            used = int(fh.read().strip())
    except (OSError, ValueError):
        return None
    return None if limit == "max" else max(0, int(limit) - used)
