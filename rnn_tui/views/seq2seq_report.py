"""The encoder-decoder's pictures in `rnn-tui report`: the attention grid of its last
held-out example (which source characters each output character looked at)."""

from __future__ import annotations

from typing import Any

from engine.families.seq2seq.events import Attention
from rnn_tui.htmlreport import charts
from rnn_tui.htmlreport.html import esc, figure, last_row


def pictures(records: list[dict[str, Any]]) -> list[str]:
    row = last_row(records, Attention.name)
    if row is None or not row.get("weights"):
        return []
    grid = row["weights"]  # output steps x source positions, each row sums to 1
    source, output = list(row.get("source", "")), list(row.get("output", ""))
    width = len(grid[0])
    svg = charts.heatmap(grid, f"Attention at step {row['step']:,}", "source",
                         "output", xticks=(source + [" "] * width)[:width],
                         yticks=(output + [" "] * len(grid))[:len(grid)],
                         colorbar="attention weight")
    caption = (f"{row.get('source', '')!r} → {row.get('output', '')!r} "
               f"(target {row.get('target', '')!r})")
    return [f"<p class=mono>{esc(caption)}</p>", figure(svg)]
