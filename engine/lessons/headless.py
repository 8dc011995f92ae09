"""Lessons without the app: a controller over the engine's real trainer, and autoplay.

`HeadlessController` gives the lesson player the same interface as the app's controller
(rnn_tui/app/controller.py) over engine/training/loop.py's `Trainer`, iterated on a thread: every
event it yields goes to the subscribers, the live settings and requests go to the trainer's
thread-safe controls. Runs keep nothing on disk (no run directory): a lesson's autoplay
writes only the learner's progress when asked to.

    results = asyncio.run(autoplay_headless(chapter, report=print))
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from engine import events as ev

JOIN_TIMEOUT_S = 30.0  # a stopped trainer finishes its step and says so within this


@dataclass
class RunInfo:
    """The run as the controller contract shows it."""
    config: Any = None
    settings: dict[str, Any] = field(default_factory=dict)
    status: str = "idle"  # idle | running | paused | finished | failed
    step: int = 0
    family: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)  # latest value by name
    run_dir: str | None = None


class HeadlessController:
    """One trainer at a time on a background thread (see the module docstring)."""

    def __init__(self) -> None:
        self.run = RunInfo()
        self.error: str | None = None  # why the last run could not start or went wrong
        self._subscribers: list[Callable[[Any], None]] = []
        self._trainer: Any = None
        self._thread: threading.Thread | None = None
        self._go = threading.Event()  # cleared while paused
        self._go.set()
        self._credits = 0  # single steps allowed while paused
        self._lock = threading.Lock()

    # --- the contract --------------------------------------------------------------------

    def start(self, config: Any = None, *, paused: bool = False, **overrides: Any) -> None:
        from engine.training.loop import Trainer  # imports torch

        self._stop_current()
        base = config if config is not None else self.run.config
        cfg = base.replace(**overrides).validate() if overrides else base
        self.run = RunInfo(config=cfg, settings=cfg.to_dict(),
                           status="paused" if paused else "running", family=type(cfg).FAMILY)
        self.error = None
        self._trainer = Trainer(cfg, out_dir=None)
        if paused:  # set up, then held (_hold) until resumed or stepped
            self._go.clear()
        else:
            self._go.set()
        self._thread = threading.Thread(target=self._iterate, args=(self._trainer,),
                                        name="lesson-trainer", daemon=True)
        self._thread.start()

    def set(self, name: str, value: Any) -> None:
        if self._trainer is not None:
            self._trainer.set_hparam(name, value)

    def request(self, name: str, **kwargs: Any) -> None:
        if self._trainer is not None:
            self._trainer.request(name, **kwargs)

    def pause(self) -> None:
        self._go.clear()
        self.run.status = "paused"

    def resume(self) -> None:
        self.run.status = "running"
        self._go.set()

    def step_once(self) -> None:
        with self._lock:
            self._credits += 1

    def subscribe(self, callback: Callable[[Any], None]) -> Callable[[], None]:
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in \
            self._subscribers else None

    async def wait_for(self, predicate: Callable[[RunInfo], bool],
                       timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not predicate(self.run):
            if deadline is not None and time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.05)
        return True

    def close(self) -> None:
        self._stop_current()

    # --- the trainer's thread ------------------------------------------------------------------

    def _iterate(self, trainer: Any) -> None:
        from engine.errors import EngineError

        try:
            for event in trainer.events():
                self._publish(trainer, event)
                if event.name in ("train", "start"):
                    self._hold(trainer)
        except EngineError as exc:
            self._fail(trainer, str(exc))
        except Exception as exc:  # noqa: BLE001 - reported as the step's failure
            self._fail(trainer, f"{type(exc).__name__}: {exc}")

    def _hold(self, trainer: Any) -> None:
        """While paused: serve requests (live settings, samples) until resumed or a step.
        The model as it is now is probed first (set up, or one step on: what the learner
        looks at while it waits, as the app's runner asks after a single step)."""
        if not self._go.is_set():
            trainer.request_probe()
        while not self._go.is_set() and not trainer._stop.is_set():
            with self._lock:
                if self._credits:
                    self._credits -= 1
                    return
            for event in trainer.serve_requests():
                self._publish(trainer, event)
            time.sleep(0.02)

    def _publish(self, trainer: Any, event: ev.Event) -> None:
        if trainer is not self._trainer:  # a stopped run's last words: not this run's
            return
        self._note(event)
        for callback in list(self._subscribers):
            callback(event)

    def _note(self, event: ev.Event) -> None:
        run = self.run
        if event.name == "train":
            run.step = event.step
            run.metrics.update(train_loss=event.train_loss, grad_norm=event.grad_norm,
                               lr=event.lr, elapsed_s=event.elapsed_s)
        elif event.name == "eval":
            run.metrics.update(val_loss=event.val_loss, **event.metrics)
        elif event.name == "hparam":
            run.settings[event.key] = event.new
            run.config = run.config.replace(**{event.key: event.new})
        elif event.name == "end":
            run.status = "finished"

    def _fail(self, trainer: Any, message: str) -> None:
        if trainer is not self._trainer:
            return
        self.error = message
        self.run.status = "failed"
        self._publish(trainer, ev.Warning(step=self.run.step, message=message))

    def _stop_current(self) -> None:
        trainer, thread = self._trainer, self._thread
        self._trainer = self._thread = None
        if trainer is not None:
            trainer.stop()
            self._go.set()
        if thread is not None:
            thread.join(JOIN_TIMEOUT_S)


async def autoplay_headless(chapter: Any, report: Callable[[Any], None] | None = None,
                            progress: Any = None, key: str | None = None) -> list:
    """Play every step of `chapter` with the real trainer; the StepResults in order."""
    from engine.lessons.player import LessonPlayer

    controller = HeadlessController()
    player = LessonPlayer(chapter, controller, progress=progress, key=key)
    try:
        return await player.autoplay(report)
    finally:
        player.close()
        await asyncio.to_thread(controller.close)
