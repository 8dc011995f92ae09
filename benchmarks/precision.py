"""fp32 against bf16 in the same minutes: tokens/s and held-out nats/char side by side.

    python benchmarks/precision.py [--minutes 10] [--precisions fp32,bf16] [--rounds 1]
                                   [--corpus FILE] [--chars 1100000] [--threads 0] [--json F]

Each precision trains the character language model with every other setting at its default
(GRU 512x2, batch 32x100, the wsd schedule over the --minutes budget), each run a fresh
`rnn-tui run --minutes M --precision P` process as a user starts it, on the first --chars
characters of --corpus with the last 10% held out: the split of benchmarks/results/README.md
(benchmarks/quality.py reads it the same way). Rounds are interleaved (fp32, bf16, fp32, ...)
so machine noise hits both alike. Per run: optimizer steps, the median tokens/s of the
training events (the first fifth left out: start-up, the thread tuner's first trial) and the
held-out loss of the run's final full evaluation (nats/char, hidden state carried).

`--precision auto` may pick bf16 on a CPU only where this table shows bf16 faster AND its
held-out loss equal or better (engine/training/precision.py). Run it on a quiet machine:
on a shared one the minutes buy a different number of steps for each side.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.quality import read_prefix  # noqa: E402

WAR_AND_PEACE = ROOT.parent / "shared" / "corpora" / "war-and-peace.txt"


def read_run(run_dir: Path) -> dict:
    """Steps, median tokens/s and the last held-out loss from a run's metrics.jsonl."""
    records = [json.loads(line) for line in
               (run_dir / "metrics.jsonl").read_text(encoding="utf-8").splitlines() if line]
    train = [r for r in records if r.get("event") == "train"]
    evals = [r for r in records if r.get("event") == "eval"]
    speeds = [r["tokens_per_s"] for r in train[len(train) // 5:]]
    return {"steps": train[-1]["step"] if train else 0,
            "tokens_per_s": statistics.median(speeds) if speeds else float("nan"),
            "val_loss": evals[-1]["val_loss"] if evals else float("nan")}


def train(corpus: Path, precision: str, out: Path, args: argparse.Namespace) -> dict:
    """One `rnn-tui run` in a fresh process; its numbers, or {"error": its stderr's line}."""
    cmd = [sys.executable, "-m", "rnn_tui", "run", "--corpus", str(corpus), "--out", str(out),
           "--minutes", str(args.minutes), "--precision", precision, "--val-fraction", "0.1",
           "--threads", str(args.threads), "--device", "cpu", "--force"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"]
        return {"error": lines[-1]}
    return read_run(out)


def table(results: dict[str, list[dict]]) -> list[str]:
    """The side-by-side table: medians over the rounds of every precision."""
    lines = [f"{'precision':10s} {'steps':>7s} {'tokens/s':>10s} {'held-out nats/char':>19s}"]
    for name, runs in results.items():
        ok = [r for r in runs if "error" not in r]
        if not ok:
            lines.append(f"{name:10s} {runs[-1]['error']}")
            continue
        med = {k: statistics.median(r[k] for r in ok) for k in ("steps", "tokens_per_s",
                                                                 "val_loss")}
        lines.append(f"{name:10s} {med['steps']:7.0f} {med['tokens_per_s']:10,.0f} "
                     f"{med['val_loss']:19.4f}")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0, help="training time of each run")
    ap.add_argument("--precisions", default="fp32,bf16")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--corpus", default=str(WAR_AND_PEACE))
    ap.add_argument("--chars", type=int, default=1_100_000, help="0: the whole text")
    ap.add_argument("--threads", type=int, default=0, help="--threads of every run (0: auto)")
    ap.add_argument("--json", help="write every run's numbers here")
    args = ap.parse_args()
    precisions = [p.strip() for p in args.precisions.split(",") if p.strip()]
    if not Path(args.corpus).is_file():
        raise SystemExit(f"no corpus at {args.corpus} (give --corpus FILE)")
    results: dict[str, list[dict]] = {p: [] for p in precisions}
    with tempfile.TemporaryDirectory(prefix="rnn-tui-precision-") as tmp:
        corpus = Path(tmp) / "corpus.txt"  # the prefix, outside the repository
        corpus.write_text(read_prefix(args.corpus, args.chars), encoding="utf-8")
        for r in range(args.rounds):
            for p in precisions:
                res = train(corpus, p, Path(tmp) / f"{p}-{r}", args)
                results[p].append(res)
                print(f"round {r + 1} {p:5s} " + (res.get("error") or
                      f"{res['steps']} steps  {res['tokens_per_s']:,.0f} tok/s  "
                      f"held-out {res['val_loss']:.4f} nats/char"), flush=True)
    print(f"\nchar LM defaults, {args.minutes:g} min each, first {args.chars:,} characters of "
          f"{Path(args.corpus).name} (last 10% held out), median of {args.rounds} round(s)")
    print("\n".join(table(results)))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
