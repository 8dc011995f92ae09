"""`rnn-tui report DIR ... --out report.html`: one self-contained HTML page of the runs
(rnn_tui/htmlreport). The runs are read and checked like `export`'s; the page is written
beside --out and moved into place, so nothing partial is left on a failure."""

from __future__ import annotations

from pathlib import Path

import typer


def report_command(run_dirs: list[Path] = typer.Argument(..., help="Run directories."),
                   out: Path = typer.Option(Path("report.html"), "--out",
                                            help="The HTML file to write.")) -> None:
    """A page to hand in: summary and config, the loss curves of all runs with their
    baselines, the gradient-per-timestep heatmaps, and each family's own pictures (samples,
    attention, confusion, tagged sentences, standings, the long-range Jacobian). Needs
    matplotlib: pip install 'rnn-tui[report]'."""
    from rnn_tui.export.runs import read_runs
    from rnn_tui.export.writers import staged
    from rnn_tui.htmlreport.page import render

    page = render(read_runs(run_dirs))
    with staged(out, directory=False) as tmp:
        tmp.write_text(page, encoding="utf-8")
    typer.echo(f"{out}: {len(page.encode()):,} bytes", err=True)


def register(app: typer.Typer) -> None:
    app.command("report")(report_command)
