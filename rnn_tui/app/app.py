"""RnnTuiApp: the keyboard-driven training dashboard, the same shell for every task family.

The app never builds a model itself: it takes a trainer factory (config -> trainer), runs
each trainer on a thread worker (`TrainingRunner`), and turns the engine events that arrive
as messages into widget updates. Tests pass a fake factory (tests/app/fake_trainer.py).

What it shows depends on the family of the config: each family has a view, a
`DashboardScreen` subclass registered in engine/families (rnn_tui/views/<family>.py) that
owns its two panels, its keys and its events. The app is the rest: the run's state and
lifecycle (start, restart, switch family, quit, signals) here; `actions.py` the shared keys,
`handlers.py` the worker's news, `rendering.py` the status bar, loss and gradient panels.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from textual import on
from textual.app import App
from textual.screen import Screen
from textual.widgets import Input, Static

from engine import families
from rnn_tui.app.actions import APP_BINDINGS, ActionsMixin
from rnn_tui.app.controller import RunController
from rnn_tui.app.explode import ExplodeMixin
from rnn_tui.app.handlers import EngineHandlersMixin
from rnn_tui.app.layout import COMPACT_HEIGHT, COMPACT_WIDTH, MIN_HEIGHT, MIN_WIDTH, \
    DashboardScreen
from rnn_tui.app.lessons import LESSON_BINDINGS, LessonsMixin
from rnn_tui.app.lifecycle import LifecycleMixin
from rnn_tui.app.panels import TextLine
from rnn_tui.app.rendering import RenderingMixin
from rnn_tui.app.screenshots import ScreenshotMixin
from rnn_tui.app.training import TrainerFactory, TrainingRunner


def view_for(config: Any) -> DashboardScreen:
    """A new view (screen) for the family of `config`."""
    family = families.of_config(config)
    return family.view_class()(classes=f"-{family.name}")


class RnnTuiApp(LessonsMixin, ActionsMixin, ExplodeMixin, EngineHandlersMixin, RenderingMixin,
                LifecycleMixin, ScreenshotMixin, App[None]):
    """Train a recurrent model of any task family and watch it learn."""

    CSS_PATH = "app.tcss"
    TITLE = "rnn-tui"
    BINDINGS = APP_BINDINGS + LESSON_BINDINGS

    # Seconds the quit action waits for the trainer to checkpoint and finish.
    quit_timeout = 1.5

    def __init__(self, config: Any, trainer_factory: TrainerFactory,
                 *, autostart: bool = True, open_dir: str | None = None) -> None:
        super().__init__()
        # `rnn-tui open DIR`: the run the app opens instead of training a new one.
        self.open_dir = open_dir
        # The run on screen (config, live settings, status, metrics) and the one way to drive
        # it: keys, tests and lessons all go through the controller (controller.py).
        self.controller = RunController(self, config)
        self.trainer_factory = trainer_factory
        self.autostart = autostart
        self.runner: TrainingRunner | None = None
        self.run_id = 0
        self._clip_mode_on = config.clip_mode if config.clip_mode != "off" else "norm"
        self.active_panel = 0
        self.layer = 0
        self._start_when_mounted: Any = None  # what to start once a new view is up
        # Set once the first frame is drawn: runs build their trainers (import torch) after it
        # (TrainingRunner.gate), so that the screen comes up at the speed of the UI alone.
        self.first_frame = threading.Event()
        self.references: dict[tuple, list] = {}  # (family, data) -> earlier runs' curves
        self.run_number = 0  # runs started (or opened) by this launch
        self.run_dirs: list[str] = []  # their directories, for the farewell
        self._reset_view_state()
        self.main_screen: DashboardScreen = view_for(config)

    def _reset_view_state(self) -> None:
        self.info: dict[str, Any] = {}  # latest values from events, for the status bar
        self.probes: list = []
        self.n_layers = self.config.layers
        self.events_seen = 0

    # The run's truth is the controller's; these read it (never assign them).

    @property
    def config(self) -> Any:
        """The run's config: any family's (engine/families), with its live changes."""
        return self.controller.run.config

    @property
    def hparams(self) -> Any:
        """The run's live settings, as the trainer accepted them (read-only)."""
        return self.controller.run.settings

    @property
    def state(self) -> str:
        """idle | starting | running | paused | stopping | finished | error | opening |
        opened (controller.STATUSES)."""
        return self.controller.run.status

    @property
    def best_val(self) -> float | None:
        return self.controller.run.metrics.get("best")

    @property
    def mode(self) -> str:
        """The family of the run on screen: "lm", "seq2seq", ... (engine/families)."""
        return self.controller.run.family

    @property
    def view(self) -> DashboardScreen:
        return self.main_screen

    @property
    def panel_ids(self) -> tuple[str, ...]:
        return tuple(panel_id for panel_id, _ in self.main_screen.panels)

    @property
    def revealing(self) -> bool:
        """True while the view still animates news (a sample being typed out)."""
        return self.main_screen.busy

    # ------------------------------------------------------------------ lifecycle

    def get_default_screen(self) -> Screen:
        # The views are pushed on top of a blank base screen, so that one can replace
        # another (switch_screen) when the user picks another family.
        return Screen(id="base")

    def main_screen_mounted(self, screen: DashboardScreen) -> None:
        """Called by a view once its widgets exist: initialise them, start training."""
        if screen is not self.main_screen:  # replaced before it was up (two quick switches)
            return
        if not self.first_frame.is_set():
            self.call_after_refresh(self.first_frame.set)
        chart = screen.query_one("#loss-chart")
        chart.set_series_style("train", "#4fc3f7", "train", smooth=0.6)  # TensorBoard's 0.6
        chart.set_series_style("val", "#ffb74d", "validation")
        chart.max_legend_rows = 2  # room for earlier runs' curves (references)
        self.draw_references(chart)
        for prompt in screen.query(".prompt"):
            prompt.display = False
        self._activate_panel(min(self.active_panel, len(self.panel_ids) - 1),
                             focus=self.active_panel >= 2)
        self.render_status()
        self.render_loss_info()
        if self.active_panel < 2:
            screen.query_one("#loss-panel").focus()
        start, self._start_when_mounted = self._start_when_mounted, None
        if start is not None:
            start()
        elif self.open_dir is not None and self.run_id == 0:
            self.open_run(self.open_dir, self.config)
        elif self.autostart and self.run_id == 0:
            self.start_training()
        self.lesson_mounted(screen)
        self.refresh_bindings()

    def start_training(self, config: Any = None, *, paused: bool = False) -> None:
        """Start a new run (replacing any running one, which is asked to stop); `paused`:
        it is set up and probed once (its step-0 picture), then waits for space or n."""
        self._launch(config, paused=paused)

    def _launch(self, config: Any = None, *, build: Any = None, paused: bool = False,
                history_dir: str | None = None, state: str | None = None,
                fresh: bool = True) -> None:
        """A new worker for a trainer made by `build()` (default: the factory's new run of
        `config`, default the run's); the run it replaces is asked to stop, and the new one
        waits for it to end. `fresh=False`: the same run goes on (its metrics stay)."""
        status = state or ("paused" if paused else "starting")
        if fresh:
            self.controller.begin(config if config is not None else self.config, status)
        else:
            self.controller.set_status(status)
        old = self.runner
        if old is not None and not old.finished.is_set():
            old.stop()
            old.resume()
        self.run_id += 1
        self.run_number += 1
        self.runner = TrainingRunner(self, self.run_id, self.trainer_factory, self.config,
                                     paused=paused, after=old, history_dir=history_dir,
                                     build=build, gate=self.first_frame)
        self.run_worker(self.runner.run, name=f"training-{self.run_id}", group="training",
                        thread=True, exit_on_error=False)
        self.render_status()
        self.refresh_bindings()

    def restart(self, config: Any, why: str, paused: bool = False) -> None:
        """Train `config` from fresh weights: in the same view, or in its family's view. The
        curves on screen stay on the chart as a reference (dashed). `paused`: as
        start_training's."""
        self.keep_reference()
        if type(config).FAMILY != self.mode:
            self.switch_family(config, lambda: self.start_training(config, paused=paused))
        else:
            self.start_training(config, paused=paused)
            self._reset_view_state()
            self.main_screen.reset_view()
            self._clear_views()
        self.notify(why, title="Training restarted")

    def switch_family(self, config: Any, then) -> None:
        """Show the view of `config`'s family, then call `then()` once it is mounted."""
        if self.runner is not None:
            self.runner.stop()
            self.runner.resume()
        self.run_id += 1  # drop the old run's late news
        self.controller.begin(config, "starting")
        self._reset_view_state()
        self.main_screen = view_for(config)
        self._start_when_mounted = then
        # After the refresh, so that a dialog that asked for this (the picker) is gone;
        # and not awaited there: the switch completes among the app's next callbacks.
        self.call_after_refresh(self._switch_view, self.main_screen)

    def _switch_view(self, view: DashboardScreen) -> None:
        self.switch_screen(view)

    def _clear_views(self) -> None:
        s = self.main_screen
        chart = s.query_one("#loss-chart")
        chart.clear()
        chart.clear_references()
        s.query_one("#grad-heatmap").clear()
        for bars in s.query("#grad-bars, #grad-bars-back"):
            bars.update_norms([], title="")
        s.query_one("#grad-info", TextLine).update("waiting for the first gradient probe…")
        s.query_one("#banner", Static).remove_class("-visible")
        s.clear_view()
        self.draw_references(chart)
        self.render_loss_info()

    @on(Input.Submitted, ".prompt")
    def _prompt_submitted(self, event: Input.Submitted) -> None:
        self._close_prompt()
        self.main_screen.submit_prompt(event.value)

    # ------------------------------------------------------------------ signals and the end

    # Set by run_app (never in tests): a closed terminal (SIGHUP) or a kill (SIGTERM) quits
    # like q does, so the trainer checkpoints instead of the process dying mid-step.
    handle_signals = False

    def on_mount(self) -> None:
        self.push_screen(self.main_screen)
        if self.handle_signals:
            self._install_signal_handlers()

    def _install_signal_handlers(self) -> None:
        import signal

        loop = asyncio.get_running_loop()
        try:
            loop.add_signal_handler(signal.SIGTERM, self._on_terminate_signal, signal.SIGTERM)
        except (NotImplementedError, RuntimeError, ValueError):  # not main thread, Windows
            return

        # SIGHUP gets a plain handler, not the loop's: when a terminal hangs up, the kernel
        # sends SIGCONT right behind SIGHUP, and Textual's SIGCONT handler restarts the
        # terminal mode in the middle of the shutdown (it deadlocked Textual's writer thread
        # in about 1 close in 4 under tmux). Python runs pending handlers in signal-number
        # order, SIGHUP (1) before SIGCONT (18), so this one switches SIGCONT's off first.
        def on_hangup(signum: int, frame: object) -> None:
            signal.signal(signal.SIGCONT, signal.SIG_DFL)
            loop.call_soon_threadsafe(self._on_terminate_signal, signum)

        signal.signal(signal.SIGHUP, on_hangup)

    def _on_terminate_signal(self, sig: int) -> None:
        """First SIGHUP/SIGTERM: stop the trainer (it checkpoints) and exit. A second one, while
        the app still waits for the worker, has the signal's default effect: the process ends."""
        import os
        import signal

        if getattr(self, "_terminating", False):
            asyncio.get_running_loop().remove_signal_handler(sig)
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)
            return
        self._terminating = True
        runner = self.runner
        if runner is not None:
            runner.stop()
            runner.resume()
        self.exit()

    def exit_code(self) -> int:
        """The process's exit code once the app has ended, as the CLI's table says: 130 after
        SIGTERM/SIGHUP, 2 when it was showing "Cannot train" (bad input), 1 after a trainer
        crash, else 0."""
        if getattr(self, "_terminating", False):
            return 130
        if self.state == "error":
            return 2 if getattr(self, "failed_on_input", False) else 1
        return 0

    def on_unmount(self) -> None:
        # However the app ends, ask every trainer to stop so no worker thread outlives it.
        if self.runner is not None:
            self.runner.stop()
            self.runner.resume()


__all__ = ["RnnTuiApp", "DashboardScreen", "MIN_WIDTH", "MIN_HEIGHT", "COMPACT_WIDTH",
           "COMPACT_HEIGHT"]
