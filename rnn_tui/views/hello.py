"""The "hello" network's view: the CS286 / AI504 slide, unrolled, with the real model's
numbers at every timestep.

    Unrolled panel  one column per timestep t: the input character and its one-hot x_t,
                    h_t (a value per hidden unit), the output probabilities p_t over
                    h, e, l, o with the target marked; backward (b): dL/dy_t = (p_t - y_t)/T
                    and dL/dh_t per unit, with its norm, flowing right to left
    Step panel      the column under the cursor written out as the equations, and the
                    model's free-running decoding (does it spell "hello" yet?)
Keys: , / . the previous / next timestep, b forward <-> backward. `n` (the shell's one
optimizer step, while paused) trains one step; the picture follows the model.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from engine.families.hello.events import Unrolled
from rnn_tui.app.actions import shell_bindings
from rnn_tui.app.layout import DashboardScreen
from rnn_tui.app.panels import Panel, TextLine, join_fields

WAITING = "waiting for the first forward pass…"
BAR = 6  # characters of a full probability bar
COLUMN = (14, 20)  # the least and most characters of a timestep's column (one is a gap)


def fmt(v: float) -> str:
    """A number in 6 characters: +0.123, -1.000."""
    return f"{v:+.3f}"


def bar(p: float, width: int = BAR) -> str:
    n = max(0, min(width, round(p * width)))
    return "█" * n + "·" * (width - n)


def output_grad(u: Unrolled, t: int) -> list[float]:
    """dL/dy_t = (p_t - onehot(target_t)) / T: the softmax-cross-entropy gradient of the
    mean loss with respect to the logits at t, from the pass's own probabilities."""
    T = len(u.inputs)
    target = u.vocab.index(u.targets[t])
    return [(p - (1.0 if i == target else 0.0)) / T for i, p in enumerate(u.probs[t])]


def column(u: Unrolled, t: int, backward: bool) -> list[tuple[str, str]]:
    """The lines of timestep t's column, top (output) to bottom (input), with styles."""
    target = u.vocab.index(u.targets[t])
    lines: list[tuple[str, str]] = [(f"target {u.targets[t]!r}", "bold")]
    if backward:
        for c, g in zip(u.vocab, output_grad(u, t)):
            lines.append((f"{c} {fmt(g)}", "red" if g < 0 else "dim"))
        lines.append(("∂L/∂h_t", "bold #ffb74d"))
        lines += [(fmt(g), "#ffb74d") for g in u.grads[t]]
        lines.append((f"‖·‖ {u.grad_norms[t]:.3g}", "#ffb74d"))
    else:
        for i, (c, p) in enumerate(zip(u.vocab, u.probs[t])):
            lines.append((f"{c} {bar(p)} {p:.2f}", "bold green" if i == target else ""))
        lines.append(("h_t", "bold #4fc3f7"))
        lines += [(fmt(h), "#4fc3f7") for h in u.hidden[t]]
        lines.append((f"loss {u.losses[t]:.3f}", "dim"))
    lines.append(("x_t " + "".join("1" if c == u.inputs[t] else "0" for c in u.vocab), ""))
    lines.append((f"input {u.inputs[t]!r}", "bold"))
    return lines


def unrolled_picture(u: Unrolled, cursor: int, backward: bool, width: int = COLUMN[1]) -> Text:
    """The network unrolled: a column per timestep, arrows between the h_t (→ forward, ←
    backward), the cursor's column highlighted."""
    cols = [column(u, t, backward) for t in range(len(u.inputs))]
    rows = max(len(c) for c in cols)
    arrow = "←" if backward else "→"
    out = Text(no_wrap=True, overflow="crop")
    header = "".join(f"t = {t}".center(width - 1) + " " for t in range(len(cols)))
    out.append(header.rstrip() + "\n", style="dim")
    for r in range(rows):
        for t, col in enumerate(cols):
            text, style = col[r] if r < len(col) else ("", "")
            if text in ("h_t", "∂L/∂h_t") and t < len(cols) - 1:
                text += f" {arrow}"  # the recurrence: h_t feeds h_(t+1); its gradient back
            here = "on #303846 " if t == cursor else ""
            out.append(text.center(width - 1), style=(here + style).strip() or None)
            out.append(" ")  # the gap between two timesteps' columns
        out.append("\n")
    return out


def step_detail(u: Unrolled, t: int, backward: bool, word: str) -> Text:
    """The cursor's timestep written out as the slide's equations, with the numbers."""
    T = len(u.inputs)
    vec = lambda xs: "[" + " ".join(fmt(x) for x in xs) + "]"  # noqa: E731
    out = Text(f"t = {t} of {T - 1} · {'backward' if backward else 'forward'} · step "
               f"{u.step:,} · {u.cell.upper()}\n", style="bold")
    one_hot = "[" + " ".join("1" if c == u.inputs[t] else "0" for c in u.vocab) + "]"
    prev = vec(u.hidden[t - 1]) if t else vec([0.0] * len(u.hidden[0]))
    if not backward:
        cell = "h_t = tanh(W_hh h_{t−1} + W_xh x_t + b)" if u.cell == "rnn" else \
            f"h_t = {u.cell.upper()}(h_{{t−1}}, x_t)"
        out.append(f"x_t = one-hot({u.inputs[t]!r}) = {one_hot}  over "
                   f"{', '.join(u.vocab)}\n")
        out.append(f"h_(t−1) = {prev}\n{cell}\n    = {vec(u.hidden[t])}\n")
        out.append("p_t = softmax(W_hy h_t + b_y) = "
                   + "  ".join(f"{c} {p:.3f}" for c, p in zip(u.vocab, u.probs[t])) + "\n")
        out.append(f"target {u.targets[t]!r}: loss_t = −log p_t[{u.targets[t]!r}] = "
                   f"{u.losses[t]:.4f}  (L = mean over t = {u.loss:.4f})\n")
    else:
        out.append(f"∂L/∂y_t = (p_t − onehot({u.targets[t]!r})) / {T} = "
                   f"{vec(output_grad(u, t))}\n")
        later = "W_hyᵀ ∂L/∂y_t" + (" + (∂h_{t+1}/∂h_t)ᵀ ∂L/∂h_{t+1}" if t < T - 1 else "")
        out.append(f"∂L/∂h_t = {later}\n    = {vec(u.grads[t])}   ‖·‖ = "
                   f"{u.grad_norms[t]:.4g}\n")
        out.append("‖∂L/∂h_t‖ over t: " + "  ".join(
            f"{g:.3g}" for g in u.grad_norms) + "\n")
    ok = u.spells
    out.append("\ngreedy decoding from ", style="dim")
    out.append(f"{u.inputs[0]!r}: ", style="dim")
    out.append(f"{u.greedy!r}", style="bold green" if ok else "bold red")
    out.append(f"  {'✓ spells ' + repr(word) if ok else '✗ not yet ' + repr(word)}"
               f"  ·  teacher-forced: {''.join(u.predicted)!r}\n",
               style="green" if ok else "")
    return out


class UnrolledPanel(Panel):
    def compose(self) -> ComposeResult:
        yield TextLine(WAITING, id="unrolled-info", classes="info")
        yield Static("", id="unrolled-picture")


class StepPanel(Panel):
    def compose(self) -> ComposeResult:
        yield Static("", id="step-detail")


class HelloScreen(DashboardScreen):
    """The dashboard of the "hello" network."""

    PANELS = (("unrolled-panel", "Unrolled"), ("step-panel", "Timestep"))
    INTERACTIVE = {"probe_every": 1, "sample_every": 0}  # a 3-unit RNN: every step is free
    GRAD_TITLE = "‖∂L/∂h_t‖ (L: the mean loss over the word) · {layer}"
    BINDINGS = shell_bindings(
        first=[],
        middle=[Binding("comma", "time(-1)", "t−1", key_display=",",
                        tooltip="The previous timestep"),
                Binding("full_stop", "time(1)", "t+1", key_display=".",
                        tooltip="The next timestep"),
                Binding("b", "direction", "Fwd/back",
                        tooltip="Forward pass (x_t, h_t, p_t) ↔ backward pass (∂L/∂h_t)")],
        cells=("rnn", "gru", "lstm"))
    DEFAULT_CSS = """
    #unrolled-picture { height: 1fr; }
    #step-detail { height: 1fr; }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cursor = 0  # the timestep under the cursor
        self.backward = False  # which pass the picture shows
        self.reset_view()

    def compose_panels(self) -> ComposeResult:
        yield UnrolledPanel(id="unrolled-panel", classes="panel")
        yield StepPanel(id="step-panel", classes="panel")

    # ------------------------------------------------------------------ the app's calls

    def reset_view(self) -> None:
        self.last: Unrolled | None = None

    def clear_view(self) -> None:
        self.query_one("#unrolled-info", TextLine).update(WAITING)
        self.query_one("#unrolled-picture", Static).update("")
        self.query_one("#step-detail", Static).update("")

    def handle_event(self, event: Any) -> None:
        if isinstance(event, Unrolled):
            self.last = event
            self.cursor = min(self.cursor, len(event.inputs) - 1)
            self.render_unrolled()

    def status_fields(self) -> tuple[list, list]:
        return [("word", repr(self.app.config.word))], []

    def loss_fields(self) -> list[tuple[str, str]]:
        u = self.last
        if u is None:
            return []
        return [("greedy", repr(u.greedy)), ("spells", "yes" if u.spells else "no")]

    @classmethod
    def choices(cls, config: Any) -> list[tuple[str, str, Any]]:
        return [("hello", f'The "hello" network · {config.model.upper()} '
                 f"{config.hidden} units, unrolled", config)]

    # ------------------------------------------------------------------ keys

    def action_time(self, delta: int) -> None:
        if self.last is None:
            return
        self.cursor = max(0, min(len(self.last.inputs) - 1, self.cursor + delta))
        self.render_unrolled()

    def action_direction(self) -> None:
        self.backward = not self.backward
        self.render_unrolled()

    # ------------------------------------------------------------------ drawing

    def render_unrolled(self) -> None:
        u = self.last
        if u is None:
            return
        word = self.app.config.word
        which = "backward: ∂L/∂h_t, right to left" if self.backward else \
            "forward: x_t → h_t → p_t"
        self.query_one("#unrolled-info", TextLine).update(join_fields([
            ("", which), ("step", f"{u.step:,}"), ("loss", f"{u.loss:.4f}"),
            ("greedy", repr(u.greedy) + (" ✓" if u.spells else ""))]))
        picture = self.query_one("#unrolled-picture", Static)
        width = max(COLUMN[0], min(COLUMN[1], picture.size.width // len(u.inputs)))
        picture.update(unrolled_picture(u, self.cursor, self.backward, width))
        self.query_one("#step-detail", Static).update(
            step_detail(u, self.cursor, self.backward, word))
