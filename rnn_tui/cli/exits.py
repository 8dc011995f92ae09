"""The exit codes of every command, and the one line a user-fixable problem prints."""

from __future__ import annotations

import typer

EXIT_USAGE = 2  # bad input (corpus, config, checkpoint, device), a busy or full run dir
EXIT_DIVERGED = 3  # training stopped on a NaN/inf loss (the last good checkpoint is kept)
EXIT_INTERRUPTED = 130  # Ctrl+C or SIGTERM (a checkpoint was saved)


def error(message: str) -> None:
    typer.echo(f"rnn-tui: error: {message}", err=True)
