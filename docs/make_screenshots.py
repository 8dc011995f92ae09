"""Turn the app's SVG screenshots into the README's PNGs, faithfully.

    python docs/make_screenshots.py SHOT.svg [SHOT.svg ...] [--out docs/]
    python docs/make_screenshots.py --check      # which converter would be used

Each SVG (from the app's S key, the command palette's Screenshot, or `App.save_screenshot`)
becomes a PNG of the same name in --out (default: beside it). The converter is the one the
app uses (rnn_tui/app/svg_to_png.py): headless Chromium when installed (Debian:
`apt-get install chromium-headless-shell`), else rsvg-convert (librsvg2-bin) on an SVG
rewritten so that it draws monospace cells, braille and leading spaces as a terminal does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from rnn_tui.app.svg_to_png import converter, to_png  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("svgs", nargs="*", type=Path)
    ap.add_argument("--out", type=Path, default=None, help="folder for the PNGs")
    ap.add_argument("--check", action="store_true", help="say which converter is found")
    args = ap.parse_args()
    found = converter()
    if args.check or not args.svgs:
        print(f"converter: {found[0]} ({found[1]})" if found else
              "no converter: apt-get install chromium-headless-shell (or librsvg2-bin)")
        return 0 if found else 1
    if found is None:
        print("no converter: apt-get install chromium-headless-shell (or librsvg2-bin)",
              file=sys.stderr)
        return 1
    failed = 0
    for svg in args.svgs:
        out = (args.out or svg.parent) / svg.with_suffix(".png").name
        out.parent.mkdir(parents=True, exist_ok=True)
        png = to_png(svg, out)
        print(f"{svg} -> {png}" if png else f"{svg}: conversion failed", file=sys.stderr
              if png is None else sys.stdout)
        failed += png is None
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
