"""LabelledBars: horizontal bars of values in [0, 1], one labelled row each (accuracies, shares).

    bars.set_bars(["NOUN", "VERB"], [0.93, 0.88], title="per-tag accuracy",
                  notes=["4,512", "2,310"])   # notes: shown after the value, dimmed

Bars are drawn in eighths of a cell (▏▎▍▌▋▊▉█) and coloured by value (red - amber -
green, the probability palette). Rows that do not fit are cut with a "⋮ N more" line.
"""

from __future__ import annotations

import math
from typing import Sequence

from rich.style import Style
from textual.strip import Strip

from ._common import PROB, Canvas, CachedLinesWidget, level, safe_label

_EIGHTHS = " ▏▎▍▌▋▊▉█"
LABEL_MAX = 12  # label cells at most


class LabelledBars(CachedLinesWidget):
    """One horizontal bar per label, for values in [0, 1] (NaN or None: no bar, "–")."""

    DEFAULT_CSS = """
    LabelledBars {
        height: 1fr;
        min-height: 3;
    }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._labels: list[str] = []
        self._values: list[float] = []
        self._notes: list[str] = []
        self._title = ""

    def set_bars(self, labels: Sequence[str], values: Sequence[float | None], title: str = "",
                 notes: Sequence[str] | None = None) -> None:
        """Replace the rows: LABELS[i] with a bar of VALUES[i] in [0, 1] (clipped)."""
        self._labels = [safe_label(x)[:LABEL_MAX] for x in labels]
        self._values = [math.nan if v is None else float(v) for v in values]
        self._notes = [str(n) for n in notes] if notes is not None else []
        self._title = title
        self.invalidate()

    def clear(self) -> None:
        self.set_bars([], [])

    @property
    def rows(self) -> list[tuple[str, float]]:
        return list(zip(self._labels, self._values))

    def build_lines(self, width: int, height: int, base: Style) -> list[Strip]:
        cv = Canvas(width, height, base)
        dim = cv.style(Style(dim=True))
        y = 0
        if self._title:
            cv.text(0, 0, safe_label(self._title), cv.style(Style(bold=True)))
            y = 1
        if not self._labels:
            cv.text(0, y, "no data yet", dim)
            return cv.to_strips()
        label_w = max(len(x) for x in self._labels) + 1
        note_w = max((len(n) for n in self._notes), default=0)
        value_w = 7 + (note_w + 1 if note_w else 0)  # " 100.0%" and " note"
        bar_w = max(1, width - label_w - value_w)
        shown = len(self._labels)
        if shown > height - y:
            shown = max(0, height - y - 1)
        for i in range(shown):
            self._row(cv, y + i, i, label_w, bar_w, dim)
        if shown < len(self._labels):
            cv.text(label_w, y + shown, f"⋮ {len(self._labels) - shown} more", dim)
        return cv.to_strips()

    def _row(self, cv: Canvas, y: int, i: int, label_w: int, bar_w: int, dim: int) -> None:
        cv.text(0, y, self._labels[i].rjust(label_w - 1), dim)
        v = self._values[i]
        x = label_w
        if math.isfinite(v):
            v = min(1.0, max(0.0, v))
            eighths = int(round(v * bar_w * 8))
            full, rem = divmod(eighths, 8)
            sid = cv.style(Style(color=PROB[level(v)]) if not self.no_color else Style())
            cv.fill(x, x + full, y, "█", sid)
            if rem:
                cv.text(x + full, y, _EIGHTHS[rem], sid)
            value = f"{100 * v:6.1f}%"
        else:
            value = "     –"
        x = cv.text(x + bar_w, y, value)
        if i < len(self._notes):
            cv.text(x + 1, y, self._notes[i], dim)
