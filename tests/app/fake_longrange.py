"""A fake long-range trainer for the app tests (see fake_trainer.py): the adding task's
baseline and mse, gradient probes over the T positions, Jacobian pictures, examples."""

from __future__ import annotations

import math
from typing import Iterator

from fake_trainer import FakeTrainer

from engine import events as ev


class FakeLongRangeTrainer(FakeTrainer):
    """The long-range trainer's protocol: the adding task's baseline and mse, gradient probes
    over the T positions, Jacobian pictures (a gain of `decay` per step back), examples."""

    FAMILY = "longrange"

    DECAY = {"rnn": 0.7, "irnn": 0.99, "gru": 0.96, "lstm": 0.985}

    def _train_step(self) -> ev.TrainStep:
        step = super()._train_step()
        step.epoch = None
        step.train_loss = 0.17 * math.exp(-step.step / 25.0) + 0.005
        return step

    def _opening(self) -> Iterator[ev.Event]:
        yield ev.Started(config=self.config.to_dict(), device="cpu (1 thread)", vocab_size=2,
                         parameters=67_713, train_chars=0, val_chars=1000, step=self.step,
                         resumed=self.step > 0, family=self.config.FAMILY)
        if not self.step:
            yield ev.Baselines(losses={"predict 1": 1 / 6},
                               metrics={"predict 1": {"mse": 1 / 6}})

    def _gains(self, scale: float = 1.0) -> list[list[float]]:
        T, d = self.config.length, self.DECAY[self.config.model]
        return [[scale * d ** (T - 1 - t) for t in range(T)] for _ in range(self.config.layers)]

    def _probe(self) -> ev.Probe:
        return ev.Probe(step=self.step, grad_norms=self._gains(0.3), global_norm=0.8,
                        clipped_norm=0.8, clip_fraction=0.0)

    def _scheduled(self, s: int) -> Iterator[ev.Event]:
        from engine.families.longrange.events import Examples, Jacobian

        if s % 10 == 0:
            yield self._probe()
            blocks = {"lstm": ("input", "forget", "cell", "output"),
                      "gru": ("reset", "update", "candidate")}.get(self.config.model,
                                                                   ("W_hh",))
            yield Jacobian(step=s, gains=self._gains(),
                           sigma_max=[{b: 1.0 + 0.1 * i for i, b in enumerate(blocks)}
                                      for _ in range(self.config.layers)])
        if s % 20 == 0:
            yield Examples(step=s, task="adding",
                           inputs=["0.42@t=3 + 0.91@t=71", "0.10@t=40 + 0.05@t=52"],
                           targets=["1.33", "0.15"], outputs=["1.30", "0.44"],
                           correct=[True, False])
        if s % 15 == 0 or s == self.script_steps:
            mse = 0.17 * math.exp(-s / 25.0) + 0.004
            yield ev.Eval(step=s, val_loss=mse, best=True, metrics={"mse": mse})
