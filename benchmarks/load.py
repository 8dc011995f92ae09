"""Training speed on a busy machine: tokens/s alone and beside a CPU hog, in the same run.

    python benchmarks/load.py [--steps 30] [--rounds 2] [--hogs 1] [--variants auto,fixed]
    python benchmarks/load.py --seconds 20 ...         # at most 20 s a measurement
    python benchmarks/load.py --startup [--hogs 1]     # the app's first probe and sample

Each measurement is a fresh process (`rnn-tui run` as a user starts it: the thread pool and
the OpenMP wait policy are fixed when torch starts) training the default language model
(GRU 512x2, batch 32x100) with the probes, evaluations, samples and baselines off, so that
only optimizer steps are timed. The hog is a bounded busy loop in another process (one per
--hogs): it stops by itself after --hog-seconds, or as soon as this script is gone, so an
interrupted benchmark never leaves a spinning process behind.

Variants (--variants, comma-separated):
  auto         rnn-tui's defaults: --threads 0 (the engine picks and adapts the thread
               count from the cores other processes leave free and the step times,
               engine/training/threads.py) and its wait policy (threads.SPIN_COUNT: idle
               threads spin that many times, ~0.3 ms, then sleep)
  fixed        what the defaults were before: all cores, never adapted, OpenMP's own policy
  one          --threads 1, OpenMP's own policy
  passive      all cores, never adapted, OMP_WAIT_POLICY=PASSIVE
  auto-active  adapted, OpenMP's own policy (libgomp: spin 300,000 times, ~3 ms, then sleep)
  spin-N       adapted, GOMP_SPINCOUNT=N (e.g. spin-3k, spin-10k, spin-100k): idle threads
               spin N times (~N/100,000 ms) between operations, then sleep. Pick
               threads.SPIN_COUNT from these on a quiet machine, with enough --steps to
               include the thread tuner's explorations (e.g. --steps 300 --rounds 2):
               --variants auto,spin-3k,spin-10k,spin-30k,spin-100k,auto-active
Rounds are interleaved (alone, loaded, alone, loaded, ...) so machine noise hits both
sides alike; the table gives the median tokens/s of each and the ratio loaded / alone, and
the load average seen before each measurement (the machine's other work).

--startup times what a new user waits for in the app on a loaded machine: seconds from the
start of the process (torch import included) to the first gradient probe and the first sample,
with the app's cadence (engine side only: no screen) and the baselines on.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.training.threads import SPIN_COUNT, WAIT_VARIABLES, wait_env  # noqa: E402

HOG = """
import os, sys, time
end, parent = time.monotonic() + float(sys.argv[1]), os.getppid()
n = 0
while time.monotonic() < end:
    n += 1
    if n % 200000 == 0 and os.getppid() != parent:  # the benchmark is gone: stop
        break
"""

# name -> (--threads, environment); "" removes a variable (OpenMP's own default). Every
# variant names both wait variables so that the shell's own settings never leak in.
NO_WAIT = {name: "" for name in WAIT_VARIABLES}
VARIANTS = {"auto": (0, {**NO_WAIT, **wait_env({}, SPIN_COUNT)}),  # rnn-tui's defaults now
            "fixed": (-1, NO_WAIT),  # before: all cores, OpenMP's own policy
            "one": (1, NO_WAIT),
            "passive": (-1, {**NO_WAIT, "OMP_WAIT_POLICY": "PASSIVE"}),  # all cores, never adapted
            "auto-active": (0, NO_WAIT)}  # adapted, OpenMP's own policy (300k spins)
SUFFIX = {"": 1, "k": 1_000, "m": 1_000_000}


def variant(name: str) -> tuple[int, dict[str, str]]:
    """(--threads, environment) of a variant: one of VARIANTS, or spin-N (e.g. spin-10k):
    adapted threads, idle threads spin N times before they sleep (engine/training/threads.py)."""
    if name in VARIANTS:
        return VARIANTS[name]
    spin = re.fullmatch(r"spin-(\d+)([km]?)", name.lower())
    if spin:
        return 0, {**NO_WAIT, **wait_env({}, int(spin[1]) * SUFFIX[spin[2]])}
    raise SystemExit(f"unknown variant {name!r}; known: {', '.join(VARIANTS)}, spin-N "
                     f"(e.g. spin-10k)")


def child(spec: dict) -> dict:
    """In a fresh process: train `spec["steps"]` steps after a warm-up; tokens/s, threads."""
    t_process = spec["t0"]
    sys.path.insert(0, str(ROOT))
    from engine import events as ev
    from engine.families.lm.config import LMConfig
    from engine.training.loop import Trainer

    app = spec.get("startup")
    cfg = LMConfig(device="cpu", threads=spec["threads"], steps=spec["warmup"] + spec["steps"],
                   checkpoint_every_s=1e9, log_every=1)
    if app:  # the app's cadence, its first look included; baselines on
        from rnn_tui.app import interactive_cadence

        cfg = interactive_cadence(cfg)
    else:
        cfg = cfg.replace(probe_every=0, sample_every=0, eval_every=10**9, baseline_order=0)
    out: dict = {"threads_seen": []}
    start, tokens = None, 0
    limit = spec.get("seconds") or float("inf")
    for e in Trainer(cfg).events():
        now = time.time() - t_process
        if isinstance(e, ev.TrainStep):
            threads = getattr(e, "threads", None)
            if threads is not None and (not out["threads_seen"] or
                                        out["threads_seen"][-1] != threads):
                out["threads_seen"].append(threads)
            out.setdefault("first_step_s", now)
            if e.step == spec["warmup"]:
                start = time.perf_counter()
            elif e.step > spec["warmup"]:
                tokens += cfg.batch_size * cfg.bptt
                if time.perf_counter() - start > limit:
                    break
        elif isinstance(e, ev.Probe):
            out.setdefault("first_probe_s", now)
        elif e.name == "sample":
            out.setdefault("first_sample_s", now)
            if app:
                break
    if start is not None and tokens:
        out["tokens_per_s"] = tokens / (time.perf_counter() - start)
    return out


def measure(name: str, args, startup: bool = False) -> dict:
    threads, env = variant(name)
    if threads < 0:
        threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
            else os.cpu_count() or 1
    spec = {"threads": threads, "steps": args.steps, "warmup": args.warmup,
            "startup": startup, "t0": time.time(), "seconds": args.seconds}
    child_env = {k: v for k, v in {**os.environ, **env}.items() if v}  # "": unset
    proc = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)],
                          capture_output=True, text=True, env=child_env, timeout=args.timeout)
    if proc.returncode != 0:
        raise SystemExit(f"the measurement failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


class Hogs:
    """`n` busy-loop processes, each stopping by itself after `seconds`."""

    def __init__(self, n: int, seconds: float) -> None:
        self.n, self.seconds, self.procs = n, seconds, []

    def __enter__(self) -> "Hogs":
        self.procs = [subprocess.Popen([sys.executable, "-c", HOG, str(self.seconds)])
                      for _ in range(self.n)]
        time.sleep(1.0)  # let them get going
        return self

    def __exit__(self, *exc) -> None:
        for p in self.procs:
            p.kill()
            p.wait()


def load_average() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def speed_table(args) -> None:
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    for v in variants:
        variant(v)  # an unknown name stops here, before any measurement
    results = {(v, side): [] for v in variants for side in ("alone", "loaded")}
    loads = {(v, side): [] for v in variants for side in ("alone", "loaded")}
    seen: dict = {}
    for r in range(args.rounds):
        for v in variants:
            for side in ("alone", "loaded"):
                loads[v, side].append(load_average())
                if side == "alone":
                    res = measure(v, args)
                else:
                    with Hogs(args.hogs, args.hog_seconds):
                        res = measure(v, args)
                results[v, side].append(res["tokens_per_s"])
                seen[v, side] = res["threads_seen"]
                print(f"round {r + 1} {v:8s} {side:6s} {res['tokens_per_s']:9,.0f} tok/s  "
                      f"threads {res['threads_seen'] or '-'}  load {loads[v, side][-1]:.2f}",
                      flush=True)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    bound = f" (at most {args.seconds:g} s)" if args.seconds else ""
    print(f"\nGRU 512x2, batch 32x100, {args.steps} steps{bound} after {args.warmup}, {cores} cores, "
          f"{args.hogs} busy process(es) beside training when loaded; median of {args.rounds}")
    print(f"{'variant':10s} {'alone':>10s} {'loaded':>10s} {'loaded/alone':>13s} "
          f"{'load avg (alone / loaded)':>28s}")
    for v in variants:
        alone = statistics.median(results[v, "alone"])
        loaded = statistics.median(results[v, "loaded"])
        la = f"{statistics.median(loads[v, 'alone']):.2f} / " \
             f"{statistics.median(loads[v, 'loaded']):.2f}"
        print(f"{v:10s} {alone:10,.0f} {loaded:10,.0f} {loaded / alone:13.2f} {la:>28s}")


def startup_table(args) -> None:
    for r in range(args.rounds):
        la = load_average()
        with Hogs(args.hogs, args.hog_seconds):
            res = measure("auto", args, startup=True)
        print(f"round {r + 1}: first step {res.get('first_step_s', float('nan')):.1f} s, "
              f"first gradient probe {res.get('first_probe_s', float('nan')):.1f} s, "
              f"first sample {res.get('first_sample_s', float('nan')):.1f} s "
              f"(threads {res['threads_seen']}, {args.hogs} hog(s), load average {la:.2f})",
              flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=None,
                    help="end a measurement after this many seconds (a heavily loaded machine)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--hogs", type=int, default=1, help="busy processes beside training")
    ap.add_argument("--hog-seconds", type=float, default=300.0,
                    help="each hog stops by itself after this long")
    ap.add_argument("--variants", default="auto,fixed")
    ap.add_argument("--startup", action="store_true",
                    help="time the first gradient probe and sample (the app's cadence)")
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
    elif args.startup:
        startup_table(args)
    else:
        speed_table(args)


if __name__ == "__main__":
    main()
