"""How should 2-4 racers share the CPU? Round-robin steps in one process vs a process each.

    python benchmarks/race_sharing.py [--seconds 15] [--models rnn,irnn,gru,lstm] [--rounds 1]
                                      [--modes rr1,rr,procs,lockstep,split,threads] [--json FILE]

Each racer trains a LongRangeModel on the adding problem (defaults: hidden 128, T = 100,
batch 50, Adam 1e-3, clip 1.0) for a fixed wall-clock budget, under each sharing mode:
  rr1    one process, torch.set_num_threads(1), one step of each racer in turn
  rr     one process, one intra-op thread per core, round robin
  procs  one process per racer, the cores' threads split between them (at least 1 each),
         all started together behind a barrier and left to the OS scheduler
  lockstep  procs, but every racer waits at a barrier every --sync-every steps, so all get
         the same steps; a fast racer that waits leaves its core to the slow ones
  split  one single-threaded process per core, the racers dealt out between them, round
         robin inside each, lockstep between them every --sync-every rounds
  threads  split, but in ONE process: one Python thread per core (torch kernels release the
         GIL), torch.set_num_threads(1), lockstep at a threading.Barrier (engine/racing/race.py)
It prints, per mode, the total steps/s and each racer's steps, share of the steps and share
of the time (its own step time in round robin; in the others its process's CPU time, shared
out by step time), with the load average: on a machine shared with other work the numbers
are polluted, so --rounds repeats the modes interleaved and the medians are printed last.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from engine.training.device import usable_cores  # noqa: E402
from engine.families.longrange.model import LongRangeModel, LongRangeModelConfig  # noqa: E402
from engine.families.longrange.tasks import make_task  # noqa: E402


class Racer:
    """One model, its optimizer and its (seeded, shared-by-all) stream of batches."""

    def __init__(self, name: str, args: argparse.Namespace) -> None:
        torch.manual_seed(0)
        task = make_task("adding", args.length)
        self.name = name
        self.model = LongRangeModel(task, LongRangeModelConfig(model=name, hidden=args.hidden))
        self.opt = torch.optim.Adam(self.model.parameters(), lr=args.lr)
        self.data = task.batches(args.batch, seed=0)
        self.steps, self.busy_s = 0, 0.0
        for _ in range(3):  # warm-up: the first steps allocate and pick kernels
            self.step()
        self.steps, self.busy_s = 0, 0.0

    def step(self) -> None:
        t0 = time.perf_counter()
        x, y = next(self.data)
        _, loss = self.model(x, y)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.opt.step()
        self.steps += 1
        self.busy_s += time.perf_counter() - t0


def run_rounds(racers: list[Racer], seconds: float, sync_every: int = 0, barrier=None,
               stop=None) -> None:
    """One step of each racer in turn until time is up; with sync_every, in lockstep with
    the other processes at `barrier` every sync_every rounds."""
    end, rounds = time.perf_counter() + seconds, 0
    while True:
        if not sync_every:
            if time.perf_counter() >= end:
                return
        elif rounds and rounds % sync_every == 0:
            # Every process has done the same rounds. One decides whether time is up, and
            # all read its decision after a second barrier, so none is left waiting.
            if barrier.wait() == 0:
                stop.value = time.perf_counter() >= end
            barrier.wait()
            if stop.value:
                return
        for r in racers:
            r.step()
        rounds += 1


def round_robin(args: argparse.Namespace, threads: int) -> list[dict]:
    torch.set_num_threads(threads)
    racers = [Racer(n, args) for n in args.models]
    run_rounds(racers, args.seconds)
    return [{"name": r.name, "steps": r.steps, "time_s": r.busy_s} for r in racers]


def _child(names: list[str], args: argparse.Namespace, threads: int, sync_every: int, barrier,
           stop, queue) -> None:
    """One process: round robin over its racers; with sync_every, lockstep with the others."""
    torch.set_num_threads(threads)
    racers = [Racer(n, args) for n in names]
    barrier.wait()
    cpu0 = time.process_time()
    run_rounds(racers, args.seconds, sync_every, barrier, stop)
    cpu = time.process_time() - cpu0
    busy = sum(r.busy_s for r in racers)
    for r in racers:  # a process's CPU time, shared out by its racers' step times
        queue.put({"name": r.name, "steps": r.steps, "time_s": cpu * r.busy_s / busy})


class _Flag:
    value = False


def threaded(args: argparse.Namespace, groups: list[list[str]]) -> list[dict]:
    """One process, one Python thread per group, lockstep every --sync-every rounds."""
    import threading

    torch.set_num_threads(1)
    racers = [[Racer(n, args) for n in g] for g in groups]
    barrier, stop = threading.Barrier(len(groups)), _Flag()
    workers = [threading.Thread(target=run_rounds, args=(rs, args.seconds, args.sync_every,
                                                         barrier, stop)) for rs in racers]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    rows = {r.name: {"name": r.name, "steps": r.steps, "time_s": r.busy_s}
            for rs in racers for r in rs}
    return [rows[n] for n in args.models]


def processes(args: argparse.Namespace, groups: list[list[str]], threads: int,
              sync_every: int = 0) -> list[dict]:
    ctx = mp.get_context("spawn")  # a fresh interpreter: no torch thread pool inherited
    barrier, stop, queue = ctx.Barrier(len(groups)), ctx.Value("b", False), ctx.Queue()
    procs = [ctx.Process(target=_child, args=(g, args, threads, sync_every, barrier, stop, queue))
             for g in groups]
    for p in procs:
        p.start()
    try:  # a child that died would leave the others waiting at the barrier: stop them all
        results = [queue.get(timeout=args.seconds + 300) for _ in args.models]
    finally:
        for p in procs:
            p.join(timeout=10)
            if p.is_alive():
                p.terminate()
    order = {n: i for i, n in enumerate(args.models)}
    return sorted(results, key=lambda r: order[r["name"]])


def report(mode: str, rows: list[dict], seconds: float) -> dict:
    steps, busy = sum(r["steps"] for r in rows), sum(r["time_s"] for r in rows)
    spread = max(r["steps"] for r in rows) / max(1, min(r["steps"] for r in rows))
    print(f"\n{mode}: {steps / seconds:.1f} steps/s in all   (max/min steps {spread:.2f})")
    print(f"  {'racer':6} {'steps':>6} {'steps/s':>8} {'step share':>10} {'time share':>10}")
    for r in rows:
        print(f"  {r['name']:6} {r['steps']:6d} {r['steps'] / seconds:8.1f} "
              f"{r['steps'] / steps:10.1%} {r['time_s'] / busy:10.1%}")
    return {"mode": mode, "steps_per_s": steps / seconds, "racers": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--models", default="rnn,irnn,gru,lstm")
    ap.add_argument("--modes", default="rr1,rr,procs,lockstep,split,threads")
    ap.add_argument("--sync-every", type=int, default=5,
                    help="lockstep, split: rounds between barriers")
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--length", type=int, default=100)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--rounds", type=int, default=1, help="repeat the modes, interleaved")
    ap.add_argument("--json", default=None, help="also write the results here")
    args = ap.parse_args()
    args.models = args.models.split(",")
    cores = usable_cores()
    split = max(1, cores // len(args.models))  # threads per racer process
    alone = [[n] for n in args.models]
    # split: one process per core, racers dealt out in turn (rnn, gru | irnn, lstm: a cheap
    # and a costly cell in each), round robin inside, lockstep between.
    per_core = [args.models[i::cores] for i in range(min(cores, len(args.models)))]
    print(f"{cores} cores, torch {torch.__version__}, {args.seconds:g} s per mode, racers "
          f"{','.join(args.models)}, adding T={args.length} hidden {args.hidden} "
          f"batch {args.batch}; load average before: {os.getloadavg()}")
    runs = {"rr1": lambda: round_robin(args, 1), "rr": lambda: round_robin(args, cores),
            "procs": lambda: processes(args, alone, split),
            "lockstep": lambda: processes(args, alone, split, args.sync_every),
            "split": lambda: processes(args, per_core, 1, args.sync_every),
            "threads": lambda: threaded(args, per_core)}
    out = []
    for k in range(args.rounds):  # interleaved, so a change in the machine's load hits all
        for m in args.modes.split(","):
            out.append({"round": k, **report(m, runs[m](), args.seconds)})
            print(f"  load average: {os.getloadavg()[0]:.2f}")
    print("\nmedian total steps/s: " + ", ".join(
        f"{m} {statistics.median(r['steps_per_s'] for r in out if r['mode'] == m):.1f}"
        for m in args.modes.split(",")))
    if args.json:
        Path(args.json).write_text(json.dumps({"cores": cores, "args": vars(args),
                                               "runs": out}, indent=1))


if __name__ == "__main__":
    main()
