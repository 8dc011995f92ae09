"""`rnn-tui runs list` and `rnn-tui runs prune`: the run directories under runs/ (or any
folder), headless - what the app's runs screen (o) shows and does."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from engine.errors import EngineError

runs_app = typer.Typer(help="The runs the app and `run` left: list them, prune them.",
                       no_args_is_help=True)
RootArg = typer.Argument(None, help="Where to look (default: runs/).")


def _root(root: Optional[Path]) -> Path:
    from rnn_tui.workspace import DEFAULT_ROOT

    path = root or Path(DEFAULT_ROOT)
    if not path.is_dir():
        raise EngineError(f"{path} is not a directory (no runs there yet?)")
    return path


@runs_app.command("list")
def runs_list(root: Optional[Path] = RootArg) -> None:
    """One line per run: name, family, model, data, steps, best metric, size, age."""
    from rnn_tui.workspace import human_size, scan

    runs = scan(_root(root))
    if not runs:
        typer.echo(f"no runs under {_root(root)}")
        return
    rows = [("run", "family", "model", "data", "steps", "best", "size", "age")]
    rows += [(r.name, r.family, r.model, r.data if len(r.data) <= 28 else r.data[:27] + "…",
              f"{r.steps:,}", r.best, human_size(r.size),
              age(r.modified) + ("  (training now)" if r.in_use else "")
              + (f"  (cannot read: {r.problem})" if r.problem else "")) for r in runs]
    # every column as wide as its widest cell (models and metrics vary by family)
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]) - 1)]
    right = {4, 6}  # steps and size: numbers
    for row in rows:
        cells = [cell.rjust(w) if k in right else cell.ljust(w)
                 for k, (cell, w) in enumerate(zip(row, widths))]
        typer.echo("  ".join(cells + [row[-1]]).rstrip())
    total = sum(r.size for r in runs)
    typer.echo(f"{len(runs)} runs, {human_size(total)}")


@runs_app.command("prune")
def runs_prune(root: Optional[Path] = RootArg,
               min_steps: int = typer.Option(50, "--min-steps", min=0, help="Remove runs that "
                                             "trained fewer steps than this."),
               keep: int = typer.Option(0, "--keep", min=0, help="Keep also the newest N runs "
                                        "whatever their steps (0: none kept for that)."),
               older_than: Optional[float] = typer.Option(None, "--older-than", min=0,
                                                          help="Remove only runs not touched "
                                                          "for this many days."),
               yes: bool = typer.Option(False, "--yes", "-y",
                                        help="Delete (without it: only say what would go).")
               ) -> None:
    """Remove the files rnn-tui wrote in short or abandoned runs (by default only says what it
    would remove); a run folder holding other files keeps them, and stays."""
    from rnn_tui.workspace import delete, human_size, kept_note, scan

    runs = scan(_root(root))  # newest first
    kept = {r.path for r in runs[:keep]}
    now = time.time()
    doomed = [r for r in runs if r.path not in kept and not r.in_use and r.steps < min_steps
              and (older_than is None or now - r.modified >= older_than * 86400)]
    if not doomed:
        typer.echo("nothing to prune")
        return
    freed, failed = 0, 0
    for r in doomed:
        typer.echo(f"{'removing' if yes else 'would remove'} {r.path}  ({r.steps:,} steps, "
                   f"{human_size(r.size)})")
        if yes:
            try:
                size, kept = delete(r.path)
            except EngineError as exc:  # refused or unwritable: say so, go on with the rest
                typer.echo(f"rnn-tui: error: {exc}", err=True)
                failed += 1
                continue
            freed += size
            if kept:
                typer.echo(f"  {kept_note(kept)[2:]}")
    if yes:
        typer.echo(f"removed {len(doomed) - failed} runs, {human_size(freed)} freed")
        if failed:
            raise EngineError(f"{failed} run(s) not removed (see above)")
    else:
        typer.echo(f"{len(doomed)} runs, {human_size(sum(r.size for r in doomed))}: "
                   f"run again with --yes to remove them")


def age(modified: float) -> str:
    seconds = max(0.0, time.time() - modified)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f} {unit} ago"
    return "just now"


def register(app: typer.Typer) -> None:
    app.add_typer(runs_app, name="runs")
