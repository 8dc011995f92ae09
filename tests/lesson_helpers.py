"""The chapters the lesson tests play: TOML files in tests/fixtures/lessons/ (data, like the
built-in chapters in rnn_tui/lessons/).

    tiny.toml   one language-model step: the valid file the schema tests break line by line
    fake.toml   a clipping step and a question step: the player against a fake controller
    demo.toml   a language-model step and a live-setting step: lesson mode in the app
"""

from __future__ import annotations

from pathlib import Path

LESSONS = Path(__file__).resolve().parent / "fixtures" / "lessons"


def chapter_text(name: str) -> str:
    """The text of tests/fixtures/lessons/NAME.toml."""
    return (LESSONS / f"{name}.toml").read_text(encoding="utf-8")
