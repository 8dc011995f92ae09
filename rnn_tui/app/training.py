"""The training worker: drives `Trainer.events()` on a Textual thread worker.

Threading rules: the UI thread never touches torch or the model. It talks to the trainer
only through the trainer's thread-safe methods (`stop`, `set_hparam`, `request`,
`request_checkpoint`), here wrapped by `TrainingRunner`; the worker thread is
the only one that iterates the generator or calls `serve_requests()`. News goes back as
messages (`post_message`, thread-safe and non-blocking), never with `call_from_thread`.

Speed: the worker batches `TrainStep` events and posts them at most every `flush_interval`
seconds (other events go at once), so a fast model does not make the UI thread wake up (and
take the GIL) hundreds of times a second.
"""

from __future__ import annotations

import threading
import time
import traceback
from typing import TYPE_CHECKING, Any, Callable, Iterator, Protocol, runtime_checkable

from engine.errors import EngineError
from engine.events import Event, Finished, Started, TrainStep
from rnn_tui.app.messages import (EngineEvents, HistoryLoaded, WorkerFailed, WorkerFinished,
                                  WorkerPaused, WorkerResumed)

if TYPE_CHECKING:  # pragma: no cover
    from textual.message_pump import MessagePump

    from engine.config import RunConfig

@runtime_checkable
class TrainerProtocol(Protocol):
    """What the app needs of a trainer (engine.training.loop.Trainer; tests/app/fake_trainer.py).
    `events()` runs on the worker thread only; the other methods are called from the UI
    thread and must only queue work (they may raise EngineError for a bad value)."""

    out_dir: Any  # where it writes (None: nothing on disk)

    def events(self) -> Iterator[Event]: ...  # Started ... Finished; lazily, one step at a time

    def serve_requests(self) -> list[Event]: ...  # while paused: answer queued requests

    def stop(self) -> None: ...  # checkpoint (with an out_dir), then Finished

    def set_hparam(self, key: str, value: Any) -> None: ...  # answered by HParamChange

    def request(self, kind: str, **args: Any) -> None: ...  # a family request (sample ...)

    def request_checkpoint(self) -> None: ...

    def request_probe(self) -> None: ...  # probe the model as it is now (once per step)


@runtime_checkable
class OpenedTrainerProtocol(TrainerProtocol, Protocol):
    """A saved run (engine/storage/opened.py): its first serve_requests() loads it (Opened);
    events() continues it in place."""

    def continue_with(self, **overrides: Any) -> None: ...  # a new budget, before events()


@runtime_checkable
class TrainerFactory(Protocol):
    """How the app gets trainers (rnn_tui/app/__init__.py EngineFactory; the tests' fake)."""

    def __call__(self, config: "RunConfig") -> TrainerProtocol: ...  # a new run

    def open(self, run_dir: str, config: "RunConfig") -> OpenedTrainerProtocol: ...

    def resume(self, run_dir: str, config: "RunConfig") -> TrainerProtocol: ...  # from its
    # last checkpoint, with the live settings of `config` (explode.py)


class TrainingRunner:
    """One training run: a trainer built by `factory(config)` on the worker thread, its pause /
    single-step / stop state, and the loop that feeds its events to `target` (the app).

    UI-thread methods: pause, resume, step, stop, set_hparam, request, request_checkpoint,
    continue_with. Worker-thread method: `run` (pass it to `run_worker(thread=True)`).
    Calls made before the worker has built the trainer are queued and applied right after.
    """

    flush_interval = 1.0  # seconds between batched TrainStep posts (each costs a repaint)
    GATE_WAIT_S = 2.0  # the longest a run waits for the first frame (`gate`)
    idle_poll = 0.05  # seconds between serve_requests() calls while paused

    def __init__(self, target: "MessagePump", run_id: int, factory: TrainerFactory,
                 config: "RunConfig", *, paused: bool = False,
                 after: "TrainingRunner | None" = None,
                 history_dir: str | None = None,
                 build: Callable[[], Any] | None = None,
                 gate: threading.Event | None = None) -> None:
        self.target = target
        # Set when the trainer may be built: the app's first frame is on the screen. Building
        # imports torch (about a second, mostly holding the GIL), which would slow the UI
        # thread drawing that frame. Waited for at most GATE_WAIT_S.
        self.gate = gate
        # A run being opened (`rnn-tui open DIR`): its metrics.jsonl is read on the worker,
        # before the trainer is built, and posted as a HistoryLoaded message ahead of the
        # trainer's own events.
        self.history_dir = history_dir
        # How to make the trainer, when not `factory(config)` (an opened run: factory.open).
        self.build = build
        # A run that replaces another (reset, cell switch) waits until the old trainer has
        # checkpointed and ended: two models never train (or write a run dir) at once.
        self.after = after
        self.run_id = run_id
        self.factory = factory
        self.config = config
        self.trainer: TrainerProtocol | None = None
        self._lock = threading.Lock()
        self._queued: list[Callable[[Any], None]] = []
        self._running = threading.Event()  # set = train, clear = paused
        if not paused:
            self._running.set()
        # A new run started paused is first set up (until Started: its model answers) and
        # probed once (its step-0 picture), then held: a lesson asks to look before it moves.
        self._set_up_first = paused and build is None
        self._wake = threading.Event()
        self._steps_wanted = 0
        self._stop_requested = False
        self.finished = threading.Event()  # set when run() returned
        self.finish_reason = ""
        self.last_step: int | None = None
        self.run_dir: str | None = None  # where the trainer writes (known once it is built)

    # ---------------------------------------------------------------- UI thread

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    @property
    def stopping(self) -> bool:
        return self._stop_requested

    def pause(self) -> None:
        self._running.clear()
        self._wake.set()

    def resume(self) -> None:
        with self._lock:
            self._steps_wanted = 0
        self._running.set()
        self._wake.set()

    def step(self, count: int = 1) -> None:
        """While paused: train exactly `count` more optimizer steps, then stay paused."""
        with self._lock:
            self._steps_wanted += count
        self._wake.set()

    def stop(self) -> None:
        """Ask the trainer to finish (it checkpoints when it has an out_dir and yields Finished)."""
        self._stop_requested = True
        self._call(lambda t: t.stop())
        self._wake.set()

    def set_hparam(self, key: str, value: Any) -> None:
        self._call(lambda t: t.set_hparam(key, value))

    def request(self, kind: str, **args: Any) -> None:
        """Ask the model something its family answers (a sample, a translation)."""
        self._call(lambda t: t.request(kind, **args))

    def request_checkpoint(self) -> None:
        self._call(lambda t: t.request_checkpoint())

    def continue_with(self, **overrides: Any) -> None:
        """Options (a new budget) for an opened run, before it continues (resume())."""
        self._call(lambda t: t.continue_with(**overrides))

    def _call(self, fn: Callable[[Any], None]) -> None:
        with self._lock:
            trainer = self.trainer
            if trainer is None:
                self._queued.append(fn)
                return
        fn(trainer)
        self._wake.set()

    # ---------------------------------------------------------------- worker thread

    def _post(self, message) -> None:
        self.target.post_message(message)

    def run(self) -> None:
        """The worker body. Never raises: failures become a WorkerFailed message."""
        from textual.worker import get_current_worker

        try:
            worker = get_current_worker()
        except Exception:  # run outside a Textual worker (plain thread, tests)
            worker = None
        try:
            if self.gate is not None and not self._wait(self.gate, worker, self.GATE_WAIT_S):
                return
            if self.after is not None:
                if not self._wait(self.after.finished, worker):
                    return
                self.after = None  # do not keep the old run (and its model) alive
            if self.history_dir is not None:
                self._post_history(self.history_dir)
            trainer = self.build() if self.build is not None else self.factory(self.config)
            out_dir = getattr(trainer, "out_dir", None)
            self.run_dir = None if out_dir is None else str(out_dir)
            with self._lock:
                self.trainer = trainer
                queued, self._queued = self._queued, []
            for fn in queued:
                fn(trainer)
            self._loop(worker, trainer)
        except EngineError as exc:
            self._post(WorkerFailed(self.run_id, str(exc), user_error=True))
        except Exception as exc:  # a bug, but never a crashed UI
            self._post(WorkerFailed(self.run_id, f"{type(exc).__name__}: {exc}",
                                    user_error=False, details=traceback.format_exc()))
        finally:
            self.finished.set()
            self._post(WorkerFinished(self.run_id, self.finish_reason))

    @staticmethod
    def _wait(event: threading.Event, worker, timeout: float | None = None) -> bool:
        """Wait until `event` is set (or `timeout` seconds passed); False if the worker was
        cancelled meanwhile (the app is closing)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not event.wait(0.05):
            if worker is not None and worker.is_cancelled:
                return False
            if deadline is not None and time.monotonic() >= deadline:
                break
        return True

    def _post_history(self, out_dir: str) -> None:
        from rnn_tui.app.history import load_history

        try:
            history = load_history(out_dir)
        except Exception as exc:  # no or unreadable metrics: train on, without the curves
            self._post(HistoryLoaded(self.run_id, None, error=str(exc)))
        else:
            self._post(HistoryLoaded(self.run_id, history))

    def _loop(self, worker, trainer) -> None:
        gen = trainer.events()
        self._buffer: list[Event] = []
        self._last_flush = time.monotonic()
        self._cancelled = False
        reported_paused = False
        try:
            while True:
                if worker is not None and worker.is_cancelled and not self._cancelled:
                    # The app is closing (Textual issue #3966: a thread worker must notice).
                    # Let the trainer finish properly (checkpoint) but post nothing more.
                    self._cancelled = True
                    self._buffer = []
                    trainer.stop()
                held = not (self._stop_requested or self._cancelled) and \
                    not self._running.is_set() and not self._set_up_first
                if held and not self._stepping():
                    if not reported_paused:
                        self._flush()
                        self._post(WorkerPaused(self.run_id, self.last_step))
                        reported_paused = True
                    self._serve_while_paused(trainer)
                    continue
                if not held and reported_paused:
                    self._post(WorkerResumed(self.run_id))
                    reported_paused = False
                try:
                    event = next(gen)
                except StopIteration:
                    break
                self._take(event)
        finally:
            self._flush()
            close = getattr(gen, "close", None)
            if close is not None:
                close()

    def _stepping(self) -> bool:
        with self._lock:
            return self._steps_wanted > 0

    def _serve_while_paused(self, trainer) -> None:
        """Answer requests (samples, settings) without training, then wait a little."""
        served = trainer.serve_requests()
        if served:
            self._post(EngineEvents(self.run_id, list(served)))
        self._wake.wait(self.idle_poll)
        self._wake.clear()

    def _take(self, event: Event) -> None:
        """Buffer one event; post the buffer now unless it is a train step of a fast run."""
        self._buffer.append(event)
        if isinstance(event, TrainStep):
            self.last_step = event.step
            if not self._running.is_set():  # a single step: show it at once
                with self._lock:
                    last = self._steps_wanted == 1  # (0: the step in flight at a pause)
                    self._steps_wanted = max(0, self._steps_wanted - 1)
                if last:  # and what it did to the gradients (gates ...), served while paused
                    self.trainer.request_probe()
                self._flush()
            elif time.monotonic() - self._last_flush >= self.flush_interval:
                self._flush()
        else:
            if isinstance(event, Finished):
                self.finish_reason = event.reason
            elif isinstance(event, Started) and self._set_up_first:
                self._set_up_first = False
                self.trainer.request_probe()
            self._flush()

    def _flush(self) -> None:
        if self._buffer and not self._cancelled:
            self._post(EngineEvents(self.run_id, self._buffer))
        self._buffer = []
        self._last_flush = time.monotonic()
