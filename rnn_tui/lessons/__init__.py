"""The built-in chapters: one TOML file per chapter in this folder (data, not code).

The files travel in the wheel with the package and are found through importlib.resources,
so `rnn-tui learn` works from an installed copy as from the source tree. A chapter's name is
its file name without the order prefix: "05-gradients.toml" is `rnn-tui learn gradients`.
The schema is in docs/lessons.md; engine/lessons reads and checks the files.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from engine.lessons.chapter import chapter_id


def builtin_files() -> list[Path]:
    """The chapter files in order (their names start with the chapter's number)."""
    folder = resources.files(__name__)
    return sorted(Path(str(f)) for f in folder.iterdir() if f.name.endswith(".toml"))


def builtin(name: str) -> Path | None:
    """The file of built-in chapter `name` ("gradients"), or None."""
    return next((f for f in builtin_files() if chapter_id(f) == name), None)


def names() -> list[str]:
    return [chapter_id(f) for f in builtin_files()]
