"""The app's key bindings and what they do (pause, step, sample, prompt, save, reset, cell
switch, mode switch, live hyperparameters, views, help, quit), plus the command palette
entries. The seq2seq-only actions live in seq2seq_view.py; `modes.applies` hides each
mode's keys in the other.

`ActionsMixin` is part of `RnnTuiApp` (see app.py), whose BINDINGS are `KEY_BINDINGS` here.
The actions talk to the trainer only through the app's `TrainingRunner` (thread-safe
requests).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable, Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import Input

from rnn_tui.app import modes
from rnn_tui.app.screens import ConfirmScreen, HelpScreen, ModeScreen
from rnn_tui.app.training import TrainingRunner

TEMPERATURE_STEP, TEMPERATURE_MIN, TEMPERATURE_MAX = 0.1, 0.1, 3.0
BPTT_MIN, BPTT_MAX = 2, 4096
CLIP_MIN, CLIP_MAX = 1e-3, 1e3
LR_MIN, LR_MAX = 1e-7, 10.0
UNITS = ("nats", "bits", "ppl")

# Actions that stay available while a dialog (help, confirm, error) is open.
_MODAL_SAFE = {"quit", "help"}

KEY_BINDINGS = [
    Binding("space", "toggle_pause", "Pause/run", tooltip="Start, pause or resume training"),
    Binding("n", "step", "Step", tooltip="Run one optimizer step (while paused)"),
    Binding("g", "sample", "Sample", tooltip="Sample from the model now (seq2seq: decode "
            "the probe example now)"),
    Binding("p", "prompt", "Prompt", tooltip="Type a prime and sample its continuation "
            "(seq2seq: type an input and decode it)"),
    Binding("s", "save", "Save", tooltip="Save a checkpoint now"),
    Binding("r", "reset", "Reset", show=False, tooltip="Re-initialise the weights (asks)"),
    Binding("m", "switch_cell", "Cell", tooltip="Switch cell type lstm → gru → rnn "
            "(restarts training)"),
    Binding("M", "pick_mode", "Mode", tooltip="Pick what to train: the language model or a "
            "seq2seq task (restarts training)"),
    Binding("a", "attention_kind", "Attention", tooltip="Seq2seq attention none → bahdanau "
            "→ luong-dot → luong-general (restarts training)"),
    Binding("f", "teacher_forcing(-1)", "Teacher forcing −0.1", show=False),
    Binding("F", "teacher_forcing(1)", "Teacher forcing +0.1", show=False),
    Binding("w", "beam(-1)", "Beam width −1 (your translations)", show=False),
    Binding("W", "beam(1)", "Beam width +1 (your translations)", show=False),
    Binding("e", "example(1)", "Next example in the attention grid", show=False),
    Binding("E", "example(-1)", "Previous example in the attention grid", show=False),
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


class ActionsMixin:
    """Key-binding actions of RnnTuiApp."""

    # ------------------------------------------------------------------ command palette

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            if binding.key == "ctrl+c" or not modes.applies(binding.action, self.mode):
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
        if not modes.applies(action, self.mode):
            return False
        if action == "step":
            return True if self.state == "paused" else None
        if action == "close_prompt":
            return bool(self._prompt_input().display)
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
        if runner is None:
            return
        if self.mode == modes.SEQ2SEQ:
            runner.request_translation(None, 1)  # the first probe example, greedy
        else:
            runner.request_sample("", None, float(self.hparams["temperature"]))

    def _prompt_input(self) -> Input:
        """The current mode's prompt: a prime to sample from, or an input to translate."""
        which = "#translate-prompt" if self.mode == modes.SEQ2SEQ else "#prompt"
        return self.main_screen.query_one(which, Input)

    def action_prompt(self) -> None:
        prompt = self._prompt_input()
        self._activate_panel(2, focus=False)
        prompt.display = True
        prompt.value = ""
        prompt.focus()
        self.refresh_bindings()

    def _submit_prompt(self, prime: str) -> None:
        """The prompt's Enter (wired with @on in RnnTuiApp: Textual only sees decorated
        handlers on message-pump classes, not on a mixin)."""
        self._close_prompt()
        if self.mode == modes.SEQ2SEQ:
            if prime:
                self._translate(prime)
            else:
                self.notify("type an input to translate", severity="warning", timeout=2)
            return
        runner = self._require_runner()
        if runner is not None:
            runner.request_sample(prime, None, float(self.hparams["temperature"]))
            self.notify(f"sampling from {prime!r}" if prime else "sampling", timeout=2)

    def _close_prompt(self) -> None:
        prompt = self._prompt_input()
        prompt.display = False
        self.refresh_bindings()
        self.main_screen.query_one(f"#{self.panel_ids[2]}").focus()

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
        cells = modes.CELL_ORDER[self.mode]
        nxt = cells[(cells.index(modes.cell_of(self.config)) + 1) % len(cells)]
        self._restart(modes.with_cell(self.config, nxt), f"cell type is now {nxt.upper()}")

    def action_pick_mode(self) -> None:
        lm, s2s = self.mode_configs[modes.LM], self.mode_configs[modes.SEQ2SEQ]
        options = modes.choices(lm, s2s)
        current = "lm" if self.mode == modes.LM else self.config.task

        def picked(key: str | None) -> None:
            choice = next((c for c in options if c.key == key), None)
            if choice is not None and key != current:
                self._restart(choice.make(lm, s2s), f"now training: {choice.label}")

        self.push_screen(ModeScreen([(c.key, c.label) for c in options], current), picked)

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
        if self.mode == modes.SEQ2SEQ:  # one knob there: the norm threshold, 0 = off
            if self.hparams["clip"]:
                self._clip_on = float(self.hparams["clip"])
                self._set_hparam("clip", 0.0)
            else:
                self._set_hparam("clip", self._clip_on)
            return
        if self.hparams["clip_mode"] == "off":
            self._set_hparam("clip_mode", self._clip_mode_on)
        else:
            self._clip_mode_on = self.hparams["clip_mode"]
            self._set_hparam("clip_mode", "off")

    def action_clip(self, factor: float) -> None:
        if self.mode == modes.SEQ2SEQ and not self.hparams["clip"]:
            self._clip_on = float(f"{min(CLIP_MAX, max(CLIP_MIN, self._clip_on * factor)):.3g}")
            self.notify(f"clipping is off (c turns it on at {self._clip_on:g})", timeout=3)
            return
        clip = float(self.hparams["clip"]) * factor
        self._set_hparam("clip", float(f"{min(CLIP_MAX, max(CLIP_MIN, clip)):.3g}"))
        if self.hparams.get("clip_mode") == "off":
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
        self._activate_panel((self.active_panel + delta) % len(self.panel_ids))

    def _activate_panel(self, index: int, focus: bool = True) -> None:
        self.active_panel = index
        self._render_tabs()
        if focus:
            self.main_screen.query_one(f"#{self.panel_ids[index]}").focus()

    def on_descendant_focus(self, event) -> None:
        node = event.widget if hasattr(event, "widget") else None
        while node is not None:
            if node.id in self.panel_ids:
                index = self.panel_ids.index(node.id)
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


def _action_callback(app: App, action: str) -> Callable[[], Any]:
    async def run() -> None:
        await app.run_action(action)

    return run
