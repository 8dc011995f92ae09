"""A fake race for the race screen's tests: the engine Race's protocol, no torch.

It yields a fixed script (every racer Started, the baseline, 40 train steps each in turn with
probes, Jacobian pictures and evaluations), then holds until it is stopped or finished and
ends every racer. The standings are the engine's own (engine/racing/standings.py, pure Python)."""

from __future__ import annotations

import math
import threading
from types import SimpleNamespace
from typing import Iterator

from engine import events as ev
from engine.families.longrange.config import LongRangeConfig
from engine.families.longrange.events import Jacobian
from engine.racing.standings import Standings

DECAY = {"rnn": 0.7, "irnn": 0.99, "gru": 0.96, "lstm": 0.985}
SOLVE_RATE = {"rnn": 400.0, "irnn": 14.0, "gru": 9.0, "lstm": 11.0}  # mse decay, in steps


def mse_at(name: str, step: int) -> float:
    return 0.17 * math.exp(-step / SOLVE_RATE[name]) + 0.002


class FakeRace:
    def __init__(self, names=("rnn", "irnn", "gru", "lstm"), steps: int = 40,
                 length: int = 100, hold: bool = True) -> None:
        self.racers = [SimpleNamespace(name=n, config=LongRangeConfig(task="adding", model=n))
                       for n in names]
        self.minutes, self.lanes, self.length = 3.0, 2, length
        self.standings = Standings(list(names), threshold=0.01)
        self.steps, self.hold = steps, hold
        self._end = threading.Event()
        self._paused = False
        self.calls: list[str] = []

    def stop(self) -> None:
        self.calls.append("stop")
        self._end.set()

    def finish(self) -> None:
        self.calls.append("finish")
        self._end.set()

    def pause(self) -> None:
        self.calls.append("pause")
        self._paused = True

    def resume(self) -> None:
        self.calls.append("resume")
        self._paused = False

    @property
    def paused(self) -> bool:
        return self._paused

    def elapsed(self) -> float:
        return 42.0

    def _emit(self, name: str, event: ev.Event) -> tuple[str, ev.Event]:
        self.standings.update(name, event)
        return name, event

    def events(self) -> Iterator[tuple[str, ev.Event]]:
        names = [r.name for r in self.racers]
        for n in names:
            self.standings.judge_by(n, ("mse", False), f"{n.upper()} 128×1")
            yield self._emit(n, ev.Started(config={}, device="cpu (1 thread)", vocab_size=2,
                                           parameters=17_000, train_chars=0, val_chars=1000,
                                           step=0, family="longrange"))
            yield self._emit(n, ev.Baselines(losses={"predict 1": 1 / 6},
                                             metrics={"predict 1": {"mse": 1 / 6}}))
        for s in range(1, self.steps + 1):
            for k, n in enumerate(names):
                yield self._emit(n, ev.TrainStep(
                    step=s, epoch=None, train_loss=mse_at(n, s) * (1 + 0.05 * math.sin(s)),
                    tokens_per_s=1000.0, lr=3e-3, grad_norm=0.5, clipped=False,
                    elapsed_s=s * (0.015 if n in ("rnn", "irnn") else 0.045)))
                if s % 10 == 0:
                    yield from self._probes(n, s)
                if s % 10 == 0:
                    yield self._emit(n, ev.Eval(step=s, val_loss=mse_at(n, s), best=True,
                                                metrics={"mse": mse_at(n, s)}))
        if self.hold:
            self._end.wait(30)
        for n in names:
            yield self._emit(n, ev.Finished(step=self.steps, reason="time"))

    def _probes(self, name: str, step: int) -> Iterator[tuple[str, ev.Event]]:
        T, d = self.length, DECAY[name]
        gains = [[d ** (T - 1 - t) for t in range(T)]]
        yield self._emit(name, ev.Probe(step=step, grad_norms=[[0.3 * g for g in gains[0]]],
                                        global_norm=0.5, clipped_norm=0.5, clip_fraction=0.0))
        yield self._emit(name, Jacobian(step=step, gains=gains,
                                        sigma_max=[{"W_hh": 1.0}]))
