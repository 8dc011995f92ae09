"""Heatmap: a matrix of colour cells (viridis) with labels and a colour-scale legend."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from rich.style import Style
from textual.strip import Strip

from .canvas import SHADES, VIRIDIS, Canvas, CachedLinesWidget, fmt_num, safe_label


def normalise(matrix: np.ndarray, log: bool = False, vmin: float | None = None, vmax: float | None = None):
    """Values -> [0, 1] (NaN where missing/invalid). Returns (t, lo, hi) with lo/hi in value space."""
    m = np.asarray(matrix, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if log:
            v = np.where(m > 0, np.log10(np.where(m > 0, m, 1.0)), np.nan)
        else:
            v = m.copy()
    v[~np.isfinite(v)] = np.nan
    fin = v[~np.isnan(v)]

    def tr(x):
        if x is None:
            return None
        x = float(x)
        if log:
            return math.log10(x) if x > 0 else None
        return x if math.isfinite(x) else None

    lo, hi = tr(vmin), tr(vmax)
    if lo is None:
        lo = float(fin.min()) if len(fin) else 0.0
    if hi is None:
        hi = float(fin.max()) if len(fin) else 1.0
    if hi <= lo:
        hi = lo + 1.0 if not len(fin) or fin.max() == fin.min() else hi
        if hi <= lo:
            hi = lo + 1.0
    with np.errstate(invalid="ignore"):
        t = np.clip((v - lo) / (hi - lo), 0.0, 1.0)
    back = (lambda x: 10**x) if log else (lambda x: x)
    return t, back(lo), back(hi)


class Heatmap(CachedLinesWidget):
    """Coloured matrix: 2 columns per cell when it fits, else 1; cropped with "…" beyond that.

    Used for gradient history (``append_row``, newest row at the bottom) and attention grids.
    scale_rows=N: the colour scale spans the newest half of the rows (5 to N), so early
    outlier rows (an untrained net's 1e-19 gradient) do not flatten every later row into
    one colour; older rows outside that range take the end colours. fit_cols: columns that do not fit
    are averaged in groups (in log space when the scale is) instead of cropped.
    """

    DEFAULT_CSS = """
    Heatmap {
        height: 1fr;
        min-height: 4;
    }
    """

    def __init__(self, *, cmap: list[str] | None = None, scale_rows: int | None = None,
                 fit_cols: bool = False, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.cmap = cmap or VIRIDIS
        self.scale_rows = scale_rows
        self.fit_cols = fit_cols
        self._rows: list[np.ndarray] = []
        self._row_labels: list[str] | None = None
        self._col_labels: list[str] | None = None
        self._log = False
        self._vmin: float | None = None
        self._vmax: float | None = None
        self._title = ""
        self._tail = False

    # ------------------------------------------------------------------ data API

    def set_matrix(
        self,
        matrix: list[list[float]],
        row_labels: list[str] | None = None,
        col_labels: list[str] | None = None,
        log: bool = False,
        vmin: float | None = None,
        vmax: float | None = None,
        title: str = "",
        keep_last_rows: bool = False,
    ) -> None:
        """Replace the matrix. Ragged rows are padded with NaN. When rows do not fit, the first
        rows are shown (or the last ones with keep_last_rows=True)."""
        rows = []
        for r in matrix if matrix is not None else []:
            try:
                rows.append(np.asarray(list(r), dtype=np.float64).ravel())
            except (TypeError, ValueError):
                rows.append(np.zeros(0))
        self._rows = rows
        self._row_labels = [str(x) for x in row_labels] if row_labels is not None else None
        self._col_labels = [str(x) for x in col_labels] if col_labels is not None else None
        self._log, self._vmin, self._vmax, self._title = log, vmin, vmax, title
        self._tail = keep_last_rows
        self.invalidate()

    def append_row(self, row: list[float], label: str = "", max_rows: int = 200) -> None:
        """Append a row at the bottom (e.g. one step of gradient history), keeping max_rows.
        A heatmap fed by append_row shows its newest rows when they do not all fit."""
        try:
            arr = np.asarray(list(row), dtype=np.float64).ravel()
        except (TypeError, ValueError):
            arr = np.zeros(0)
        if self._row_labels is None:
            self._row_labels = [""] * len(self._rows)
        self._rows.append(arr)
        self._row_labels.append(str(label))
        if max_rows > 0 and len(self._rows) > max_rows:
            cut = len(self._rows) - max_rows
            del self._rows[:cut]
            del self._row_labels[:cut]
        self._tail = True
        self.invalidate()

    def configure(self, *, log: bool | None = None, vmin: float | None = None, vmax: float | None = None,
                  title: str | None = None, col_labels: list[str] | None = None) -> None:
        """Change display options without replacing the data (handy with append_row)."""
        if log is not None:
            self._log = log
        if vmin is not None:
            self._vmin = vmin
        if vmax is not None:
            self._vmax = vmax
        if title is not None:
            self._title = title
        if col_labels is not None:
            self._col_labels = [str(x) for x in col_labels]
        self.invalidate()

    def clear(self) -> None:
        self._rows = []
        self._row_labels = None
        self.invalidate()

    @property
    def shape(self) -> tuple[int, int]:
        return len(self._rows), max((len(r) for r in self._rows), default=0)

    # ------------------------------------------------------------------ rendering

    def build_lines(self, width: int, height: int, base: Style) -> list[Strip]:
        cv = Canvas(width, height, base)
        dim = cv.style(Style(dim=True))
        nrows, ncols = self.shape
        y = cv.title(self._title)
        if nrows == 0 or ncols == 0:
            cv.text(0, y, "no data yet", dim)
            return cv.to_strips()
        m = np.full((nrows, ncols), np.nan)
        for i, r in enumerate(self._rows):
            m[i, : len(r)] = r
        group = 1
        if self.fit_cols:
            m, group = self._binned(m, width - self._label_width())
        scaled = min(self.scale_rows, max(5, nrows // 2), nrows) if self.scale_rows else nrows
        recent = m[-scaled:]
        _, lo, hi = normalise(recent, self._log, self._vmin, self._vmax)
        t, lo, hi = normalise(m, self._log, lo, hi)
        lay = self._layout(width, height, y, m.shape[1])
        if lay is None:
            cv.text(0, y, "(too small)", dim)
            return cv.to_strips()
        if lay.has_col_labels:
            self._draw_col_labels(cv, lay, y, dim)
            y += 1
        sids = [cv.style(Style(bgcolor=c)) for c in self.cmap] if not self.no_color else []
        y = self._draw_cells(cv, lay, t, y, dim, sids)
        notes = [f"{group} steps/col"] if group > 1 else []
        with np.errstate(invalid="ignore"):  # NaN cells compare False
            past = scaled < nrows and np.any((m[:-scaled] < lo) | (m[:-scaled] > hi))
        if past:  # older rows reach past the scale's ends
            notes.append(f"scale: last {scaled} rows")
        self._draw_legend(cv, lo, hi, m.shape[1] - lay.show_cols, lay.col_cropped, dim, sids,
                          notes)
        return cv.to_strips()

    def _label_width(self) -> int:
        rl = self._row_labels or []
        w = max((len(safe_label(x)[:12]) for x in rl), default=0)
        return w + 1 if w else 0

    def _binned(self, m: np.ndarray, avail: int) -> tuple[np.ndarray, int]:
        """(m with its columns averaged in groups of k so that they fit AVAIL, k)."""
        ncols = m.shape[1]
        if avail <= 0 or ncols <= avail:
            return m, 1
        k = -(-ncols // avail)  # ceil: every group the same width but the last
        pad = np.full((m.shape[0], k * -(-ncols // k) - ncols), np.nan)
        blocks = np.concatenate([m, pad], axis=1).reshape(m.shape[0], -1, k)
        with np.errstate(divide="ignore", invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a group of NaN only: NaN
            if self._log:
                logs = np.where(blocks > 0, np.log10(np.where(blocks > 0, blocks, 1.0)), np.nan)
                return 10 ** np.nanmean(logs, axis=2), k
            return np.nanmean(blocks, axis=2), k

    # ------------------------------------------------------------------ drawing steps

    def _layout(self, width: int, height: int, y: int, ncols: int) -> "_Layout | None":
        """How much of the matrix (of NCOLS columns) fits, and where; None when nothing does."""
        nrows = self.shape[0]
        rl = self._row_labels or []
        rl = [safe_label(x)[:12] for x in rl] + [""] * (nrows - len(rl))
        label_w = self._label_width()
        avail_w = width - label_w
        # 2 columns a cell; one more than the widest short column label when that fits, so
        # two-letter labels stand apart ("NO PU VE", not "NOPUVE")
        short = [len(safe_label(c)) for c in self._col_labels or [] if c]
        wide = max(short) + 1 if short and 2 <= max(short) <= 3 else 2
        cw = wide if ncols * wide <= avail_w else 2 if ncols * 2 <= avail_w else 1
        show_cols = min(ncols, max(0, avail_w // cw))
        col_cropped = show_cols < ncols
        if col_cropped and show_cols > 0:
            show_cols -= 1  # leave a cell for the ellipsis
        cl = self._col_labels
        has_col_labels = bool(cl) and any(cl)
        # rows: title, col labels (optional), matrix rows, legend
        avail_h = height - y - 1 - (1 if has_col_labels else 0)
        if avail_h < 1 or show_cols <= 0:
            return None
        show_rows = min(nrows, avail_h)
        row_cropped = show_rows < nrows
        if row_cropped:
            show_rows = max(1, show_rows - 1)
        r0 = nrows - show_rows if row_cropped and self._tail else 0
        return _Layout(rl, label_w, cw, show_cols, col_cropped, has_col_labels, show_rows,
                       row_cropped, r0)

    def _draw_col_labels(self, cv: Canvas, lay: "_Layout", y: int, dim: int) -> None:
        cl, cw, lw = self._col_labels, lay.cw, lay.label_w
        if all(len(c) <= cw for c in cl):  # one character per column
            for j in range(lay.show_cols):
                lab = safe_label(cl[j]) if j < len(cl) else ""
                cv.text(lw + j * cw, y, lab.rjust(cw) if cw >= 2 else lab, dim)
            return
        x_end = lw - 1
        for j in range(lay.show_cols):
            lab = safe_label(cl[j]) if j < len(cl) else ""
            xs = lw + j * cw
            if lab and xs > x_end + 1 and xs + len(lab) <= lw + lay.show_cols * cw:
                cv.text(xs, y, lab, dim)
                x_end = xs + len(lab)

    def _draw_cells(self, cv: Canvas, lay: "_Layout", t: np.ndarray, y: int, dim: int,
                    sids: list[int]) -> int:
        """The coloured cells with their row labels and ellipses; the row after them."""
        nrows = self.shape[0]
        top_ellipsis = lay.row_cropped and lay.r0 > 0
        if top_ellipsis:
            cv.text(lay.label_w, y, f"⋮ {lay.r0} earlier rows", dim)
            y += 1
        chars, cell_sids = self._cell_glyphs(t[lay.r0: lay.r0 + lay.show_rows,
                                               :lay.show_cols], dim, sids, lay.cw)
        x0, x1 = lay.label_w, lay.label_w + lay.show_cols * lay.cw
        cv.chars[y: y + lay.show_rows, x0:x1] = chars
        cv.sids[y: y + lay.show_rows, x0:x1] = cell_sids
        for i in range(lay.r0, lay.r0 + lay.show_rows):
            cv.text(0, y, lay.rl[i].rjust(lay.label_w - 1) if lay.label_w else "", dim)
            if lay.col_cropped:
                cv.text(x1, y, "…", dim)
            y += 1
        if lay.row_cropped and not top_ellipsis:
            cv.text(lay.label_w, y, f"⋮ {nrows - lay.show_rows} more rows", dim)
            y += 1
        return y

    def _cell_glyphs(self, block_t: np.ndarray, dim: int, sids: list[int], cw: int
                     ) -> tuple[np.ndarray, np.ndarray]:
        """Characters and style ids of a block of cells (vectorised), cw columns each."""
        nan = np.isnan(block_t)
        if self.no_color:
            idx = np.clip((np.nan_to_num(block_t) * (len(SHADES) - 1) + 0.5).astype(np.int64),
                          0, len(SHADES) - 1)
            chars = np.array([ord(c) for c in SHADES], dtype=np.uint32)[idx]
            cell_sids = np.zeros_like(idx, dtype=np.int32)
        else:
            n = len(self.cmap)
            idx = np.clip((np.nan_to_num(block_t) * (n - 1) + 0.5).astype(np.int64), 0, n - 1)
            chars = np.full(idx.shape, 32, dtype=np.uint32)
            cell_sids = np.array(sids, dtype=np.int32)[idx]
        chars[nan] = ord("·")
        cell_sids[nan] = dim
        if cw > 1:
            chars = np.repeat(chars, cw, axis=1)
            cell_sids = np.repeat(cell_sids, cw, axis=1)
            for k in range(cw - 1):  # a missing cell: one dot, at its right
                chars[:, k::cw][nan] = 32
        return chars, cell_sids

    def _draw_legend(self, cv: Canvas, lo: float, hi: float, cropped_cols: int,
                     col_cropped: bool, dim: int, sids: list[int],
                     notes: list[str] | None = None) -> None:
        """The last row: low value, a colour bar, high value (and what was cropped)."""
        y, n = cv.height - 1, len(self.cmap)
        lo_s, hi_s = fmt_num(lo), fmt_num(hi)
        extra = (" log" if self._log else "") + \
            (f"  {cropped_cols} cols cropped" if col_cropped else "") + \
            "".join(f"  {n}" for n in notes or ())
        x = cv.text(0, y, lo_s + " ", dim)
        bar_w = max(4, min(24, cv.width - x - len(hi_s) - 1 - len(extra)))
        for k in range(bar_w):
            lvl = k / (bar_w - 1)
            if self.no_color:
                cv.text(x + k, y, SHADES[int(lvl * (len(SHADES) - 1) + 0.5)], 0)
            else:
                cv.text(x + k, y, " ", sids[min(n - 1, int(lvl * (n - 1) + 0.5))])
        x = cv.text(x + bar_w, y, " " + hi_s, dim)
        cv.text(x, y, extra, dim)


@dataclass
class _Layout:
    """What of the matrix a build shows: labels, cell width, the rows and columns kept."""

    rl: list[str]  # row labels, one per row (padded)
    label_w: int  # columns of the row labels (0: none)
    cw: int  # columns per cell: 2 (3-4 for short column labels) when it fits, else 1
    show_cols: int
    col_cropped: bool
    has_col_labels: bool
    show_rows: int
    row_cropped: bool
    r0: int  # first row shown
