"""NeuronText (one hidden unit's activation over a text) and GatePlot (gate activations)."""

from __future__ import annotations

import math

import numpy as np
from rich.style import Style
from textual.strip import Strip

from .canvas import DIVERGING, LEVELS, SHADES, VIRIDIS, Canvas, CachedLinesWidget, safe_label, text_on, visible_char


def diverging_index(v: float, scale: float = 1.0) -> int | None:
    """Activation -> index into DIVERGING (-scale blue … 0 neutral … +scale red); None for NaN/inf."""
    if not math.isfinite(v):
        return None
    t = (max(-1.0, min(1.0, v / scale)) + 1.0) / 2.0
    return min(LEVELS - 1, max(0, int(t * (LEVELS - 1) + 0.5)))


class NeuronText(CachedLinesWidget):
    """Text wrapped to the width, each character's background coloured by one hidden unit's
    activation (-1 blue … 0 neutral … +1 red). Newlines show as "↵" and break the line."""

    DEFAULT_CSS = """
    NeuronText {
        height: 1fr;
        min-height: 3;
    }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._text = ""
        self._values = np.zeros(0)
        self._title = ""
        self._scale: float | None = None

    def set_activations(self, text: str, values: list[float], title: str = "", scale: float | None = None) -> None:
        """values[i] is the activation at text[i]. scale: value mapped to full colour
        (default 1, or max |value| if values exceed 1, e.g. cell states)."""
        self._text = text or ""
        try:
            self._values = np.asarray(list(values), dtype=np.float64).ravel()
        except (TypeError, ValueError):
            self._values = np.zeros(0)
        self._title = title
        self._scale = scale
        self.invalidate()

    def build_lines(self, width: int, height: int, base: Style) -> list[Strip]:
        cv = Canvas(width, height, base)
        dim = cv.style(Style(dim=True))
        vals = self._values
        fin = vals[np.isfinite(vals)]
        scale = self._scale or (max(1.0, float(np.abs(fin).max())) if len(fin) else 1.0)
        y = cv.title(self._title)
        # legend on the last row
        legend_row = height - 1 if height - y >= 2 else None
        last_text_row = (legend_row if legend_row is not None else height) - 1
        if not self._text:
            cv.text(0, y, "no probe text yet", dim)
        sid_for = self._style_table(cv, dim)
        self._draw_text(cv, y, last_text_row, scale, sid_for, dim)
        if legend_row is not None and legend_row >= 0:
            lx = cv.text(0, legend_row, f"-{scale:g} ", dim)
            for k in range(min(21, max(0, width - 12))):
                t = k / 20 * 2 - 1
                lx = cv.text(lx, legend_row, " " if not self.no_color else "▒",
                             sid_for(diverging_index(t, 1.0)))
            cv.text(lx, legend_row, f" +{scale:g}", dim)
        return cv.to_strips()

    def _style_table(self, cv: Canvas, dim: int):
        """colour index (None: not finite) -> canvas style id, made on first use."""
        cell_styles: dict[int | None, int] = {}
        no_color = self.no_color

        def sid_for(idx: int | None) -> int:
            s = cell_styles.get(idx)
            if s is None:
                if idx is None:
                    s = dim
                elif no_color:
                    t = idx / (LEVELS - 1) * 2 - 1
                    s = cv.style(Style(reverse=t > 0.5, underline=t < -0.5, bold=abs(t) > 0.5))
                else:
                    bg = DIVERGING[idx]
                    s = cv.style(Style(bgcolor=bg, color=text_on(bg)))
                cell_styles[idx] = s
            return s

        return sid_for

    def _draw_text(self, cv: Canvas, y: int, last_text_row: int, scale: float, sid_for,
                   dim: int) -> None:
        """The text, wrapped, each character on its activation's colour; "…" if cut."""
        vals, width = self._values, cv.width
        x = 0
        cropped = False
        for i, ch in enumerate(self._text):
            if y > last_text_row:
                cropped = True
                break
            v = float(vals[i]) if i < len(vals) else math.nan
            sid = sid_for(diverging_index(v, scale))
            if x >= width:
                x, y = 0, y + 1
                if y > last_text_row:
                    cropped = True
                    break
            cv.text(x, y, visible_char(ch), sid)
            x += 1
            if ch == "\n":
                x, y = 0, y + 1
        if cropped and last_text_row >= 0:
            cv.text(width - 1, last_text_row, "…", dim)


class GatePlot(CachedLinesWidget):
    """Per-gate mean activation over the timesteps of a probe text: one coloured strip per gate
    (viridis for 0…1 gates, blue-red for tanh rows with negative values), the characters printed
    underneath, and the mean saturation (or mean value) of each gate on the right."""

    DEFAULT_CSS = """
    GatePlot {
        height: auto;
        min-height: 3;
    }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._text = ""
        self._gates: dict[str, np.ndarray] = {}
        self._sat: dict[str, float] = {}
        self._title = ""

    def set_gates(self, text: str, gates: dict[str, list[float]], saturation: dict[str, list[float]] | None = None,
                  title: str = "") -> None:
        """gates[name][t] = mean activation of that gate at text[t]; saturation[name] = per-step
        fraction of saturated units (its mean is shown), or None to show the mean activation."""
        self._text = text or ""
        self._gates = {}
        for k, v in (gates or {}).items():
            try:
                self._gates[str(k)] = np.asarray(list(v), dtype=np.float64).ravel()
            except (TypeError, ValueError):
                self._gates[str(k)] = np.zeros(0)
        self._sat = {}
        for k, v in (saturation or {}).items():
            a = np.asarray(list(v), dtype=np.float64).ravel() if v is not None else np.zeros(0)
            a = a[np.isfinite(a)]
            self._sat[str(k)] = float(a.mean()) if len(a) else math.nan
        self._has_sat = saturation is not None
        self._title = title
        self.invalidate()
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:
        return (1 if self._title else 0) + max(1, len(self._gates)) + 1

    def build_lines(self, width: int, height: int, base: Style) -> list[Strip]:
        cv = Canvas(width, height, base)
        dim = cv.style(Style(dim=True))
        y = cv.title(self._title)
        if not self._gates:
            cv.text(0, y, "no gate data yet", dim)
            return cv.to_strips()
        names = [safe_label(n)[:10] for n in self._gates]
        name_w = max(len(n) for n in names) + 1
        right = self._right_labels()
        right_w = max(len(r) for r in right) + 1
        n = len(self._text)
        show = min(n, max(0, width - name_w - right_w))
        cropped = show < n
        if cropped and show > 0:
            show -= 1
        sid_for = self._style_table(cv)
        for (k, vals), label, r in zip(self._gates.items(), names, right):
            if y >= height - 1:
                break
            cv.text(0, y, label.rjust(name_w - 1), dim)
            self._draw_strip(cv, vals, y, name_w, show, sid_for, dim)
            if cropped:
                cv.text(name_w + show, y, "…", dim)
            cv.text(width - right_w + 1, y, r, 0)
            y += 1
        if y < height:
            cv.text(name_w, y, "".join(visible_char(c) for c in self._text[:show]), 0)
            if cropped:
                cv.text(name_w + show, y, "…", dim)
        return cv.to_strips()

    def _right_labels(self) -> list[str]:
        """Each gate's mean saturation ("sat 40%"), or its mean value ("μ +0.12")."""
        right = []
        for k in self._gates:
            if self._has_sat:
                s = self._sat.get(k, math.nan)
                right.append("sat " + ("  – " if not math.isfinite(s) else f"{s * 100:3.0f}%"))
            else:
                a = self._gates[k]
                a = a[np.isfinite(a)]
                right.append("μ " + (f"{a.mean():+.2f}" if len(a) else "–"))
        return right

    def _style_table(self, cv: Canvas):
        """(colour map "seq"/"div", index) -> canvas style id, made on first use."""
        styles: dict[tuple[str, int], int] = {}
        no_color = self.no_color

        def sid_for(kind: str, idx: int) -> int:
            s = styles.get((kind, idx))
            if s is None:
                if no_color:
                    s = 0
                else:
                    bg = (VIRIDIS if kind == "seq" else DIVERGING)[idx]
                    s = cv.style(Style(bgcolor=bg))
                styles[(kind, idx)] = s
            return s

        return sid_for

    def _draw_strip(self, cv: Canvas, vals: np.ndarray, y: int, x0: int, show: int, sid_for,
                    dim: int) -> None:
        """One gate's values as coloured cells: viridis for 0..1, blue-red with negatives."""
        fin = vals[np.isfinite(vals)]
        kind = "div" if len(fin) and fin.min() < 0 else "seq"
        for t in range(show):
            v = float(vals[t]) if t < len(vals) else math.nan
            x = x0 + t
            if not math.isfinite(v):
                cv.text(x, y, "·", dim)
                continue
            if kind == "seq":
                idx = min(LEVELS - 1, max(0, int(min(1.0, max(0.0, v)) * (LEVELS - 1) + 0.5)))
                tt = idx / (LEVELS - 1)
            else:
                idx = diverging_index(v, 1.0)
                tt = abs(v)
            ch = SHADES[min(4, int(min(1.0, tt) * 4 + 0.5))] if self.no_color else " "
            cv.text(x, y, ch, sid_for(kind, idx))


GateStrip = GatePlot
