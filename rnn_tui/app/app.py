"""RnnTuiApp: the keyboard-driven training dashboard.

The app never builds a model itself: it takes a trainer factory (config -> trainer),
runs each trainer on a thread worker (`TrainingRunner`), and turns the engine events that
arrive as messages into widget updates. Tests pass a fake factory (tests/app/fake_trainer.py).

One concern a file: this one has the app's state and lifecycle (start, restart, quit,
signals); `layout.py` the screen, `handlers.py` the worker's news, `rendering.py` the
widget updates, `actions.py` the key bindings and their actions, `modes.py` what differs
between a language model and seq2seq, `seq2seq_view.py` the seq2seq panels and keys.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from textual import on
from textual.app import App
from textual.screen import Screen
from textual.widgets import Input, Static

from engine import events as ev
from rnn_tui.app import modes
from rnn_tui.app.actions import KEY_BINDINGS, ActionsMixin
from rnn_tui.app.handlers import EngineHandlersMixin
from rnn_tui.app.layout import COMPACT_HEIGHT, COMPACT_WIDTH, MIN_HEIGHT, MIN_WIDTH, MainScreen
from rnn_tui.app.panels import TextLine
from rnn_tui.app.rendering import RenderingMixin
from rnn_tui.app.seq2seq_view import Seq2SeqViewMixin
from rnn_tui.app.training import TrainerFactory, TrainingRunner


class RnnTuiApp(ActionsMixin, EngineHandlersMixin, Seq2SeqViewMixin, RenderingMixin, App[None]):
    """Train a character-level RNN/GRU/LSTM (or an encoder-decoder) and watch it learn."""

    CSS_PATH = "app.tcss"
    TITLE = "rnn-tui"
    BINDINGS = KEY_BINDINGS

    # Seconds the quit action waits for the trainer to checkpoint and finish.
    quit_timeout = 1.5

    # Characters per second at which new samples are revealed, and reveal ticks per second
    # (each tick repaints the sample view: few ticks keep the UI thread off the CPU cores
    # that torch's intra-op threads use).
    reveal_cps = 240.0
    reveal_fps = 15.0

    def __init__(self, config: Any, trainer_factory: TrainerFactory,
                 *, autostart: bool = True, history_dir: str | None = None) -> None:
        super().__init__()
        # A resumed run's directory: its first training run shows the curves, markers and
        # samples already in DIR/metrics.jsonl (read on the worker, see HistoryLoaded).
        self.history_dir = history_dir
        self.config = config  # a TrainConfig (language model) or a Seq2SeqConfig
        # Each mode's latest config, so switching back and forth keeps the user's settings.
        self.mode_configs = dict(zip((modes.LM, modes.SEQ2SEQ), modes.default_configs(config)))
        self.trainer_factory = trainer_factory
        self.autostart = autostart
        self.runner: TrainingRunner | None = None
        self.run_id = 0
        self.state = "idle"  # idle | starting | running | paused | stopping | finished | error
        self.hparams: dict[str, Any] = modes.live_hparams(config)
        self._clip_mode_on = config.clip_mode if config.clip_mode != "off" else "norm"
        self._clip_on = float(config.clip) or 1.0  # the threshold `c` restores
        self.beam = 3  # seq2seq: beam width of the translations the user asks for
        self.active_panel = 0
        self.layer = 0
        self.unit_index = 0
        self._reset_view_state()
        self._reveal_queue: deque[ev.Sample] = deque()
        self._revealing: tuple[ev.Sample, int] | None = None
        self._reveal_timer = None
        self.main_screen = MainScreen(id="main")

    def _reset_view_state(self) -> None:
        self.info: dict[str, Any] = {}  # latest values from events, for the status bar
        self.probes: list[ev.Probe] = []
        self.last_gates: ev.Gates | None = None
        self.n_layers = self.config.layers
        self.best_val: float | None = None
        self.samples_seen = 0
        self.events_seen = 0
        self._reset_seq2seq_state()

    @property
    def mode(self) -> str:
        """"lm" or "seq2seq": the kind of model the app trains (see modes.py)."""
        return modes.mode_of(self.config)

    @property
    def panel_ids(self) -> tuple[str, ...]:
        return tuple(panel_id for panel_id, _ in modes.PANELS[self.mode])

    # ------------------------------------------------------------------ lifecycle

    def get_default_screen(self) -> Screen:
        return self.main_screen

    def main_screen_mounted(self) -> None:
        """Called by MainScreen once its widgets exist: initialise them, start training."""
        chart = self.main_screen.query_one("#loss-chart")
        chart.set_series_style("train", "#4fc3f7", "train")
        chart.set_series_style("val", "#ffb74d", "validation")
        for prompt in ("#prompt", "#translate-prompt"):
            self.main_screen.query_one(prompt, Input).display = False
        self._apply_mode()
        self._reveal_timer = self.set_interval(1 / self.reveal_fps, self._reveal_tick, pause=True)
        self._render_tabs()
        self._render_status()
        self._render_loss_info()
        self.main_screen.query_one("#loss-panel").focus()
        if self.autostart:
            self.start_training()

    def start_training(self, config: Any = None, *, paused: bool = False) -> None:
        """Start a new run (replacing any running one, which is asked to stop)."""
        if config is not None:
            self.config = config
            self.mode_configs[self.mode] = config
        old = self.runner
        if old is not None and not old.finished.is_set():
            old.stop()
            old.resume()
        self.run_id += 1
        history_dir, self.history_dir = self.history_dir, None  # the first run only
        self.runner = TrainingRunner(self, self.run_id, self.trainer_factory, self.config,
                                     paused=paused, after=old, history_dir=history_dir)
        self.state = "paused" if paused else "starting"
        self.run_worker(self.runner.run, name=f"training-{self.run_id}", group="training",
                        thread=True, exit_on_error=False)
        self._render_status()
        self.refresh_bindings()

    def _restart(self, config: Any, why: str) -> None:
        switched = modes.mode_of(config) != self.mode
        self.hparams = modes.live_hparams(config)
        self.start_training(config)
        self._reset_view_state()
        self._clear_views()
        if switched:
            self._apply_mode()
        self.notify(why, title="Training restarted")

    def _apply_mode(self) -> None:
        """Show the current mode's panels and keys."""
        s = self.main_screen
        s.set_class(self.mode == modes.LM, "-lm")
        s.set_class(self.mode == modes.SEQ2SEQ, "-seq2seq")
        self._activate_panel(min(self.active_panel, len(self.panel_ids) - 1),
                             focus=self.active_panel >= 2)
        self.refresh_bindings()

    def _clear_views(self) -> None:
        s = self.main_screen
        s.query_one("#loss-chart").clear()
        for name in ("uniform", "unigram", "ngram"):
            s.query_one("#loss-chart").set_reference(name, None)
        s.query_one("#grad-heatmap").clear()
        s.query_one("#grad-bars").update_norms([], title="")
        s.query_one("#samples").clear()
        s.query_one("#grad-info", TextLine).update("waiting for the first gradient probe…")
        s.query_one("#gates-info", TextLine).update("waiting for the first gate probe…")
        self._reveal_queue.clear()
        self._revealing = None
        s.query_one("#banner", Static).remove_class("-visible")
        self._clear_seq2seq_views()
        self._render_loss_info()

    @on(Input.Submitted, "#prompt, #translate-prompt")
    def _prompt_submitted(self, event: Input.Submitted) -> None:
        self._submit_prompt(event.value)

    # ------------------------------------------------------------------ signals and the end

    # Set by run_app (never in tests): a closed terminal (SIGHUP) or a kill (SIGTERM) quits
    # like q does, so the trainer checkpoints instead of the process dying mid-step.
    handle_signals = False

    def on_mount(self) -> None:
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

    def on_unmount(self) -> None:
        # However the app ends, ask every trainer to stop so no worker thread outlives it.
        if self._reveal_timer is not None:
            self._reveal_timer.stop()
        if self.runner is not None:
            self.runner.stop()
            self.runner.resume()


__all__ = ["RnnTuiApp", "MainScreen", "MIN_WIDTH", "MIN_HEIGHT", "COMPACT_WIDTH",
           "COMPACT_HEIGHT"]
