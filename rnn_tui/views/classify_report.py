"""The classifier's pictures in `rnn-tui report`: the confusion matrix of its last
evaluation (true class by row, predicted by column) and the per-class scores."""

from __future__ import annotations

from typing import Any

from engine.families.classify.events import Confusion
from rnn_tui.htmlreport import charts
from rnn_tui.htmlreport.html import figure, last_row


def pictures(records: list[dict[str, Any]]) -> list[str]:
    row = last_row(records, Confusion.name)
    if row is None or not row.get("matrix"):
        return []
    classes = [str(c) for c in row.get("classes", [])]
    svg = charts.heatmap(row["matrix"], f"Confusion on the {row.get('split', 'held-out')} "
                         f"set at step {row['step']:,}", "predicted", "true",
                         xticks=classes, yticks=classes, colorbar="examples")
    return [figure(svg, f"accuracy {100 * row.get('accuracy', 0):.1f}% · macro-F1 "
                        f"{100 * row.get('macro_f1', 0):.1f}%")]
