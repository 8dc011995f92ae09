"""What the app does with news from the training worker: engine events (batched), the history
of a resumed run, and the worker's paused / resumed / failed / finished messages.

`EngineHandlersMixin` is part of `RnnTuiApp` (see app.py). It handles the events every
family yields (train, eval, probe, baselines, checkpoint, ...) and hands the family's own
events to the view (`DashboardScreen.handle_event`); it drops news from a run the app
already replaced (`run_id`).
"""

from __future__ import annotations

import itertools

from textual.css.query import NoMatches

from engine import events as ev
from rnn_tui.app.explode import diverged_text
from rnn_tui.app.history import History
from rnn_tui.app.messages import (EngineEvents, HistoryLoaded, WorkerFailed, WorkerFinished,
                                  WorkerPaused, WorkerResumed)
from rnn_tui.app.rendering import short

BASELINE_COLOURS = ("#6d6d6d", "#8d8d8d", "#ba68c8", "#81c784", "#e57373")


class EngineHandlersMixin:
    """Message handlers of RnnTuiApp for the training worker's news."""

    def _current(self, run_id: int) -> bool:
        """News of the run on screen (not of one it replaced), while the app still runs (a
        worker's last messages can arrive while it shuts down, its screens gone)."""
        return run_id == self.run_id and self.is_running

    def on_engine_events(self, message: EngineEvents) -> None:
        if not self._current(message.run_id):
            return
        try:
            self._handle_events(message.events)
        except NoMatches:  # late news while the app is closing: the widgets are gone
            if self.is_running and self.main_screen.is_attached:
                raise

    def _handle_events(self, events: list[ev.Event]) -> None:
        train_x: list[float] = []
        train_y: list[float] = []
        for event in events:
            self.events_seen += 1
            self.controller.take(event)  # the run's state first, then the widgets
            if isinstance(event, ev.TrainStep):
                train_x.append(event.step)
                train_y.append(event.train_loss)
                self.info["train"] = event
            else:
                if train_x:  # keep the order: points before the event they precede
                    self._add_train_points(train_x, train_y)
                    train_x, train_y = [], []
                self._handle_event(event)
        if train_x:
            self._add_train_points(train_x, train_y)
        self.render_status()

    def _add_train_points(self, xs: list[float], ys: list[float]) -> None:
        self.main_screen.query_one("#loss-chart").add_points("train", xs, ys)

    def _handle_event(self, event: ev.Event) -> None:
        s = self.main_screen
        if isinstance(event, ev.Started):
            self.info["started"] = event
            self.n_layers = int((event.config or {}).get("layers", self.n_layers))
            if event.resumed:
                self.notify(f"resumed at step {event.step}", title="Checkpoint loaded")
            self.remember_run_dir()
        elif isinstance(event, ev.Opened):
            self._show_opened(event)
        elif isinstance(event, ev.Baselines):
            self._set_baselines(event)
            self.render_loss_info()
        elif isinstance(event, ev.Eval):
            s.query_one("#loss-chart").add_point("val", event.step, event.val_loss)
            self.info["eval"] = event
            s.show_eval(event)
            self.render_loss_info()
        elif isinstance(event, ev.Probe):
            self.probes.append(event)
            del self.probes[:-200]
            self.n_layers = max(1, len(event.grad_norms) // s.probe_rows())
            self.render_gradients(new=event)
        elif isinstance(event, ev.Checkpoint):
            self.info["checkpoint"] = event
            if event.reason == "request":
                self.notify(f"saved {event.path}", title=f"Checkpoint at step {event.step}")
        elif isinstance(event, ev.HParamChange):
            if event.key not in type(self.config).VIEW_KEYS:  # training settings only
                s.query_one("#loss-chart").add_marker(event.step,
                                                      f"{event.key}={short(event.new)}")
        elif isinstance(event, ev.Warning):
            self.notify(event.message, title="Warning", severity="warning")
        elif isinstance(event, ev.Finished):
            self.info["finished"] = event
            if event.reason == "diverged":
                text = diverged_text(event)
                self._show_banner(text)
                if not self.offer_last_good(event):  # (explode.py: back to a checkpoint)
                    self._show_message("Training diverged", text + "\n\nTry a lower learning "
                                       "rate (l) or tighter gradient clipping ([), then reset "
                                       "(r).")
            elif event.reason != "stopped":
                self.notify(f"finished at step {event.step} ({event.reason})",
                            title="Training finished")
            self.refresh_bindings()
        else:
            s.handle_event(event)

    def _show_opened(self, event: ev.Opened) -> None:
        """The opened run's model is loaded: it answers now; space continues it."""
        self.info["opened"] = event
        self.n_layers = int(event.config.get("layers", self.n_layers))
        self.remember_run_dir()
        more = " (its budget is spent: space asks for more)" if event.spent else ""
        model = f"its best model (step {event.best_step:,}) answers; " \
            if event.best_step is not None else ""
        self.notify(f"step {event.step:,}: {model}g samples, p primes, space continues this "
                    f"run in place{more}", title="Run opened", timeout=6)
        self.refresh_bindings()

    def _set_baselines(self, event: ev.Baselines) -> None:
        chart = self.main_screen.query_one("#loss-chart")
        colours = itertools.cycle(BASELINE_COLOURS)  # (a ladder's rungs may add more lines)
        for (name, value), colour in zip(event.losses.items(), colours):
            chart.set_reference(name, value, color=colour)
        self.info["baselines"] = event

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        if not self._current(message.run_id):
            return
        if message.history is None:
            self.notify(f"no history to show: {message.error}", title="Opening the run",
                        severity="warning")
            return
        try:
            self._show_history(message.history)
        except NoMatches:  # closing
            if self.is_running and self.main_screen.is_attached:
                raise

    def _show_history(self, h: History) -> None:
        """Prefill the panels with a resumed run's past (before its trainer's first event)."""
        s = self.main_screen
        chart = s.query_one("#loss-chart")
        chart.add_points("train", h.train_x, h.train_y)
        chart.add_points("val", h.val_x, h.val_y)
        for step, key, value in h.markers:
            if key not in type(self.config).VIEW_KEYS:
                chart.add_marker(step, f"{key}={short(value)}")
        if h.baselines is not None:
            self._set_baselines(h.baselines)
        self.controller.take_history(h)
        for key, value in (("train", h.last_train), ("eval", h.last_eval),
                           ("checkpoint", h.checkpoint), ("started", h.started)):
            if value is not None:
                self.info.setdefault(key, value)
        if h.probes:
            self.probes = list(h.probes)
            self.n_layers = max(1, len(h.probes[-1].grad_norms) // s.probe_rows())
            self.render_gradients()
        s.show_history(h)
        self.render_loss_info()
        self.render_status()
        if not h.empty:
            self.notify(f"{len(h.train_x):,} steps of history up to step {h.step:,}",
                        title="Opened the run", timeout=3)

    def on_worker_paused(self, message: WorkerPaused) -> None:
        if self._current(message.run_id):
            self.controller.worker_paused()
            self.render_status()
            self.refresh_bindings()

    def on_worker_resumed(self, message: WorkerResumed) -> None:
        if self._current(message.run_id):
            self.controller.worker_resumed()
            self.render_status()
            self.refresh_bindings()

    def on_worker_failed(self, message: WorkerFailed) -> None:
        if not self._current(message.run_id):
            return
        self.controller.worker_failed()
        self.failed_on_input = message.user_error  # the exit code after q: 2 (else 1)
        title = "Cannot train" if message.user_error else "The trainer crashed (a bug)"
        try:
            self._show_banner(f"{title}: {message.text}")
        except NoMatches:  # the app is closing: its widgets are already gone
            return
        self._show_message(title, message.text, message.details)
        self.render_status()
        self.refresh_bindings()

    def on_worker_finished(self, message: WorkerFinished) -> None:
        if not self._current(message.run_id):
            return
        self.controller.worker_finished()
        self.render_status()
        self.refresh_bindings()
