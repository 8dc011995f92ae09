"""The long-range lab's view: the Jacobian picture beside the gradient panel, and the task
with the model's answers and the CS286 scalar example.

    Jacobian panel  ||dh_T/dh_t|| (RMS gain) over t for the layer shown (h), on a log axis,
                    the effective gain of one step, and sigma_max of every W_hh block
    Task panel      what the task is at this T, its baseline and the held-out metric, a few
                    held-out sequences with the model's answers, and the scalar RNN
                    h_t = w h_{t-1} + u x_t of the slide: dh_T/dh_0 = w^T for your w and T
Keys: t/T a shorter/longer distance T, i the W_hh init, p your own w and T (all but p
restart training).
"""

from __future__ import annotations

import math
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from engine.events import Eval
from engine.families.longrange.config import INIT_CHOICES, LongRangeConfig
from engine.families.longrange.events import Examples, Jacobian
from engine.families.longrange.scalar import scalar_gradient
from rnn_tui.app.actions import shell_bindings
from rnn_tui.app.layout import DashboardScreen
from rnn_tui.app.panels import Panel, TextLine, join_fields
from rnn_tui.widgets import TimestepBars

LENGTHS = (5, 10, 20, 50, 100, 200, 500, 1000)  # the t/T ladder of distances
MAX_SCALAR_T = 100_000
JACOBIAN_WAITING = "waiting for the first Jacobian probe…"
ABOUT = {
    "adding": "adding problem: two marked values in [0, 1] among T; answer their sum at the end",
    "copy": "copy memory: 10 symbols, T blanks, then repeat the 10 symbols",
    "recall": "recall: a key at t = 0 decides the label after T distractors",
}


def fmt_gain(v: float) -> str:
    """117.4, 0.00515, 3.2e-12: one decimal from 1 to 1000, 3 significant digits else."""
    if v == 0 or not math.isfinite(v):
        return str(v)
    return f"{v:.1f}" if 1 <= abs(v) < 1000 else f"{v:.3g}"


def power(w: float, n: int) -> str:
    """w**n as text, as 10^k when it leaves the range of a float."""
    try:
        return fmt_gain(scalar_gradient(w, n, start=0))
    except OverflowError:
        return f"10^{n * math.log10(abs(w)):.0f}"


def scalar_example(w: float, T: int) -> list[str]:
    """The CS286 slide's univariate RNN h_t = w h_{t-1} + u x_t for this w and T. The slide
    prints 117.4 and 0.00515 for w = 1.1 and 0.9 at T = 50: those are w^T, the gradient over
    T steps back to h^(0); its formula w^(T-1) (back to h^(1)) gives 106.7 and 0.00573."""
    return [f"w = {w:g}, T = {T}:  ∂h⁽ᵀ⁾/∂h⁽⁰⁾ = w^T = {power(w, T)}",
            f"  (over T−1 steps, to h⁽¹⁾: w^(T−1) = {power(w, max(0, T - 1))})",
            "  |w| < 1 vanishes, |w| > 1 explodes; the slide's 117.4 and 0.00515 are w^T"]


def parse_scalar(text: str) -> tuple[float, int]:
    """'1.1 50' (or '1.1, 50', 'w=1.1 T=50') -> (1.1, 50); ValueError with the reason."""
    parts = [p.split("=")[-1] for p in text.replace(",", " ").split()]
    if len(parts) != 2:
        raise ValueError("type w and T, e.g. 1.1 50")
    w, T = float(parts[0]), int(parts[1])
    if not math.isfinite(w) or not 0 <= T <= MAX_SCALAR_T:
        raise ValueError(f"w must be a finite number and T in [0, {MAX_SCALAR_T:,}]")
    return w, T


class JacobianPanel(Panel):
    def compose(self) -> ComposeResult:
        yield TextLine(JACOBIAN_WAITING, id="jacobian-info", classes="info")
        yield TimestepBars(id="jacobian-bars", color="#ba68c8")
        yield Static("", id="sigma-lines")


class TaskPanel(Panel):
    def compose(self) -> ComposeResult:
        yield Static("", id="task-about")
        yield Static("", id="examples")
        yield Static("", id="scalar-lines")
        yield Input(placeholder="w and T for the scalar example, e.g. 1.1 50 (Enter; Esc "
                                "cancels)", id="scalar-prompt", classes="prompt")


class LongRangeScreen(DashboardScreen):
    """The dashboard of the vanishing-gradient lab."""

    PANELS = (("jacobian-panel", "Jacobian"), ("task-panel", "Task"))
    INTERACTIVE = {"probe_every": 25, "sample_every": 100}
    GRAD_TITLE = "‖∂L/∂h_t‖ (L: the answer at the end) · {layer}"
    PROMPT_ID = "#scalar-prompt"
    BINDINGS = shell_bindings(
        first=[Binding("p", "app.prompt", "Scalar w T",
                       tooltip="Your own w and T for the scalar example (CS286)")],
        middle=[Binding("t", "length(-1)", "Shorter T", tooltip="A shorter distance T "
                        "(restarts training)"),
                Binding("T", "length(1)", "Longer T", tooltip="A longer distance T "
                        "(restarts training)"),
                Binding("i", "init", "Init", show=False, tooltip="W_hh init auto → default "
                        "→ identity → orthogonal (restarts training)")],
        cells=LongRangeConfig.CELLS)
    DEFAULT_CSS = """
    #jacobian-bars { height: 1fr; min-height: 5; }
    #sigma-lines { height: auto; max-height: 6; color: $text-muted; }
    #task-about { height: auto; }
    #examples { height: 1fr; min-height: 3; }
    #scalar-lines { height: auto; color: $text-muted; }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scalar = (1.1, 50)  # the slide's own example until the user types one
        self.reset_view()

    def compose_panels(self) -> ComposeResult:
        yield JacobianPanel(id="jacobian-panel", classes="panel")
        yield TaskPanel(id="task-panel", classes="panel")

    def on_mount(self) -> None:
        super().on_mount()
        self._render_about()
        self._render_scalar()
        self._show_loss_unit()

    # ------------------------------------------------------------------ the app's calls

    def reset_view(self) -> None:
        self.last_jacobian: Jacobian | None = None
        self.last_eval: Eval | None = None
        if self.is_mounted:
            self._show_loss_unit()

    def _show_loss_unit(self) -> None:
        """The adding task's loss is an MSE: the chart says so and `v` has no nats to turn
        into bits or a perplexity."""
        self.query_one("#loss-chart").fixed_unit = self.app.config.loss_name()

    def clear_view(self) -> None:
        self.query_one("#jacobian-bars", TimestepBars).update_norms([], title="")
        self.query_one("#jacobian-info", TextLine).update(JACOBIAN_WAITING)
        self.query_one("#sigma-lines", Static).update("")
        self.query_one("#examples", Static).update("")
        self._render_about()

    def handle_event(self, event: Any) -> None:
        if isinstance(event, Jacobian):
            self.last_jacobian = event
            self.render_jacobian()
        elif isinstance(event, Examples):
            self._render_examples(event)

    def show_eval(self, event: Eval) -> None:
        self.last_eval = event
        self._render_about()

    def status_fields(self) -> tuple[list, list]:
        cfg = self.app.config
        return [("task", f"{cfg.task} T={cfg.length}")], [("init", cfg.init)]

    def loss_fields(self) -> list[tuple[str, str]]:
        e = self.last_eval
        if e is None:
            return []
        return [(k, f"{v:.1%}" if k != "mse" else f"{v:.4f}") for k, v in e.metrics.items()]

    def submit_prompt(self, text: str) -> None:
        try:
            self.scalar = parse_scalar(text)
        except ValueError as exc:
            self.app.notify(str(exc), severity="warning", timeout=3)
            return
        self._render_scalar()

    def layer_changed(self) -> None:
        self.render_jacobian()

    @classmethod
    def choices(cls, config: Any) -> list[tuple[str, str, Any]]:
        return [(task, f"Long-range · {about.split(':')[0]} at T={config.length}",
                 config.replace(task=task)) for task, about in ABOUT.items()]

    @classmethod
    def choice_key(cls, config: Any) -> str:
        return config.task

    # ------------------------------------------------------------------ keys

    def action_length(self, direction: int) -> None:
        cfg = self.app.config
        ladder = sorted(set(LENGTHS) | {cfg.length})
        i = ladder.index(cfg.length) + direction
        if not 0 <= i < len(ladder):
            self.app.notify(f"T = {cfg.length} is the end of the ladder", timeout=2)
            return
        self.app.controller.start(cfg.replace(length=ladder[i]),
                                  why=f"the distance is now T = {ladder[i]}")

    def action_init(self) -> None:
        cfg = self.app.config
        nxt = INIT_CHOICES[(INIT_CHOICES.index(cfg.init) + 1) % len(INIT_CHOICES)]
        self.app.controller.start(cfg.replace(init=nxt), why=f"W_hh init is now {nxt}")

    # ------------------------------------------------------------------ drawing

    def render_jacobian(self) -> None:
        j = self.last_jacobian
        if j is None:
            return
        layer = self.app.layer % max(1, len(j.gains))
        gains = j.gains[layer]
        self.query_one("#jacobian-bars", TimestepBars).update_norms(
            gains, title=f"‖∂h_T/∂h_t‖ · layer {layer + 1}/{len(j.gains)} · step {j.step}")
        w = j.per_step(layer)
        fields = [("", f"layer {layer + 1}/{len(j.gains)}"),
                  ("‖∂h_T/∂h_0‖", fmt_gain(gains[0]) if gains else "–")]
        if w is not None:  # the scalar example's w that would fade the same way
            fields.append(("one step ×", f"{w:.3f} (a scalar w)"))
        self.query_one("#jacobian-info", TextLine).update(join_fields(fields))
        lines = Text()
        for k, blocks in enumerate(j.sigma_max):
            shown = "  ".join(f"{name} {v:.3g}" for name, v in blocks.items())
            lines.append(f"σ_max W_hh layer {k + 1}: ", style="dim")
            lines.append(shown + "\n", style="bold" if k == layer else "")
        lines.append("vanilla RNN: σ_max·max|φ'| < 1 forces the gain to vanish; only > 1 "
                     "lets it explode", style="dim italic")
        self.query_one("#sigma-lines", Static).update(lines)

    def _render_about(self) -> None:
        cfg = self.app.config
        out = Text(ABOUT[cfg.task].replace(" T", f" T={cfg.length}", 1) + "\n", style="bold")
        base = self.app.info.get("baselines")
        e = self.last_eval
        if base is not None:
            out.append(" · ".join(f"baseline {k} {v:.4f}" for k, v in base.losses.items()),
                       style="dim")
        if e is not None:
            shown = ", ".join(f"{k} {v:.4f}" if k == "mse" else f"{k} {v:.1%}"
                              for k, v in e.metrics.items())
            out.append(f"  ·  held-out at step {e.step:,}: loss {e.val_loss:.4f}"
                       f"{', ' + shown if shown else ''}")
        self.query_one("#task-about", Static).update(out)

    def _render_examples(self, e: Examples) -> None:
        out = Text(f"held-out examples at step {e.step:,}\n", style="dim")
        for line, ok in zip(e.lines(), e.correct):
            out.append(line + "\n", style="green" if ok else "")
        self.query_one("#examples", Static).update(out)

    def _render_scalar(self) -> None:
        w, T = self.scalar
        out = Text("scalar RNN h_t = w·h_{t−1} + u·x_t (CS286) · p: your own w and T\n",
                   style="bold")
        out.append("\n".join(scalar_example(w, T)))
        self.query_one("#scalar-lines", Static).update(out)
