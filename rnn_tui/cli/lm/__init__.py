"""The language model's commands: `baseline` and `corpus` (data.py), `score` (score.py),
`ladder` (ladder.py)."""

from __future__ import annotations

import typer

from rnn_tui.cli.lm import data, ladder, score


def register(app: typer.Typer) -> None:
    data.register(app)
    score.register(app)
    ladder.register(app)
