"""Runs taken elsewhere, read and checked the same way (rnn_tui/export/runs.py):

    export   `rnn-tui export DIR ... --format csv|json|tensorboard --out PATH`: to a
             spreadsheet, a notebook or TensorBoard (rnn_tui/export)
    report   `rnn-tui report DIR ... --out report.html`: one self-contained HTML page
             (rnn_tui/htmlreport)

A directory that is not a run, a run still being written, a cut-off metrics.jsonl or an
output that cannot be written: one line, exit code 2, nothing written (the output is made
beside --out and moved into place)."""

from __future__ import annotations

from pathlib import Path

import typer


def export_command(run_dirs: list[Path] = typer.Argument(..., help="Run directories (a folder of runs: each run in it)."),
                   fmt: str = typer.Option(..., "--format", help="csv (run, tag, step, "
                                           "wall_time, value) | json | tensorboard (a log "
                                           "directory: pip install 'rnn-tui[tensorboard]')"),
                   out: Path = typer.Option(..., "--out", help="The file (csv, json) or the "
                                            "new log directory (tensorboard) to write.")
                   ) -> None:
    """Every scalar the runs logged (losses, metrics, learning rate, gradient norms before
    and after clipping, the clipped share, tokens/s, the gradient at each timestep) with its
    step and wall time; the config as hyperparameters (json, tensorboard)."""
    from rnn_tui.export.runs import read_runs
    from rnn_tui.export.writers import write

    runs = read_runs(run_dirs)
    write(runs, fmt, out)
    count = sum(len(run.scalars) for run in runs)
    typer.echo(f"{out}: {count:,} scalars of {len(runs)} run{'s' * (len(runs) > 1)}", err=True)


def report_command(run_dirs: list[Path] = typer.Argument(..., help="Run directories (a folder of runs: each run in it)."),
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
    app.command("export")(export_command)
    app.command("report")(report_command)
