"""LabelBars: one horizontal bar per label for values in 0..1 (per-class F1, per-tag
accuracy, class probabilities), with the value printed after each bar.

    bars.set_values(["Essari", "Ovrand", ...], [0.91, 0.84, ...], title="F1 per class")

Bars are drawn in eighths of a cell and coloured red (0) - amber - green (1), so a weak
label stands out; `colors` gives each bar its own colour instead. More labels than lines:
the first ones are shown and the rest counted ("⋮ 4 more").
"""

from __future__ import annotations

import math

from rich.style import Style
from textual.strip import Strip

from .canvas import PROB, Canvas, CachedLinesWidget, level, safe_label

_EIGHTHS = " ▏▎▍▌▋▊▉█"
LABEL_MAX = 16  # longest label shown (cut with "…")


def bar_cells(value: float, width: int) -> str:
    """A bar of `value` (0..1, clipped; NaN empty) in `width` cells, eighths included."""
    if not value == value or width <= 0:
        return " " * max(width, 0)
    eighths = int(round(min(max(value, 0.0), 1.0) * width * 8))
    full, rem = divmod(eighths, 8)
    return ("█" * full + (_EIGHTHS[rem] if rem else "")).ljust(width)


class LabelBars(CachedLinesWidget):
    """Labelled horizontal bars for values in 0..1 (see the module docstring)."""

    DEFAULT_CSS = """
    LabelBars {
        height: auto;
        min-height: 2;
    }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._labels: list[str] = []
        self._values: list[float] = []
        self._colors: list[str] | None = None
        self._title = ""
        self._fmt = "{:.2f}"

    def set_values(self, labels: list[str], values: list[float], title: str = "",
                   colors: list[str] | None = None, fmt: str = "{:.2f}") -> None:
        """Replace the bars: one per label, values in 0..1 (`fmt` prints each value)."""
        self._labels = [str(x) for x in labels]
        self._values = [float(v) if v is not None else math.nan for v in values]
        self._colors, self._title, self._fmt = colors, title, fmt
        self.invalidate()
        self.refresh(layout=True)  # (height: auto follows the number of labels)

    def clear(self) -> None:
        self.set_values([], [])

    @property
    def values(self) -> list[tuple[str, float]]:
        return list(zip(self._labels, self._values))

    def get_content_height(self, container, viewport, width: int) -> int:
        return max(1, len(self._labels)) + (1 if self._title else 0)

    def build_lines(self, width: int, height: int, base: Style) -> list[Strip]:
        cv = Canvas(width, height, base)
        dim = cv.style(Style(dim=True))
        y = cv.title(self._title)
        if not self._labels:
            cv.text(0, y, "no data yet", dim)
            return cv.to_strips()
        labels = [_cut(safe_label(x)) for x in self._labels]
        label_w = max(map(len, labels))
        texts = [self._fmt.format(v) if v == v else "–" for v in self._values]
        value_w = max(map(len, texts))
        bar_w = max(1, width - label_w - value_w - 2)
        rows = height - y
        shown = len(labels) if len(labels) <= rows else max(0, rows - 1)
        for i in range(shown):
            v = self._values[i]
            if self._colors and i < len(self._colors):
                color = self._colors[i]
            else:
                color = PROB[level(v)] if v == v else "#808080"
            cv.text(0, y, labels[i].rjust(label_w), dim)
            x = cv.text(label_w + 1, y, bar_cells(v, bar_w), cv.style(Style(color=color)))
            cv.text(x + 1, y, texts[i].rjust(value_w))
            y += 1
        if shown < len(labels):
            cv.text(0, y, f"⋮ {len(labels) - shown} more", dim)
        return cv.to_strips()


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_MAX else label[: LABEL_MAX - 1] + "…"
