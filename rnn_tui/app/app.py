"""RnnTuiApp: the keyboard-driven training dashboard.

The app never builds a model itself: it takes a trainer factory (`TrainConfig -> Trainer`),
runs each trainer on a thread worker (`TrainingRunner`), and turns the engine events that
arrive as messages into widget updates. Tests pass a fake factory (tests/app/fake_trainer.py).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from typing import Any, Callable, Iterable

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.containers import Center, Grid, Middle
from textual.css.query import NoMatches
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input, Static

from engine import events as ev
from engine.config import CELLS, TrainConfig
from rnn_tui.app.messages import (EngineEvents, WorkerFailed, WorkerFinished, WorkerPaused,
                                  WorkerResumed)
from rnn_tui.app.panels import (PANEL_IDS, PANEL_TITLES, GatesPanel, GradientPanel, LossPanel,
                                SamplesPanel, StatusBar, TextLine, fmt_count, fmt_duration,
                                fmt_float, join_fields)
from rnn_tui.app.screens import ConfirmScreen, HelpScreen, MessageScreen
from rnn_tui.app.training import TrainerFactory, TrainingRunner

MIN_WIDTH, MIN_HEIGHT = 80, 24  # below this: a hint instead of the layout
COMPACT_WIDTH, COMPACT_HEIGHT = 120, 36  # below this: one panel at a time, with a tab strip

TEMPERATURE_STEP, TEMPERATURE_MIN, TEMPERATURE_MAX = 0.1, 0.1, 3.0
BPTT_MIN, BPTT_MAX = 2, 4096
CLIP_MIN, CLIP_MAX = 1e-3, 1e3
LR_MIN, LR_MAX = 1e-7, 10.0
UNITS = ("nats", "bits", "ppl")

# Actions that stay available while a dialog (help, confirm, error) is open.
_MODAL_SAFE = {"quit", "help"}


class MainScreen(Screen):
    """The dashboard screen; switches between grid, compact (tabbed) and too-small layouts."""

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield Static("", id="tabs")
        with Grid(id="panels"):
            yield LossPanel(id="loss-panel", classes="panel")
            yield GradientPanel(id="grad-panel", classes="panel")
            yield SamplesPanel(id="samples-panel", classes="panel")
            yield GatesPanel(id="gates-panel", classes="panel")
        yield Static("", id="banner")
        with Middle(id="too-small"):
            with Center():
                yield Static("", id="too-small-text")
        yield Footer()

    def on_mount(self) -> None:
        for panel_id, title in zip(PANEL_IDS, PANEL_TITLES):
            self.query_one(f"#{panel_id}").border_title = title
        self.apply_size(self.size.width, self.size.height)
        self.app.main_screen_mounted()

    def on_resize(self, event) -> None:
        self.apply_size(event.size.width, event.size.height)

    def apply_size(self, width: int, height: int) -> None:
        if width <= 0 or height <= 0:
            return
        too_small = width < MIN_WIDTH or height < MIN_HEIGHT
        self.set_class(too_small, "-too-small")
        self.set_class(not too_small and (width < COMPACT_WIDTH or height < COMPACT_HEIGHT),
                       "-compact")
        if too_small:
            self.query_one("#too-small-text", Static).update(
                f"rnn-tui needs at least {MIN_WIDTH}x{MIN_HEIGHT}; "
                f"this terminal is {width}x{height}.\nMake the window larger "
                f"(training continues in the background).")


class RnnTuiApp(App[None]):
    """Train a character-level RNN/GRU/LSTM and watch it learn."""

    CSS_PATH = "app.tcss"
    TITLE = "rnn-tui"

    BINDINGS = [
        Binding("space", "toggle_pause", "Pause/run", tooltip="Start, pause or resume training"),
        Binding("n", "step", "Step", tooltip="Run one optimizer step (while paused)"),
        Binding("g", "sample", "Sample", tooltip="Sample from the model now"),
        Binding("p", "prompt", "Prompt", tooltip="Type a prime and sample its continuation"),
        Binding("s", "save", "Save", tooltip="Save a checkpoint now"),
        Binding("r", "reset", "Reset", show=False, tooltip="Re-initialise the weights (asks)"),
        Binding("m", "switch_cell", "Cell", tooltip="Switch cell type lstm → gru → rnn "
                "(restarts training)"),
        Binding("t", "temperature(-1)", "Temperature down", show=False),
        Binding("T", "temperature(1)", "Temperature up", show=False),
        Binding("l", "lr(0.5)", "Learning rate ÷2", show=False),
        Binding("L", "lr(2.0)", "Learning rate ×2", show=False),
        Binding("c", "toggle_clip", "Gradient clipping on/off", show=False),
        Binding("left_square_bracket", "clip(0.5)", "Clip threshold ÷2", show=False),
        Binding("right_square_bracket", "clip(2.0)", "Clip threshold ×2", show=False),
        Binding("b", "bptt(0.5)", "BPTT window ÷2", show=False),
        Binding("B", "bptt(2.0)", "BPTT window ×2", show=False),
        Binding("h", "layer", "Next layer (gradients, gates)", show=False),
        Binding("u", "unit(-1)", "Previous hidden unit (gates)", show=False),
        Binding("U", "unit(1)", "Next hidden unit (gates)", show=False),
        Binding("y", "toggle_scale", "Loss axis log/linear", show=False),
        Binding("v", "cycle_unit", "Loss unit nats → bits → ppl", show=False),
        Binding("tab", "focus_panel(1)", "Next panel", show=False, priority=True),
        Binding("shift+tab", "focus_panel(-1)", "Previous panel", show=False, priority=True),
        Binding("escape", "close_prompt", "Cancel", tooltip="Close the sampling prompt"),
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    # Seconds the quit action waits for the trainer to checkpoint and finish.
    quit_timeout = 1.5
    # Characters per second at which new samples are revealed, and reveal ticks per second
    # (each tick repaints the sample view: few ticks keep the UI thread off the CPU cores
    # that torch's intra-op threads use).
    reveal_cps = 240.0
    reveal_fps = 15.0

    def __init__(self, config: TrainConfig, trainer_factory: TrainerFactory,
                 *, autostart: bool = True) -> None:
        super().__init__()
        self.config = config
        self.trainer_factory = trainer_factory
        self.autostart = autostart
        self.runner: TrainingRunner | None = None
        self.run_id = 0
        self.state = "idle"  # idle | starting | running | paused | stopping | finished | error
        self.hparams: dict[str, Any] = {k: getattr(config, k) for k in
                                        ("lr", "clip", "clip_mode", "bptt", "temperature")}
        self._clip_mode_on = config.clip_mode if config.clip_mode != "off" else "norm"
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

    # ------------------------------------------------------------------ lifecycle

    def get_default_screen(self) -> Screen:
        return self.main_screen

    def main_screen_mounted(self) -> None:
        """Called by MainScreen once its widgets exist: initialise them, start training."""
        chart = self.main_screen.query_one("#loss-chart")
        chart.set_series_style("train", "#4fc3f7", "train")
        chart.set_series_style("val", "#ffb74d", "validation")
        self.main_screen.query_one("#prompt", Input).display = False
        self._reveal_timer = self.set_interval(1 / self.reveal_fps, self._reveal_tick, pause=True)
        self._render_tabs()
        self._render_status()
        self._render_loss_info()
        self.main_screen.query_one("#loss-panel").focus()
        if self.autostart:
            self.start_training()

    def start_training(self, config: TrainConfig | None = None, *, paused: bool = False) -> None:
        """Start a new run (replacing any running one, which is asked to stop)."""
        if config is not None:
            self.config = config
        old = self.runner
        if old is not None and not old.finished.is_set():
            old.stop()
            old.resume()
        self.run_id += 1
        self.runner = TrainingRunner(self, self.run_id, self.trainer_factory, self.config,
                                     paused=paused, after=old)
        self.state = "paused" if paused else "starting"
        self.run_worker(self.runner.run, name=f"training-{self.run_id}", group="training",
                        thread=True, exit_on_error=False)
        self._render_status()
        self.refresh_bindings()

    def _restart(self, config: TrainConfig, why: str) -> None:
        self.hparams = {k: getattr(config, k) for k in
                        ("lr", "clip", "clip_mode", "bptt", "temperature")}
        self._reset_view_state()
        self._clear_views()
        self.start_training(config)
        self.notify(why, title="Training restarted")

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
        self._render_loss_info()

    # ------------------------------------------------------------------ worker messages

    def _current(self, run_id: int) -> bool:
        return run_id == self.run_id

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
            if isinstance(event, ev.TrainStep):
                train_x.append(event.step)
                train_y.append(event.train_loss)
                self.info["train"] = event
                if self.state == "starting":
                    self.state = "running"
            else:
                if train_x:  # keep the order: points before the event they precede
                    self._add_train_points(train_x, train_y)
                    train_x, train_y = [], []
                self._handle_event(event)
        if train_x:
            self._add_train_points(train_x, train_y)
        self._render_status()

    def _add_train_points(self, xs: list[float], ys: list[float]) -> None:
        chart = self.main_screen.query_one("#loss-chart")
        if hasattr(chart, "add_points"):
            chart.add_points("train", xs, ys)
        else:
            for x, y in zip(xs, ys):
                chart.add_point("train", x, y)

    def _handle_event(self, event: ev.Event) -> None:
        s = self.main_screen
        if isinstance(event, ev.Started):
            self.info["started"] = event
            cfg = event.config or {}
            self.n_layers = int(cfg.get("layers", self.n_layers))
            for key in self.hparams:
                if key in cfg:
                    self.hparams[key] = cfg[key]
            if self.state == "starting":
                self.state = "running"
            if event.resumed:
                self.notify(f"resumed at step {event.step}", title="Checkpoint loaded")
        elif isinstance(event, ev.Baselines):
            chart = s.query_one("#loss-chart")
            chart.set_reference("uniform", event.uniform, color="#6d6d6d")
            chart.set_reference("unigram", event.unigram, color="#8d8d8d")
            chart.set_reference("ngram", event.ngram, color="#ba68c8")
            self.info["baselines"] = event
            self._render_loss_info()
        elif isinstance(event, ev.Eval):
            s.query_one("#loss-chart").add_point("val", event.step, event.val_loss)
            self.info["eval"] = event
            if event.best:
                self.best_val = event.val_loss
            self._render_loss_info()
        elif isinstance(event, ev.Probe):
            self.probes.append(event)
            del self.probes[:-200]
            self.n_layers = max(1, len(event.grad_norms))
            self._render_gradients(new=event)
        elif isinstance(event, ev.Gates):
            self.last_gates = event
            self._render_gates()
        elif isinstance(event, ev.Sample):
            self.samples_seen += 1
            self._reveal_queue.append(event)
            if self._reveal_timer is not None:
                self._reveal_timer.resume()
        elif isinstance(event, ev.Checkpoint):
            self.info["checkpoint"] = event
            if event.reason == "request":
                self.notify(f"saved {event.path}", title=f"Checkpoint at step {event.step}")
        elif isinstance(event, ev.HParamChange):
            self.hparams[event.key] = event.new
            s.query_one("#loss-chart").add_marker(event.step, f"{event.key}={_short(event.new)}")
        elif isinstance(event, ev.Warning):
            self.notify(event.message, title="Warning", severity="warning")
        elif isinstance(event, ev.Finished):
            self.info["finished"] = event
            if event.reason == "diverged":
                self.state = "error"
                text = event.message or "the loss became NaN or infinite"
                self._show_banner(f"Training diverged at step {event.step}: {text}")
                self._show_message("Training diverged", text + "\n\nTry a lower learning rate "
                                   "(l) or tighter gradient clipping ([), then reset (r).")
            else:
                self.state = "finished"
                if event.reason != "stopped":
                    self.notify(f"finished at step {event.step} ({event.reason})",
                                title="Training finished")
            self.refresh_bindings()

    def on_worker_paused(self, message: WorkerPaused) -> None:
        if self._current(message.run_id) and self.state in ("running", "starting", "paused"):
            self.state = "paused"
            self._render_status()
            self.refresh_bindings()

    def on_worker_resumed(self, message: WorkerResumed) -> None:
        if self._current(message.run_id) and self.state == "paused":
            self.state = "running"
            self._render_status()
            self.refresh_bindings()

    def on_worker_failed(self, message: WorkerFailed) -> None:
        if not self._current(message.run_id):
            return
        self.state = "error"
        title = "Cannot train" if message.user_error else "The trainer crashed (a bug)"
        self._show_banner(f"{title}: {message.text}")
        self._show_message(title, message.text, message.details)
        self._render_status()
        self.refresh_bindings()

    def on_worker_finished(self, message: WorkerFinished) -> None:
        if not self._current(message.run_id):
            return
        if self.state not in ("error", "finished"):
            self.state = "finished"
        self._render_status()
        self.refresh_bindings()

    # ------------------------------------------------------------------ rendering

    def _render_status(self) -> None:
        try:
            bar = self.main_screen.query_one("#status", StatusBar)
        except Exception:
            return
        step: ev.TrainStep | None = self.info.get("train")
        started: ev.Started | None = self.info.get("started")
        ckpt: ev.Checkpoint | None = self.info.get("checkpoint")
        icon = {"running": "▶ training", "paused": "‖ paused", "starting": "… starting",
                "stopping": "■ stopping", "finished": "■ finished", "error": "✖ error",
                "idle": "· idle"}[self.state]
        cfg = self.config
        line1 = [("", icon),
                 ("model", f"{cfg.model.upper()} {cfg.hidden}×{cfg.layers}"),
                 ("step", f"{step.step:,}" if step else "–"),
                 ("epoch", f"{step.epoch:.2f}" if step else "–"),
                 ("", f"{fmt_count(step.tokens_per_s)} tok/s" if step else "– tok/s"),
                 ("elapsed", fmt_duration(step.elapsed_s) if step else "–")]
        if started:
            line1.append(("params", fmt_count(started.parameters)))
        hp = self.hparams
        if hp["clip_mode"] == "off":
            clip = "off"
        else:
            clip = f"{hp['clip_mode']} {fmt_float(hp['clip'])}"
            if step and step.clipped:
                clip += " (clipped)"
        lr = fmt_float(step.lr) if step else fmt_float(hp["lr"])
        line2 = [("lr", f"{lr} (peak {fmt_float(hp['lr'])})"),
                 ("clip", clip),
                 ("bptt", str(hp["bptt"])),
                 ("T", f"{hp['temperature']:.2f}"),
                 ("device", started.device if started else "–"),
                 ("ckpt", f"step {ckpt.step}" if ckpt else "–")]
        text = join_fields(line1)
        text.append("\n")
        text.append_text(join_fields(line2))
        bar.set_text(text)
        bar.set_class(self.state == "paused", "-paused")
        bar.set_class(self.state == "error", "-error")

    def _render_loss_info(self) -> None:
        chart = self.main_screen.query_one("#loss-chart")
        fields = [("axis", chart.scale), ("unit", chart.unit)]
        base: ev.Baselines | None = self.info.get("baselines")
        if base:
            fields.append(("KN %d-gram" % base.ngram_order, _in_unit(base.ngram, chart.unit)))
            fields.append(("unigram", _in_unit(base.unigram, chart.unit)))
        if self.best_val is not None:
            fields.append(("best val", _in_unit(self.best_val, chart.unit)))
        self.main_screen.query_one("#loss-info", TextLine).update(join_fields(fields))

    def _layer_label(self) -> str:
        return f"layer {self.layer + 1}/{self.n_layers}"

    def _render_gradients(self, new: ev.Probe | None = None) -> None:
        s = self.main_screen
        self.layer %= max(1, self.n_layers)
        if not self.probes:
            return
        last = self.probes[-1]
        layer = min(self.layer, len(last.grad_norms) - 1)
        title = f"‖dL_T/dh_t‖ · {self._layer_label()} · step {last.step}"
        s.query_one("#grad-bars").update_norms(last.grad_norms[layer], title=title)
        heatmap = s.query_one("#grad-heatmap")
        if new is not None and len(self.probes) > 1:
            heatmap.append_row(new.grad_norms[layer], label=str(new.step))
        else:
            rows = [p.grad_norms[min(layer, len(p.grad_norms) - 1)] for p in self.probes]
            heatmap.set_matrix(rows, row_labels=[str(p.step) for p in self.probes], log=True,
                               title="history: steps × timesteps", keep_last_rows=True)
        s.query_one("#grad-info", TextLine).update(join_fields([
            ("", self._layer_label()),
            ("global norm", f"{fmt_float(last.global_norm)} → {fmt_float(last.clipped_norm)}"),
            ("clipped", f"{last.clip_fraction:.0%} of steps"),
        ]))

    def _render_gates(self) -> None:
        g = self.last_gates
        if g is None:
            return
        s = self.main_screen
        n_layers = max(1, len(g.hidden)) if g.hidden else max(1, self.n_layers)
        layer = self.layer % n_layers
        gates = {name: per_layer[min(layer, len(per_layer) - 1)]
                 for name, per_layer in g.gates.items() if per_layer}
        sat = {name: per_layer[min(layer, len(per_layer) - 1)]
               for name, per_layer in (g.saturation or {}).items() if per_layer}
        s.query_one("#gate-plot").set_gates(g.text, gates, saturation=sat or None)
        hidden = g.hidden[min(layer, len(g.hidden) - 1)] if g.hidden else []
        width = len(hidden[0]) if hidden and hidden[0] else 0
        if width:
            self.unit_index %= width
            values = [row[self.unit_index] for row in hidden]
            s.query_one("#neuron-text").set_activations(g.text, values)
            unit = f"unit {self.unit_index}/{width}"
        else:
            unit = "no hidden states"
        kinds = ", ".join(gates) if gates else "no gates (vanilla RNN)"
        s.query_one("#gates-info", TextLine).update(join_fields([
            ("", f"layer {layer + 1}/{n_layers}"), ("step", str(g.step)), ("gates", kinds)]))
        s.query_one("#neuron-label", TextLine).update(join_fields([
            ("hidden", unit), ("", "u/U pick a unit: blue −1 … red +1")]))

    def _render_tabs(self) -> None:
        out = Text(no_wrap=True)
        for i, title in enumerate(PANEL_TITLES):
            style = "reverse bold" if i == self.active_panel else "dim"
            out.append(f" {title} ", style=style)
            out.append(" ")
        out.append("  tab / shift+tab switch", style="dim italic")
        self.main_screen.query_one("#tabs", Static).update(out)
        for i, panel_id in enumerate(PANEL_IDS):
            self.main_screen.query_one(f"#{panel_id}").set_class(i == self.active_panel,
                                                                  "-active")

    def _show_banner(self, text: str) -> None:
        banner = self.main_screen.query_one("#banner", Static)
        banner.update(Text(text))
        banner.add_class("-visible")

    def _show_message(self, title: str, text: str, details: str = "") -> None:
        if isinstance(self.screen, MessageScreen):
            self.pop_screen()
        self.push_screen(MessageScreen(title, text, details))

    # ------------------------------------------------------------------ sample reveal

    @property
    def revealing(self) -> bool:
        """True while a sample is still being typed out."""
        return self._revealing is not None or bool(self._reveal_queue)

    def _reveal_tick(self) -> None:
        try:
            view = self.main_screen.query_one("#samples")
        except NoMatches:  # closing
            return
        budget = max(1, int(self.reveal_cps / self.reveal_fps))
        while budget > 0:
            if self._revealing is None:
                if not self._reveal_queue:
                    if self._reveal_timer is not None:
                        self._reveal_timer.pause()
                    return
                sample = self._reveal_queue.popleft()
                header = f"step {sample.step} · T={sample.temperature:g}"
                if sample.prime:
                    header += " · your prime"
                view.begin_sample(header, prime=sample.prime)
                self._revealing = (sample, 0)
            sample, pos = self._revealing
            # A backlog (several samples waiting) is shown at once rather than queued up.
            n = len(sample.text) - pos if self._reveal_queue else min(budget, len(sample.text) - pos)
            chunk, probs = sample.text[pos:pos + n], sample.probs[pos:pos + n]
            if chunk:
                if hasattr(view, "append_chars"):
                    view.append_chars(chunk, probs)
                else:
                    for ch, p in zip(chunk, probs):
                        view.append_char(ch, p)
            budget -= max(1, n)
            pos += n
            self._revealing = None if pos >= len(sample.text) else (sample, pos)

    # ------------------------------------------------------------------ command palette

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            if binding.key == "ctrl+c":
                continue
            key = self.get_key_display(binding)
            yield SystemCommand(binding.tooltip or binding.description, f"key: {key}",
                                _action_callback(self, binding.action))

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in _MODAL_SAFE:
            return True
        if isinstance(self.screen, ModalScreen):
            return False
        if action == "step":
            return True if self.state == "paused" else None
        if action == "close_prompt":
            return bool(self.main_screen.query_one("#prompt", Input).display)
        return True

    def _require_runner(self) -> TrainingRunner | None:
        runner = self.runner
        if runner is None or runner.finished.is_set() or self.state in ("finished", "error"):
            self.notify("training is not running (press space to start)", severity="warning")
            return None
        return runner

    def action_toggle_pause(self) -> None:
        runner = self.runner
        if runner is None or runner.finished.is_set() or self.state in ("finished", "error"):
            self._restart(self.config, "a new run from fresh weights")
            return
        if runner.paused:
            runner.resume()
            self.state = "running"
        else:
            runner.pause()
            self.state = "paused"
        self._render_status()
        self.refresh_bindings()

    def action_step(self) -> None:
        runner = self._require_runner()
        if runner is None:
            return
        if not runner.paused:
            self.notify("pause first (space), then n steps once", severity="warning")
            return
        runner.step()

    def action_sample(self) -> None:
        runner = self._require_runner()
        if runner is not None:
            runner.request_sample("", None, float(self.hparams["temperature"]))

    def action_prompt(self) -> None:
        prompt = self.main_screen.query_one("#prompt", Input)
        self._activate_panel(2, focus=False)
        prompt.display = True
        prompt.value = ""
        prompt.focus()
        self.refresh_bindings()

    @on(Input.Submitted, "#prompt")
    def _prompt_submitted(self, event: Input.Submitted) -> None:
        prime = event.value
        self._close_prompt()
        runner = self._require_runner()
        if runner is not None:
            runner.request_sample(prime, None, float(self.hparams["temperature"]))
            self.notify(f"sampling from {prime!r}" if prime else "sampling", timeout=2)

    def _close_prompt(self) -> None:
        prompt = self.main_screen.query_one("#prompt", Input)
        prompt.display = False
        self.refresh_bindings()
        self.main_screen.query_one("#samples-panel").focus()

    def action_close_prompt(self) -> None:
        self._close_prompt()

    def action_save(self) -> None:
        runner = self._require_runner()
        if runner is not None:
            runner.request_checkpoint()

    def action_reset(self) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self._restart(self.config, "weights re-initialised")

        self.push_screen(ConfirmScreen(
            "Reset the weights and start training from scratch?\n"
            "The current run is stopped (and checkpointed, when it has a run directory)."),
            answered)

    def action_switch_cell(self) -> None:
        nxt = CELLS[(CELLS.index(self.config.model) + 1) % len(CELLS)]
        self._restart(self.config.replace(model=nxt), f"cell type is now {nxt.upper()}")

    def _set_hparam(self, key: str, value: Any) -> None:
        runner = self._require_runner()
        if runner is None:
            return
        self.hparams[key] = value
        runner.set_hparam(key, value)
        self._render_status()

    def action_temperature(self, direction: int) -> None:
        t = round(float(self.hparams["temperature"]) + direction * TEMPERATURE_STEP, 2)
        self._set_hparam("temperature", min(TEMPERATURE_MAX, max(TEMPERATURE_MIN, t)))

    def action_lr(self, factor: float) -> None:
        lr = float(self.hparams["lr"]) * factor
        self._set_hparam("lr", float(f"{min(LR_MAX, max(LR_MIN, lr)):.3g}"))

    def action_toggle_clip(self) -> None:
        if self.hparams["clip_mode"] == "off":
            self._set_hparam("clip_mode", self._clip_mode_on)
        else:
            self._clip_mode_on = self.hparams["clip_mode"]
            self._set_hparam("clip_mode", "off")

    def action_clip(self, factor: float) -> None:
        clip = float(self.hparams["clip"]) * factor
        self._set_hparam("clip", float(f"{min(CLIP_MAX, max(CLIP_MIN, clip)):.3g}"))
        if self.hparams["clip_mode"] == "off":
            self.notify("clipping is off; press c to turn it on", timeout=3)

    def action_bptt(self, factor: float) -> None:
        bptt = int(round(int(self.hparams["bptt"]) * factor))
        self._set_hparam("bptt", min(BPTT_MAX, max(BPTT_MIN, bptt)))

    def action_layer(self) -> None:
        self.layer = (self.layer + 1) % max(1, self.n_layers)
        self._render_gradients()
        self._render_gates()
        if not self.probes and self.last_gates is None:
            self.notify(self._layer_label(), timeout=2)

    def action_unit(self, direction: int) -> None:
        self.unit_index += direction  # wrapped to the hidden size in _render_gates
        if self.last_gates is None:
            self.unit_index = max(0, self.unit_index)
        self._render_gates()

    def action_toggle_scale(self) -> None:
        chart = self.main_screen.query_one("#loss-chart")
        chart.scale = "log" if chart.scale == "linear" else "linear"
        self._render_loss_info()

    def action_cycle_unit(self) -> None:
        chart = self.main_screen.query_one("#loss-chart")
        chart.unit = UNITS[(UNITS.index(chart.unit) + 1) % len(UNITS)]
        self._render_loss_info()

    def action_focus_panel(self, delta: int) -> None:
        if self.screen is not self.main_screen:
            # inside a dialog, tab keeps its usual meaning
            if delta > 0:
                self.screen.focus_next()
            else:
                self.screen.focus_previous()
            return
        self._activate_panel((self.active_panel + delta) % len(PANEL_IDS))

    def _activate_panel(self, index: int, focus: bool = True) -> None:
        self.active_panel = index
        self._render_tabs()
        if focus:
            self.main_screen.query_one(f"#{PANEL_IDS[index]}").focus()

    def on_descendant_focus(self, event) -> None:
        node = event.widget if hasattr(event, "widget") else None
        while node is not None:
            if node.id in PANEL_IDS:
                index = PANEL_IDS.index(node.id)
                if index != self.active_panel:
                    self.active_panel = index
                    self._render_tabs()
                return
            node = node.parent

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
        else:
            self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        """Stop the trainer (it checkpoints when it has a run directory), wait up to
        `quit_timeout` seconds for the worker, then exit."""
        runner = self.runner
        if runner is not None and not runner.finished.is_set():
            self.state = "stopping"
            self._render_status()
            runner.stop()
            runner.resume()
            deadline = time.monotonic() + self.quit_timeout
            while not runner.finished.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        self.exit()

    def on_unmount(self) -> None:
        # However the app ends, ask every trainer to stop so no worker thread outlives it.
        if self._reveal_timer is not None:
            self._reveal_timer.stop()
        if self.runner is not None:
            self.runner.stop()
            self.runner.resume()


def _action_callback(app: App, action: str) -> Callable[[], Any]:
    async def run() -> None:
        await app.run_action(action)

    return run


def _short(value: Any) -> str:
    if isinstance(value, float):
        return fmt_float(value)
    return str(value)


def _in_unit(nats: float, unit: str) -> str:
    if unit == "bits":
        return f"{nats / math.log(2):.3f}"
    if unit == "ppl":
        return f"{math.exp(min(nats, 700)):.2f}"
    return f"{nats:.3f}"
