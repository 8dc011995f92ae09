"""The shell's panels (loss, gradients), the two-line status bar, and the base of every
panel; a family's own panels live with its view (rnn_tui/views/).

Panels only display; the app feeds them from engine events. Nothing here touches torch.
"""

from __future__ import annotations

import math

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widget import Widget

from rnn_tui.widgets import Heatmap, LossChart, TimestepBars

class Panel(Vertical, can_focus=True):
    """A bordered, focusable panel (tab / shift+tab move between them)."""


class LossPanel(Panel):
    def compose(self) -> ComposeResult:
        yield LossChart(id="loss-chart")
        yield TextLine("", id="loss-info", classes="info")


class GradientPanel(Panel):
    def compose(self) -> ComposeResult:
        yield TextLine("waiting for the first gradient probe…", id="grad-info", classes="info")
        yield TimestepBars(id="grad-bars")
        yield TimestepBars(id="grad-bars-back", color="#ffb74d")  # (probe_rows() == 2)
        yield Heatmap(id="grad-heatmap", scale_rows=20, fit_cols=True)


class TextLine(Widget):
    """Fixed-height text that changes often (status, panel info lines). `set_text` repaints
    only this widget: unlike `Static.update` it never asks for a layout pass of the screen,
    which costs ~25 ms at 160x48 and would otherwise run on every probe event."""

    DEFAULT_CSS = """
    TextLine { height: 1; }
    """

    def __init__(self, text: str | Text = "", *, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._text = Text(text) if isinstance(text, str) else text

    def set_text(self, text: str | Text) -> None:
        self._text = Text(text) if isinstance(text, str) else text
        self.refresh()

    update = set_text

    @property
    def text(self) -> Text:
        return self._text

    def render(self) -> Text:
        return self._text


class StatusBar(TextLine):
    """Two lines of run state. Every value comes from engine events or the app's requested
    settings, never from a clock, so screenshots are reproducible."""


# ------------------------------------------------------------------------------- formatting

def fmt_count(n: float) -> str:
    n = float(n)
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.3g}{unit}"
    return f"{n:.0f}"


def fmt_float(v: float) -> str:
    if v is None or not isinstance(v, (int, float)):
        return str(v)
    if not math.isfinite(v):
        return str(v)
    if v != 0 and (abs(v) < 1e-2 or abs(v) >= 1e4):
        return f"{v:.2e}"
    return f"{v:.3g}"


def fit_fields(fields: list[tuple[str, str]], width: int, first_out: tuple[str, ...],
               keep: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """FIELDS without those named in FIRST_OUT (in that order), then without the others
    from the right but those named in KEEP, until they fit WIDTH: a narrow terminal loses
    the least useful fields whole instead of the last ones cut."""
    kept = list(fields)
    droppable = list(first_out) + [f[0] for f in reversed(fields)
                                    if f[0] not in keep and f[0] not in first_out]
    for label in droppable:
        if width <= 0 or join_fields(kept).cell_len <= width:
            break
        kept = [f for f in kept if f[0] != label]
    return kept


def join_fields(fields: list[tuple[str, str]]) -> Text:
    """[(label, value), ...] -> 'label value │ label value' with bold values."""
    out = Text(no_wrap=True, overflow="ellipsis")
    for i, (label, value) in enumerate(fields):
        if i:
            out.append(" │ ", style="dim")
        if label:
            out.append(label + " ", style="dim")
        out.append(value, style="bold")
    return out
