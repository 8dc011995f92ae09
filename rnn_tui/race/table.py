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


def verdict(standings: Standings) -> str:
    """How the race stands, in one line: who solved first, or plainly that nobody has (and
    what budget to try). "Leads" is never said of a racer that has not met the threshold."""
    rows = standings.ranked()
    top = rows[0] if rows else None
    if top is None or top.best is None:
        return "no evaluation yet"
    metric = top.metric.replace("_", " ")
    if standings.threshold is None:
        return (f"{top.name} is ahead on {metric} ({fmt_metric(top, top.best)}); no "
                f"threshold to call it solved (--threshold X)")
    goal = threshold_text(standings).removeprefix("solved = ")
    solved = [r for r in rows if r.solved_step is not None]
    if solved:
        first = solved[0]
        rest = f"; {len(solved)} of {len(rows)} solved" if len(rows) > 1 else ""
        return (f"{first.name} solved first: {goal} at step {first.solved_step:,} "
                f"(own time {fmt_duration(first.solved_s or 0.0)}){rest}")
    steps = min(r.steps for r in rows)
    if any(r.status == "stopped" for r in rows):
        return (f"nobody solved yet ({goal}): the race was stopped after {steps:,} steps "
                f"each; closest {top.name} at {fmt_metric(top, top.best)}")
    more = max(1000, -(-4 * steps // 500) * 500)  # four times as many, in whole 500s
    return (f"nobody solved yet ({goal}) after {steps:,} steps each; closest {top.name} at "
            f"{fmt_metric(top, top.best)}: too small a budget to tell them apart, "
            f"try --steps {more:,}")


COLUMNS = (("#", "right"), ("racer", "left"), ("model", "left"), ("steps", "right"),
           ("own time", "right"), ("last", "right"), ("best (step)", "right"),
           ("solved at", "right"), ("status", "left"))
NARROW_OUT = ("model", "best (step)", "own time")  # what a narrow table leaves out


def standings_table(standings: Standings, colors: dict[str, str] | None = None,
                    title: str | None = None, narrow: bool = False) -> Table:
    """The standings, best first; NARROW (an 80-column screen) leaves out NARROW_OUT."""
    colors = colors or {}
    table = Table(title=title, title_justify="left", expand=False, pad_edge=False,
                  header_style="bold", box=None, padding=(0, 1))
    shown = [c for c in COLUMNS if not (narrow and c[0] in NARROW_OUT)]
    for name, justify in shown:
        table.add_column(name, justify=justify, no_wrap=True)
    for rank, row in enumerate(standings.ranked(), 1):
        solved = "–" if row.solved_step is None else \
            f"step {row.solved_step:,} · {fmt_duration(row.solved_s or 0.0)}"
        best = "–" if row.best is None else f"{fmt_metric(row, row.best)} ({row.best_step:,})"
        status = Text(row.status, style=STATUS_STYLE.get(row.status, ""))
        cells = (str(rank), Text(row.name, style=f"bold {colors.get(row.name, '')}"),
                 row.describe, f"{row.steps:,}", fmt_duration(row.own_s),
                 fmt_metric(row, row.last), best, solved, status)
        table.add_row(*(cell for cell, (name, _) in zip(cells, COLUMNS)
                        if not (narrow and name in NARROW_OUT)))
    return table


def colors_for(names: list[str]) -> dict[str, str]:
    return {n: RACER_COLORS[i % len(RACER_COLORS)] for i, n in enumerate(names)}
