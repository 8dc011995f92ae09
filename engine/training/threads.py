"""How many CPU threads torch should use while other programs share the machine.

torch splits every large operation evenly over its intra-op threads and waits for the
slowest one. When another process keeps one of two cores busy, the thread that shares that
core gets half of it, so every operation waits for it: with 2 threads a GRU 512x2 ran at
0.30x of its unloaded speed beside one busy loop, with 1 thread at 0.63x (issue 10). No
single count is right for every load, and the load changes while a run trains.

`--threads 0` (the default) therefore means: start with the cores that are idle right now
(`idle_cores`, from /proc/stat over a quarter of a second; the load average where there is
no /proc), then let `ThreadTuner` adapt. It times every optimizer step (seconds per token, so
a changed --bptt does not count as a change of speed) and now and then tries the
neighbouring count for a few steps, keeping whichever is faster:

    settle   skip the first steps after a change (the thread pool spins up, caches warm)
    measure  `window` steps at the current count: the reference time
    trial    `window` steps at the other count, abandoned after one step that is
             `abandon`x slower than the reference (a trial is cheap even when it is bad)
    hold     keep the winner; explore again after `hold_s` seconds of training, or at once
             when the last `drift_window` steps drift `drift`x from the reference (load
             came or went), but never within `min_gap_s` of the previous exploration.

Where /proc/stat tells how many cores other processes leave free (`FreeCores`), that
decides whether a trial is worth its steps: more threads only onto free cores, fewer only
when another process holds one of ours, and a change in the free cores starts a trial at
once. On a machine whose load does not change, the tuner then stops trying once settled:
its trials had cost a quiet machine ~3% (steps at one thread) and a loaded one far more
(a trial of two spinning threads beside a busy core; issue 24).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections import deque
from typing import Callable, Mapping

# How long an idle OpenMP thread spins before it sleeps, in libgomp's busy-wait iterations
# (about 100,000 a millisecond, 5x either way with the CPU: libgomp's env.c). 0 is
# OMP_WAIT_POLICY=PASSIVE: sleep at once. A bounded count is the KMP_BLOCKTIME idea of issue
# 24: spin through the short gaps between the back-to-back operations of one training step
# (no futex wake-up per operation: the quiet machine's speed) but sleep within ~0.3 ms when
# nothing comes, so a thread never holds a core another program needs for long. Under load
# it costs nothing either way: the tuner (FreeCores) then trains on one thread, which has
# nobody to wait for. benchmarks/load.py, quiet 2-core machine (benchmarks/results/README.md):
# PASSIVE lost ~6-16% alone against spinning threads.
SPIN_COUNT = 30_000

# Variables by which the user (or a benchmark) already chose how OpenMP threads wait.
WAIT_VARIABLES = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME")
SPINS_PER_MS = 100_000  # libgomp's own rough estimate (env.c), to express N as a time


def wait_env(environ: Mapping[str, str], spin_count: int) -> dict[str, str]:
    """The environment variables that make idle OpenMP threads wait as `spin_count` says,
    or {} when `environ` already names a wait policy or spin time (the user's choice wins).

    0 -> OMP_WAIT_POLICY=PASSIVE (every OpenMP runtime understands it). N > 0 ->
    GOMP_SPINCOUNT=N with OMP_WAIT_POLICY left unset: libgomp (torch's OpenMP on Linux,
    `torch.__config__.parallel_info()`) spins N times, or min(N, 100) while it runs more
    threads than the process has CPUs; and KMP_BLOCKTIME, the same time in whole
    milliseconds (at least 1), for LLVM's and Intel's OpenMP (torch on macOS), which
    would otherwise spin 200 ms."""
    if any(environ.get(name) for name in WAIT_VARIABLES):
        return {}
    if spin_count <= 0:
        return {"OMP_WAIT_POLICY": "PASSIVE"}
    return {"GOMP_SPINCOUNT": str(spin_count),
            "KMP_BLOCKTIME": str(max(1, round(spin_count / SPINS_PER_MS)))}


def set_wait_policy() -> None:
    """Idle OpenMP threads sleep instead of spinning for long (`wait_env`), unless the user
    chose otherwise. A spinning thread takes the core another program (or the app's own UI,
    or torch's other thread) needs: on a 2-core machine at load average 4-12, a GRU 512x2 on
    2 threads trained 4-9x faster with PASSIVE than with the default policy
    (benchmarks/load.py). It only works before torch starts its thread pool, so the
    commands call it first thing."""
    if "torch" not in sys.modules:
        os.environ.update(wait_env(os.environ, SPIN_COUNT))


def cpu_times() -> tuple[float, float] | None:
    """(busy, idle) jiffies of all cores together from /proc/stat; None where there is none."""
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = fh.readline().split()[1:]
    except OSError:
        return None
    values = [float(v) for v in fields[:8]]
    idle = values[3] + (values[4] if len(values) > 4 else 0.0)  # idle + iowait
    return sum(values) - idle, idle


def idle_cores(cores: int, interval: float = 0.25) -> int:
    """How many of `cores` were idle over the last `interval` seconds (at least 1)."""
    first = cpu_times()
    if first is None:
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
        return max(1, min(cores, round(cores - load)))
    time.sleep(interval)
    second = cpu_times()
    busy, idle = second[0] - first[0], second[1] - first[1]
    total = busy + idle
    if total <= 0:
        return cores
    online = os.cpu_count() or cores  # /proc/stat counts every core, not only ours
    free = idle / total * online
    return max(1, min(cores, int(free + 0.3)))  # a core 70% idle counts as free


class FreeCores:
    """How many of `cores` other processes left free, measured over the time since the last
    call (each call at least `min_interval` s apart; in between it repeats the last answer).

    /proc/stat gives every core's busy time, this process's CPU time (`time.process_time`:
    all its threads, spinning OpenMP threads included) is subtracted, so training never sees
    itself as load. None where there is no /proc/stat (macOS, Windows): the tuner then
    decides from step times alone."""

    def __init__(self, cores: int, min_interval: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.cores, self.min_interval, self.clock = cores, min_interval, clock
        self.online = os.cpu_count() or cores  # /proc/stat counts every core, not only ours
        self.hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.last = self._read()
        self.free: float | None = None

    def _read(self) -> tuple[float, float, float] | None:
        times = cpu_times()
        return None if times is None else (times[0], times[1], time.process_time())

    def __call__(self) -> float | None:
        if self.last is None:
            return None
        now = self._read()
        total = (now[0] - self.last[0]) + (now[1] - self.last[1])  # jiffies, all cores
        if total / self.hz / self.online < self.min_interval:
            return self.free
        wall = total / self.hz / self.online  # seconds of the interval
        others = max(0.0, (now[0] - self.last[0]) / self.hz - (now[2] - self.last[2])) / wall
        self.last, self.free = now, min(float(self.cores), self.online - others)
        return self.free


def candidates(most: int) -> list[int]:
    """Thread counts worth trying, fewest first: 1, half, all (e.g. [1, 2], [1, 4, 8])."""
    return sorted({1, max(1, most // 2), most})


class ThreadTuner:
    """Adapts torch's thread count to the speed of the steps (see the module docstring).

    `observe(seconds_per_token)` after every optimizer step; it calls `apply(n)` when the
    count should change, and `threads` is the count in use."""

    settle, window = 1, 3  # steps skipped after a change; steps per measurement
    abandon, drift = 2.5, 1.35  # a trial step this much slower ends it; a drift this large
    hold_s, min_gap_s = 60.0, 8.0  # seconds of training between explorations
    drift_window = 2  # steps whose mean tells a drift (few: a busy core shows at once)

    def __init__(self, most: int, start: int, apply: Callable[[int], None],
                 clock: Callable[[], float] = time.monotonic,
                 free_cores: Callable[[], float | None] | None = None) -> None:
        self.options = candidates(most)
        self.free_cores = free_cores  # FreeCores: what other processes leave (None: unknown)
        self.threads = min(self.options, key=lambda n: abs(n - start))
        self.apply, self.clock = apply, clock
        self.reference: float | None = None  # seconds/token at `threads`, last measured
        self.phase, self.skip = "measure", self.settle
        self.samples: list[float] = []
        self.recent: deque[float] = deque(maxlen=self.drift_window)
        self.home = self.threads  # during a trial: the count to return to
        self.last_explore = self.clock()
        self.switches = 0
        self.sensor_quiet_until = 0.0  # after a trial the load asked for failed: step times rule

    def observe(self, seconds_per_token: float) -> None:
        if len(self.options) < 2 or not seconds_per_token > 0:
            return
        if self.skip > 0:
            self.skip -= 1
            return
        if self.phase == "measure":
            self._measure(seconds_per_token)
        elif self.phase == "trial":
            self._trial(seconds_per_token)
        else:
            self._hold(seconds_per_token)

    # --- phases ---------------------------------------------------------------------------

    def _measure(self, t: float) -> None:
        self.samples.append(t)
        if len(self.samples) < self.window:
            return
        self.reference = statistics.median(self.samples)
        self._start_trial(slower=False)

    def _start_trial(self, slower: bool) -> None:
        i = self.options.index(self.threads)
        # Slower than before: fewer threads first (someone took a core); else more.
        ahead = self.options[i + 1] if i + 1 < len(self.options) else None
        behind = self.options[i - 1] if i > 0 else None
        other = (behind if slower else ahead) or ahead or behind
        self.last_explore = self.clock()
        if not self._worth_trying(other):
            self._set(self.threads, "hold")
            return
        self.home, self.samples = self.threads, []
        self._set(other, "trial")

    def _worth_trying(self, other: int) -> bool:
        """Whether a trial of `other` threads can pay, given the cores other processes leave
        free: more threads only onto free cores, fewer only when someone else holds one of
        ours. A needless trial costs its steps (a quiet machine at one thread runs at ~0.6x;
        spinning threads beside a busy core, several times slower), so on a machine whose
        load does not change the tuner, once settled, stops trying. Unknown load: try."""
        free = self.free_cores() if self.free_cores is not None else None
        if free is None:
            return True
        if other > self.threads:
            return free >= other - 0.3
        return free <= self.threads - 0.5

    def _load_moved(self) -> str | None:
        """"up" or "down" when the free cores no longer match the count in use (another
        process came or went), else None."""
        free = self.free_cores() if self.free_cores is not None else None
        if free is None or self.clock() < self.sensor_quiet_until:
            return None
        i = self.options.index(self.threads)
        if i > 0 and free <= self.threads - 0.5:
            return "down"
        if i + 1 < len(self.options) and free >= self.options[i + 1] - 0.3:
            return "up"
        return None

    def _trial(self, t: float) -> None:
        self.samples.append(t)
        if t > self.abandon * self.reference:  # clearly worse: back at once
            self._failed()
            return
        if len(self.samples) < self.window:
            return
        tried = statistics.median(self.samples)
        if tried < self.reference:
            self._set(self.threads, "hold", reference=tried, keep=True)
        else:
            self._failed()

    def _failed(self) -> None:
        """The trial was slower: back home, and for `hold_s` the free cores alone do not
        start another (the measurement disagreed with them)."""
        self.sensor_quiet_until = self.clock() + self.hold_s
        self._set(self.home, "hold", reference=self.reference)

    def _hold(self, t: float) -> None:
        self.recent.append(t)
        if len(self.recent) < self.drift_window:
            return
        now = self.clock()
        if now - self.last_explore < self.min_gap_s:
            return
        level = statistics.mean(self.recent)
        slower = level > self.drift * self.reference
        moved = self._load_moved()
        if slower or level * self.drift < self.reference or moved or \
                now - self.last_explore >= self.hold_s:
            self.reference = level
            self._start_trial(slower or moved == "down")

    def _set(self, threads: int, phase: str, reference: float | None = None,
             keep: bool = False) -> None:
        changed = threads != self.threads
        if changed:
            self.threads = threads
            self.apply(threads)
            self.switches += 1
        self.phase = phase
        self.samples = []
        if reference is not None:
            self.reference = reference
        if phase == "hold":
            self.recent.clear()
        self.skip = self.settle if changed and not keep else 0
