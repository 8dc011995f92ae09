"""The standings of a race as a Rich table, for the terminal and for the race screen."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text

from engine.racing.standings import Standing, Standings
from rnn_tui.format import fmt_duration

# One colour per racer, in the order given (the loss chart and the gradient panels use it).
RACER_COLORS = ("#4fc3f7", "#ffb74d", "#81c784", "#f06292", "#ba68c8", "#fff176", "#a1887f",
                "#e0e0e0")
STATUS_STYLE = {"diverged": "bold red", "failed": "bold red", "stopped": "yellow",
                "finished": "green"}


def fmt_metric(row: Standing, value: float | None) -> str:
    """A share (accuracy, exact match) as a percentage, anything else as a number."""
    if value is None:
        return "–"
    if row.higher_is_better and 0.0 <= value <= 1.0:
        return f"{100 * value:.1f}%"
    return f"{value:.4f}" if abs(value) >= 1e-3 else f"{value:.2e}"


def threshold_text(standings: Standings) -> str:
    rows = list(standings.rows.values())
    if standings.threshold is None or not rows:
        return "no threshold (--threshold X)"
    r = rows[0]
    shown = fmt_metric(r, standings.threshold)
    return f"solved = {r.metric.replace('_', ' ')} {'>' if r.higher_is_better else '<'} {shown}"


def standings_table(standings: Standings, colors: dict[str, str] | None = None,
                    title: str | None = None) -> Table:
    colors = colors or {}
    table = Table(title=title, title_justify="left", expand=False, pad_edge=False,
                  header_style="bold", box=None, padding=(0, 1))
    for name, justify in (("#", "right"), ("racer", "left"), ("model", "left"),
                          ("steps", "right"), ("own time", "right"), ("last", "right"),
                          ("best (step)", "right"), ("solved at", "right"),
                          ("status", "left")):
        table.add_column(name, justify=justify, no_wrap=True)
    for rank, row in enumerate(standings.ranked(), 1):
        solved = "–" if row.solved_step is None else \
            f"step {row.solved_step:,} · {fmt_duration(row.solved_s or 0.0)}"
        best = "–" if row.best is None else f"{fmt_metric(row, row.best)} ({row.best_step:,})"
        status = Text(row.status, style=STATUS_STYLE.get(row.status, ""))
        table.add_row(str(rank), Text(row.name, style=f"bold {colors.get(row.name, '')}"),
                      row.describe, f"{row.steps:,}", fmt_duration(row.own_s),
                      fmt_metric(row, row.last), best, solved, status)
    return table


def colors_for(names: list[str]) -> dict[str, str]:
    return {n: RACER_COLORS[i % len(RACER_COLORS)] for i, n in enumerate(names)}
