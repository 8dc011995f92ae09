"""A fake error-surface trainer for the app tests (see fake_trainer.py): the surface on a
small grid computed in plain Python, and two made-up paths that part at step 6, where the
unclipped one is thrown out of the window."""

from __future__ import annotations

import math
from typing import Any, Iterator

from fake_one_kind import OneKindFactory
from fake_trainer import FakeTrainer

from engine import events as ev
from engine.families.surface.events import Paths, Surface

W = [0.5 + 2.5 * j / 31 for j in range(32)]
B = [-1.0 + 2.0 * i / 13 for i in range(14)]


def loss_at(w: float, b: float) -> float:
    h = 0.5
    for _ in range(50):
        h = math.tanh(w * h + b)
    return (h - 0.7) ** 2


def surface() -> Surface:
    return Surface(step=1, w=W, b=B, loss=[[loss_at(w, b) for w in W] for b in B],
                   timesteps=50, h0=0.5, target=0.7)


def paths(step: int) -> Paths:
    shared = [[1.75 - 0.05 * k, -0.1 - 0.03 * k] for k in range(min(step, 6) + 1)]
    unclipped = shared + [[886.2, 1781.2]] * max(0, step - 6)
    clipped = shared + [[1.45 + 0.002 * k, -0.05] for k in range(max(0, step - 6))]
    losses_u = [loss_at(*p) for p in unclipped]
    losses_c = [loss_at(*p) for p in clipped]
    norms_u = [0.2] * min(step, 6) + ([6630.0] + [0.0] * (step - 7) if step > 6 else [])
    norms_c = [0.2] * min(step, 6) + ([6630.0] + [0.15] * (step - 7) if step > 6 else [])
    longest_u = 1989.0 if step > 6 else 0.06
    return Paths(step=step, unclipped=unclipped, clipped=clipped, losses_unclipped=losses_u,
                 losses_clipped=losses_c, norms_unclipped=norms_u, norms_clipped=norms_c,
                 threshold=1.0, jump=1.0, loss_unclipped=losses_u[-1],
                 loss_clipped=losses_c[-1], largest_step_unclipped=longest_u,
                 largest_step_clipped=0.3, max_grad_norm=max(norms_u + norms_c),
                 jumped=step > 6, jumped_clipped=False)


class FakeSurfaceTrainer(FakeTrainer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The surface trains with SGD and the loop's clipping off, which the base fake takes
        # for the app's explode key: here it is the family's normal setting.
        self.hp["optimizer"] = "plain gradient descent"

    def _train_step(self) -> ev.TrainStep:
        step = super()._train_step()
        p = paths(step.step)
        step.epoch, step.tokens_per_s = None, 30.0
        step.train_loss = p.loss_unclipped + p.loss_clipped
        return step

    def _opening(self) -> Iterator[ev.Event]:
        yield ev.Started(config=self.config.to_dict(), device="cpu (1 thread)", vocab_size=0,
                         parameters=4, train_chars=1, val_chars=1, step=self.step,
                         resumed=self.step > 0, family="surface")

    def _scheduled(self, s: int) -> Iterator[ev.Event]:
        if s == 1:
            yield surface()
        p = paths(s)
        yield p
        if s % 5 == 0 or s == self.script_steps:
            yield ev.Eval(step=s, val_loss=p.loss_unclipped + p.loss_clipped, best=True,
                          metrics={"loss_unclipped": p.loss_unclipped,
                                   "loss_clipped": p.loss_clipped,
                                   "max_grad_norm": p.max_grad_norm,
                                   "jumped": float(p.jumped)})



def FakeSurfaceFactory(**kwargs: Any) -> OneKindFactory:
    """config -> FakeSurfaceTrainer (a script of 20 steps)."""
    return OneKindFactory(FakeSurfaceTrainer, 20, **kwargs)
