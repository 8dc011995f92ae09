"""A run opened for use (`rnn-tui open DIR`, the app's runs screen): ready at once, changed
only when it continues.

    run = OpenedRun("runs/mine")
    run.serve_requests()        # Opened, the model at work (gates, a sample), answers
    run.request("sample", prime="The ")   # answered from the checkpoint's model
    for event in run.events():  # only when the user continues: `rnn-tui run --out DIR
        ...                     # --resume`, in place (same directory, the step goes on)

Until `events()` is iterated the run is only read: the checkpoint's model comes from
`engine.storage.state.load_run` (no lock, nothing written), so opening a run - even one another
process trains - never touches its files. `saved`: the run as `read_run` already read and
checked it (`rnn-tui open`, before the app opened), so it is not read twice. Requests are answered by that model and live
settings (learning rate, temperature, ...) are kept as the continued run's overrides, like
flags given again to `--resume`. `continue_with(steps=...)` sets a new budget first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

from engine.training import budget
from engine import events as ev
from engine.errors import EngineError
from engine.training.loop import Trainer
from engine.task import Request


class OpenedRun(Trainer):
    """The Trainer protocol over a saved run: a read-only preview, then resume in place."""

    def __init__(self, out_dir: str | Path, overrides: dict[str, Any] | None = None,
                 device: str = "cpu", saved: Any = None) -> None:
        super().__init__(None, out_dir, resume=True, overrides=dict(overrides or {}))
        self.preview_device = device  # where the preview model runs (training: the config's)
        self.saved = saved  # engine.storage.state.SavedRun read already, or None: read it
        self.loaded: Any = None  # engine.storage.state.LoadedRun while previewing

    # --- any thread ----------------------------------------------------------------------

    def continue_with(self, **overrides: Any) -> None:
        """Options for the continued run (a new budget: steps=, minutes=), before it starts."""
        self.overrides.update(overrides)

    @property
    def LIVE_KEYS(self) -> tuple[str, ...]:  # noqa: N802 - the Controls contract
        # While previewing, a key is checked when the preview applies it (_handle).
        return super().LIVE_KEYS if self.state is not None else _ANY

    # --- the thread iterating events() / serving requests ---------------------------------

    def serve_requests(self) -> list[ev.Event]:
        if self.state is not None:  # training has begun: the trainer's own
            return super().serve_requests()
        out = self._load() if self.loaded is None else []
        return out + list(self._serve())

    def events(self) -> Iterator[ev.Event]:
        if self._stop.is_set() and self.state is None:
            return  # opened and closed without continuing: nothing to write
        self.loaded = None  # free the preview model before the trainer builds its own
        yield from super().events()

    # --- the preview ------------------------------------------------------------------------

    def _load(self) -> list[ev.Event]:
        from engine.storage.state import load_run

        run = self.loaded = load_run(self.saved or self.out_dir, self.preview_device)
        self.saved = None  # (its tensors are the model's now)
        run.task.cancel = self._stop.is_set
        step = int(run.meta.get("step", 0))
        elapsed = float(run.meta.get("elapsed") or 0.0)
        out: list[ev.Event] = [ev.Opened(
            step=step, config=run.config.to_dict(), device=str(run.task.device),
            parameters=sum(p.numel() for p in run.model.parameters()), elapsed_s=elapsed,
            spent=budget.finish_reason(run.config, step, elapsed, False))]
        try:
            run.task.load_data()  # the probe text, the probe examples
        except EngineError as exc:
            return out + [ev.Warning(step=step, message=f"the run's data cannot be read, so "
                                     f"only requests are answered: {exc}")]
        out += run.task.probe_events(run.model, step)
        out += run.task.sample(run.model, step)
        return out

    def _ready(self) -> bool:
        return self.state is not None or self.loaded is not None

    def _current_step(self) -> int:
        if self.state is not None:
            return self.state.step
        return int(self.loaded.meta.get("step", 0)) if self.loaded is not None else 0

    def _handle(self, req: tuple) -> Iterator[ev.Event]:
        if self.state is not None:
            yield from super()._handle(req)
            return
        run, step = self.loaded, self._current_step()
        if req[0] == "hparam":
            key, value = req[1], req[2]
            if key not in type(run.config).LIVE_KEYS:
                raise EngineError(f"{key} cannot be changed; live: "
                                  f"{type(run.config).LIVE_KEYS}")
            old = getattr(run.config, key)
            run.config = run.task.config = run.config.replace(**{key: value}).validate()
            self.overrides[key] = value  # the continued run keeps it
            yield ev.HParamChange(step=step, key=key, old=old, new=value)
        elif req[0] == "request":
            request: Request = req[1]
            if request.kind not in run.task.requests:
                raise EngineError(f"a {run.task.family} model cannot {request.kind}")
            yield from run.task.request(run.model, request, step)
        elif req[0] == "checkpoint":
            yield ev.Warning(step=step, message="nothing to save: the opened run has not "
                                                "trained since its checkpoint")

    def _emit(self, event: ev.Event) -> ev.Event:
        return super()._emit(event) if self.state is not None else event


class _AnyKey(tuple):
    """Before the checkpoint is read every key passes; the preview checks it when applied."""

    def __contains__(self, key: object) -> bool:
        return True


_ANY = _AnyKey()
