"""Small HTML pieces of the report, escaped, with a style sheet made for screen and print
(black on white, no fonts to fetch: the system's sans-serif and monospace)."""

from __future__ import annotations

import html
from typing import Any, Iterable

STYLE = """
body { font-family: sans-serif; color: #111; background: #fff; margin: 2em auto;
       max-width: 60em; padding: 0 1em; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { font-size: 1.25em; margin-top: 1.6em;
     border-bottom: 1px solid #999; } h3 { font-size: 1.05em; margin-bottom: 0.3em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #bbb; padding: 0.15em 0.5em; text-align: left; }
th { background: #eee; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.differs td { font-weight: bold; } .note { color: #555; font-size: 0.9em; }
figure { margin: 0.8em 0; } figure svg { max-width: 100%; height: auto; }
.mono { font-family: monospace; white-space: pre-wrap; word-break: break-all; }
.wrong { color: #b00020; font-weight: bold; } .swatch { display: inline-block; width: 1em; }
section { page-break-inside: avoid; break-inside: avoid; }
@media print { body { margin: 0; max-width: none; } h2 { page-break-after: avoid; } }
"""


def esc(text: Any) -> str:
    return html.escape(str(text))


def table(header: list[str], rows: Iterable[list[Any]], classes: list[str] | None = None,
          numeric: set[int] | None = None) -> str:
    """A table; `classes[i]` is row i's class, `numeric` the columns aligned right."""
    numeric = numeric or set()
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{classes[i]}"' if classes and classes[i] else ""
        cells = "".join(f'<td{" class=num" if j in numeric else ""}>{esc(v)}</td>'
                        for j, v in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def section(title: str, *parts: str, level: int = 2) -> str:
    return f"<section><h{level}>{esc(title)}</h{level}>{''.join(parts)}</section>"


def figure(svg: str, caption: str = "") -> str:
    cap = f"<figcaption class=note>{esc(caption)}</figcaption>" if caption else ""
    return f"<figure>{svg}{cap}</figure>"


def last_row(records: list[dict[str, Any]], event: str) -> dict[str, Any] | None:
    """The last metrics.jsonl row of an event (what the app shows when a run is reopened)."""
    return next((r for r in reversed(records) if r.get("event") == event), None)


def shaded_text(pieces: list[tuple[str, float]]) -> str:
    """Text whose pieces are shaded by a probability in 0..1 (white = sure, deep orange =
    surprised), the sample view's picture: readable in print, where colour may be grey."""
    out = []
    for text, p in pieces:
        alpha = max(0.0, min(1.0, 1.0 - p))
        title = f"p = {p:.3f}"
        out.append(f'<span title="{title}" style="background: rgba(255, 120, 0, '
                   f'{alpha:.2f})">{esc(text)}</span>')
    return f'<div class=mono>{"".join(out)}</div>'
