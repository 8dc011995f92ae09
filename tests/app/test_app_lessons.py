"""Lesson mode in the app (rnn_tui/app/lessons.py), against the fake trainer: the panel
beside the live panels, its keys (→ ← h L, 1-6), the check passing on the run's events, the
learner's own keys driving the run, progress kept; and a snapshot of the panel."""

from __future__ import annotations

import asyncio
import time

import pytest
from fake_trainer import FakeFactory
from pilot_helpers import wait_for, wait_for_screen

from engine.families.lm.config import LMConfig
from engine.lessons.progress import Progress
from engine.lessons.schema import load_chapter
from rnn_tui.app import create_app
from rnn_tui.app.screens import ModeScreen
from rnn_tui.widgets.lesson_panel import LessonPanel
from tests.lesson_helpers import LESSONS

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def chapter(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return load_chapter(LESSONS / "demo.toml")  # two steps: let it train, cool it down


def lesson_app(chapter):
    config = chapter.run_for(0).config()
    factory = FakeFactory()
    return create_app(config, factory, lesson=(chapter, False)), factory


def play(chapter, body):
    """body(app, pilot, factory) in the lesson app once the chapter's first run is up; then
    (app, factory)."""
    async def main():
        app, factory = lesson_app(chapter)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(lambda: app.lesson is not None and factory.trainers, pilot=pilot)
            await body(app, pilot, factory)
        return app, factory

    return asyncio.run(main())


def panel_text(app) -> str:
    panel = app.main_screen.query_one(LessonPanel)
    return str(app.main_screen.query_one("#lesson-body").render()) if panel else ""


def test_a_chapter_in_the_app(chapter):
    async def body(app, pilot, factory):
        panel = app.main_screen.query_one(LessonPanel)
        assert panel.has_class("-visible")
        assert factory.trainers[0].config.corpus == "hello"  # the step's run
        await wait_for(lambda: app.lesson.passed, pilot=pilot)  # the fake's evals
        await pilot.press("h")
        assert app.lesson.hints_shown == 1
        await pilot.press("right")
        assert app.lesson.index == 1 and not app.lesson.passed
        await pilot.press("t", "t", "t")  # the learner's own key: 0.8 -> 0.5
        await wait_for(lambda: app.lesson.passed, pilot=pilot)
        await pilot.press("left")
        assert app.lesson.index == 0
        await pilot.press("L")
        await wait_for_screen(app, pilot, ModeScreen)
        await pilot.press("escape")

    play(chapter, body)
    key = f"file:{chapter.path.resolve()}"
    assert Progress().done(key) == {"train", "cool"}


def test_lesson_keys_only_in_lesson_mode():
    """Without a lesson h, → and the digits do nothing lesson-like (and L opens the list)."""
    async def main():
        app = create_app(LMConfig(model="lstm", hidden=64, layers=2), FakeFactory())
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause(0.2)
            assert app.lesson is None
            assert app.check_action("lesson_hint", ()) is False
            assert not app.main_screen.query_one(LessonPanel).has_class("-visible")

    asyncio.run(main())


async def _passed_first_step(pilot) -> None:
    app = pilot.app
    deadline = time.monotonic() + 60
    while not (app.lesson is not None and app.lesson.passed and not app.revealing
               and app.info.get("eval") is not None and app.info["eval"].step == 40):
        assert time.monotonic() < deadline
        await pilot.pause(0.05)
    await pilot.press("h")
    app.clear_notifications()  # ("Training restarted": a toast, gone after seconds)
    await pilot.pause(0.6)  # the panel redraws every 0.25 s


def test_lesson_panel_snapshot(snap_compare, chapter):
    app, _ = lesson_app(chapter)
    assert snap_compare(app, terminal_size=(160, 48), run_before=_passed_first_step)


def test_autoplay_in_the_app(chapter):
    """`rnn-tui learn --autoplay --app`: the solutions played through the app's controller."""
    async def main():
        app, factory = lesson_app(chapter)
        app.lesson_autoplay = True
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(lambda: app.lesson_results is not None
                           and len(app.lesson_results) == 2, pilot=pilot)
        return app, factory

    app, factory = asyncio.run(main())
    assert [r.passed for r in app.lesson_results] == [True, True]
    # (the fake sends its whole script at once, evals included: only step 2's check, a
    # setting the solution changes, can be judged "false before the solution" here)
    assert not app.lesson_results[1].held_early
    assert ("set_hparam", "temperature", 0.5) in factory.last.calls_named("set_hparam")


def test_typing_in_a_prompt_is_not_a_lesson_key(chapter):
    """h, the digits and the arrows type into the prompt while it is open."""
    async def body(app, pilot, factory):
        await pilot.press("right")
        assert app.lesson.index == 1
        await pilot.press("p")
        await wait_for(lambda: app.focused is not None and app.focused.id == "prompt",
                       pilot=pilot)
        await pilot.press("h", "1", "left")
        assert app.focused.value == "h1" and app.focused.cursor_position == 1
        assert app.lesson.index == 1 and app.lesson.hints_shown == 0

    play(chapter, body)


def test_show_me_plays_the_steps_solution(chapter):
    async def body(app, pilot, factory):
        await pilot.press("right")
        assert not app.lesson.passed
        await pilot.press("P")
        await wait_for(lambda: app.lesson.passed, pilot=pilot)

    _, factory = play(chapter, body)
    assert ("set_hparam", "temperature", 0.5) in factory.last.calls_named("set_hparam")


def test_a_chapter_of_another_family_from_the_list(chapter):
    """L, then a chapter whose run is another family's: the view switches, the panel
    follows it, the watched panel comes to the front once the new view is up."""
    async def body(app, pilot, factory):
        await pilot.press("L")
        await wait_for_screen(app, pilot, ModeScreen)
        names = [key for key, _ in app.screen.entries]
        app.screen.dismiss("seq2seq")
        await wait_for(lambda: app.mode == "seq2seq" and app.main_screen.is_mounted
                       and app.screen is app.main_screen, pilot=pilot)
        await wait_for(lambda: app.main_screen.query_one(LessonPanel).has_class(
            "-visible"), pilot=pilot)
        assert app.lesson.chapter.id == "seq2seq" and "seq2seq" in names

    play(chapter, body)
