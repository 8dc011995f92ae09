"""What the hand-made Line-API widgets draw with: a cell canvas (`Canvas`), their base
(`CachedLinesWidget`), colour maps (the views use them too), number labels and ticks."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from rich.cells import get_character_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

# --------------------------------------------------------------------------- colours

# Anchor points of matplotlib's viridis (perceptually uniform, readable on dark themes).
_VIRIDIS = [
    (0.000, (68, 1, 84)),
    (0.125, (71, 44, 122)),
    (0.250, (59, 81, 139)),
    (0.375, (44, 113, 142)),
    (0.500, (33, 144, 141)),
    (0.625, (39, 173, 129)),
    (0.750, (92, 200, 99)),
    (0.875, (170, 220, 50)),
    (1.000, (253, 231, 37)),
]
# Diverging blue - neutral - red, neutral chosen to sit well on dark backgrounds.
_DIVERGING = [
    (0.00, (49, 110, 220)),
    (0.25, (66, 98, 150)),
    (0.50, (48, 48, 52)),
    (0.75, (160, 70, 64)),
    (1.00, (230, 64, 52)),
]
# Probability: red (unlikely) - amber - green (likely).
_PROB = [
    (0.00, (215, 60, 60)),
    (0.35, (225, 150, 50)),
    (0.65, (200, 210, 80)),
    (1.00, (80, 220, 110)),
]

LEVELS = 64


def _lut(anchors: Sequence[tuple[float, tuple[int, int, int]]], n: int = LEVELS) -> list[str]:
    xs = [a for a, _ in anchors]
    out = []
    for i in range(n):
        t = i / (n - 1)
        rgb = [int(round(float(np.interp(t, xs, [c[k] for _, c in anchors])))) for k in range(3)]
        out.append("#%02x%02x%02x" % tuple(rgb))
    return out


VIRIDIS = _lut(_VIRIDIS)
DIVERGING = _lut(_DIVERGING)
PROB = _lut(_PROB)

SERIES_COLORS = ["#4fc3f7", "#ffb74d", "#81c784", "#f06292", "#ba68c8", "#fff176", "#a1887f"]
SHADES = " ░▒▓█"


def level(t: float, n: int = LEVELS) -> int:
    """Map t in [0, 1] (clipped; NaN -> 0) to a colour-table index."""
    if not t == t:  # NaN
        return 0
    return min(n - 1, max(0, int(t * (n - 1) + 0.5)))


def dimmed(color: str, share: float = 0.55) -> str:
    """`color` (any Rich colour) mixed toward black: a curve drawn faint under a brighter one."""
    from rich.color import Color

    r, g, b = Color.parse(color).get_truecolor()
    return "#%02x%02x%02x" % tuple(int(v * share) for v in (r, g, b))


def luminance(hex_color: str) -> float:
    r, g, b = (int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_on(hex_color: str) -> str:
    """A readable foreground for text on a background colour."""
    return "#101010" if luminance(hex_color) > 0.55 else "#f0f0f0"


# --------------------------------------------------------------------------- text


def visible_char(ch: str) -> str:
    """One printable, single-cell glyph for a character (control chars made visible)."""
    o = ord(ch)
    if ch == "\n":
        return "↵"
    if ch == "\t":
        return "→"
    if ch == " ":
        return " "
    if o < 32:
        return chr(0x2400 + o)
    if o == 127:
        return "␡"
    if get_character_cell_size(ch) != 1:
        return "?"
    return ch


def safe_label(s: str) -> str:
    """Labels drawn on a canvas must be one cell per character."""
    return "".join(visible_char(c) if c != " " else " " for c in str(s))


def fmt_num(v: float) -> str:
    """Compact number for axis labels."""
    if not math.isfinite(v):
        return str(v)
    a = abs(v)
    if a != 0 and (a < 1e-3 or a >= 1e5):
        return f"{v:.0e}".replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")
    return f"{v:.3g}"


def fmt_step(v: float) -> str:
    a = abs(v)
    if a >= 1e6:
        return f"{v / 1e6:.3g}M"
    if a >= 1e4:
        return f"{v / 1e3:.3g}k"
    if a == int(a):
        return str(int(v))
    return f"{v:.3g}"


def nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    """Round tick values (1-2-5 steps) inside [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        return [lo] if math.isfinite(lo) else []
    raw = (hi - lo) / max(1, count)
    mag = 10 ** math.floor(math.log10(raw))
    step = mag
    for m in (1, 2, 2.5, 5, 10):
        step = m * mag
        if step >= raw:
            break
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    v = first
    while v <= hi + step * 1e-9 and len(ticks) < 20:
        ticks.append(0.0 if abs(v) < step * 1e-9 else v)
        v += step
    return ticks


# --------------------------------------------------------------------------- canvas


class Canvas:
    """A grid of single-cell characters with a style id per cell, turned into Strips."""

    def __init__(self, width: int, height: int, base: Style) -> None:
        self.width = max(0, width)
        self.height = max(0, height)
        self.chars = np.full((self.height, self.width), 32, dtype=np.uint32)
        self.sids = np.zeros((self.height, self.width), dtype=np.int32)
        self.base = base
        self._styles: list[Style] = [base]
        self._index: dict[Style, int] = {}

    def style(self, style: Style | str | None) -> int:
        if style is None:
            return 0
        if isinstance(style, str):
            style = Style.parse(style)
        sid = self._index.get(style)
        if sid is None:
            sid = len(self._styles)
            self._styles.append(self.base + style)
            self._index[style] = sid
        return sid

    def text(self, x: int, y: int, s: str, sid: int = 0, x_max: int | None = None) -> int:
        """Write s at (x, y), clipped; returns the x after the text."""
        if not 0 <= y < self.height:
            return x
        x_max = self.width if x_max is None else min(self.width, x_max)
        for ch in s:
            if x >= x_max:
                break
            if x >= 0:
                self.chars[y, x] = ord(ch)
                self.sids[y, x] = sid
            x += 1
        return x

    def title(self, title: str) -> int:
        """A widget's bold title on the first row, if it has one; returns the first free row."""
        if not title:
            return 0
        self.text(0, 0, safe_label(title), self.style(Style(bold=True)))
        return 1

    def fill(self, x0: int, x1: int, y: int, ch: str, sid: int) -> None:
        if 0 <= y < self.height:
            x0, x1 = max(0, x0), min(self.width, x1)
            if x1 > x0:
                self.chars[y, x0:x1] = ord(ch)
                self.sids[y, x0:x1] = sid

    def to_strips(self) -> list[Strip]:
        strips = []
        styles = self._styles
        w = self.width
        for y in range(self.height):
            row = self.chars[y]
            text = row.astype("<u4").tobytes().decode("utf-32-le")
            ids = self.sids[y]
            cuts = np.flatnonzero(ids[1:] != ids[:-1]) + 1
            segs = []
            start = 0
            for c in cuts.tolist() + [w]:
                segs.append(Segment(text[start:c], styles[ids[start]]))
                start = c
            strips.append(Strip(segs, w))
        return strips


# --------------------------------------------------------------------------- base widget


class CachedLinesWidget(Widget):
    """Line-API base: rebuilds all lines once when data, size or style changed."""

    DEFAULT_CSS = """
    CachedLinesWidget {
        height: 1fr;
    }
    """

    def __init__(self, *, name: str | None = None, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._version = 0
        self._cache_key: tuple | None = None
        self._lines: list[Strip] = []

    def invalidate(self) -> None:
        """Mark the data as changed and schedule a repaint."""
        self._version += 1
        self.refresh()

    @property
    def no_color(self) -> bool:
        try:
            return bool(self.app.no_color)
        except Exception:
            return False

    def build_lines(self, width: int, height: int, base: Style) -> list[Strip]:  # pragma: no cover
        raise NotImplementedError

    def render_lines_now(self) -> list[Strip]:
        """Build (or fetch cached) lines for the current size; used by render_line and tests."""
        width, height = self.size
        base = self.rich_style
        key = (self._version, width, height, base)
        if key != self._cache_key:
            lines = self.build_lines(width, height, base) if width > 0 and height > 0 else []
            self._lines = [s.adjust_cell_length(width, base) for s in lines]
            self._cache_key = key
        return self._lines

    def render_line(self, y: int) -> Strip:
        lines = self.render_lines_now()
        if 0 <= y < len(lines):
            return lines[y]
        return Strip.blank(self.size.width, self.rich_style)

