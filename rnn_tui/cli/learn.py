"""`rnn-tui learn`: the chapters that follow the lecture decks, as checked steps in the app.

    rnn-tui learn                        # the app in lesson mode, the chapter list first
    rnn-tui learn gradients              # one built-in chapter (its name, see --list)
    rnn-tui learn my-lesson.toml         # a teacher's file, from anywhere
    rnn-tui learn --list                 # the chapters and the learner's progress
    rnn-tui learn --validate FILE        # exit 0, or exit 2 with file:line: what is wrong
    rnn-tui learn --autoplay gradients   # play every step's solution headless, time each
    rnn-tui learn --autoplay --app gradients   # the same in the app (watch it play)
    rnn-tui learn --reset [CHAPTER]      # forget progress (one chapter, or all)

The lesson files are data (engine/lessons, docs/lessons.md): a file that does not validate
runs nothing. The lessons' modules (and asyncio) are imported by the command, not with this
module: `rnn-tui --help` imports every command's module.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import typer

if TYPE_CHECKING:  # pragma: no cover
    from engine.lessons.chapter import Chapter

EXIT_BAD_LESSON = 2
EXIT_STEP_FAILED = 1  # --autoplay: a step's check was not reached


def resolve(target: str) -> tuple[Path, bool]:
    """(file, built-in?) of a chapter name or a lesson file path."""
    from engine.lessons.schema import LessonFileError
    from rnn_tui import lessons

    found = lessons.builtin(target)
    if found is not None:
        return found, True
    path = Path(target)
    if path.suffix == ".toml" or path.exists():
        return path, False
    known = ", ".join(lessons.names())
    raise LessonFileError(target, 1, f"no chapter {target!r} (built-in: {known}; or a "
                          f"lesson file ending in .toml)")


def load(target: str) -> tuple[Chapter, bool]:
    from engine.lessons.schema import load_chapter

    path, builtin = resolve(target)
    return load_chapter(path), builtin


def register(app: typer.Typer) -> None:
    @app.command("learn")
    def learn_command(
            target: Optional[str] = typer.Argument(None, help="A chapter's name (see --list) "
                                                   "or a lesson file (.toml)."),
            list_: bool = typer.Option(False, "--list", help="List the chapters with your "
                                       "progress."),
            validate: bool = typer.Option(False, "--validate", help="Check the lesson file "
                                          "(or chapter): exit 0, or 2 with file:line."),
            autoplay: bool = typer.Option(False, "--autoplay", help="Play every step's "
                                          "solution headless and print each step's time "
                                          "to its check."),
            in_app: bool = typer.Option(False, "--app", help="With --autoplay: play it in "
                                        "the app (watch it), then print the times."),
            reset: bool = typer.Option(False, "--reset", help="Forget your progress (of "
                                       "TARGET, or of every chapter).")) -> None:
        """Lessons: the lecture decks as guided, checked chapters over live runs."""
        from engine.lessons.schema import LessonFileError
        from rnn_tui.cli.train import refuse_under_torchrun

        refuse_under_torchrun("`rnn-tui learn`")
        try:
            _learn(target, list_, validate, autoplay, reset, in_app)
        except LessonFileError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(EXIT_BAD_LESSON) from None


def _learn(target: str | None, list_: bool, validate: bool, autoplay: bool,
           reset: bool, in_app: bool = False) -> None:
    from engine.lessons.progress import Progress
    from engine.lessons.schema import LessonFileError

    if list_:
        print_list(Progress())
    elif reset:
        key = _progress_key(*load(target)) if target else None
        Progress().reset(key)
        typer.echo(f"progress of {target or 'every chapter'} forgotten")
    elif validate or autoplay:
        if not target:
            raise LessonFileError("rnn-tui learn", 1, "give a chapter or a lesson file")
        chapter, _ = load(target)
        if validate:
            typer.echo(f"{chapter.path}: ok, {len(chapter.steps)} steps")
        elif in_app:
            from rnn_tui.app.lessons import run_lesson_app

            results: list = []
            run_lesson_app(chapter, autoplay=results)
            report_all(chapter, results, "in the app")
        else:
            play_headless(chapter)
    else:
        chapter, builtin = load(target) if target else (None, True)
        from rnn_tui.app.lessons import run_lesson_app

        code = run_lesson_app(chapter, builtin)
        if code:
            raise typer.Exit(code)


def _progress_key(chapter: Chapter, builtin: bool) -> str:
    from engine.lessons.player import progress_key

    return progress_key(chapter, builtin)


def print_list(progress) -> None:
    from engine.lessons.chapter import chapter_id
    from engine.lessons.schema import LessonFileError, peek
    from rnn_tui import lessons

    for i, path in enumerate(lessons.builtin_files(), 1):
        try:
            title, ids = peek(path)  # (a chapter is checked in full when it is opened)
        except LessonFileError as exc:  # a broken built-in: say so, list the rest
            typer.echo(f"{i:3}. {path.name}: {exc}")
            continue
        name, n = chapter_id(path), len(ids)
        count = len(progress.done(name) & set(ids))
        mark = "✓" if count == n else " "
        typer.echo(f"{i:3}. {mark} {name:<18} {count:>2}/{n:<2} {title}")


def report_line(r, n: int) -> None:
    """One step's autoplay result (and the question's verdict or why it failed)."""
    mark = "✓" if r.passed else "✗"
    early = "  (its check held before the solution: a bad step)" if r.held_early else ""
    typer.echo(f"  {r.index + 1:>2}/{n} {mark} {r.step.id:<18} {r.seconds:6.1f} s "
               f"(training {r.train_seconds:5.1f} s)  {r.step.topic}{early}")
    if r.note:
        typer.echo(f"         {r.note}")


def report_all(chapter: Chapter, results: list, where: str, seconds: float | None = None,
               printed: bool = False) -> None:
    """The summary line; exit 1 unless every step passed (its check false before)."""
    n = len(chapter.steps)
    if not printed:
        typer.echo(f"{chapter.id}: {chapter.title} ({n} steps, autoplay, {where})")
        for r in results:
            report_line(r, n)
    passed = sum(1 for r in results if r.passed and not r.held_early)
    took = f" in {seconds:.1f} s" if seconds is not None else ""
    typer.echo(f"{passed}/{n} steps reached their check{took}")
    if passed < n:
        raise typer.Exit(EXIT_STEP_FAILED)


def play_headless(chapter: Chapter) -> None:
    """--autoplay: every step's solution on the real trainer, no app; exit 1 on a failure."""
    import asyncio

    from engine.lessons.headless import autoplay_headless

    n = len(chapter.steps)
    typer.echo(f"{chapter.id}: {chapter.title} ({n} steps, autoplay, headless)")
    t0 = time.monotonic()
    results = asyncio.run(autoplay_headless(chapter, report=lambda r: report_line(r, n)))
    report_all(chapter, results, "headless", time.monotonic() - t0, printed=True)
