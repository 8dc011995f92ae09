"""Time to check of every step of the built-in chapters, played by their own solutions.

    python benchmarks/lessons.py                       # every chapter, twice: the median
    python benchmarks/lessons.py gradients sampling    # some chapters
    python benchmarks/lessons.py --repeats 1 --markdown

Each chapter is played headless (engine/lessons/headless.py: the real trainer, no app, no
run directory) as `rnn-tui learn --autoplay` plays it. Per step it prints the median wall
time from opening the step to its check passing (the first step's includes importing torch
and building the data) and the median active training time of the step's runs; a step that
did not pass in any repeat is marked. The issue's bar: every step under 90 s of training on
2 CPU cores, all chapters together under 20 minutes. Figures from a shared, loaded machine
are not quiet-machine figures: say which it was.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from engine.lessons.headless import autoplay_headless  # noqa: E402
from engine.lessons.schema import load_chapter  # noqa: E402
from rnn_tui import lessons  # noqa: E402


def play(name: str) -> list:
    return asyncio.run(autoplay_headless(load_chapter(lessons.builtin(name))))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("chapters", nargs="*", help="chapter names (default: all)")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--markdown", action="store_true", help="a Markdown table")
    args = ap.parse_args()
    names = args.chapters or lessons.names()
    rows, failed, t0 = [], 0, time.monotonic()
    for name in names:
        runs = [play(name) for _ in range(args.repeats)]
        chapter = load_chapter(lessons.builtin(name))
        for i, step in enumerate(chapter.steps):
            got = [r[i] for r in runs if i < len(r)]
            ok = len(got) == args.repeats and all(g.passed and not g.held_early for g in got)
            failed += not ok
            wall = statistics.median(g.seconds for g in got) if got else float("nan")
            train = statistics.median(g.train_seconds for g in got) if got else float("nan")
            rows.append((name, f"{i + 1}. {step.id}", step.topic, wall, train, ok))
    total = time.monotonic() - t0
    if args.markdown:
        print("| chapter | step | deck · topic | to check (s) | training (s) | passed |")
        print("|---|---|---|---:|---:|---|")
        for name, step, topic, wall, train, ok in rows:
            print(f"| {name} | {step} | {topic} | {wall:.1f} | {train:.1f} | "
                  f"{'yes' if ok else '**no**'} |")
    else:
        for name, step, topic, wall, train, ok in rows:
            print(f"{name:<16} {step:<22} {wall:7.1f} s  training {train:6.1f} s  "
                  f"{'ok' if ok else 'FAILED'}  {topic}")
    print(f"{len(rows)} steps, {failed} failed, {args.repeats} repeat(s), {total:.0f} s in all")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
