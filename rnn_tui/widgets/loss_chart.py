"""LossChart: a fast multi-series braille line chart for training curves."""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass, field

import numpy as np
from rich.style import Style
from textual.reactive import reactive
from textual.strip import Strip

from ._common import SERIES_COLORS, Canvas, CachedLinesWidget, fmt_num, fmt_step, nice_ticks, safe_label
from .curve_math import SCALES, UNITS, bin_columns, convert_nats, scale_values

# Braille dot bits: [dot row 0..3][dot column 0..1]
_BRAILLE_BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.uint32)


@dataclass
class _Series:
    color: str
    label: str
    xs: array = field(default_factory=lambda: array("d"))
    ys: array = field(default_factory=lambda: array("d"))
    sorted: bool = True


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

    def __init__(self, *, title: str = "", name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.title = title
        self.per_token = ""  # what one token of the loss is ("word": "nats/word"), if said
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

    def set_series_style(self, series: str, color: str, label: str) -> None:
        """Set the colour (any Rich/Textual colour string) and legend label of a series."""
        s = self._get_series(series)
        s.color = color
        s.label = label
        self.invalidate()

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
        """The unit as shown: "nats", or "nats/word" once per_token says what a token is."""
        return f"{self.unit}/{self.per_token}" if self.per_token else self.unit

    def validate_unit(self, value: str) -> str:
        return value if value in UNITS else "nats"

    def watch_scale(self) -> None:
        self.invalidate()

    def watch_unit(self) -> None:
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
        dim = cv.style(Style(dim=True))
        unit, scale = self.unit, self.scale

        # ---- data in plot space
        data = []
        for s in self._series.values():
            xs, ys = self._arrays(s)
            if len(xs) == 0:
                data.append((s, xs, ys, math.nan))
                continue
            d = self._display(ys)
            ok = np.isfinite(d) & np.isfinite(xs)
            last = float(convert_nats(ys[-1], unit)) if len(ys) else math.nan
            if not ok.all():
                xs, d = xs[ok], d[ok]
            data.append((s, xs, d, last))
        refs = []
        for name, (v, color) in self._refs.items():
            pv = self._display(np.array([v]))[0]
            if math.isfinite(pv):
                refs.append((name, float(convert_nats(v, unit)), pv, color))

        # ---- legend (row 0)
        x = cv.text(0, 0, safe_label(self.title) + " " if self.title else "", cv.style(Style(bold=True)))
        for s, _xs, _ys, last in data:
            sid = cv.style(Style(color=s.color))
            x = cv.text(x, 0, "━ ", sid)
            val = fmt_num(last) if math.isfinite(last) else "–"
            x = cv.text(x, 0, f"{safe_label(s.label)} {val}  ", 0)
        tag = f"{self.unit_label} · {scale}"
        if x + len(tag) < width:
            cv.text(width - len(tag), 0, tag, dim)

        if height < 4 or width < 12:
            return cv.to_strips()

        plot_top = 1
        plot_h = height - 3  # legend, axis line, x labels
        all_x = [a for _s, a, _d, _l in data if len(a)]
        all_y = [d for _s, _a, d, _l in data if len(d)]
        if not all_x:
            msg = "no data yet"
            cv.text(max(0, (width - len(msg)) // 2), plot_top + plot_h // 2, msg, dim)
            return cv.to_strips()

        x0 = min(float(a[0]) for a in all_x)
        x1 = max(float(a[-1]) for a in all_x)
        if len(self._markers_x):
            mx = np.frombuffer(self._markers_x, dtype=np.float64)
            if x1 > x0:
                # markers only widen the range forwards (a change at the current step).
                x1 = max(x1, float(mx.max()))
        if x1 <= x0:
            x0, x1 = x0 - 0.5, x0 + 0.5
        y0 = min(float(d.min()) for d in all_y)
        y1 = max(float(d.max()) for d in all_y)
        for _n, _v, pv, _c in refs:
            y0, y1 = min(y0, pv), max(y1, pv)
        if y1 <= y0:
            pad = abs(y0) * 0.05 or 0.5
            y0, y1 = y0 - pad, y1 + pad
        else:
            pad = (y1 - y0) * 0.04
            y0, y1 = y0 - pad, y1 + pad

        # ---- y ticks (in display units)
        if scale == "log":
            y0, y1 = max(y0, -300.0), min(y1, 300.0)
            lo_v, hi_v = 10**y0, 10**y1
            if y1 - y0 >= 1.0:
                ticks = [10.0**k * m for k in range(math.floor(y0), math.ceil(y1) + 1) for m in (1, 2, 5)]
                ticks = [t for t in ticks if lo_v <= t <= hi_v]
                while len(ticks) > 5:
                    ticks = ticks[::2]
            else:
                ticks = [t for t in nice_ticks(lo_v, hi_v, 4) if t > 0]
            tick_pos = [math.log10(t) for t in ticks]
        else:
            ticks = nice_ticks(y0, y1, 4)
            tick_pos = ticks
        labels = [fmt_num(t) for t in ticks]
        axis_w = max([len(lb) for lb in labels] + [3]) + 1
        pw = width - axis_w  # plot width in cells
        if pw < 4 or plot_h < 1:
            return cv.to_strips()
        rows4 = plot_h * 4
        cols2 = pw * 2

        def y_to_dot(v):  # plot-space value -> dot row (0 = top)
            return np.clip(((y1 - v) / (y1 - y0) * (rows4 - 1) + 0.5).astype(np.int64), 0, rows4 - 1)

        axis_sid = dim
        for t_label, tp in zip(labels, tick_pos):
            r = int(y_to_dot(np.array([tp]))[0]) // 4
            cv.text(axis_w - 1 - len(t_label), plot_top + r, t_label, axis_sid)
            cv.text(axis_w - 1, plot_top + r, "┤", axis_sid)
        for r in range(plot_h):
            if cv.chars[plot_top + r, axis_w - 1] == 32:
                cv.text(axis_w - 1, plot_top + r, "│", axis_sid)

        # ---- series -> braille
        bits = np.zeros((rows4, cols2), dtype=bool)
        cell_owner = np.full((plot_h, pw), -1, dtype=np.int32)
        cell_code = np.zeros((plot_h, pw), dtype=np.uint32)
        series_sids = []
        rows_idx = np.arange(rows4)[:, None]
        weights = _BRAILLE_BITS  # (4, 2)
        for k, (s, xs, d, _last) in enumerate(data):
            series_sids.append(cv.style(Style(color=s.color)))
            if len(xs) == 0:
                continue
            cols, lo, hi, last = bin_columns(xs, d, x0, x1, cols2)
            lo_r = y_to_dot(hi)  # higher value -> smaller row index
            hi_r = y_to_dot(lo)
            last_r = y_to_dot(last)
            # connect to the previous occupied column
            if len(cols) > 1:
                adj = np.diff(cols) == 1
                prev = np.where(adj, last_r[:-1], lo_r[1:])
                lo_r[1:] = np.minimum(lo_r[1:], prev)
                hi_r[1:] = np.maximum(hi_r[1:], np.where(adj, last_r[:-1], hi_r[1:]))
            bits[:] = False
            mask = (rows_idx >= lo_r[None, :]) & (rows_idx <= hi_r[None, :])
            bits[:, cols] = mask
            # vertical gap between two occupied columns far apart: fill the empty columns between
            if len(cols) > 1:
                gaps = np.flatnonzero(np.diff(cols) > 1)
                for g in gaps.tolist():
                    ca, cb = int(cols[g]), int(cols[g + 1])
                    ra, rb = int(last_r[g]), int(last_r[g + 1])
                    n = cb - ca
                    for j in range(1, n):
                        rr = int(round(ra + (rb - ra) * j / n))
                        bits[rr, ca + j] = True
            code = (bits.reshape(plot_h, 4, pw, 2) * weights[None, :, None, :]).sum(axis=(1, 3)).astype(np.uint32)
            has = code > 0
            cell_code[has] |= code[has]
            cell_owner[has] = k

        # ---- reference lines (dashed, under the series)
        ref_labels = []
        for name, v_disp, pv, color in refs:
            r = int(y_to_dot(np.array([pv]))[0])
            cell_r, sub = divmod(r, 4)
            bit = int(weights[sub, 0] | weights[sub, 1])
            sid = cv.style(Style(color=color))
            for c in range(0, pw, 2):
                if cell_owner[cell_r, c] < 0:
                    cv.chars[plot_top + cell_r, axis_w + c] = 0x2800 + bit
                    cv.sids[plot_top + cell_r, axis_w + c] = sid
            ref_labels.append((cell_r, f"{safe_label(name)} {fmt_num(v_disp)}", sid))

        # ---- markers (thin vertical line, label on the top row)
        marker_cols = []
        if len(self._markers_x):
            msid = cv.style(Style(color="#b39ddb"))
            for mx, ml in zip(np.frombuffer(self._markers_x, dtype=np.float64).tolist(), self._markers_label):
                if not (x0 <= mx <= x1) or not math.isfinite(mx):
                    continue
                dc = int((mx - x0) / (x1 - x0) * (cols2 - 1) + 0.5)
                c, sub = divmod(dc, 2)
                bit = 0x47 if sub == 0 else 0xB8
                for r in range(plot_h):
                    if cell_owner[r, c] < 0:
                        cv.chars[plot_top + r, axis_w + c] = 0x2800 + bit
                        cv.sids[plot_top + r, axis_w + c] = msid
                marker_cols.append((c, ml, msid))

        # ---- series cells
        ys_, xs_ = np.nonzero(cell_owner >= 0)
        if len(ys_):
            cv.chars[plot_top + ys_, axis_w + xs_] = 0x2800 + cell_code[ys_, xs_]
            sid_table = np.array(series_sids, dtype=np.int32)
            cv.sids[plot_top + ys_, axis_w + xs_] = sid_table[cell_owner[ys_, xs_]]

        # ---- labels drawn over the plot
        used_rows: set[int] = set()
        for cell_r, text, sid in sorted(ref_labels):
            r = cell_r
            while r in used_rows and r > 0:
                r -= 1
            used_rows.add(r)
            cv.text(width - len(text), plot_top + r, text, sid)
        marker_cols.sort()
        for i, (c, ml, msid) in enumerate(marker_cols):
            limit = marker_cols[i + 1][0] if i + 1 < len(marker_cols) else pw
            cv.text(axis_w + c, plot_top, "▏" + safe_label(ml), msid, x_max=axis_w + limit)

        # ---- x axis
        ax_row = plot_top + plot_h
        cv.text(axis_w - 1, ax_row, "└", axis_sid)
        cv.fill(axis_w, width, ax_row, "─", axis_sid)
        nx = max(2, min(6, pw // 12))
        xt = nice_ticks(x0, x1, nx)
        last_end = axis_w - 1
        for t in xt:
            c = int((t - x0) / (x1 - x0) * (pw - 1) + 0.5)
            lab = fmt_step(t)
            start = min(max(axis_w + c - len(lab) // 2, last_end + 1), width - len(lab))
            if start <= last_end or start < 0:
                continue
            cv.text(axis_w + c, ax_row, "┬", axis_sid)
            cv.text(start, ax_row + 1, lab, axis_sid)
            last_end = start + len(lab)
        return cv.to_strips()
