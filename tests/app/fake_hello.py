"""A fake "hello" trainer for the app tests (see fake_trainer.py): fixed, deterministic
Unrolled pictures (the greedy decoding spells "hello" from step 10), gradient probes over
the 4 timesteps, an Eval every 5 steps; `request_probe()` answers with the picture now."""

from __future__ import annotations

import math
from typing import Any, Iterator

from fake_one_kind import OneKindFactory
from fake_trainer import FakeTrainer

from engine import events as ev
from engine.errors import EngineError
from engine.families.hello.events import Unrolled

VOCAB = ["h", "e", "l", "o"]
WORD = "hello"


def loss_at(step: int) -> float:
    return math.log(4) * math.exp(-step / 6.0) + 0.01


def picture(step: int) -> Unrolled:
    """A made-up but consistent pass: the right character's probability grows with step."""
    T, H = 4, 3
    sure = 1 - 0.75 * math.exp(-step / 6.0)  # p of the target
    probs, losses = [], []
    for t in range(T):
        target = VOCAB.index(WORD[t + 1])
        row = [(1 - sure) / 3] * 4
        row[target] = sure
        probs.append(row)
        losses.append(-math.log(sure))
    hidden = [[math.tanh(0.7 * math.sin(1.3 * t + u)) for u in range(H)] for t in range(T)]
    grads = [[0.05 * (1 - sure) * math.cos(t + 2 * u) for u in range(H)] for t in range(T)]
    spells = step >= 10
    return Unrolled(step=step, cell="rnn", vocab=list(VOCAB), inputs=list(WORD[:-1]),
                    targets=list(WORD[1:]), hidden=hidden, probs=probs,
                    predicted=list(WORD[1:]) if spells else list("elll"),
                    losses=losses, loss=sum(losses) / T, grads=grads,
                    grad_norms=[math.sqrt(sum(g * g for g in row)) for row in grads],
                    greedy=WORD if spells else "helll", spells=spells)


class FakeHelloTrainer(FakeTrainer):
    FAMILY = "hello"

    def request(self, kind: str, **args: Any) -> None:
        raise EngineError(f'a "hello" network cannot {kind}')

    def _probe_now(self) -> list[ev.Event]:
        return list(self._probes(self.step))

    def _train_step(self) -> ev.TrainStep:
        step = super()._train_step()
        step.epoch, step.train_loss, step.tokens_per_s = None, loss_at(step.step), 400.0
        return step

    def _opening(self) -> Iterator[ev.Event]:
        yield ev.Started(config=self.config.to_dict(), device="cpu (1 thread)", vocab_size=4,
                         parameters=43, train_chars=4, val_chars=4, step=self.step,
                         resumed=self.step > 0, family=self.config.FAMILY)
        if not self.step:
            yield ev.Baselines(losses={"uniform": math.log(4)})

    def _probes(self, s: int) -> Iterator[ev.Event]:
        u = picture(s)
        yield ev.Probe(step=s, grad_norms=[u.grad_norms], global_norm=0.3, clipped_norm=0.3,
                       clip_fraction=0.0)
        yield u

    def _scheduled(self, s: int) -> Iterator[ev.Event]:
        yield from self._probes(s)
        u = picture(s)
        if s % 5 == 0 or s == self.script_steps:
            yield ev.Eval(step=s, val_loss=u.loss, best=True,
                          metrics={"accuracy": 1.0 if u.spells else 0.75,
                                   "spells": float(u.spells), "greedy": u.greedy})



def FakeHelloFactory(**kwargs: Any) -> OneKindFactory:
    """config -> FakeHelloTrainer (a script of 12 steps)."""
    return OneKindFactory(FakeHelloTrainer, 12, **kwargs)
