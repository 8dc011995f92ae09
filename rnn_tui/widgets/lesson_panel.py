"""The lesson panel: the current step of a chapter beside the live panels (`rnn-tui learn`).

It only displays what a `LessonPlayer` (engine/lessons/player.py) holds: the chapter and the
step (its deck topic, its Markdown text), the question and its choices, the check with the
value it waits on, the hints asked for so far, the verdict of a question, and the progress
through the chapter. The app calls `show(player)` after anything changed.
"""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

KEYS = "→ next · ← previous · h hint · P show me · L chapters"


def step_marks(player: Any) -> Text:
    """One mark per step: ✓ done, ▸ this one, · to do."""
    done = player.done()
    marks = Text()
    for i, step in enumerate(player.chapter.steps):
        if i == player.index:
            marks.append("▸", style="bold #4fc3f7")
        elif step.id in done:
            marks.append("✓", style="green")
        else:
            marks.append("·", style="dim")
    return marks


def check_line(player: Any) -> Text:
    if player.passed:
        return Text("✓ check passed: → for the next step", style="bold green")
    line = Text("◌ waiting: ", style="bold #ffb74d")
    line.append(player.check_text(), style="#ffb74d")
    return line


def question_lines(player: Any) -> list[Any]:
    q = player.step.question
    if q is None:
        return []
    lines: list[Any] = [Text(q.ask, style="bold")]
    answer = player.obs.answer
    for i, choice in enumerate(q.choices):
        mark = "●" if answer == i else "○"
        style = "bold" if answer == i else ""
        if player.revealed == i:
            style += " green"
        lines.append(Text(f" {i + 1} {mark} {choice.text}", style=style.strip()))
    if answer is None:
        lines.append(Text("press a number to answer: the run starts then", style="dim"))
    verdict = player.verdict()
    if verdict:
        lines.append(Text(verdict, style="italic"))
    return lines


def render_step(player: Any) -> Group:
    """Everything the panel shows for the player's current step."""
    from rich.markdown import Markdown  # (lesson mode only: not paid for by every launch)

    step, chapter = player.step, player.chapter
    head = Text(f"{chapter.title}\n", style="bold")
    head.append(f"step {player.index + 1}/{len(chapter.steps)}  ")
    head.append_text(step_marks(player))
    # The check first after the titles: on a small terminal the rest scrolls, the state of
    # the step stays in view.
    parts: list[Any] = [head, Text(step.title, style="bold #4fc3f7"),
                        Text(step.topic, style="italic dim"), check_line(player),
                        Markdown(step.text.strip())]
    parts += question_lines(player)
    for hint in step.hints[:player.hints_shown]:
        parts.append(Text(f"hint: {hint}", style="#ce93d8"))
    if step.watch:
        parts.append(Text(f"watch: the {step.watch} panel", style="dim"))
    parts.append(Text(KEYS, style="dim"))
    return Group(*parts)


class LessonPanel(VerticalScroll, can_focus=False):
    """Docked beside the dashboard's panels in lesson mode (hidden otherwise)."""

    DEFAULT_CSS = """
    LessonPanel { dock: right; width: 46; border: round $accent; padding: 0 1;
                  display: none; }
    LessonPanel.-visible { display: block; }
    """

    _pending: Any = None  # a step shown before the body was composed (a view switching in)

    def compose(self):
        yield Static("", id="lesson-body")

    def on_mount(self) -> None:
        self.call_after_refresh(self._show_pending)

    def _show_pending(self) -> None:
        if self._pending is not None:
            self.show(self._pending)

    def show(self, player: Any) -> None:
        self.border_title = "Lesson"
        body = self.query("#lesson-body")
        if not body:  # seen in CI: the panel was found while its view was still mounting
            self._pending = player
            return
        self._pending = None
        body.first(Static).update(render_step(player))
