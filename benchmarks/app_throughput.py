"""Training speed inside the app vs headless, and key latency while training.

    python benchmarks/app_throughput.py [--seconds 30] [--rounds 3] [--corpus prose]
                                        [--threads 0] [--no-keys]

Each round trains the same configuration for the same wall time twice, interleaved, each in
a fresh process (as `rnn-tui run` and `rnn-tui` are):
  headless  engine.training.loop.Trainer driven by a plain loop (what `rnn-tui run` does)
  app       the real Textual app (headless screen via App.run_test) with its worker thread;
            a person watching: the panels update live, no keys pressed
Then, in the app, a key (y: log/linear axis, which redraws the loss chart) is pressed every
0.25 s for another window: its latency (from posting the key event to its action running on
the UI thread) and the training speed under that (unusually busy) typing are reported too.
Speed is optimizer steps in the window after a warm-up, times batch x bptt.

Both sides start as the commands do (`set_wait_policy` before torch: rnn-tui's OpenMP wait
policy), and each reports over its window what could explain a gap (benchmarks/results/
README.md, "Why the app can train slower than headless"): the cores the process used
(CPU seconds / wall seconds), in the app the UI thread's share of one core (what it takes
from torch's threads), and how often the thread tuner switched the thread count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.training.threads import set_wait_policy  # noqa: E402

set_wait_policy()  # as rnn_tui.cli.main does, before torch starts its threads

from engine.families.lm.config import LMConfig  # noqa: E402

WARMUP_S = 8.0


class Window:
    """What a measurement window cost: wall seconds, the process's CPU seconds, the calling
    thread's CPU seconds, and the thread tuner's switches (None: no tuner)."""

    def __init__(self, trainer) -> None:
        self.trainer = trainer
        self.start = self._now()

    def _now(self) -> tuple:
        tuner = getattr(getattr(self.trainer, "state", None), "tuner", None)
        return (time.perf_counter(), time.process_time(), time.thread_time(),
                tuner.switches if tuner is not None else None)

    def report(self) -> dict:
        (w0, p0, t0, s0), (w1, p1, t1, s1) = self.start, self._now()
        return {"cores": (p1 - p0) / (w1 - w0), "thread_share": (t1 - t0) / (w1 - w0),
                "switches": None if s0 is None else s1 - s0}


def headless_tps(cfg: LMConfig, seconds: float) -> dict:
    from engine import events as ev
    from engine.training.loop import Trainer

    trainer = Trainer(cfg)
    t0 = start_step = window = None
    for e in trainer.events():
        if not isinstance(e, ev.TrainStep):
            continue
        now = time.perf_counter()
        if t0 is None and e.elapsed_s >= WARMUP_S:
            t0, start_step, window = now, e.step, Window(trainer)
        elif t0 is not None and now - t0 >= seconds:
            trainer.stop()
            return {"tps": (e.step - start_step) * cfg.batch_size * cfg.bptt / (now - t0),
                    **window.report()}
    raise RuntimeError("run ended early")


async def app_tps(cfg: LMConfig, seconds: float, keys: bool = True) -> dict:
    from textual import events

    from rnn_tui.app import create_app

    app = create_app(cfg)
    latencies: list[float] = []
    posted: list[float] = []
    original = app.action_toggle_scale

    def timed_toggle() -> None:
        if posted:
            latencies.append(time.perf_counter() - posted.pop(0))
        original()

    app.action_toggle_scale = timed_toggle  # type: ignore[method-assign]
    tokens = cfg.batch_size * cfg.bptt
    async with app.run_test(size=(160, 48)):
        state = lambda: app.runner.trainer.state if app.runner and app.runner.trainer else None  # noqa
        while state() is None or state().elapsed < WARMUP_S:
            await asyncio.sleep(0.1)
        t0, s0, window = time.perf_counter(), state().step, Window(app.runner.trainer)
        await asyncio.sleep(seconds)  # this coroutine runs on the UI thread: thread_share
        t1, s1 = time.perf_counter(), state().step
        watching = {"tps": (s1 - s0) * tokens / (t1 - t0), **window.report()}
        typing = None
        if keys:
            while time.perf_counter() - t1 < seconds:
                posted.append(time.perf_counter())
                app.post_message(events.Key("y", "y"))
                await asyncio.sleep(0.25)
            t2, s2 = time.perf_counter(), state().step
            typing = (s2 - s1) * tokens / (t2 - t1)
        await app.action_quit()
    return {**watching, "typing": typing, "latencies": latencies}


def one(kind: str, cfg: LMConfig, seconds: float, keys: bool) -> dict:
    """One measurement in this process (run by main() in a fresh child process)."""
    if kind == "headless":
        return headless_tps(cfg, seconds)
    return asyncio.run(app_tps(cfg, seconds, keys=keys))


def costs(res: dict, app: bool) -> str:
    """The window's CPU use, in words."""
    words = f"{res['cores']:.2f} cores"
    if app:
        words += f", UI thread {100 * res['thread_share']:.1f}% of a core"
    if res["switches"] is not None:
        words += f", thread count switched {res['switches']}x"
    return words


def in_child(kind: str, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--one", kind, "--seconds", str(args.seconds),
           "--corpus", args.corpus] + (["--model", args.model] if args.model else []) + \
          (["--no-keys"] if args.no_keys else []) + ["--threads", str(args.threads)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--one", choices=["headless", "app"], help=argparse.SUPPRESS)
    ap.add_argument("--corpus", default="prose")
    ap.add_argument("--model", default=None)
    ap.add_argument("--no-keys", action="store_true", help="no key presses during the app run")
    ap.add_argument("--threads", type=int, default=0,
                    help="--threads of both sides (0: the default, adapted by the tuner; a "
                         "fixed count takes the tuner out of the comparison)")
    args = ap.parse_args()
    from rnn_tui.app import interactive_cadence

    cfg = LMConfig(corpus=args.corpus, device="cpu", baseline_order=3, threads=args.threads)
    if args.model:
        cfg = cfg.replace(model=args.model)
    cfg = interactive_cadence(cfg)  # the same side jobs in both, as the app runs them
    if args.one:
        print(json.dumps(one(args.one, cfg, args.seconds, not args.no_keys)))
        return
    print(f"{cfg.model} {cfg.hidden}x{cfg.layers}, batch {cfg.batch_size}x{cfg.bptt}, "
          f"{args.seconds:.0f}s windows after {WARMUP_S:.0f}s warm-up, each run a new process")
    head, app, typing, lat = [], [], [], []
    for r in range(args.rounds):
        alone = in_child("headless", args)
        head.append(alone["tps"])
        res = in_child("app", args)
        app.append(res["tps"])
        lat += res["latencies"]
        line = f"round {r + 1}: headless {head[-1]:,.0f} tok/s ({costs(alone, False)}) · " \
               f"app {app[-1]:,.0f} tok/s ({costs(res, True)})"
        if res["typing"]:
            typing.append(res["typing"])
            line += f" (while typing 4 keys/s: {typing[-1]:,.0f})"
        print(line, flush=True)
    h, a = statistics.median(head), statistics.median(app)
    print(f"app / headless = {a / h:.3f}  (headless {h:,.0f} · app {a:,.0f} tokens/s)")
    if typing:
        t = statistics.median(typing)
        print(f"app while typing / headless = {t / h:.3f}  ({t:,.0f} tokens/s)")
    if not lat:
        return
    lat.sort()
    p = lambda q: 1000 * lat[min(len(lat) - 1, int(q * len(lat)))]  # noqa: E731
    print(f"key latency while training: p50 {p(0.5):.1f} ms · p95 {p(0.95):.1f} ms · "
          f"max {1000 * lat[-1]:.1f} ms over {len(lat)} presses")


if __name__ == "__main__":
    main()
