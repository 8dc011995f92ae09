"""SVG screenshots of the app (Textual's `save_screenshot`) turned into PNG, faithfully.

Which converter: headless Chromium first (Debian: `apt-get install chromium-headless-shell`
or `chromium`): a browser draws Textual's SVG exactly as it looks in one - monospace cells,
braille, leading spaces. Else `rsvg-convert` (Debian: librsvg2-bin) on a rewritten SVG,
because as written it mis-draws it: braille falls back to a proportional font and leading
non-breaking spaces collapse. `faithful_svg` puts every glyph in its own element at its
cell's x, keeps spaces (`xml:space="preserve"`) and names monospace fonts that have the
braille block (DejaVu Sans Mono). cairosvg (PyPI) was tried too: it drew the text in a
proportional font, off its cells, so it is not used. No converter: the SVG alone.

    png = to_png(Path("shot.svg"))   # shot.png next to it, or None (and why: converter())
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUMS = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome",
             "google-chrome-stable")
MONOSPACE = "'DejaVu Sans Mono', 'Fira Code', 'Liberation Mono', monospace"
TEXT = re.compile(r'<text class="([^"]*)" x="([\d.]+)" y="([\d.]+)" textLength="([\d.]+)"'
                  r'( clip-path="[^"]*")?>([^<]*)</text>')


def converter() -> tuple[str, str] | None:
    """("chromium" | "rsvg", its executable), or None when neither is installed."""
    for name in CHROMIUMS:
        path = shutil.which(name)
        if path:
            return "chromium", path
    path = shutil.which("rsvg-convert")
    return ("rsvg", path) if path else None


def svg_size(svg: str) -> tuple[int, int]:
    """The drawing's size in pixels, from its viewBox (rich writes one)."""
    m = re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', svg)
    if not m:
        raise ValueError("not a Rich/Textual SVG: no viewBox")
    return int(float(m.group(1)) + 0.999), int(float(m.group(2)) + 0.999)


def to_png(svg_path: Path, png_path: Path | None = None, timeout: float = 60.0
           ) -> Path | None:
    """Convert `svg_path` to PNG (default: beside it); None when no converter is found or
    it failed (the SVG is kept either way)."""
    found = converter()
    if found is None:
        return None
    kind, exe = found
    png_path = png_path or svg_path.with_suffix(".png")
    try:
        if kind == "chromium":
            _chromium(exe, svg_path, png_path, timeout)
        else:
            _rsvg(exe, svg_path, png_path, timeout)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None
    return png_path if png_path.is_file() and png_path.stat().st_size > 0 else None


def _chromium(exe: str, svg_path: Path, png_path: Path, timeout: float) -> None:
    width, height = svg_size(svg_path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="rnn-tui-chromium-") as profile:
        subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", "--no-first-run", f"--user-data-dir={profile}",
                        f"--window-size={width},{height}",
                        f"--screenshot={png_path.resolve()}", svg_path.resolve().as_uri()],
                       check=True, timeout=timeout, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, env={**os.environ, "HOME": profile})


def _rsvg(exe: str, svg_path: Path, png_path: Path, timeout: float) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".svg", encoding="utf-8",
                                     delete=False) as fh:
        fh.write(faithful_svg(svg_path.read_text(encoding="utf-8")))
        fixed = Path(fh.name)
    try:
        subprocess.run([exe, str(fixed), "-o", str(png_path)], check=True, timeout=timeout,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        fixed.unlink(missing_ok=True)


def faithful_svg(svg: str) -> str:
    """The SVG rewritten for renderers without a browser's text layout: one element per
    glyph at its cell, spaces kept, monospace fonts with braille."""
    svg = svg.replace("<svg ", '<svg xml:space="preserve" ', 1)
    svg = re.sub(r"font-family: Fira Code, monospace;", f"font-family: {MONOSPACE};", svg)
    return TEXT.sub(_per_glyph, svg)


def _per_glyph(m: re.Match) -> str:
    cls, x, y, length, clip, text = m.groups()
    chars = html.unescape(text)
    if not chars:
        return m.group(0)
    cell = float(length) / len(chars)
    out = []
    for i, ch in enumerate(chars):
        if ch in " \u00a0":
            continue  # the background rectangles are drawn apart: a space draws nothing
        out.append(f'<text class="{cls}" x="{float(x) + i * cell:.1f}" y="{y}" '
                   f'textLength="{cell:.1f}"{clip or ""}>{html.escape(ch)}</text>')
    return "".join(out)
