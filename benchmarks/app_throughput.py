"""Training speed inside the app vs headless, and key latency while training.

    python benchmarks/app_throughput.py [--seconds 40] [--rounds 2] [--corpus prose]

Each round trains the same configuration for the same wall time twice, interleaved:
  headless  engine.trainer.Trainer driven by a plain loop (what `rnn-tui run` does)
  app       the real Textual app (headless screen via App.run_test) with its worker thread,
            while a key (y: log/linear axis) is pressed every ~0.25 s
Speed is optimizer steps in the window after a warm-up, times batch x bptt. Key latency is
the time from posting the key event to its action running on the UI thread.
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

from engine.config import TrainConfig  # noqa: E402

WARMUP_S = 8.0


def headless_tps(cfg: TrainConfig, seconds: float) -> float:
    from engine import events as ev
    from engine.trainer import Trainer

    trainer = Trainer(cfg)
    t0 = start_step = None
    for e in trainer.events():
        if not isinstance(e, ev.TrainStep):
            continue
        now = time.perf_counter()
        if t0 is None and e.elapsed_s >= WARMUP_S:
            t0, start_step = now, e.step
        elif t0 is not None and now - t0 >= seconds:
            trainer.stop()
            return (e.step - start_step) * cfg.batch_size * cfg.bptt / (now - t0)
    raise RuntimeError("run ended early")


async def app_tps(cfg: TrainConfig, seconds: float, keys: bool = True) -> tuple[float, list[float]]:
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
    async with app.run_test(size=(160, 48)):
        state = lambda: app.runner.trainer.state if app.runner and app.runner.trainer else None  # noqa
        while state() is None or state().elapsed < WARMUP_S:
            await asyncio.sleep(0.1)
        t0, s0 = time.perf_counter(), state().step
        while time.perf_counter() - t0 < seconds:
            if keys:
                posted.append(time.perf_counter())
                app.post_message(events.Key("y", "y"))
            await asyncio.sleep(0.25)
        t1, s1 = time.perf_counter(), state().step
        await app.action_quit()
    return (s1 - s0) * cfg.batch_size * cfg.bptt / (t1 - t0), latencies


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=40)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--corpus", default="prose")
    ap.add_argument("--model", default=None)
    ap.add_argument("--no-keys", action="store_true", help="no key presses during the app run")
    args = ap.parse_args()
    from rnn_tui.app import interactive_cadence

    cfg = TrainConfig(corpus=args.corpus, device="cpu", baseline_order=3)
    if args.model:
        cfg = cfg.replace(model=args.model)
    cfg = interactive_cadence(cfg)  # the same side jobs in both, as the app runs them
    print(f"{cfg.model} {cfg.hidden}x{cfg.layers}, batch {cfg.batch_size}x{cfg.bptt}, "
          f"{args.seconds:.0f}s windows after {WARMUP_S:.0f}s warm-up")
    head, app, lat = [], [], []
    for r in range(args.rounds):
        head.append(headless_tps(cfg, args.seconds))
        tps, latencies = asyncio.run(app_tps(cfg, args.seconds, keys=not args.no_keys))
        app.append(tps)
        lat += latencies
        print(f"round {r + 1}: headless {head[-1]:,.0f} tok/s · app {app[-1]:,.0f} tok/s",
              flush=True)
    h, a = statistics.median(head), statistics.median(app)
    print(f"app / headless = {a / h:.3f}  (headless {h:,.0f} · app {a:,.0f} tokens/s)")
    if not lat:
        return
    lat.sort()
    p = lambda q: 1000 * lat[min(len(lat) - 1, int(q * len(lat)))]  # noqa: E731
    print(f"key latency while training: p50 {p(0.5):.1f} ms · p95 {p(0.95):.1f} ms · "
          f"max {1000 * lat[-1]:.1f} ms over {len(lat)} presses")


if __name__ == "__main__":
    main()
