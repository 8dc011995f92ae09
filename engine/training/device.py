"""Pick the torch device and a sensible CPU thread count."""

from __future__ import annotations

import os

import torch

from engine.errors import EngineError


def resolve_device(name: str) -> torch.device:
    """auto -> cuda, then mps, then cpu. Asking for a device that is not there is an error."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise EngineError("--device cuda was asked for, but no CUDA GPU is available "
                          "(this torch build: %s); use --device auto or cpu" % torch.__version__)
    if name == "mps" and not _mps_available():
        raise EngineError("--device mps was asked for, but Apple MPS is not available; "
                          "use --device auto or cpu")
    if name not in ("cpu", "cuda", "mps"):
        raise EngineError(f"unknown device {name!r}; choose auto, cpu, cuda or mps")
    return torch.device(name)


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend and backend.is_available())


def usable_cores() -> int:
    """Cores this process may run on (respects taskset / cgroup affinity)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


def configure_threads(threads: int) -> int:
    """Set torch's intra-op thread count; 0 means the cores idle right now (at least one;
    engine/training/threads.py adapts it while the run trains).

    More threads than cores makes every step fight the OS scheduler (and the UI), so cap it.
    """
    from engine.training.threads import idle_cores

    n = threads if threads > 0 else idle_cores(usable_cores())
    set_threads(n)
    return n


def set_threads(n: int) -> None:
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)


def thread_tuner(threads: int, device: torch.device, start: int):
    """The thread-count tuner of a CPU run with --threads 0 (None: fixed threads, a GPU, or
    a single core)."""
    from engine.training.threads import FreeCores, ThreadTuner

    cores = usable_cores()
    if threads != 0 or device.type != "cpu" or cores < 2:
        return None
    return ThreadTuner(cores, start, set_threads, free_cores=FreeCores(cores))


def describe(device: torch.device, threads: int, auto: bool = False,
             precision: str = "fp32") -> str:
    """'cpu (auto, 2 threads)', 'cuda (NVIDIA H100, bf16)': the precision when not fp32."""
    extra = "" if precision == "fp32" else f", {precision}"
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)}{extra})"
    if device.type == "cpu":
        count = f"{threads} thread{'s' if threads != 1 else ''}"
        return f"cpu ({'auto, ' if auto else ''}{count}{extra})"
    return device.type + (f" ({precision})" if extra else "")
