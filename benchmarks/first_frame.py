"""Time from launch to the app's first frame, and `rnn-tui --help`.

    python benchmarks/first_frame.py [--rounds 7] [--family lm] [--against DIR] [--no-train]

Each round starts a fresh Python process (as `rnn-tui` is started) that builds the app for
the default config of `--family` with the real engine factory (no run directory) and runs it
on a headless screen. Times are from the process's start (measured by this parent, around the
spawn) to:

  built     the app object exists (its modules imported: what `rnn-tui` pays before Textual)
  frame     the first frame of the mounted view handed to the terminal (App._display with the
            view, rendered to the terminal's escape codes as a real terminal write would be)
  started   the trainer is built (torch imported, data and model ready): its first event
  step      the first training step's numbers reach the app (batched: at most 1 s later)

The first frame is the frame itself, not "the process went idle": Textual's Pilot.pause()
waits until the whole process (every thread) stops using the CPU, for up to a second, so while
the training worker imports torch it measured the worker, not the screen. `--no-train` builds
the app with training off (the split: what the worker costs the UI thread).

`--against DIR` (repeatable) times another checkout (e.g. `git worktree add ../base 73f15ea`)
in the same rounds, alternating, with DIR on PYTHONPATH. Before timing, each tree's modules are compiled
to bytecode (__pycache__, as an installed package has them): with PYTHONDONTWRITEBYTECODE set
every launch would compile the project's sources again, and a larger tree would pay for it.

Then `rnn-tui --help` (the CLI's cold start) the same number of times, alternating too.
Medians: the machine this runs on may be shared, and a single run says little.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("engine", "rnn_tui", "sample_corpora")  # the trees' own code, compiled first

CHILD = r"""
import sys, time, json
T0 = float(sys.argv[2])
marks = {}
def mark(key):
    marks.setdefault(key, time.time() - T0)

from engine import families
from rnn_tui.app import create_app

config = families.get(sys.argv[1]).config_class()()
app = create_app(config, autostart=sys.argv[3] == "train")  # the real engine's factory
mark("built")
torch_at_build = "torch" in sys.modules

display = app._display
def display_marked(screen, renderable):  # every frame goes through here to the driver
    if renderable is not None and not app._batch_count and screen is app.main_screen \
            and screen.is_mounted:
        renderable.render_segments(app.console)  # (the headless driver skips the write)
        mark("frame")
        marks.setdefault("torch_at_frame", "torch" in sys.modules)
    return display(screen, renderable)
app._display = display_marked

post = app.post_message
def post_marked(message):  # the worker's news (thread-safe: only records a time)
    names = [type(e).__name__ for e in getattr(message, "events", ())]
    if names:
        mark("started")
    if "TrainStep" in names:
        mark("step")
    return post(message)
app.post_message = post_marked

async def first_frame(pilot):
    import asyncio
    wanted = ("frame", "step") if sys.argv[3] == "train" else ("frame",)
    while not all(k in marks for k in wanted) and time.time() - T0 < 60:
        await asyncio.sleep(0.005)  # (not pilot.pause(): that waits for the CPU to idle)
    marks["torch_at_build"] = torch_at_build
    print(json.dumps(marks), flush=True)
    app.exit()

app.run(headless=True, size=(160, 48), auto_pilot=first_frame)
"""

TIMES = ("built", "frame", "started", "step")


def compile_tree(tree: Path) -> None:
    for package in PACKAGES:
        if (tree / package).is_dir():
            compileall.compile_dir(tree / package, quiet=1)


def first_frame(tree: Path, family: str, train: bool) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    t0 = time.time()
    out = subprocess.run([sys.executable, "-c", CHILD, family, repr(t0),
                          "train" if train else "no-train"], capture_output=True, text=True,
                         env=env, cwd=tree, timeout=120)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        raise SystemExit(f"the app did not start: {out.stderr.strip()[-2000:]}")
    return json.loads(lines[-1])


def help_s(tree: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    exe = Path(sys.executable).with_name("rnn-tui")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "rnn_tui.cli"]
    t0 = time.perf_counter()
    subprocess.run(cmd + ["--help"], capture_output=True, check=True, env=env, cwd=tree)
    return time.perf_counter() - t0


def summary(rows: list[dict]) -> str:
    parts = []
    for key in TIMES:
        values = [r[key] for r in rows if key in r]
        if values:
            parts.append(f"{key} {statistics.median(values):.2f} s")
    torch = sum(r["torch_at_build"] for r in rows)
    return (", ".join(parts) + f" (medians of {len(rows)}; torch imported while building the "
            f"app: {torch}/{len(rows)}, by the first frame: "
            f"{sum(r['torch_at_frame'] for r in rows)}/{len(rows)})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--family", default="lm")
    ap.add_argument("--against", type=Path, action="append", default=[],
                    help="another checkout, timed alternately (repeatable)")
    ap.add_argument("--no-train", action="store_true", help="build the app with training off")
    args = ap.parse_args()
    trees = [ROOT] + [tree.resolve() for tree in args.against]
    for tree in trees:
        compile_tree(tree)
    frames: dict[Path, list[dict]] = {t: [] for t in trees}
    helps: dict[Path, list[float]] = {t: [] for t in trees}
    for _ in range(args.rounds):
        for tree in trees:
            frames[tree].append(first_frame(tree, args.family, not args.no_train))
    for _ in range(args.rounds):
        for tree in trees:
            helps[tree].append(help_s(tree))
    for tree in trees:
        name = f"{tree.name}: " if len(trees) > 1 else ""
        what = "training off" if args.no_train else "training on"
        print(f"{name}first frame ({args.family}, {what}): {summary(frames[tree])}")
    for tree in trees:
        name = f"{tree.name}: " if len(trees) > 1 else ""
        h = helps[tree]
        print(f"{name}rnn-tui --help: median {statistics.median(h):.3f} s, min {min(h):.3f}, "
              f"max {max(h):.3f} over {len(h)} runs")


if __name__ == "__main__":
    main()
