"""The issue's table: the four cells raced on the adding problem at T = 10, 50, 100, 200 and
on the copy task at T = 100, with the defaults; held-out metric and whether it was solved.

    python benchmarks/longrange_table.py [--minutes 3] [--out runs/lr-table]
                                         [--races adding:10,adding:50,adding:100,adding:200,copy:100]
    python benchmarks/longrange_table.py --summarize runs/lr-table   # re-read finished races

Each race is exactly `rnn-tui race --task TASK --length T --models rnn,irnn,gru,lstm
--minutes M --out OUT/TASK-T --headless` (run as a subprocess, so its output is the CLI's).
The table is read back from every racer's metrics.jsonl: the last held-out value, the best
one, and the step and own seconds at which it first crossed the task's threshold (adding:
MSE < 0.01; copy: loss < 0.01 nats). Steps do not depend on the machine's load; seconds do.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODELS = ("rnn", "irnn", "gru", "lstm")
THRESHOLD = {"adding": ("mse", 0.01), "copy": ("val_loss", 0.01)}


def race(task: str, length: int, minutes: float, out: Path) -> None:
    cmd = [sys.executable, "-m", "rnn_tui", "race", "--task", task, "--length", str(length),
           "--models", ",".join(MODELS), "--minutes", str(minutes), "--out", str(out),
           "--headless", "--force"]
    print("$ " + " ".join(cmd[2:]), f"  (load {os.getloadavg()[0]:.1f})", flush=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)


def summary(run_dir: Path, task: str) -> dict:
    """last / best held-out value, solved step and own seconds, steps, of one racer."""
    key, limit = THRESHOLD[task]
    rows = [json.loads(x) for x in (run_dir / "metrics.jsonl").read_text().splitlines() if x]
    own, out = 0.0, {"last": None, "best": None, "solved": None, "steps": 0, "copied": None,
                     "diverged": None}
    for r in rows:
        if r["event"] == "end" and r["reason"] == "diverged":
            out["diverged"] = r["step"]
        if r["event"] == "train":
            own, out["steps"] = r["elapsed_s"], r["step"]
        elif r["event"] == "eval":
            v = r[key]
            out["last"], out["copied"] = v, r.get("copied")
            out["best"] = v if out["best"] is None else min(out["best"], v)
            if v < limit and out["solved"] is None:
                out["solved"] = (r["step"], own)
    return out


def cell(s: dict, task: str) -> str:
    if s["diverged"] is not None:
        return f"NaN at step {s['diverged']:,}" + ("" if s["last"] is None else
                                                    f" (last {s['last']:.4f})")
    if s["last"] is None:
        return "–"
    mark = f" ✓ step {s['solved'][0]:,} ({s['solved'][1]:.0f} s)" if s["solved"] else " ✗"
    extra = f", copied {100 * s['copied']:.0f}%" if task == "copy" and s["copied"] is not None \
        else ""
    return f"{s['last']:.4f}{extra}{mark}"


def table(out: Path, races: list[tuple[str, int]]) -> str:
    lines = ["| task, T | steps each | " + " | ".join(MODELS) + " |",
             "|---|---:|" + "---|" * len(MODELS)]
    for task, length in races:
        where = out / f"{task}-{length}"
        stats = {m: summary(where / m, task) for m in MODELS if (where / m).is_dir()}
        if not stats:
            continue
        steps = max(s["steps"] for s in stats.values())
        lines.append(f"| {task}, {length} | {steps:,} | " + " | ".join(
            cell(stats[m], task) if m in stats else "–" for m in MODELS) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=3.0, help="each race's clock")
    ap.add_argument("--out", default="runs/lr-table")
    ap.add_argument("--races", default="adding:10,adding:50,adding:100,adding:200,copy:100")
    ap.add_argument("--summarize", default=None, help="only read the races in this folder")
    args = ap.parse_args()
    races = [(t, int(n)) for t, n in (r.split(":") for r in args.races.split(","))]
    out = Path(args.summarize or args.out)
    if not args.summarize:
        for task, length in races:
            race(task, length, args.minutes, out / f"{task}-{length}")
    print(table(out, races))


if __name__ == "__main__":
    main()
