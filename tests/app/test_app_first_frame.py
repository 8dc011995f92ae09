"""The first frame comes before the first trainer: a run's worker builds its trainer (the real
one imports torch, about a second holding the GIL) only once the app has drawn its first
frame (`app.first_frame`, TrainingRunner.gate), or after GATE_WAIT_S if that never comes."""

from __future__ import annotations

import asyncio
import threading
import time

from fake_trainer import FakeFactory
from pilot_helpers import CONFIG, SIZE, settled, wait_for

from rnn_tui.app import create_app
from rnn_tui.app.training import TrainingRunner


class Recording(FakeFactory):
    """A fake factory that notes whether the first frame was drawn when it was asked."""

    def __init__(self) -> None:
        super().__init__()
        self.app = None
        self.drawn_when_built: list[bool] = []

    def __call__(self, config, resume_dir=None):
        self.drawn_when_built.append(self.app.first_frame.is_set())
        return super().__call__(config, resume_dir)


def test_the_first_run_is_built_after_the_first_frame():
    factory = Recording()

    async def main():
        app = factory.app = create_app(CONFIG, factory)
        async with app.run_test(size=SIZE) as pilot:
            await settled(app, pilot)
            app.controller.start(why="again")  # a restart: the frame was drawn long ago
            await wait_for(lambda: len(factory.trainers) == 2, pilot=pilot)

    asyncio.run(main())
    assert factory.drawn_when_built == [True, True]


class Target:
    def __init__(self) -> None:
        self.messages: list = []

    def post_message(self, message) -> bool:
        self.messages.append(message)
        return True


def test_a_gate_that_never_opens_delays_the_run_by_at_most_its_wait(monkeypatch):
    monkeypatch.setattr(TrainingRunner, "GATE_WAIT_S", 0.2)
    factory = FakeFactory(steps=3, hold=False)
    built_at: list[float] = []

    def build():
        built_at.append(time.monotonic())
        return factory(CONFIG)

    runner = TrainingRunner(Target(), 1, factory, CONFIG, gate=threading.Event(), build=build)
    t0 = time.monotonic()
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    runner.stop()
    thread.join(10)
    assert runner.finished.is_set()
    assert len(built_at) == 1 and 0.15 <= built_at[0] - t0 < 5.0
