"""A fake one-to-many trainer for the app tests (see fake_trainer.py): Names events for the
chosen label every 10 steps; `request("sample", label=L)` answers with names for L."""

from __future__ import annotations

import math
from typing import Any, Iterator

from fake_one_kind import OneKindFactory
from fake_trainer import FakeTrainer

from engine import events as ev
from engine.errors import EngineError
from engine.families.onetomany.events import Names

LABELS = ["Bovena", "Essari", "Kroslav"]
ENDINGS = {"Bovena": "ena", "Essari": "nen", "Kroslav": "ov"}
STEMS = ["Ab", "Bar", "Ki", "Lum", "Ter", "Ve"]


def names(step: int, label: str) -> Names:
    end = ENDINGS[label]
    return Names(step=step, label=label, names=[s + end for s in STEMS], temperature=0.8,
                 labels=list(LABELS), per_label={lab: "Ka" + ENDINGS[lab] for lab in LABELS})


class FakeOneToManyTrainer(FakeTrainer):
    def request(self, kind: str, **args: Any) -> None:
        if kind != "sample":
            raise EngineError(f"a one-to-many model cannot {kind}")
        self._request(("names", args.get("label") or self.hp["label"] or LABELS[1]))

    def _serve(self) -> Iterator[ev.Event]:
        with self._cond:
            asked = [r for r in self._pending if r[0] == "names"]
            self._pending = [r for r in self._pending if r[0] != "names"]
        yield from super()._serve()
        for _, label in asked:
            yield names(self.step, label)

    def _train_step(self) -> ev.TrainStep:
        step = super()._train_step()
        step.epoch, step.train_loss = None, 1.7 + 1.6 * math.exp(-step.step / 8)
        return step

    def _opening(self) -> Iterator[ev.Event]:
        yield ev.Started(config=self.config.to_dict(), device="cpu (1 thread)", vocab_size=52,
                         parameters=61_000, train_chars=13_158, val_chars=1_462,
                         step=self.step, resumed=self.step > 0, family="onetomany")
        if not self.step:
            yield ev.Baselines(losses={"uniform": math.log(52), "unigram": 3.34})

    def _scheduled(self, s: int) -> Iterator[ev.Event]:
        if s % 10 == 0:
            yield names(s, self.hp["label"] or LABELS[1])
        if s % 10 == 0 or s == self.script_steps:
            loss = 1.6 + 1.6 * math.exp(-s / 8)
            yield ev.Eval(step=s, val_loss=loss, best=True,
                          metrics={"bits_per_char": loss / math.log(2)})


def FakeOneToManyFactory(**kwargs: Any) -> OneKindFactory:
    """config -> FakeOneToManyTrainer (a script of 20 steps)."""
    return OneKindFactory(FakeOneToManyTrainer, 20, **kwargs)
