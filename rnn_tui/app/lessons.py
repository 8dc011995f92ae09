"""Lesson mode: a chapter's steps in a panel beside the live panels (`rnn-tui learn`).

`LessonsMixin` is part of RnnTuiApp. It owns a `LessonPlayer` (engine/lessons/player.py),
which drives and watches the run only through the app's controller (`app.controller`), and
the keys of lesson mode: → / ← next / previous step, h a hint, 1-6 answer a question, L
the chapter list (also outside lesson mode). The learner's own keys keep working: the
lesson watches what they do to the run.

engine/lessons is imported when a lesson or the chapter list opens, not with the app: a
launch without a lesson does not pay for it before its first frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.binding import Binding
from textual.widgets import Input

from rnn_tui.widgets.lesson_panel import LessonPanel

if TYPE_CHECKING:  # pragma: no cover
    from engine.lessons.chapter import Chapter
    from engine.lessons.player import LessonPlayer
    from engine.lessons.progress import Progress

REFRESH_S = 0.25  # the panel redraws at most this often (a lesson run reports every step)
MAX_CHOICES = 6

LESSON_BINDINGS = [
    Binding("L", "lessons", "Lessons", show=False, tooltip="Lessons: the chapters, with "
            "your progress"),
    Binding("right", "lesson_next", "Next step", priority=True,
            tooltip="Lessons: the next step"),
    Binding("left", "lesson_previous", "Previous step", show=False, priority=True,
            tooltip="Lessons: the previous step"),
    Binding("h", "lesson_hint", "Hint", tooltip="Lessons: a hint for this step"),
    Binding("P", "lesson_play", "Show me", show=False,
            tooltip="Lessons: play this step's solution (the actions a learner would take)"),
    Binding("1", "lesson_answer(1)", "Answer a question", show=False,
            tooltip="Lessons: answer a question (1 to 6: the choice)"),
    *(Binding(str(n), f"lesson_answer({n})", "", show=False)  # (one row in the help)
      for n in range(2, MAX_CHOICES + 1)),
]
LESSON_ACTIONS = ("lesson_next", "lesson_previous", "lesson_hint", "lesson_answer",
                  "lesson_play")


def chapter_entries(progress: Progress) -> list[tuple[str, str]]:
    """(chapter name, "title  done/steps") of every built-in chapter, for the list."""
    from engine.lessons.chapter import chapter_id
    from engine.lessons.schema import LessonFileError, peek
    from rnn_tui import lessons

    entries = []
    for path in lessons.builtin_files():
        try:
            title, ids = peek(path)  # (checked in full when opened)
        except LessonFileError:
            continue
        name = chapter_id(path)
        done = progress.done(name) & set(ids)
        entries.append((name, f"{title}  ({len(done)}/{len(ids)})"))
    return entries


class LessonsMixin:
    """Lesson mode of RnnTuiApp (see the module docstring)."""

    lesson: LessonPlayer | None = None
    lesson_pending: Any = None  # what to open once the first view is up: a chapter, "list"
    lesson_autoplay = False  # play the opened chapter's solutions (learn --autoplay --app)
    lesson_results: list | None = None  # what autoplay found, step by step
    _lesson_dirty = False

    def lesson_mounted(self, screen: Any) -> None:
        """A view is up (the first, or another family's): show the panel, open what waits."""
        pending, self.lesson_pending = self.lesson_pending, None
        if pending == "list":
            self.action_lessons()
        elif pending is not None:
            self.open_chapter(*pending)
        self._show_lesson_panel()
        self._focus_watched()

    def open_chapter(self, chapter: Chapter, builtin: bool = True,
                     index: int | None = None) -> None:
        from engine.lessons.player import LessonPlayer, progress_key
        from engine.lessons.progress import Progress

        if self.lesson is not None:
            self.lesson.close()
        progress = Progress()
        key = progress_key(chapter, builtin)
        self.lesson = LessonPlayer(chapter, self.controller, progress, key=key,
                                   on_change=self._lesson_changed)
        self.lesson.open(progress.position(key) if index is None else index)
        if not hasattr(self, "_lesson_timer"):
            self._lesson_timer = self.set_interval(REFRESH_S, self._redraw_lesson)
        self._show_lesson_panel()
        self._focus_watched()
        self.refresh_bindings()
        if self.lesson_autoplay:
            self.run_worker(self._autoplay(), name="lesson-autoplay", exclusive=True)

    async def _autoplay(self) -> None:
        """Every step's solution, through the app's controller, then quit."""
        if self.lesson_results is None:
            self.lesson_results = []
        await self.lesson.autoplay(self._autoplayed)
        self.exit()

    def _autoplayed(self, result: Any) -> None:
        self.lesson_results.append(result)
        self._lesson_dirty = True
        self._focus_watched()

    # --- the panel ---------------------------------------------------------------------------

    def _lesson_panel(self) -> LessonPanel | None:
        found = self.main_screen.query(LessonPanel)
        return found.first() if found else None

    def _show_lesson_panel(self) -> None:
        panel = self._lesson_panel()
        if panel is None:
            return
        panel.set_class(self.lesson is not None, "-visible")
        if self.lesson is not None:
            panel.show(self.lesson)

    def _lesson_changed(self) -> None:
        self._lesson_dirty = True

    def _redraw_lesson(self) -> None:
        if self._lesson_dirty and self.lesson is not None:
            self._lesson_dirty = False
            panel = self._lesson_panel()
            if panel is not None:
                panel.show(self.lesson)

    def _focus_watched(self) -> None:
        """Bring the panel the step watches to the front (its title or id names it); a view
        still being switched to does it once mounted (lesson_mounted)."""
        watch = self.lesson.step.watch if self.lesson else None
        if not watch or not self.main_screen.is_mounted or self.screen is not self.main_screen:
            return
        for i, (panel_id, title) in enumerate(self.main_screen.panels):
            if watch in (title.lower(), panel_id.split("-")[0]) or \
                    title.lower().startswith(watch[:4]):
                self._activate_panel(i)
                return

    # --- keys ------------------------------------------------------------------------------

    def lesson_action_state(self, action: str) -> bool | None:
        """Lesson keys exist only in lesson mode, and never steal a prompt's typing."""
        if action not in LESSON_ACTIONS:
            return None
        if self.lesson is None or isinstance(self.focused, Input):
            return False
        if action == "lesson_answer":
            return self.lesson.step.question is not None and self.lesson.obs.answer is None
        return True

    def action_lessons(self) -> None:
        from engine.lessons.progress import Progress
        from engine.lessons.schema import LessonFileError, load_chapter
        from rnn_tui import lessons
        from rnn_tui.app.screens import ModeScreen

        current = self.lesson.chapter.id if self.lesson else ""

        def picked(name: str | None) -> None:
            if name is None:
                return
            try:
                chapter = load_chapter(lessons.builtin(name))
            except LessonFileError as exc:
                self.notify(str(exc), severity="error", timeout=8)
                return
            self.open_chapter(chapter, True)

        self.push_screen(ModeScreen(chapter_entries(Progress()), current, title="Lessons",
                                    hint="Enter opens a chapter (its run starts) · Esc "
                                         "closes"), picked)

    def action_lesson_next(self) -> None:
        self._move(1)

    def action_lesson_previous(self) -> None:
        self._move(-1)

    def _move(self, delta: int) -> None:
        player = self.lesson
        target = player.index + delta
        if not 0 <= target < len(player.chapter.steps):
            self.notify("the last step of the chapter: L for the next chapter" if delta > 0
                        else "the first step", timeout=3)
            return
        player.open(target)
        self._lesson_dirty = True
        self._focus_watched()
        self.refresh_bindings()

    def action_lesson_hint(self) -> None:
        if self.lesson.hint() is None:
            self.notify("no more hints for this step", timeout=3)

    def action_lesson_play(self) -> None:
        self.notify("playing this step's solution", timeout=3)
        self.run_worker(self.lesson.play_solution(), name="lesson-solution", exclusive=True)

    def action_lesson_answer(self, choice: int) -> None:
        self.lesson.answer(choice - 1)
        self.refresh_bindings()


def run_lesson_app(chapter: Chapter | None, builtin: bool = True,
                   autoplay: list | None = None) -> int:
    """`rnn-tui learn [CHAPTER]`: the app in lesson mode, on the chapter (or its list); the
    app's exit code. With `autoplay` (a list), the chapter's solutions are played in the
    app and their results appended to it."""
    from engine import families
    from rnn_tui.app import run_app

    spec = chapter.run_for(0) if chapter is not None else None
    config = spec.config() if spec is not None else families.config_for_task(None, {})
    return run_app(config, lesson=(chapter, builtin) if chapter is not None else "list",
                   autoplay=autoplay)
