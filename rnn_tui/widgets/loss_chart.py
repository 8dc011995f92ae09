"""LossChart: a fast multi-series braille line chart for training curves.

    chart.set_series_style("train", "#4fc3f7", "train")       # colour and legend label
    chart.add_points("train", steps, losses)                   # losses in nats
    chart.set_series_style("ref:gru", "#9575cd", "GRU before", dotted=True, behind=True)
    chart.max_legend_rows = 2        # the legend wraps onto a second row when it must
    chart.x_unit = "time"            # x values are seconds: ticks read 0:30, 1:00, ...

Legend API: every series with `legend=True` (the default) has an entry "━ label value"
(value: its last point, in the chart's unit; "┅" for a dotted series), in the order the
series were created, after the title. The legend uses up to `max_legend_rows` rows (1 by
default: entries that do not fit are cut at the edge); the plot takes the rest. A dotted
series is drawn dashed (a reference: another run's curve), and a `behind` one under the
others, so the live curves stay on top where they cross.

Smoothing (`smooth=0.6` on a series): as TensorBoard does it, an exponential moving average
with weight `smooth` per point, debiased at the start (a mean of the first points, not a
curve pulled toward 0); the raw curve stays underneath, faint. A loss logged every batch is
a wall of noise without it; the smoothed line shows the trend and the legend its value.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field

import numpy as np
from rich.style import Style
from textual.reactive import reactive
from textual.strip import Strip

from .canvas import (SERIES_COLORS, Canvas, CachedLinesWidget, dimmed, fmt_num, nice_ticks,
                     safe_label)
from .chart_frame import PlotFrame, y_range
from .curve_math import SCALES, UNITS, convert_nats, scale_values


@dataclass
class _Series:
    color: str
    label: str
    xs: array = field(default_factory=lambda: array("d"))
    ys: array = field(default_factory=lambda: array("d"))
    sorted: bool = True
    dotted: bool = False  # drawn dashed (another run's curve, for reference)
    behind: bool = False  # drawn under the other series
    legend: bool = True  # has an entry in the legend
    smooth: float = 0.0  # TensorBoard-style EMA weight (0: drawn raw)
    smoothed: array = field(default_factory=lambda: array("d"))  # EMA of ys[:len(smoothed)]
    ema: float = 0.0  # the running (biased) average behind `smoothed`

    def smoothed_ys(self, ys: np.ndarray) -> np.ndarray:
        """The debiased EMA of YS (this series' sorted values), extended point by point
        from where the last call stopped (the whole curve is not redone every frame)."""
        w = self.smooth
        if len(self.smoothed) > len(ys):  # (the points were re-sorted or replaced)
            self.smoothed, self.ema = array("d"), 0.0
        start = len(self.smoothed)
        for n, y in enumerate(ys[start:].tolist(), start=start + 1):
            if math.isfinite(y):
                self.ema = self.ema * w + (1 - w) * y
            self.smoothed.append(self.ema / (1 - w ** n))
        return np.frombuffer(self.smoothed, dtype=np.float64)


class LossChart(CachedLinesWidget):
    """Multi-series loss chart (braille lines, min/max binned per column, so 50k points draw as
    fast as 500). Values are stored in nats and converted for display by ``unit``; ``scale``
    is "linear" or "log". Horizontal dashed reference lines and vertical markers are supported.
    """

    DEFAULT_CSS = """
    LossChart {
        height: 1fr;
        min-height: 6;
    }
    """

    scale: reactive[str] = reactive("linear")
    unit: reactive[str] = reactive("nats")
    x_unit: reactive[str] = reactive("step")  # "step" or "time" (x in seconds)
    max_legend_rows = 1  # rows the legend may take when its entries do not fit on one

    def __init__(self, *, title: str = "", name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.title = title
        self.per_token = ""  # what one token of the loss is ("word": "nats/word"), if said
        self.fixed_unit = ""  # the loss's own name when it is no log-likelihood ("MSE")
        self._series: dict[str, _Series] = {}
        self._refs: dict[str, tuple[float, str]] = {}
        self._markers_x = array("d")
        self._markers_label: list[str] = []

    # ------------------------------------------------------------------ data API

    def _get_series(self, series: str) -> _Series:
        s = self._series.get(series)
        if s is None:
            s = _Series(SERIES_COLORS[len(self._series) % len(SERIES_COLORS)], series)
            self._series[series] = s
        return s

    def add_point(self, series: str, x: float, y: float) -> None:
        """Append one (step, loss-in-nats) point to a series (created on first use)."""
        s = self._get_series(series)
        x = float(x)
        if s.xs and x < s.xs[-1]:
            s.sorted = False
        s.xs.append(x)
        s.ys.append(float(y))
        self.invalidate()

    def add_points(self, series: str, xs, ys) -> None:
        """Append many points at once (same meaning as add_point; lists or numpy arrays)."""
        s = self._get_series(series)
        xa = np.asarray(xs, dtype=np.float64).ravel()
        ya = np.asarray(ys, dtype=np.float64).ravel()
        n = min(len(xa), len(ya))
        if n == 0:
            return
        xa, ya = xa[:n], ya[:n]
        if (s.xs and xa[0] < s.xs[-1]) or (n > 1 and bool(np.any(np.diff(xa) < 0))):
            s.sorted = False
        s.xs.frombytes(xa.tobytes())
        s.ys.frombytes(ya.tobytes())
        self.invalidate()

    def set_series_style(self, series: str, color: str, label: str, *, dotted: bool = False,
                         behind: bool = False, legend: bool = True, smooth: float = 0.0
                         ) -> None:
        """Set the colour (any Rich/Textual colour string) and legend label of a series (and
        whether it is dashed, drawn under the others, listed in the legend, smoothed)."""
        s = self._get_series(series)
        s.color, s.label = color, label
        s.dotted, s.behind, s.legend = dotted, behind, legend
        if smooth != s.smooth:
            s.smooth, s.smoothed, s.ema = smooth, array("d"), 0.0
        self.invalidate()

    def remove_series(self, series: str) -> None:
        """Forget a series, its points and its style."""
        if self._series.pop(series, None) is not None:
            self.invalidate()

    def series_points(self, series: str) -> tuple[np.ndarray, np.ndarray]:
        """A copy of a series' (xs, ys in nats), sorted by x (empty arrays if unknown)."""
        s = self._series.get(series)
        if s is None:
            return np.zeros(0), np.zeros(0)
        xs, ys = self._arrays(s)
        return xs.copy(), ys.copy()

    def set_reference(self, name: str, value: float | None, color: str = "#9e9e9e") -> None:
        """Add/replace (or remove with None) a horizontal dashed reference line, value in nats."""
        if value is None or not math.isfinite(float(value)):
            self._refs.pop(name, None)
        else:
            self._refs[name] = (float(value), color)
        self.invalidate()

    def clear_references(self) -> None:
        """Remove every reference line."""
        self._refs.clear()
        self.invalidate()

    def add_marker(self, x: float, label: str) -> None:
        """Add a vertical marker (e.g. a hyperparameter change) at step x."""
        self._markers_x.append(float(x))
        self._markers_label.append(str(label))
        self.invalidate()

    def clear(self) -> None:
        """Remove all points and markers (series styles and references are kept)."""
        for s in self._series.values():
            s.xs = array("d")
            s.ys = array("d")
            s.sorted = True
        self._markers_x = array("d")
        self._markers_label = []
        self.invalidate()

    def series_names(self) -> list[str]:
        return list(self._series)

    def point_count(self, series: str) -> int:
        s = self._series.get(series)
        return len(s.xs) if s else 0

    def validate_scale(self, value: str) -> str:
        return value if value in SCALES else "linear"

    @property
    def unit_label(self) -> str:
        """The unit as shown: "nats", or "nats/word" once per_token says what a token is;
        the fixed unit ("MSE") when the loss is not in nats."""
        if self.fixed_unit:
            return self.fixed_unit
        return f"{self.unit}/{self.per_token}" if self.per_token else self.unit

    def next_unit(self) -> bool:
        """nats → bits → ppl → nats (the `v` key); False, unchanged, for a fixed unit."""
        if self.fixed_unit:
            return False
        self.unit = UNITS[(UNITS.index(self.unit) + 1) % len(UNITS)]
        return True


    def validate_unit(self, value: str) -> str:
        return value if value in UNITS else "nats"

    def watch_scale(self) -> None:
        self.invalidate()

    def watch_unit(self) -> None:
        self.invalidate()

    def validate_x_unit(self, value: str) -> str:
        return value if value in ("step", "time") else "step"

    def watch_x_unit(self) -> None:
        self.invalidate()

    # ------------------------------------------------------------------ rendering

    def _display(self, ys: np.ndarray) -> np.ndarray:
        return scale_values(convert_nats(ys, self.unit), self.scale)

    def _arrays(self, s: _Series) -> tuple[np.ndarray, np.ndarray]:
        xs = np.frombuffer(s.xs, dtype=np.float64) if s.xs else np.zeros(0)
        ys = np.frombuffer(s.ys, dtype=np.float64) if s.ys else np.zeros(0)
        n = min(len(xs), len(ys))
        xs, ys = xs[:n], ys[:n]
        if not s.sorted and n:
            order = np.argsort(xs, kind="stable")
            xs, ys = xs[order], ys[order]
            s.xs = array("d", xs.tobytes())
            s.ys = array("d", ys.tobytes())
            s.sorted = True
            xs = np.frombuffer(s.xs, dtype=np.float64)
            ys = np.frombuffer(s.ys, dtype=np.float64)
        return xs, ys

    def build_lines(self, width: int, height: int, base: Style) -> list[Strip]:
        cv = Canvas(width, height, base)
        data, refs = self._plot_data(), self._plot_refs()
        top = self._draw_legend(cv, data, max(1, min(self.max_legend_rows, height - 4)))
        if height < 4 or width < 12:
            return cv.to_strips()
        plot_h = height - 2 - top  # legend, axis line, x labels
        if not any(len(xs) for _s, xs, _d, _l in data):
            msg = "no data yet"
            cv.text(max(0, (width - len(msg)) // 2), top + plot_h // 2, msg,
                    cv.style(Style(dim=True)))
            return cv.to_strips()
        x0, x1 = self._x_range(data)
        y0, y1 = y_range(data, refs)
        y0, y1, ticks, tick_pos = self._y_ticks(y0, y1)
        labels = [fmt_num(t) for t in ticks]
        axis_w = max([len(lb) for lb in labels] + [3]) + 1
        if width - axis_w < 4 or plot_h < 1:
            return cv.to_strips()
        f = PlotFrame(cv, top, plot_h, axis_w, width - axis_w, x0, x1, y0, y1, self.x_unit,
                      single_x=self._single_x(data))
        f.draw_y_axis(labels, tick_pos)
        owner, code, sids = f.series_cells(data)
        ref_labels = f.draw_references(refs, owner)
        marker_cols = f.draw_markers(self._markers(), owner)
        f.put_series(owner, code, sids)
        f.draw_labels(ref_labels, marker_cols)
        f.draw_x_axis()
        return cv.to_strips()

    # ------------------------------------------------------------------ drawing steps

    def _plot_data(self) -> list[tuple[_Series, np.ndarray, np.ndarray, float]]:
        """(series, xs, plot-space ys, last value in the unit) per series, finite points."""
        data = []
        for s in self._series.values():
            xs, ys = self._arrays(s)
            if len(xs) == 0:
                data.append((s, xs, ys, math.nan))
                continue
            if s.smooth > 0 and len(ys) > 2:  # the raw curve faint, under the smoothed one
                faint = _Series(dimmed(s.color), s.label, behind=True, legend=False)
                data.append(self._finite(faint, xs, ys))
                ys = s.smoothed_ys(ys)
            data.append(self._finite(s, xs, ys))
        return data

    def _finite(self, s: _Series, xs: np.ndarray, ys: np.ndarray) -> tuple:
        """(series, xs, plot-space ys, last value in the unit) of the drawable points."""
        d = self._display(ys)
        ok = np.isfinite(d) & np.isfinite(xs)
        last = float(convert_nats(ys[-1], self.unit)) if len(ys) else math.nan
        if not ok.all():
            xs, d = xs[ok], d[ok]
        return s, xs, d, last

    def _plot_refs(self) -> list[tuple[str, float, float, str]]:
        """(name, value in the unit, plot-space value, colour) of the drawable references."""
        refs = []
        for name, (v, color) in self._refs.items():
            pv = self._display(np.array([v]))[0]
            if math.isfinite(pv):
                refs.append((name, float(convert_nats(v, self.unit)), pv, color))
        return refs

    def _draw_legend(self, cv: Canvas, data, rows: int) -> int:
        """The title, each listed series with its last value, and the unit and scale on the
        right of row 0; wrapped onto up to `rows` rows. Returns the rows used."""
        x = cv.text(0, 0, safe_label(self.title) + " " if self.title else "",
                    cv.style(Style(bold=True)))
        y, row0_end = 0, None
        for s, _xs, _ys, last in data:
            if not s.legend:
                continue
            val = fmt_num(last) if math.isfinite(last) else "–"
            text = f"{safe_label(s.label)} {val}  "
            if rows > 1 and x > 0 and x + len(text) + 1 > cv.width and y + 1 < rows:
                row0_end = x if y == 0 else row0_end
                x, y = 0, y + 1
            x = cv.text(x, y, "┅ " if s.dotted else "━ ", cv.style(Style(color=s.color)))
            x = cv.text(x, y, text, 0)
        tag = f"{self.unit_label} · {self.scale}" + (" · by time" if self.x_unit == "time" else "")
        room = cv.width - (x if row0_end is None else row0_end)
        if any(s.smooth > 0 and s.legend for s, *_ in data) and len(tag) + 11 < room:
            tag += " · smoothed"  # (said when it fits; the unit and scale matter more)
        if len(tag) < room:
            cv.text(cv.width - len(tag), 0, tag, cv.style(Style(dim=True)))
        return y + 1

    def _single_x(self, data) -> float | None:
        """The one x every point has (a chart of one step), else None."""
        xs = [a for _s, a, _d, _l in data if len(a)]
        lo, hi = min(float(a[0]) for a in xs), max(float(a[-1]) for a in xs)
        return lo if lo == hi else None

    def _markers(self) -> list[tuple[float, str]]:
        return list(zip(np.frombuffer(self._markers_x, dtype=np.float64).tolist(),
                        self._markers_label)) if len(self._markers_x) else []

    def _x_range(self, data) -> tuple[float, float]:
        all_x = [a for _s, a, _d, _l in data if len(a)]
        x0 = min(float(a[0]) for a in all_x)
        x1 = max(float(a[-1]) for a in all_x)
        if len(self._markers_x) and x1 > x0:
            # markers only widen the range forwards (a change at the current step).
            x1 = max(x1, float(np.frombuffer(self._markers_x, dtype=np.float64).max()))
        if x1 <= x0:
            x0, x1 = x0 - 0.5, x0 + 0.5
        return x0, x1

    def _y_ticks(self, y0: float, y1: float) -> tuple[float, float, list[float], list[float]]:
        """Tick values (in the unit) and their plot-space positions; the log axis clamps."""
        if self.scale != "log":
            ticks = nice_ticks(y0, y1, 4)
            return y0, y1, ticks, ticks
        y0, y1 = max(y0, -300.0), min(y1, 300.0)
        lo_v, hi_v = 10**y0, 10**y1
        if y1 - y0 >= 1.0:
            ticks = [10.0**k * m for k in range(math.floor(y0), math.ceil(y1) + 1)
                     for m in (1, 2, 5)]
            ticks = [t for t in ticks if lo_v <= t <= hi_v]
            while len(ticks) > 5:
                ticks = ticks[::2]
        else:
            ticks = [t for t in nice_ticks(lo_v, hi_v, 4) if t > 0]
        return y0, y1, ticks, [math.log10(t) for t in ticks]
