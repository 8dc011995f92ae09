"""The plot area of a LossChart build: axes, series as braille lines, reference lines,
markers and their labels, drawn onto a Canvas (rnn_tui/widgets/canvas.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from rich.style import Style

from rnn_tui.format import fmt_duration

from .canvas import Canvas, fmt_num, fmt_step, nice_ticks, safe_label
from .curve_math import bin_columns

# Braille dot bits: [dot row 0..3][dot column 0..1]
_BRAILLE_BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.uint32)


def y_range(data, refs) -> tuple[float, float]:
    """The plot-space y range of every series and reference, padded by 4%."""
    all_y = [d for _s, _a, d, _l in data if len(d)]
    y0 = min(float(d.min()) for d in all_y)
    y1 = max(float(d.max()) for d in all_y)
    for _n, _v, pv, _c in refs:
        y0, y1 = min(y0, pv), max(y1, pv)
    if y1 <= y0:
        pad = abs(y0) * 0.05 or 0.5
        return y0 - pad, y1 + pad
    pad = (y1 - y0) * 0.04
    return y0 - pad, y1 + pad


@dataclass
class PlotFrame:
    """The plot area of one build: a canvas, where the plot sits, and its data ranges."""

    cv: Canvas
    top: int  # canvas row of the plot's first row
    h: int  # plot rows
    axis_w: int  # columns of the y axis (labels and the axis line)
    pw: int  # plot columns
    x0: float
    x1: float
    y0: float
    y1: float
    x_unit: str = "step"  # "step" (whole numbers) or "time" (seconds, ticks as m:ss)
    single_x: float | None = None  # every point at this x (one step): one tick, there

    @property
    def rows4(self) -> int:
        return self.h * 4

    @property
    def cols2(self) -> int:
        return self.pw * 2

    @property
    def dim(self) -> int:
        return self.cv.style(Style(dim=True))

    def y_to_dot(self, v: np.ndarray) -> np.ndarray:
        """Plot-space values -> braille dot rows (0 = top)."""
        r4 = self.rows4
        return np.clip(((self.y1 - v) / (self.y1 - self.y0) * (r4 - 1) + 0.5).astype(np.int64),
                       0, r4 - 1)

    def draw_y_axis(self, labels: list[str], tick_pos: list[float]) -> None:
        cv, dim, aw = self.cv, self.dim, self.axis_w
        for t_label, tp in zip(labels, tick_pos):
            r = int(self.y_to_dot(np.array([tp]))[0]) // 4
            cv.text(aw - 1 - len(t_label), self.top + r, t_label, dim)
            cv.text(aw - 1, self.top + r, "┤", dim)
        for r in range(self.h):
            if cv.chars[self.top + r, aw - 1] == 32:
                cv.text(aw - 1, self.top + r, "│", dim)

    def series_cells(self, data) -> tuple[np.ndarray, np.ndarray, list[int]]:
        """Which series owns each plot cell (-1: none), its braille bits, the series styles."""
        owner = np.full((self.h, self.pw), -1, dtype=np.int32)
        code = np.zeros((self.h, self.pw), dtype=np.uint32)
        sids = [self.cv.style(Style(color=s.color)) for s, _xs, _d, _l in data]
        # series drawn `behind` go first: the others overwrite them where they meet
        order = sorted(range(len(data)), key=lambda k: not data[k][0].behind)
        for k in order:
            s, xs, d, _last = data[k]
            if len(xs) == 0:
                continue
            c = self.series_code(xs, d, dotted=s.dotted)
            has = c > 0
            code[has] = np.where(owner[has] >= 0, code[has] | c[has], c[has]) \
                if s.dotted else code[has] | c[has]
            owner[has] = k
        return owner, code, sids

    def series_code(self, xs: np.ndarray, d: np.ndarray, dotted: bool = False) -> np.ndarray:
        """One series as braille bits per cell: min..max per dot column, joined up."""
        bits = np.zeros((self.rows4, self.cols2), dtype=bool)
        cols, lo, hi, last = bin_columns(xs, d, self.x0, self.x1, self.cols2)
        lo_r = self.y_to_dot(hi)  # higher value -> smaller row index
        hi_r = self.y_to_dot(lo)
        last_r = self.y_to_dot(last)
        # connect to the previous occupied column
        if len(cols) > 1:
            adj = np.diff(cols) == 1
            prev = np.where(adj, last_r[:-1], lo_r[1:])
            lo_r[1:] = np.minimum(lo_r[1:], prev)
            hi_r[1:] = np.maximum(hi_r[1:], np.where(adj, last_r[:-1], hi_r[1:]))
        rows_idx = np.arange(self.rows4)[:, None]
        bits[:, cols] = (rows_idx >= lo_r[None, :]) & (rows_idx <= hi_r[None, :])
        # vertical gap between two occupied columns far apart: fill the empty columns between
        if len(cols) > 1:
            for g in np.flatnonzero(np.diff(cols) > 1).tolist():
                ca, cb = int(cols[g]), int(cols[g + 1])
                ra, rb = int(last_r[g]), int(last_r[g + 1])
                n = cb - ca
                for j in range(1, n):
                    bits[int(round(ra + (rb - ra) * j / n)), ca + j] = True
        if dotted:  # dashes: one cell drawn, one left out
            bits.reshape(self.rows4, self.pw, 2)[:, 1::2, :] = False
        return (bits.reshape(self.h, 4, self.pw, 2) * _BRAILLE_BITS[None, :, None, :]
                ).sum(axis=(1, 3)).astype(np.uint32)

    def draw_references(self, refs, owner: np.ndarray) -> list[tuple[int, str, int]]:
        """Dashed lines under the series; returns their labels (row, text, style)."""
        cv, labels = self.cv, []
        for name, v_disp, pv, color in refs:
            r = int(self.y_to_dot(np.array([pv]))[0])
            cell_r, sub = divmod(r, 4)
            bit = int(_BRAILLE_BITS[sub, 0] | _BRAILLE_BITS[sub, 1])
            sid = cv.style(Style(color=color))
            for c in range(0, self.pw, 2):
                if owner[cell_r, c] < 0:
                    cv.chars[self.top + cell_r, self.axis_w + c] = 0x2800 + bit
                    cv.sids[self.top + cell_r, self.axis_w + c] = sid
            labels.append((cell_r, f"{safe_label(name)} {fmt_num(v_disp)}", sid))
        return labels

    def draw_markers(self, markers, owner: np.ndarray) -> list[tuple[int, str, int]]:
        """Thin vertical lines at the markers' steps; returns (column, label, style)."""
        cv, cols = self.cv, []
        if not markers:
            return cols
        msid = cv.style(Style(color="#b39ddb"))
        for mx, ml in markers:
            if not (self.x0 <= mx <= self.x1) or not math.isfinite(mx):
                continue
            dc = int((mx - self.x0) / (self.x1 - self.x0) * (self.cols2 - 1) + 0.5)
            c, sub = divmod(dc, 2)
            bit = 0x47 if sub == 0 else 0xB8
            for r in range(self.h):
                if owner[r, c] < 0:
                    cv.chars[self.top + r, self.axis_w + c] = 0x2800 + bit
                    cv.sids[self.top + r, self.axis_w + c] = msid
            cols.append((c, ml, msid))
        return cols

    def put_series(self, owner: np.ndarray, code: np.ndarray, sids: list[int]) -> None:
        ys_, xs_ = np.nonzero(owner >= 0)
        if len(ys_):
            self.cv.chars[self.top + ys_, self.axis_w + xs_] = 0x2800 + code[ys_, xs_]
            self.cv.sids[self.top + ys_, self.axis_w + xs_] = \
                np.array(sids, dtype=np.int32)[owner[ys_, xs_]]

    def draw_labels(self, ref_labels, marker_cols) -> None:
        """The references' labels at the right, the markers' along the top row - where a
        reference's label is on that row, a marker's label stops short of it."""
        cv, used_rows = self.cv, set()
        top_row_start = cv.width  # where a reference label begins on the top row
        for cell_r, text, sid in sorted(ref_labels):
            r = cell_r
            while r in used_rows and r > 0:
                r -= 1
            used_rows.add(r)
            cv.text(cv.width - len(text), self.top + r, text, sid)
            if r == 0:
                top_row_start = min(top_row_start, cv.width - len(text))
        # Markers closer than a short label: the latest one's label stands for the group
        # ("+2": two earlier changes there), so labels never overprint into "temp▏▏▏".
        shown: list[tuple[int, str, int]] = []
        for c, ml, msid in sorted(marker_cols, key=lambda m: m[0]):
            if shown and c - shown[-1][0] < MIN_LABEL:
                shown[-1] = (shown[-1][0], ml, shown[-1][2] + 1)
                continue
            shown.append((c, ml, 0))
        msid = marker_cols[0][2] if marker_cols else 0
        for i, (c, ml, merged) in enumerate(shown):
            limit = shown[i + 1][0] if i + 1 < len(shown) else self.pw
            end = min(self.axis_w + limit, top_row_start - 1)
            label = safe_label(ml) + (f" +{merged}" if merged else "")
            if self.axis_w + c < end:
                cv.text(self.axis_w + c, self.top, "▏" + label, msid, x_max=end)

    def draw_x_axis(self) -> None:
        cv, dim, aw = self.cv, self.dim, self.axis_w
        ax_row = self.top + self.h
        cv.text(aw - 1, ax_row, "└", dim)
        cv.fill(aw, cv.width, ax_row, "─", dim)
        last_end = aw - 1
        for t in self.x_ticks():
            c = int((t - self.x0) / (self.x1 - self.x0) * (self.pw - 1) + 0.5)
            lab = fmt_step(t) if self.x_unit == "step" else fmt_duration(t)
            start = min(max(aw + c - len(lab) // 2, last_end + 1), cv.width - len(lab))
            if start <= last_end or start < 0:
                continue
            cv.text(aw + c, ax_row, "┬", dim)
            cv.text(start, ax_row + 1, lab, dim)
            last_end = start + len(lab)

    def x_ticks(self) -> list[float]:
        """Whole steps (one tick for a one-step chart), or round spans of time."""
        count = max(2, min(6, self.pw // 12))
        if self.single_x is not None:
            return [self.single_x]
        if self.x_unit == "time":
            return time_ticks(self.x0, self.x1, count)
        ticks = nice_ticks(self.x0, self.x1, count)
        return [t for t in ticks if t == int(t)] if self.x1 - self.x0 >= 1 else ticks


MIN_LABEL = 6  # columns a marker's label needs to say anything ("▏lr=1e")


TIME_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400)


def time_ticks(lo: float, hi: float, count: int) -> list[float]:
    """Ticks for seconds lo..hi at a round span (10 s, 30 s, 1 min, 5 min, ...)."""
    raw = (hi - lo) / max(1, count)
    step = next((t for t in TIME_STEPS if t >= raw), TIME_STEPS[-1])
    first = math.ceil(lo / step) * step
    return [float(first + k * step) for k in range(int((hi - first) // step) + 1)][:20]
