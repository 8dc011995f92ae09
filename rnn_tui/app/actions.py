"""The keys every view shares and what they do (pause, step, prompt, save, reset, cell
switch, family switch, learning rate, clipping, views, help, quit), plus the command
palette. A view declares its key list with `shell_bindings(...)`, putting its own keys (and
their actions, defined on the view) among these; the shared actions run on the app
("app.<action>").

`ActionsMixin` is part of `RnnTuiApp` (see app.py). The actions talk to the trainer only
through the app's `TrainingRunner` (thread-safe requests).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable, Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import Input

from engine import families
from engine.errors import EngineError
from rnn_tui.app.layout import DashboardScreen
from rnn_tui.app.screens import ConfirmScreen, HelpScreen, ModeScreen
from rnn_tui.app.training import TrainingRunner

CLIP_MIN, CLIP_MAX = 1e-3, 1e3
LR_MIN, LR_MAX = 1e-7, 100.0  # (the config's own limit: plain SGD on words starts at 20)

# Actions that stay available while a dialog (help, confirm, error) is open.
_MODAL_SAFE = {"quit", "help"}

# On the app itself: they work over dialogs too (the views list them again, in place).
APP_BINDINGS = [
    Binding("question_mark", "help", "Help", key_display="?"),
    Binding("q", "quit", "Quit"),
    Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    Binding("tab", "focus_panel(1)", "Next panel", show=False, priority=True),
    Binding("shift+tab", "focus_panel(-1)", "Previous panel", show=False, priority=True),
]


def shell_bindings(first: list[Binding], middle: list[Binding],
                   cells: tuple[str, ...] = ("lstm", "gru", "rnn")) -> list[Binding]:
    """A view's keys: the shared ones, with the view's `first` keys (show the model now,
    the prompt) after the step key and its `middle` keys after the family switch; `cells`
    is what `m` cycles through (the family config's MODELS), as the help says."""
    return [
        Binding("space", "app.toggle_pause", "Pause/run",
                tooltip="Start, pause or resume training (an opened run: continue it)"),
        Binding("n", "app.step", "Step", tooltip="Run one optimizer step (while paused)"),
        *first,
        Binding("s", "app.save", "Save", tooltip="Save a checkpoint now"),
        Binding("r", "app.reset", "Reset", show=False,
                tooltip="Re-initialise the weights (asks)"),
        Binding("m", "app.switch_cell", "Cell", tooltip=f"Switch cell type {' → '.join(cells)} "
                "(restarts training; the old curve stays, dashed)"),
        Binding("M", "app.pick_mode", "Mode",
                tooltip=f"Pick what to train: {families.in_words()} (restarts)"),
        *middle,
        Binding("minus", "app.lr(0.5)", "Learning rate ÷2 (kept for the next run)",
                show=False, key_display="-"),
        Binding("plus,equals_sign", "app.lr(2.0)", "Learning rate ×2 (kept for the next run)",
                show=False, key_display="+"),
        Binding("c", "app.toggle_clip", "Gradient clipping on/off", show=False),
        Binding("x", "app.explode", "Explode on purpose", show=False,
                tooltip="Explode: a checkpoint, then no clipping and SGD at lr 10"),
        Binding("left_square_bracket", "app.clip(0.5)", "Clip threshold ÷2", show=False),
        Binding("right_square_bracket", "app.clip(2.0)", "Clip threshold ×2", show=False),
        Binding("o", "app.runs", "Runs", show=False,
                tooltip="Runs: open, compare, rename or delete the runs in runs/"),
        Binding("S", "app.save_screenshot", "Screenshot", show=False,
                tooltip="Screenshot: an SVG (and a PNG) in the run's directory"),
        Binding("j", "app.layer", "Next layer (gradients, gates)", show=False),
        Binding("y", "app.toggle_scale", "Loss axis log/linear", show=False),
        Binding("v", "app.cycle_unit", "Loss unit nats → bits → ppl", show=False),
        Binding("tab", "app.focus_panel(1)", "Next panel", show=False),
        Binding("shift+tab", "app.focus_panel(-1)", "Previous panel", show=False),
        Binding("escape", "app.close_prompt", "Cancel", tooltip="Close the prompt"),
        Binding("question_mark", "app.help", "Help", key_display="?"),
        Binding("q", "app.quit", "Quit"),
    ]


CELL_SETTLE_S = 0.7  # quick `m` presses pick a cell; only the last one starts a run


class ActionsMixin:
    """The shared key actions of RnnTuiApp (a view's own actions live on the view)."""

    _next_cell: str | None = None  # the cell `m` has picked, started once the presses stop
    _cell_timer = None

    # ------------------------------------------------------------------ command palette

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        view = self.main_screen
        for binding in view.BINDINGS:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            action, namespace = binding.action, view
            if action.startswith("app."):
                action, namespace = action[4:], self
            key = self.get_key_display(binding)
            yield SystemCommand(binding.tooltip or binding.description, f"key: {key}",
                                _action_callback(self, action, namespace))

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        lesson = self.lesson_action_state(action)  # (rnn_tui/app/lessons.py)
        if lesson is not None:
            return lesson if not isinstance(self.screen, ModalScreen) else False
        if action in _MODAL_SAFE:
            return True
        if isinstance(self.screen, ModalScreen):
            return False
        if action == "step":
            return True if self.state in ("paused", "opened") else None
        if action == "close_prompt":  # (the view on top: a new one may not be mounted yet)
            view = self.screen
            prompts = view.query(view.PROMPT_ID) if isinstance(view, DashboardScreen) else []
            return bool(prompts and prompts.first().display)
        return True

    def require_runner(self) -> TrainingRunner | None:
        """The running trainer's runner, or None (with a notice) when nothing trains."""
        runner = self.runner
        if runner is None or runner.finished.is_set() or self.state in ("finished", "error"):
            self.notify("training is not running (press space to start)", severity="warning")
            return None
        return runner

    def action_toggle_pause(self) -> None:
        self.controller.toggle_pause()
        self.render_status()
        self.refresh_bindings()

    def action_step(self) -> None:
        self.controller.step_once()

    def _prompt_input(self) -> Input:
        """The view's prompt: a prime to sample from, an input to translate, ..."""
        return self.main_screen.query_one(self.main_screen.PROMPT_ID, Input)

    def action_prompt(self) -> None:
        prompt = self._prompt_input()
        self._activate_panel(2, focus=False)
        prompt.display = True
        prompt.value = ""
        prompt.focus()
        self.refresh_bindings()

    def _close_prompt(self) -> None:
        prompt = self._prompt_input()
        prompt.display = False
        self.refresh_bindings()
        self.main_screen.query_one(f"#{self.panel_ids[2]}").focus()

    def action_close_prompt(self) -> None:
        self._close_prompt()

    def action_save(self) -> None:
        self.controller.request("save")

    def action_reset(self) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.controller.start(why="weights re-initialised")

        self.push_screen(ConfirmScreen(
            "Reset the weights and start training from scratch?\n"
            "The current run is stopped (and checkpointed, when it has a run directory)."),
            answered)

    def action_switch_cell(self) -> None:
        """The next cell; it starts CELL_SETTLE_S after the last press, so that pressing
        `m` three times to reach a cell does not leave two runs of a few steps behind."""
        cells = type(self.config).CELLS  # (a model that is not a cell switches to the first)
        now = self._next_cell or self.config.model
        self._next_cell = nxt = cells[(cells.index(now) + 1) % len(cells)] \
            if now in cells else cells[0]
        if self._cell_timer is not None:
            self._cell_timer.stop()
        self._cell_timer = self.set_timer(CELL_SETTLE_S, self._switch_cell_now)
        self.notify(f"next: {nxt.upper()} (m again: {' → '.join(cells)})",
                    timeout=CELL_SETTLE_S + 1)

    def _switch_cell_now(self) -> None:
        nxt, self._next_cell, self._cell_timer = self._next_cell, None, None
        if nxt is not None and nxt != self.config.model:
            self.controller.start(model=nxt, why=f"cell type is now {nxt.upper()}")

    def action_pick_mode(self) -> None:
        options = [choice for family in families.FAMILIES for choice in
                   family.view_class().choices(self.controller.config_of(family.name))]
        current = self.main_screen.choice_key(self.config)

        def picked(key: str | None) -> None:
            choice = next((c for c in options if c[0] == key), None)
            if choice is not None and choice[2] is not None and key != current:
                self.controller.start(choice[2], why=f"now training: {choice[1]}")

        # (an entry without a config is shown greyed: the family needs data it lacks)
        self.push_screen(ModeScreen([(key, label) for key, label, _ in options], current,
                                    greyed={key for key, _, cfg in options if cfg is None}),
                         picked)

    def set_hparam(self, key: str, value: Any, keep: bool = True) -> None:
        """A key changed a live hyperparameter: through the controller (shown once the
        trainer answers; kept for the next run unless `keep` is False)."""
        try:
            self.controller.set(key, value, keep=keep)
        except EngineError as exc:
            self.notify(str(exc), severity="warning")
        self.render_status()

    def action_lr(self, factor: float) -> None:
        lr = float(self.controller.wanted("lr")) * factor
        self.set_hparam("lr", float(f"{min(LR_MAX, max(LR_MIN, lr)):.3g}"))

    def action_toggle_clip(self) -> None:
        if self.controller.wanted("clip_mode") == "off":
            self.set_hparam("clip_mode", self._clip_mode_on)
        else:
            self._clip_mode_on = self.controller.wanted("clip_mode")
            self.set_hparam("clip_mode", "off")

    def action_clip(self, factor: float) -> None:
        clip = float(self.controller.wanted("clip")) * factor
        self.set_hparam("clip", float(f"{min(CLIP_MAX, max(CLIP_MIN, clip)):.3g}"))
        if self.controller.wanted("clip_mode") == "off":
            self.notify("clipping is off; press c to turn it on", timeout=3)

    def action_layer(self) -> None:
        self.layer = (self.layer + 1) % max(1, self.n_layers)
        self.render_gradients()
        self.main_screen.layer_changed()
        if not self.probes:
            self.notify(self._layer_label(), timeout=2)

    def action_toggle_scale(self) -> None:
        chart = self.main_screen.query_one("#loss-chart")
        chart.scale = "log" if chart.scale == "linear" else "linear"
        self.render_loss_info()

    def action_cycle_unit(self) -> None:
        chart = self.main_screen.query_one("#loss-chart")
        if not chart.next_unit():
            self.notify(f"the loss is {chart.fixed_unit}: not a log-likelihood, so no nats, "
                        f"bits or perplexity", timeout=4)
        self.render_loss_info()

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
        self.render_tabs()
        if focus:
            self.main_screen.query_one(f"#{self.panel_ids[index]}").focus()

    def on_descendant_focus(self, event) -> None:
        node = event.widget if hasattr(event, "widget") else None
        while node is not None:
            if node.id in self.panel_ids:
                index = self.panel_ids.index(node.id)
                if index != self.active_panel:
                    self.active_panel = index
                    self.render_tabs()
                return
            node = node.parent

    def action_runs(self) -> None:
        from rnn_tui.app.runs import RunsScreen

        self.push_screen(RunsScreen())

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
            self.controller.set_status("stopping")
            self.render_status()
            runner.stop()
            runner.resume()
            deadline = time.monotonic() + self.quit_timeout
            while not runner.finished.is_set() and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        self.exit()


def _action_callback(app: App, action: str, namespace: Any) -> Callable[[], Any]:
    async def run() -> None:
        await app.run_action(action, namespace)

    return run
