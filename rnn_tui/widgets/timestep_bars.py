"""TimestepBars: per-timestep gradient norms as vertical bars on a log10 scale."""

from __future__ import annotations

import math

import numpy as np
from rich.style import Style
from textual.strip import Strip

from .canvas import Canvas, CachedLinesWidget, fmt_num, safe_label

_EIGHTHS = " ▁▂▃▄▅▆▇█"


def bin_log_norms(norms, ncols: int) -> np.ndarray:
    """log10 of the norms, averaged (geometric mean) into at most ncols bins.

    Zero, negative, NaN and inf values are ignored; a bin with none left is NaN.
    """
    v = np.asarray(norms, dtype=np.float64).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        lv = np.where((v > 0) & np.isfinite(v), np.log10(np.where(v > 0, v, 1.0)), np.nan)
    n = len(lv)
    if n <= ncols or ncols <= 0:
        return lv
    edges = (np.arange(ncols + 1) * n) // ncols
    ok = ~np.isnan(lv)
    s = np.add.reduceat(np.where(ok, lv, 0.0), edges[:-1])
    c = np.add.reduceat(ok.astype(np.int64), edges[:-1])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(c > 0, s / np.maximum(c, 1), np.nan)


class TimestepBars(CachedLinesWidget):
    """||dL_T/dh_t|| per timestep t as vertical bars on a log10 axis (oldest timestep left).

    More timesteps than columns are binned (geometric mean); zero/NaN norms draw as empty.
    """

    DEFAULT_CSS = """
    TimestepBars {
        height: 1fr;
        min-height: 5;
    }
    """

    def __init__(self, *, color: str = "#4fc3f7", name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.color = color
        self._norms = np.zeros(0)
        self._title = ""
        self.index_name = "t"  # the x axis: timestep t (language model), position j (seq2seq)

    def update_norms(self, norms: list[float], title: str = "", index_name: str = "t") -> None:
        """Replace the norms (index 0 = oldest timestep t=0, last = t=T-1)."""
        self.index_name = index_name
        try:
            self._norms = np.asarray(list(norms), dtype=np.float64).ravel()
        except (TypeError, ValueError):
            self._norms = np.zeros(0)
        self._title = title
        self.invalidate()

    @property
    def norms(self) -> np.ndarray:
        return self._norms

    def build_lines(self, width: int, height: int, base: Style) -> list[Strip]:
        cv = Canvas(width, height, base)
        dim = cv.style(Style(dim=True))
        T = len(self._norms)
        title = safe_label(self._title or "‖∂L_T/∂h_t‖ per timestep")
        lv_all = bin_log_norms(self._norms, 0)
        finite = lv_all[~np.isnan(lv_all)]
        info = ""
        if len(finite):
            lo, hi = fmt_num(10 ** finite.min()), fmt_num(10 ** finite.max())
            info = f"  max {hi}  min {lo}  log10"
            if len(title) + len(info) > width:  # the numbers matter more than the title's end
                info = f" max {hi} min {lo}"
        if len(title) + len(info) > width:
            title = title[:max(0, width - len(info) - 1)] + "…"
        x = cv.text(0, 0, title, cv.style(Style(bold=True)))
        cv.text(x, 0, info, dim)
        if height < 4 or width < 10:
            return cv.to_strips()
        plot_h = height - 3
        if not len(finite):
            msg = "no gradient norms yet" if T == 0 else "all norms zero / NaN"
            cv.text(max(0, (width - len(msg)) // 2), 1 + plot_h // 2, msg, dim)
            return cv.to_strips()
        lo, hi, decades = _decades(finite, plot_h)
        labels = [f"1e{d}" for d in decades]
        axis_w = max(len(lb) for lb in labels) + 1
        pw = width - axis_w
        if pw < 2:
            return cv.to_strips()
        lv = bin_log_norms(self._norms, pw)
        bw = max(1, pw // len(lv))
        self._draw_bars(cv, lv, lo, hi, plot_h, axis_w, bw)
        for d, lab in zip(decades, labels):
            r = 1 + int(round((hi - d) / (hi - lo) * (plot_h - 1)))
            cv.text(axis_w - 1 - len(lab), r, lab, dim)
            cv.text(axis_w - 1, r, "┤", dim)
        for r in range(1, 1 + plot_h):
            if cv.chars[r, axis_w - 1] == 32:
                cv.text(axis_w - 1, r, "│", dim)
        self._draw_x_axis(cv, 1 + plot_h, axis_w, min(pw, len(lv) * bw), dim)
        return cv.to_strips()

    def _draw_bars(self, cv: Canvas, lv: np.ndarray, lo: int, hi: int, plot_h: int,
                   axis_w: int, bw: int) -> None:
        """One bar per bin, in eighths of a cell, bw columns wide (a gap when wide)."""
        gap = 1 if bw >= 3 else 0
        eighths = plot_h * 8
        heights = np.where(np.isnan(lv), 0, np.clip(((lv - lo) / (hi - lo) * eighths + 0.5), 1,
                                                     eighths)).astype(int)
        bar_sid = cv.style(Style(color=self.color))
        for i, h in enumerate(heights.tolist()):
            if h <= 0:
                continue
            c0 = axis_w + i * bw
            c1 = c0 + bw - gap
            full, rem = divmod(h, 8)
            for r in range(full):
                cv.fill(c0, c1, plot_h - r, "█", bar_sid)
            if rem and full < plot_h:
                cv.fill(c0, c1, plot_h - full, _EIGHTHS[rem], bar_sid)

    def _draw_x_axis(self, cv: Canvas, ax: int, axis_w: int, used: int, dim: int) -> None:
        """The axis line and the first, last (and middle) index under it: t=0 … t=T-1."""
        T, i = len(self._norms), self.index_name
        cv.text(axis_w - 1, ax, "└", dim)
        cv.fill(axis_w, cv.width, ax, "─", dim)
        left = f"{i}=0"
        right = f"{i}={T - 1}"
        cv.text(axis_w, ax + 1, left, dim)
        if T <= 1:
            return
        cv.text(max(axis_w + len(left) + 1, axis_w + used - len(right)), ax + 1, right, dim)
        if T > 2 and used >= 30:
            mid_t = T // 2
            mid = f"{i}={mid_t}"
            c = axis_w + int(mid_t / T * used)
            if c - len(mid) // 2 > axis_w + len(left) + 1 and \
                    c + len(mid) < axis_w + used - len(right) - 1:
                cv.text(c - len(mid) // 2, ax + 1, mid, dim)


def _decades(finite: np.ndarray, plot_h: int) -> tuple[int, int, list[int]]:
    """The log10 axis: (low, high, the labelled decades, high first), at most ~plot_h/2 + 1."""
    lo = math.floor(float(finite.min()))
    hi = math.ceil(float(finite.max()))
    if hi <= lo:
        lo, hi = lo - 1, hi + 1
    step = max(1, math.ceil((hi - lo) / max(1, min(4, plot_h // 2 or 1))))
    lo = hi - step * math.ceil((hi - lo) / step)
    return lo, hi, list(range(hi, lo - 1, -step))
