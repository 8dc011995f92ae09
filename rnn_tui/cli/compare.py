"""`rnn-tui compare DIR DIR ...`: runs on one loss chart with their configs side by side (a
Textual screen, rnn_tui/compare/app.py), or a table on stdout with `--table`."""

from __future__ import annotations

from pathlib import Path

import typer


def compare_command(run_dirs: list[Path] = typer.Argument(..., help="Run directories."),
                    table: bool = typer.Option(False, "--table", help="Print a table instead "
                                               "of opening the chart (headless)."),
                    by: str = typer.Option("step", "--by", help="Align the curves by step "
                                           "or by time (the runs' active training time).")
                    ) -> None:
    """Compare runs: their train and validation curves on one chart (stable colours, a
    legend), their configs side by side with the differences highlighted."""
    from engine.errors import EngineError
    from rnn_tui.compare.runs import load_runs

    if by not in ("step", "time"):
        raise EngineError(f"--by {by}: choose step or time")
    runs = load_runs(run_dirs)
    if table:
        print_table(runs)
        return
    from rnn_tui.compare.app import CompareApp

    CompareApp(runs, by=by).run()


def print_table(runs) -> None:
    from rich.console import Console
    from rich.table import Table

    from rnn_tui.compare.runs import SUMMARY_HEADER, config_rows, summary_rows

    console = Console(highlight=False)
    if not console.is_terminal:  # piped: wide enough for the names (rich assumes 80)
        console.width = 160
    summary = Table(title="runs", title_justify="left")
    for name in SUMMARY_HEADER:
        summary.add_column(name, justify="right" if name in ("steps", "time") else "left")
    for run, row in zip(runs, summary_rows(runs)):
        summary.add_row(*row, style=run.color)
    console.print(summary)
    configs = Table(title="config (differences first, in bold)", title_justify="left")
    configs.add_column("key")
    for run in runs:
        configs.add_column(run.name, style=run.color)
    for key, values, differs in config_rows(runs):
        configs.add_row(key, *values, style="bold" if differs else "dim")
    console.print(configs)


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_command)
