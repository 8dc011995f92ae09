"""The app as one observable run: `RunController` (`app.controller`) owns the run on screen
(its config, live settings, status, step and latest metrics) and is the one way to drive it.

The app's own keys, the Pilot tests and the lessons all go through it:

    c = app.controller
    c.start(config)                      # a new run (any family: the view switches)
    c.set("lr", 1e-3)                    # a live setting (the trainer answers HParamChange)
    c.request("sample", prime="the")     # a family request (or "save", "explode", "prompt")
    c.pause(); c.resume(); c.step_once()
    unsubscribe = c.subscribe(print)     # every engine event and every StatusChanged
    await c.wait_for(lambda run, event: "val_loss" in run.metrics, timeout=30)

A live change is kept: once the trainer accepts it, it is written into the run's config, so
the next run (r, m, a family switch and back) starts with it; `run.kept` lists those values
and the status bar shows them. Changes made on purpose for a moment (the explode key) are
not kept (`set(..., keep=False)`).

Threading: everything here runs on the UI thread. The trainer is reached only through the
app's `TrainingRunner` (thread-safe); the worker's news arrives as messages, which the app's
handlers pass to `take()` before drawing.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Mapping

from engine import events as ev
from engine import families
from engine.errors import EngineError

if TYPE_CHECKING:  # pragma: no cover
    from rnn_tui.app.app import RnnTuiApp

STATUSES = ("idle", "starting", "running", "paused", "stopping", "finished", "error",
            "opening", "opened")
ACTIVE = ("starting", "running", "paused")  # training (a worker's pause applies)
LIVE = (*ACTIVE, "opening", "opened")  # a trainer that takes settings and requests


@dataclass
class StatusChanged:
    """Not an engine event: the run's status moved (subscribers get both)."""

    name = "status"
    old: str
    new: str
    step: int


def live_settings(config: Any) -> dict[str, Any]:
    """The config's live hyperparameters (those set_hparam may change) and their values."""
    return {k: getattr(config, k) for k in type(config).LIVE_KEYS}


class Run:
    """A read-only view of the one run on screen; only the controller changes it."""

    def __init__(self, config: Any) -> None:
        self._config = config
        self._settings = live_settings(config)
        self._kept: dict[str, Any] = {}
        self._status = "idle"
        self._step = 0
        self._metrics: dict[str, Any] = {}
        self._run_dir: str | None = None

    config = property(lambda self: self._config, doc="the family's config dataclass")
    settings = property(lambda self: MappingProxyType(self._settings),
                        doc="live hyperparameters, as the trainer accepted them")
    kept = property(lambda self: MappingProxyType(self._kept),
                    doc="live changes of earlier runs this run started with")
    status = property(lambda self: self._status, doc=" | ".join(STATUSES))
    step = property(lambda self: self._step)
    metrics = property(lambda self: MappingProxyType(self._metrics),
                       doc="latest value of every number the events carry (train_loss, "
                           "val_loss, best, grad_norm, lr, the family's eval metrics ...)")
    run_dir = property(lambda self: self._run_dir)

    @property
    def family(self) -> str:
        return type(self._config).FAMILY

    def __repr__(self) -> str:
        return (f"Run({self.family} {self._config.describe()}, {self._status}, step "
                f"{self._step}, {dict(self._metrics)})")


Subscriber = Callable[[Any], None]


class RunController:
    """Owns `run` (see the module docstring); the app draws from it."""

    def __init__(self, app: "RnnTuiApp", config: Any) -> None:
        self.app = app
        self._run = Run(config)
        # Each family's latest config, so switching back and forth keeps the user's settings.
        self._family_configs = {f.name: f.config_class()(device=config.device)
                                for f in families.FAMILIES}
        self._family_configs[self._run.family] = config
        self._pending: dict[str, Any] = {}  # asked for, not yet accepted by the trainer
        self._transient: set[str] = set()  # set with keep=False: not written to the config
        self._changed: dict[str, Any] = {}  # live changes made in this run (kept next)
        self._subscribers: list[Subscriber] = []

    # ------------------------------------------------------------------ reading

    @property
    def run(self) -> Run:
        return self._run

    def config_of(self, family: str) -> Any:
        """The latest config of `family` (what the picker offers)."""
        return self._family_configs[family]

    def wanted(self, name: str) -> Any:
        """A setting's value as last asked for (a key pressed twice builds on the first)."""
        return self._pending.get(name, self._run._settings[name])

    # ------------------------------------------------------------------ driving

    def start(self, config: Any = None, *, why: str | None = None, paused: bool = False,
              **overrides: Any) -> None:
        """A new run from fresh weights with `config` (default: the current one, with the
        live changes kept) and `overrides`; another family's config switches the view.
        `why`: what the notice says (default: what trains now). `paused`: set up and shown
        at step 0, then waiting for space or n (a lesson step that asks to look first)."""
        config = config if config is not None else self._run.config
        if overrides:
            config = config.replace(**overrides)
        self.app.restart(config, why or f"now training: {config.describe()}", paused=paused)

    def set(self, name: str, value: Any, *, keep: bool = True) -> None:
        """Change a live setting. While a trainer runs it is asked (the value shows once it
        accepts); otherwise it is the next run's. `keep=False`: not for the next run."""
        if name not in self._run._settings:
            raise EngineError(f"{name} is not a live setting of a {self._run.family} run "
                              f"(those are {', '.join(self._run._settings)})")
        (self._transient.add if not keep else self._transient.discard)(name)
        runner = self.app.runner
        if self._run.status in LIVE and runner is not None and not runner.finished.is_set():
            self._pending[name] = value
            try:
                runner.set_hparam(name, value)
            except EngineError:
                self._pending.pop(name, None)
                raise
            return
        self._accept(name, value)
        self.app.notify(f"{name} = {value} for the next run", timeout=3)

    def request(self, name: str, **kwargs: Any) -> None:
        """Ask the run something: "save" (a checkpoint), "explode", "prompt" (text=: what
        typing into the view's prompt does), or any request the family's trainer declares
        (sample, translate, predict, score ...)."""
        if name == "prompt":
            self.app.main_screen.submit_prompt(kwargs.get("text", ""))
            return
        if name == "explode":
            self.app.explode()
            return
        runner = self.app.require_runner()
        if runner is None:
            return
        if name == "save":
            runner.request_checkpoint()
        else:
            runner.request(name, **kwargs)

    def pause(self) -> None:
        runner = self.app.runner
        if self._run.status in ("running", "starting") and runner is not None:
            runner.pause()
            self._set_status("paused")

    def resume(self) -> None:
        """Train on: a paused run resumes, an opened one continues in place, a finished one
        asks for more budget (or starts afresh)."""
        app, runner, status = self.app, self.app.runner, self._run.status
        if status in ("opening", "opened"):
            app.continue_run()
        elif runner is None or runner.finished.is_set() or status in ("finished", "error"):
            if app.can_continue():
                app.continue_finished()
            else:
                app.restart(self._run.config, "a new run from fresh weights")
        elif runner.paused:
            runner.resume()
            self._set_status("running")

    def toggle_pause(self) -> None:
        if self._run.status in ("running", "starting") and self.app.runner is not None \
                and not self.app.runner.paused:
            self.pause()
        else:
            self.resume()

    def step_once(self) -> None:
        if self._run.status == "opened":
            self.app.continue_run(one_step=True)
            return
        runner = self.app.require_runner()
        if runner is None:
            return
        if not runner.paused:
            self.app.notify("pause first (space), then n steps once", severity="warning")
            return
        runner.step()

    # ------------------------------------------------------------------ observing

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """`callback(event)` for every engine event and StatusChanged, on the UI thread."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    async def wait_for(self, predicate: Callable[[Run, Any], bool],
                       timeout: float | None = 30.0) -> bool:
        """Until `predicate(run, event)` holds (first checked with event None); False when
        `timeout` seconds pass first."""
        if predicate(self._run, None):
            return True
        done = asyncio.Event()

        def check(event: Any) -> None:
            if not done.is_set() and predicate(self._run, event):
                done.set()

        unsubscribe = self.subscribe(check)
        try:
            await asyncio.wait_for(done.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False
        finally:
            unsubscribe()

    def _publish(self, event: Any) -> None:
        for callback in list(self._subscribers):
            callback(event)

    # ------------------------------------------------------------------ the app's side

    def begin(self, config: Any, status: str) -> None:
        """A new run (or a new trainer for the same run) is launched with `config`."""
        run = self._run
        carried = {**run._kept, **self._changed}
        run._kept = {k: v for k, v in carried.items() if getattr(config, k, None) == v}
        self._changed = {}
        self._use_config(config)
        run._metrics, run._step, run._run_dir = {}, 0, None
        self._pending.clear()
        self._set_status(status)

    def _use_config(self, config: Any) -> None:
        run = self._run
        run._config = config
        run._settings = live_settings(config)
        self._family_configs[run.family] = config

    def _accept(self, name: str, value: Any) -> None:
        """The trainer took a new value (or none runs): the run's, and its config's unless
        it was a momentary change (keep=False)."""
        run = self._run
        run._settings[name] = value
        self._pending.pop(name, None)
        if name in self._transient or name not in type(run._config).__dataclass_fields__:
            return
        if getattr(run._config, name) != value:
            self._use_config(run._config.replace(**{name: value}))
            self._changed[name] = value

    def set_status(self, new: str) -> None:
        """For the app's lifecycle (stopping, continuing an opened run ...)."""
        self._set_status(new)

    def _set_status(self, new: str) -> None:
        old = self._run._status
        if new == old:
            return
        self._run._status = new
        self._publish(StatusChanged(old, new, self._run._step))

    def set_run_dir(self, run_dir: str | None) -> None:
        self._run._run_dir = run_dir

    def take(self, event: ev.Event) -> None:
        """An engine event of the run on screen: update the run, then tell subscribers."""
        run, status = self._run, self._run._status
        m = run._metrics
        if isinstance(event, ev.TrainStep):
            run._step = event.step
            m.update(train_loss=event.train_loss, lr=event.lr, grad_norm=event.grad_norm,
                     tokens_per_s=event.tokens_per_s, elapsed_s=event.elapsed_s,
                     **event.extras)
        elif isinstance(event, (ev.Started, ev.Opened)):
            run._step = event.step
            self._take_settings(event.config or {})
        elif isinstance(event, ev.Eval):
            run._step = max(run._step, event.step)
            m["val_loss"] = event.val_loss
            if m.get("best") is None or event.val_loss < m["best"]:
                m["best"] = event.val_loss
            m.update({k: v for k, v in event.metrics.items() if v is not None})
        elif isinstance(event, ev.Baselines):
            m.update({f"baseline:{k}": v for k, v in event.losses.items()})
            for name, numbers in event.metrics.items():
                m.update({f"baseline:{name}:{k}": v for k, v in numbers.items()})
        elif isinstance(event, ev.HParamChange):
            self._accept(event.key, event.new)
        elif isinstance(event, ev.Finished) and event.best_val_loss is not None:
            m["best"] = event.best_val_loss
        self._publish(event)
        if isinstance(event, (ev.TrainStep, ev.Started)) and status == "starting":
            self._set_status("running")
        elif isinstance(event, ev.Opened) and status == "opening":
            self._set_status("opened")
        elif isinstance(event, ev.Finished):
            self._set_status("error" if event.reason == "diverged" else "finished")

    def take_history(self, history: Any) -> None:
        """An opened run's past (rnn_tui/app/history.py): its settings and best loss."""
        self._take_settings(history.hparams)
        if history.best_val is not None:
            self._run._metrics["best"] = history.best_val
        if history.step:
            self._run._step = history.step

    def _take_settings(self, values: Mapping[str, Any]) -> None:
        settings = self._run._settings
        for key in settings:
            if key in values and key not in self._pending:
                settings[key] = values[key]

    def worker_paused(self) -> None:
        if self._run._status in ACTIVE:
            self._set_status("paused")

    def worker_resumed(self) -> None:
        if self._run._status == "paused":
            self._set_status("running")

    def worker_failed(self) -> None:
        self._set_status("error")

    def worker_finished(self) -> None:
        if self._run._status not in ("error", "finished"):
            self._set_status("finished")
