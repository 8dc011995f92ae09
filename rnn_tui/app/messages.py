"""The Textual messages that carry news from the training worker thread to the UI.

Only these cross the thread boundary: `Widget.post_message` is thread-safe and does not block
(unlike `App.call_from_thread`, which waits for the UI). Each message is a small dataclass and
carries the `run_id` of the training run that produced it, so the UI can drop late news from a
run it already replaced (reset, cell switch).

`EngineEvents` carries engine events (`engine.events.*`, plain data). The worker batches
consecutive `TrainStep` events and flushes them about once a second (`TrainingRunner.
flush_interval`), so a fast model (hundreds of steps a second) costs the UI thread one
wake-up a second, not hundreds; every
other event kind (eval, probe, sample, checkpoint, ...) is sent at once, together with the
train steps buffered before it, in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message

from engine.events import Event

if TYPE_CHECKING:  # pragma: no cover
    from rnn_tui.app.history import History


@dataclass
class EngineEvents(Message):
    """One or more engine events, in the order the trainer yielded them."""

    run_id: int
    events: list[Event] = field(default_factory=list)


@dataclass
class WorkerPaused(Message):
    """The worker stopped pulling training steps (it still serves sample/hparam requests)."""

    run_id: int
    step: int | None = None


@dataclass
class WorkerResumed(Message):
    """The worker is training again."""

    run_id: int


@dataclass
class WorkerFailed(Message):
    """The trainer raised. `user_error` is True for an EngineError (a one-line, user-fixable
    message such as a bad corpus); False for anything else (a bug: `details` has the traceback)."""

    run_id: int
    text: str
    user_error: bool = True
    details: str = ""


@dataclass
class WorkerFinished(Message):
    """The worker thread is done with its trainer (the event generator ended or was cancelled)."""

    run_id: int
    reason: str = ""  # Finished.reason when the trainer said why ("steps", "stopped", ...)


@dataclass
class HistoryLoaded(Message):
    """The history of the run being resumed (`rnn-tui open DIR`), read on the worker thread
    before the trainer was built; `history` is None and `error` says why when it could not be
    read. Posted before any of the resumed trainer's events."""

    run_id: int
    history: "History | None" = None
    error: str = ""
