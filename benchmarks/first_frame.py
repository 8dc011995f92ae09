"""Time from launch to the app's first frame, and `rnn-tui --help`.

    python benchmarks/first_frame.py [--rounds 7] [--family lm]

Each round starts a fresh Python process (as `rnn-tui` is started) that builds the app for
the default config of `--family` with the real engine factory (no run directory), runs it on
a headless screen, and reports the wall time from the process's start (measured by this
parent, around the spawn) to the end of the first screen refresh with the view mounted.
Training starts on mount, as it does in the terminal: the worker thread imports torch while
the first frame is drawn. The child also says whether torch was already imported by then and
by whom (the UI thread building the app, or the worker).

Then `rnn-tui --help` (the CLI's cold start) the same number of times. Medians: the machine
this runs on may be shared, and a single run says little.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import sys, time, json
from engine import families
from rnn_tui.app import create_app

config = families.get(sys.argv[1]).config_class()()
app = create_app(config)  # the real engine's factory, no run directory
built_with_torch = "torch" in sys.modules

async def first_frame(pilot):
    await pilot.pause()  # the view is mounted and one refresh has run
    while not app.main_screen.is_mounted:
        await pilot.pause(0.005)
    await pilot.pause()
    print(json.dumps({"frame": time.time(), "torch_at_build": built_with_torch,
                      "torch_at_frame": "torch" in sys.modules}), flush=True)
    app.exit()

app.run(headless=True, size=(160, 48), auto_pilot=first_frame)
"""


def first_frame_s(family: str) -> dict:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.time()
    out = subprocess.run([sys.executable, "-c", CHILD, family], capture_output=True,
                         text=True, env=env, cwd=ROOT, timeout=120)
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    if out.returncode != 0 or not lines:
        raise SystemExit(f"the app did not start: {out.stderr.strip()[-2000:]}")
    row = json.loads(lines[-1])
    return {**row, "seconds": row.pop("frame") - t0}


def help_s() -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    exe = Path(sys.executable).with_name("rnn-tui")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "rnn_tui.cli"]
    t0 = time.perf_counter()
    subprocess.run(cmd + ["--help"], capture_output=True, check=True, env=env, cwd=ROOT)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--family", default="lm")
    args = ap.parse_args()
    frames = [first_frame_s(args.family) for _ in range(args.rounds)]
    helps = [help_s() for _ in range(args.rounds)]
    seconds = [f["seconds"] for f in frames]
    print(f"first frame ({args.family}): median {statistics.median(seconds):.2f} s, "
          f"min {min(seconds):.2f}, max {max(seconds):.2f} over {len(seconds)} launches; "
          f"torch imported while building the app: "
          f"{sum(f['torch_at_build'] for f in frames)}/{len(frames)}, "
          f"by the first frame: {sum(f['torch_at_frame'] for f in frames)}/{len(frames)}")
    print(f"rnn-tui --help: median {statistics.median(helps):.3f} s, min {min(helps):.3f}, "
          f"max {max(helps):.3f} over {len(helps)} runs")


if __name__ == "__main__":
    main()
