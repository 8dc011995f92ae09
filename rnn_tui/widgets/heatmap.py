"""Heatmap: a matrix of colour cells (viridis) with labels and a colour-scale legend."""

from __future__ import annotations

import math

import numpy as np
from rich.style import Style
from textual.strip import Strip

from ._common import SHADES, VIRIDIS, Canvas, CachedLinesWidget, fmt_num, safe_label


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
    """

    DEFAULT_CSS = """
    Heatmap {
        height: 1fr;
        min-height: 4;
    }
    """

    def __init__(self, *, cmap: list[str] | None = None, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.cmap = cmap or VIRIDIS
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
        y = 0
        if self._title:
            cv.text(0, 0, safe_label(self._title), cv.style(Style(bold=True)))
            y = 1
        if nrows == 0 or ncols == 0:
            cv.text(0, y, "no data yet", dim)
            return cv.to_strips()
        m = np.full((nrows, ncols), np.nan)
        for i, r in enumerate(self._rows):
            m[i, : len(r)] = r
        t, lo, hi = normalise(m, self._log, self._vmin, self._vmax)

        rl = self._row_labels or []
        rl = [safe_label(x)[:12] for x in rl] + [""] * (nrows - len(rl))
        label_w = max((len(x) for x in rl), default=0)
        label_w = label_w + 1 if label_w else 0
        avail_w = width - label_w
        cw = 2 if ncols * 2 <= avail_w else 1
        show_cols = min(ncols, max(0, avail_w // cw))
        col_cropped = show_cols < ncols
        if col_cropped and show_cols > 0:
            show_cols -= 1  # leave a cell for the ellipsis
        cl = self._col_labels
        has_col_labels = bool(cl) and any(cl)
        single_char_cols = has_col_labels and all(len(c) <= cw for c in cl)
        # rows: title, col labels (optional), matrix rows, legend
        avail_h = height - y - 1 - (1 if has_col_labels else 0)
        if avail_h < 1 or show_cols <= 0:
            cv.text(0, y, "(too small)", dim)
            return cv.to_strips()
        show_rows = min(nrows, avail_h)
        row_cropped = show_rows < nrows
        if row_cropped:
            show_rows = max(1, show_rows - 1)
        if row_cropped and self._tail:
            r0 = nrows - show_rows
        else:
            r0 = 0

        # column labels
        if has_col_labels:
            if single_char_cols:
                for j in range(show_cols):
                    lab = safe_label(cl[j]) if j < len(cl) else ""
                    cv.text(label_w + j * cw, y, lab.rjust(cw) if cw == 2 else lab, dim)
            else:
                x_end = label_w - 1
                for j in range(show_cols):
                    lab = safe_label(cl[j]) if j < len(cl) else ""
                    xs = label_w + j * cw
                    if lab and xs > x_end + 1 and xs + len(lab) <= label_w + show_cols * cw:
                        cv.text(xs, y, lab, dim)
                        x_end = xs + len(lab)
            y += 1

        no_color = self.no_color
        cmap = self.cmap
        n = len(cmap)
        sids = [cv.style(Style(bgcolor=c)) for c in cmap] if not no_color else []
        top_ellipsis = row_cropped and r0 > 0
        if top_ellipsis:
            cv.text(label_w, y, f"⋮ {r0} earlier rows", dim)
            y += 1
        # cells, vectorised: one colour index per cell, repeated cw times
        y_first = y
        block_t = t[r0 : r0 + show_rows, :show_cols]
        nan = np.isnan(block_t)
        if no_color:
            idx = np.clip((np.nan_to_num(block_t) * (len(SHADES) - 1) + 0.5).astype(np.int64), 0, len(SHADES) - 1)
            chars = np.array([ord(c) for c in SHADES], dtype=np.uint32)[idx]
            cell_sids = np.zeros_like(idx, dtype=np.int32)
        else:
            idx = np.clip((np.nan_to_num(block_t) * (n - 1) + 0.5).astype(np.int64), 0, n - 1)
            chars = np.full(idx.shape, 32, dtype=np.uint32)
            cell_sids = np.array(sids, dtype=np.int32)[idx]
        chars[nan] = ord("·")
        cell_sids[nan] = dim
        if cw == 2:
            chars = np.repeat(chars, 2, axis=1)
            cell_sids = np.repeat(cell_sids, 2, axis=1)
            chars[:, 0::2][nan] = 32
        cv.chars[y_first : y_first + show_rows, label_w : label_w + show_cols * cw] = chars
        cv.sids[y_first : y_first + show_rows, label_w : label_w + show_cols * cw] = cell_sids
        for i in range(r0, r0 + show_rows):
            cv.text(0, y, rl[i].rjust(label_w - 1) if label_w else "", dim)
            if col_cropped:
                cv.text(label_w + show_cols * cw, y, "…", dim)
            y += 1
        if row_cropped and not top_ellipsis:
            cv.text(label_w, y, f"⋮ {nrows - show_rows} more rows", dim)
            y += 1
        # legend
        y = height - 1
        lo_s, hi_s = fmt_num(lo), fmt_num(hi)
        x = cv.text(0, y, lo_s + " ", dim)
        bar_w = max(4, min(24, width - x - len(hi_s) - 12))
        for k in range(bar_w):
            lvl = k / (bar_w - 1)
            if no_color:
                cv.text(x + k, y, SHADES[int(lvl * (len(SHADES) - 1) + 0.5)], 0)
            else:
                cv.text(x + k, y, " ", sids[min(n - 1, int(lvl * (n - 1) + 0.5))])
        x = cv.text(x + bar_w, y, " " + hi_s, dim)
        extra = (" log" if self._log else "") + (f"  {ncols - show_cols} cols cropped" if col_cropped else "")
        cv.text(x, y, extra, dim)
        return cv.to_strips()

