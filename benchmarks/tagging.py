"""The tagging benchmark: the bare BiLSTM tagger and the engine's defaults on the same data
and minutes, then the table (most-frequent-tag baseline, unidirectional vs bidirectional,
with vs without character features).

    python benchmarks/tagging.py [--minutes 3] [--table-minutes 3] [--parallel 1]
                                 [--no-table] [--train FILE] [--test FILE] [--json OUT]

Both sides train on UD English GUM dev and score UPOS on GUM test (overall and on test words
never seen in training). tokens/s counts optimizer steps only (evaluation excluded) on both
sides; the bare loop's minutes count its optimizer steps only, the engine's count everything
it does (`--minutes`, as a user runs it: its evaluations, probes and samples included), so
the comparison is conservative for the engine. `--parallel 2` runs two trainings at a time
(one thread each, one per core: both sides see the same conditions, half the wall time).
The issue's bar: the engine reaches at least the bare loop's accuracy at >= 0.95 of its
tokens/s, and >= 91% UPOS within 3 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.tagging_bare import GUM  # noqa: E402

# (row label, config changes from the engine's defaults)
ABLATIONS = [("engine: biLSTM + char features (defaults)", {}),
             ("engine: LSTM (unidirectional) + char features", {"bidirectional": False}),
             ("engine: biLSTM, no char features", {"char_features": False}),
             ("engine: LSTM (unidirectional), no char features",
              {"bidirectional": False, "char_features": False})]


def count_tokens(task, counted: list) -> None:
    """Add the tokens of every batch the task trains on to counted[0]."""
    inner = task.batch_tokens

    def counting(batch) -> int:
        n = inner(batch)
        counted[0] += n
        return n

    task.batch_tokens = counting


def engine_run(train: str, test: str, minutes: float, changes: dict) -> dict:
    """The engine's defaults (with CHANGES) for MINUTES; the last evaluation's numbers."""
    from engine.families.tag.config import TagConfig
    from engine.training.loop import Trainer

    cfg = TagConfig(data=train, val=test, minutes=minutes, device="cpu", **changes)
    trainer = Trainer(cfg)
    counted, tokens, seconds, last, base, curve, elapsed = [0], 0, 0.0, None, None, [], 0.0
    for event in trainer.events():
        if event.name == "start":  # count the tokens of every step, to weigh the intervals
            count_tokens(trainer.state.task, counted)
        elif event.name == "train":
            tokens, seconds = tokens + counted[0], seconds + counted[0] / event.tokens_per_s
            counted[0], elapsed = 0, event.elapsed_s
        elif event.name == "eval":
            last = event
            curve.append((elapsed / 60, last.accuracy))
        elif event.name == "baselines":
            base = event.metrics["most frequent tag"]
    return {"tokens_per_s": tokens / seconds, "accuracy": last.accuracy,
            "accuracy_unseen": last.accuracy_unseen, "steps": last.step, "curve": curve,
            "baseline": base, "describe": cfg.describe()}


def bare_run(train: str, test: str, minutes: float, changes: dict) -> dict:
    from benchmarks.tagging_bare import train as bare_train

    return bare_train(train, test, minutes, log=lambda line: print(line, flush=True))


def _run(job):
    fn, args = job
    return fn(*args)


def row(label: str, r: dict) -> str:
    tps = f"{r['tokens_per_s']:,.0f}" if r.get("tokens_per_s") else "–"
    return (f"| {label} | {tps} | {100 * r['accuracy']:.2f}% | "
            f"{100 * r['accuracy_unseen']:.2f}% |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--table-minutes", type=float, default=None,
                    help="minutes of each ablation run (default: --minutes)")
    ap.add_argument("--no-table", action="store_true", help="only the bare loop and defaults")
    ap.add_argument("--parallel", type=int, default=1, help="trainings at a time")
    ap.add_argument("--train", default=str(GUM / "en_gum-ud-dev.conllu"))
    ap.add_argument("--test", default=str(GUM / "en_gum-ud-test.conllu"))
    ap.add_argument("--json", help="write every result here")
    args = ap.parse_args()
    table_minutes = args.table_minutes or args.minutes
    jobs = [(bare_run, (args.train, args.test, args.minutes, {})),
            (engine_run, (args.train, args.test, args.minutes, {}))]
    if not args.no_table:
        jobs += [(engine_run, (args.train, args.test, table_minutes, changes))
                 for _, changes in ABLATIONS[1:]]
    print(f"train {Path(args.train).name}, test {Path(args.test).name}; {args.minutes:g} min "
          f"per side ({table_minutes:g} per ablation), {args.parallel} at a time", flush=True)
    with ProcessPoolExecutor(args.parallel) as pool:
        results = list(pool.map(_run, jobs))
    bare, engine = results[0], results[1]
    ratio = engine["tokens_per_s"] / bare["tokens_per_s"]
    print(f"\nbare   {bare['tokens_per_s']:8,.0f} tok/s  UPOS {bare['accuracy']:.4f}  "
          f"unseen {bare['accuracy_unseen']:.4f}  ({bare['epochs']:.1f} epochs)")
    print(f"engine {engine['tokens_per_s']:8,.0f} tok/s  UPOS {engine['accuracy']:.4f}  "
          f"unseen {engine['accuracy_unseen']:.4f}  ({engine['steps']:,} steps, "
          f"{engine['describe']})")
    print(f"engine / bare: {ratio:.2f}x the tokens/s, {engine['accuracy'] - bare['accuracy']:+.4f}"
          f" UPOS accuracy\n")
    print("| model | train tok/s | UPOS accuracy | unseen words |\n|---|---:|---:|---:|")
    print(row("most frequent tag per word (baseline)", engine["baseline"]))
    print(row(f"bare loop: biLSTM + char features ({args.minutes:g} min)", bare))
    for i, ((label, _), r) in enumerate(zip(ABLATIONS, results[1:])):
        print(row(f"{label} ({args.minutes if i == 0 else table_minutes:g} min)", r))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
