"""SampleView: scrolling list of generated samples, each token (a character, or a word)
coloured by its probability."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.cells import cell_len, get_character_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from .canvas import PROB, level, safe_label

_BUCKETS = 16
_PRIME = -1
EOS = "<eos>"  # a word model's end of line: shown as a line break


def _glyph(ch: str) -> str:
    o = ord(ch)
    if ch == "\t":
        return "→"
    if o < 32:
        return chr(0x2400 + o)
    if o == 127:
        return "␡"
    if get_character_cell_size(ch) == 0:
        return "?"
    return ch


def prob_bucket(p: float) -> int:
    """Probability -> colour bucket 0.._BUCKETS-1 (NaN / out of range clipped)."""
    try:
        p = float(p)
    except (TypeError, ValueError):
        return 0
    if p != p:
        return 0
    p = min(1.0, max(0.0, p))
    return min(_BUCKETS - 1, int(p * _BUCKETS))


@dataclass
class _Sample:
    header: str
    # wrapped lines: each a list of (glyph, bucket)
    lines: list[list[tuple[str, int]]] = field(default_factory=lambda: [[]])
    cur_w: int = 0
    n_chars: int = 0
    raw: list[tuple[str, int]] = field(default_factory=list)


class SampleView(ScrollView):
    """Generated samples, newest at the bottom (auto-scrolls when already at the bottom).

    Each character's colour shows the probability the model gave it (red/dim = unlikely,
    bright green = likely); the prime is shown in italics. Newlines break lines, control
    characters are shown as visible symbols. Supports streaming with begin_sample/append_char.
    A word model's samples come as tokens (append_tokens): words joined with spaces, each
    word one colour, <eos> a line break, and lines wrapped between words.
    """

    DEFAULT_CSS = """
    SampleView {
        height: 1fr;
        min-height: 4;
        overflow-x: hidden;
    }
    """

    def __init__(self, *, max_samples: int = 100, auto_scroll: bool = True, name: str | None = None,
                 id: str | None = None, classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.max_samples = max_samples
        self.auto_scroll = auto_scroll
        self._samples: list[_Sample] = []
        self._wrap_w = 0
        self._strip_cache: dict[tuple[int, int], Strip] = {}
        self._cache_base: Style | None = None
        self._offsets: list[int] = [0]
        # A scroll to the end is scheduled (after the next refresh) and has not run yet: the
        # view still follows, even though scroll_y lags behind the grown content meanwhile.
        self._end_pending = False

    # ------------------------------------------------------------------ data API

    def add_sample(self, step: int, text: str, probs: list[float], temperature: float, prime: str = "") -> None:
        """Add a complete sample; header "step N · T=t". probs[i] belongs to text[i]."""
        self.begin_sample(self.format_header(step, temperature, prime), prime=prime)
        self.append_chars(text, probs)

    @staticmethod
    def format_header(step: int, temperature: float, prime: str = "") -> str:
        h = f"step {step} · T={temperature:g}"
        if prime:
            p = prime if len(prime) <= 20 else prime[:19] + "…"
            h += f" · prime {p!r}"
        return h

    def begin_sample(self, header: str, prime: str = "") -> None:
        """Start a new (streamed) sample with a header line; the prime is shown uncoloured."""
        self._samples.append(_Sample(header=header))
        if self.max_samples > 0 and len(self._samples) > self.max_samples:
            del self._samples[: len(self._samples) - self.max_samples]
            self._strip_cache.clear()
        s = self._samples[-1]
        for ch in prime:
            self._push(s, ch, _PRIME)
        self._changed()

    def append_char(self, ch: str, prob: float) -> None:
        """Append one generated character to the current sample (starts one if none)."""
        self.append_chars(ch, [prob] * len(ch))

    def append_chars(self, text: str, probs: list[float]) -> None:
        """Append several characters (probs aligned with text; missing probs count as 0)."""
        if not self._samples:
            self.begin_sample("sample")
        s = self._samples[-1]
        probs = list(probs) if probs is not None else []
        for i, ch in enumerate(text):
            self._push(s, ch, prob_bucket(probs[i]) if i < len(probs) else 0)
        self._changed()

    def append_tokens(self, tokens: list[str], probs: list[float]) -> None:
        """Append words (probs aligned with tokens): a space before each word but the first
        of a line, <eos> as a line break."""
        if not self._samples:
            self.begin_sample("sample")
        s = self._samples[-1]
        for i, token in enumerate(tokens):
            bucket = prob_bucket(probs[i]) if i < len(probs) else 0
            if token == EOS:
                self._push(s, "\n", bucket)
                continue
            if s.raw and s.raw[-1][0] != "\n":
                self._push(s, " ", bucket)
            self._push(s, token, bucket)  # one item: a word wraps as a whole
        self._changed()

    def clear(self) -> None:
        self._samples = []
        self._strip_cache.clear()
        self._changed()

    @property
    def sample_count(self) -> int:
        return len(self._samples)

    def sample_text(self, index: int = -1) -> str:
        """The raw text (prime included) of a sample, for tests and copy."""
        return "".join(ch for ch, _ in self._samples[index].raw)

    # ------------------------------------------------------------------ wrapping

    def _push(self, s: _Sample, ch: str, bucket: int) -> None:
        s.raw.append((ch, bucket))
        s.n_chars += 1
        if self._wrap_w > 0:
            self._wrap_one(s, ch, bucket, self._wrap_w)
        idx = len(self._samples) - 1
        # Cache keys count the header as line 0, so text line i is key i + 1; the char may
        # have finished the previous line (a wrap) and started the last one.
        for key in (len(s.lines) - 1, len(s.lines)):
            self._strip_cache.pop((idx, key), None)

    @staticmethod
    def _wrap_one(s: _Sample, ch: str, bucket: int, width: int) -> None:
        if ch == "\n":
            s.lines.append([])
            s.cur_w = 0
            return
        g = _glyph(ch) if len(ch) == 1 else "".join(_glyph(c) for c in ch)
        w = get_character_cell_size(g) if len(g) == 1 else cell_len(g)
        if s.cur_w + w > width and s.cur_w > 0:
            s.lines.append([])
            s.cur_w = 0
        s.lines[-1].append((g, bucket))
        s.cur_w += w

    def _rewrap(self, width: int) -> None:
        self._wrap_w = width
        self._strip_cache.clear()
        for s in self._samples:
            s.lines, s.cur_w = [[]], 0
            for ch, b in s.raw:
                self._wrap_one(s, ch, b, width)

    def _changed(self) -> None:
        if not self.is_mounted:
            return
        width = self.scrollable_content_region.width
        if width <= 0:
            return
        if width != self._wrap_w:
            self._rewrap(width)
        at_end = self._end_pending or self.scroll_y >= self.max_scroll_y - 1
        offs = [0]
        for s in self._samples:
            offs.append(offs[-1] + len(s.lines) + 2)  # header + lines + blank
        self._offsets = offs
        self.virtual_size = Size(width, offs[-1])
        if self.auto_scroll and at_end and not self._end_pending:
            self._end_pending = True
            self.call_after_refresh(self._scroll_to_end)
        self.refresh()

    def _scroll_to_end(self) -> None:
        # force: the content may have just outgrown the view, before the layout has given it
        # a scrollbar (until then Textual refuses to scroll it, and following would stop).
        self._end_pending = False
        self.scroll_end(animate=False, immediate=True, force=True)

    def on_mount(self) -> None:
        self._changed()

    def on_resize(self) -> None:
        self._changed()

    # ------------------------------------------------------------------ rendering

    def _styles(self, base: Style) -> list[Style]:
        out = []
        for b in range(_BUCKETS):
            p = (b + 0.5) / _BUCKETS
            out.append(base + Style(color=PROB[level(p)], dim=p < 0.15, underline=p < 0.05 and self.app.no_color))
        return out

    def render_line(self, y: int) -> Strip:
        strip = self._render_line(y)
        return strip.adjust_cell_length(self.size.width, self.rich_style)

    def _render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        base = self.rich_style
        if width != self._wrap_w:
            self._rewrap(width)
            self._changed()
        if base != self._cache_base:
            self._strip_cache.clear()
            self._cache_base = base
        vy = scroll_y + y
        offs = self._offsets
        if not self._samples or vy >= offs[-1] or len(offs) != len(self._samples) + 1:
            if not self._samples and y == 0:
                return Strip([Segment("no samples yet", base + Style(dim=True))]).adjust_cell_length(width, base)
            return Strip.blank(width, base)
        # binary search the sample
        lo, hi = 0, len(self._samples) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if offs[mid] <= vy:
                lo = mid
            else:
                hi = mid - 1
        si, li = lo, vy - offs[lo]
        key = (si, li)
        strip = self._strip_cache.get(key)
        if strip is None:
            strip = self._render_sample_line(self._samples[si], li, width, base)
            self._strip_cache[key] = strip
        return strip

    def _render_sample_line(self, s: _Sample, li: int, width: int, base: Style) -> Strip:
        if li == 0:
            head = safe_label(s.header)
            legend = [("p ", base + Style(dim=True))] + [
                ("▆", base + Style(color=PROB[level(t)])) for t in (0.0, 0.25, 0.5, 0.75, 1.0)
            ] + [(" low→high", base + Style(dim=True))]
            leg_w = sum(len(t) for t, _ in legend)
            segs = [Segment("── " + head + " ", base + Style(bold=True, color="#90caf9"))]
            used = 4 + len(head)
            if used + leg_w + 2 <= width:
                segs.append(Segment("─" * (width - used - leg_w - 1) + " ", base + Style(dim=True)))
                segs += [Segment(t, st) for t, st in legend]
            return Strip(segs).adjust_cell_length(width, base).crop(0, width)
        li -= 1
        if li >= len(s.lines):
            return Strip.blank(width, base)
        styles = self._styles(base)
        prime_style = base + Style(italic=True, dim=True)
        segs = []
        run, run_b = [], None
        for g, b in s.lines[li]:
            if b != run_b and run:
                segs.append(Segment("".join(run), prime_style if run_b == _PRIME else styles[run_b]))
                run = []
            run_b = b
            run.append(g)
        if run:
            segs.append(Segment("".join(run), prime_style if run_b == _PRIME else styles[run_b]))
        return Strip(segs).adjust_cell_length(width, base)
