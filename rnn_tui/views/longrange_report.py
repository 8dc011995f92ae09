"""The long-range lab's pictures in `rnn-tui report`: the Jacobian gain ||dh_T/dh_t|| over
the sequence at its last probe (how fast the memory of step t fades, per layer) and its
last held-out examples."""

from __future__ import annotations

from typing import Any

from engine.families.longrange.events import Examples, Jacobian
from rnn_tui.htmlreport import charts
from rnn_tui.htmlreport.html import figure, last_row, table


def pictures(records: list[dict[str, Any]]) -> list[str]:
    parts = []
    row = last_row(records, Jacobian.name)
    if row is not None and row.get("gains"):
        series = [(f"layer {k}", list(range(len(gains))), gains, {"color": charts.color(k)})
                  for k, gains in enumerate(row["gains"])]
        parts.append(figure(charts.lines(series, f"Jacobian gain at step {row['step']:,}",
                                         "timestep t", "||dh_T/dh_t|| / sqrt(H)", logy=True),
                            "1 at the last step; a vanilla RNN's fades about geometrically "
                            "towards the start."))
    examples = last_row(records, Examples.name)
    if examples is not None:
        rows = [[i, t, o, "yes" if c else "no"] for i, t, o, c in zip(
            examples.get("inputs", []), examples.get("targets", []),
            examples.get("outputs", []), examples.get("correct", []))]
        parts.append(f"<h3>Held-out examples at step {examples['step']:,}</h3>"
                     + table(["input", "target", "output", "right"], rows))
    return parts
