"""Thread-safe control of a running trainer (loop.py) or opened run (engine/storage/opened.py).

Another thread (the app's UI) calls stop(), set_hparam(), request_checkpoint(),
request_probe() or a trainer's own request method; each only queues a request. The thread
iterating the trainer's events() serves the queue between optimizer steps (`_serve`), so the
model is only ever touched by that one thread. A request that fails with an EngineError (an invalid value,
a prime with unknown characters) becomes a Warning event, never an exception; one that stop()
cancels part-way (a long sample) just ends, and the run finishes as a stopped run does.
"""

from __future__ import annotations

import queue
import threading
from typing import Any, Iterator

from engine import events as ev
from engine.errors import Cancelled, EngineError


class Controls:
    """Base of the trainers: the request queue, the stop flag and serving them."""

    LIVE_KEYS: tuple[str, ...] = ()  # hyperparameters set_hparam accepts

    def __init__(self) -> None:
        self._requests: queue.SimpleQueue = queue.SimpleQueue()
        self._stop = threading.Event()
        self._budget_spent = threading.Event()

    # --- any thread ----------------------------------------------------------------------

    def stop(self) -> None:
        """Finish after the current step: checkpoint (with an out_dir), then Finished."""
        self._stop.set()

    def finish(self) -> None:
        """End as if the time budget were spent (a race's clock ran out): a final
        evaluation and checkpoint, then Finished("time"), where stop() skips the evaluation."""
        self._budget_spent.set()

    def set_hparam(self, key: str, value: Any) -> None:
        if key not in self.LIVE_KEYS:
            raise EngineError(f"{key} cannot be changed during a run; live: {self.LIVE_KEYS}")
        self._requests.put(("hparam", key, value))

    def request_checkpoint(self) -> None:
        self._requests.put(("checkpoint",))

    def request_probe(self) -> None:
        """Probe the model as it is now (gradients per timestep, the family's probe events
        such as gates), once per step: a single step taken while paused shows what it did."""
        self._requests.put(("probe",))

    # --- the thread iterating events() ----------------------------------------------------

    def serve_requests(self) -> list[ev.Event]:
        """For a paused consumer: handle queued requests without training."""
        return list(self._serve()) if self._ready() else []

    def _serve(self) -> Iterator[ev.Event]:
        while True:
            try:
                req = self._requests.get_nowait()
            except queue.Empty:
                return
            try:
                yield from self._handle(req)
            except EngineError as exc:
                yield self._emit(ev.Warning(step=self._current_step(), message=str(exc)))
            except Cancelled:  # stop() during a long sample or translation: the run ends
                continue  # as any stopped run does, with its checkpoint (what was streamed stays)

    # --- the trainer's part ----------------------------------------------------------------

    def _ready(self) -> bool:  # pragma: no cover - overridden
        """Whether the model exists yet (requests wait until it does)."""
        raise NotImplementedError

    def _current_step(self) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def _handle(self, req: tuple) -> Iterator[ev.Event]:  # pragma: no cover - overridden
        """One request: ("hparam", key, value), ("checkpoint",), ("probe",) or the
        trainer's own."""
        raise NotImplementedError

    def _emit(self, event: ev.Event) -> ev.Event:  # pragma: no cover - overridden
        raise NotImplementedError
