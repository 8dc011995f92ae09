"""One process against N data-parallel ranks (torchrun, DDP), same global batch and budget.

    python benchmarks/distributed.py [--ranks 1,2] [--minutes 3 | --steps N] [--device cpu]
                                     [--corpus prose] [--model gru] [--hidden 256]
                                     [--batch-size 64] [--bptt 64] [--out DIR]

Trains the same character language model once per entry of --ranks, one after the other,
through the real command: `rnn-tui run` for 1 (one process with all the threads it may
use: --threads, default the machine's cores), `torchrun --standalone --nproc-per-node N -m
rnn_tui run` for N > 1 (each rank cores / N threads; on CUDA one GPU per rank). The global
batch (--batch-size) and the budget are the same for every entry, so the steps are the same
work and the ranks differ only in how it is spread. Prints, per entry: steps done, tokens/s
of the whole run (every rank's tokens: the median over the train events) and the held-out
loss after the budget; with --out, each run's directory and results.json.

On 2 CPU cores this compares 2 ranks x 1 thread with 1 process x 2 threads; on a GPU
machine pass --device cuda --ranks 1,2,4,8. Time it on a quiet machine: ranks wait for the
slowest one at every step.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def command(ranks: int, run_args: list[str]) -> list[str]:
    """The command that trains with RANKS processes."""
    if ranks == 1:
        return [sys.executable, "-m", "rnn_tui", "run", *run_args]
    return [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node",
            str(ranks), "-m", "rnn_tui", "run", *run_args]


def measure(ranks: int, args: argparse.Namespace, out: Path) -> dict:
    """Train once with RANKS processes; what the run's metrics say."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)
    threads = args.threads or max(1, cores // ranks)
    budget = ["--minutes", str(args.minutes)] if args.minutes else ["--steps", str(args.steps)]
    run_args = ["--corpus", args.corpus, "--model", args.model, "--hidden", str(args.hidden),
                "--batch-size", str(args.batch_size), "--bptt", str(args.bptt),
                "--device", args.device, "--threads", str(threads), *budget,
                "--eval-every", "1000000", "--sample-every", "0", "--probe-every", "0",
                "--log-every", "10", "--out", str(out), "--force"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": str(threads)}
    done = subprocess.run(command(ranks, run_args), env=env, cwd=ROOT, capture_output=True,
                          text=True)
    if done.returncode:
        raise SystemExit(f"{ranks} rank(s) failed ({done.returncode}):\n{done.stderr[-2000:]}")
    events = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    train = [e for e in events if e["event"] == "train"]
    evals = [e for e in events if e["event"] == "eval"]
    # A train event's tokens/s counts every rank's tokens; the first interval warms up.
    rates = [e["tokens_per_s"] for e in train[1:]] or [e["tokens_per_s"] for e in train]
    return {"ranks": ranks, "threads_per_rank": threads, "steps": train[-1]["step"],
            "tokens_per_s": statistics.median(rates),
            "val_loss": evals[-1]["val_loss"] if evals else None,
            "device": events[0].get("device", ""), "run_dir": str(out)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ranks", default="1,2", help="comma-separated process counts")
    ap.add_argument("--minutes", type=float, default=None, help="budget of each run")
    ap.add_argument("--steps", type=int, default=300, help="budget without --minutes")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=0, help="per rank (0: cores / ranks)")
    ap.add_argument("--corpus", default="prose")
    ap.add_argument("--model", default="gru")
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--batch-size", type=int, default=64, help="the global batch")
    ap.add_argument("--bptt", type=int, default=64)
    ap.add_argument("--out", default=None, help="keep the runs and results.json here")
    args = ap.parse_args()

    root = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="rnn-tui-ddp-"))
    results = []
    for ranks in (int(r) for r in args.ranks.split(",")):
        results.append(measure(ranks, args, root / f"ranks-{ranks}"))
        r = results[-1]
        val = f"{r['val_loss']:.4f}" if r["val_loss"] is not None else "-"
        print(f"{ranks} rank(s) x {r['threads_per_rank']} thread(s): {r['steps']} steps, "
              f"{r['tokens_per_s']:,.0f} tokens/s, val {val} nats/char  [{r['device']}]",
              flush=True)
    base = results[0]["tokens_per_s"]
    for r in results[1:]:
        print(f"{r['ranks']} ranks: {r['tokens_per_s'] / base:.2f}x the tokens/s of "
              f"{results[0]['ranks']}")
    if args.out:
        (root / "results.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
