"""What a chapter is once its file has been read and checked (engine/lessons/schema.py): plain
objects - a Chapter of Steps, each with its text, the run it sets up (RunSpec), its check (a
predicate: engine/lessons/predicates.py), an optional Question and the solution (Actions) that
autoplay performs. The player (engine/lessons/player.py) plays them; nothing here reads a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_TIMEOUT_S = 90.0  # how long autoplay waits for a step's check unless the file says
ACTIONS = ("set", "start", "request", "pause", "resume", "step", "answer", "wait")
# A lesson's run reports every step (its checks watch it) unless the file says otherwise.
LESSON_CADENCE = {"log_every": 1}


@dataclass
class RunSpec:
    """The run a step sets up: `task` (None: the language model) and config settings."""
    task: str | None
    settings: dict[str, Any]  # config keys, paths already resolved

    def config(self) -> Any:
        from engine import families

        return families.config_for_task(self.task, {**LESSON_CADENCE, **self.settings},
                                        source="lesson")


@dataclass
class Action:
    """One thing a learner does: kind (ACTIONS) and its argument, the key they would press."""
    kind: str
    arg: Any  # set: (name, value); start: overrides; request: (kind, args); step: n; ...
    key: str | None = None
    say: str | None = None


@dataclass
class Choice:
    text: str
    when: Any  # a predicate: this choice is what the run shows


@dataclass
class Question:
    ask: str
    choices: list[Choice]
    slide: int  # 0-based: the choice the slide (the lecture) gives
    reveal: Any  # a predicate: the run has shown enough to answer


@dataclass
class Step:
    id: str
    title: str
    topic: str  # "CS286 · truncated BPTT": the deck and the topic it teaches
    text: str  # Markdown
    check: Any  # a predicate (question steps: answered and revealed, and the file's check)
    solution: list[Action]
    run: RunSpec | None = None  # None: go on with the previous step's run
    watch: str | None = None  # the panel to focus
    hints: list[str] = field(default_factory=list)
    question: Question | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S
    line: int = 1


@dataclass
class Chapter:
    id: str
    title: str
    summary: str
    decks: list[str]
    steps: list[Step]
    path: Path

    def run_for(self, index: int) -> RunSpec | None:
        """The run in force at step `index`: its own, or the nearest earlier step's."""
        for step in reversed(self.steps[:index + 1]):
            if step.run is not None:
                return step.run
        return None


def chapter_id(path: Path) -> str:
    """A built-in chapter's name from its file: "05-gradients.toml" -> "gradients"."""
    return re.sub(r"^\d+[-_]", "", path.stem)
