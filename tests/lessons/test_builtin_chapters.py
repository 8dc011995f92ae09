"""Every built-in chapter: enough of them, each step's check false before anything ran, and
(slow) every step reached by its own solution, headless, on the real trainer."""

from __future__ import annotations

import asyncio

import pytest

from engine.lessons.headless import autoplay_headless
from engine.lessons.observe import Observation
from engine.lessons.schema import load_chapter
from rnn_tui import lessons

CHAPTERS = lessons.names()
STEPS = [(name, i) for name in CHAPTERS
         for i in range(len(load_chapter(lessons.builtin(name)).steps))]


def test_the_chapters_follow_the_decks():
    assert len(CHAPTERS) >= 10
    decks = {d for name in CHAPTERS for d in load_chapter(lessons.builtin(name)).decks}
    assert {"AI504", "CS286", "CoE202", "ADL", "IIIT"} <= decks


@pytest.mark.parametrize("name,index", STEPS, ids=[f"{n}-{i + 1}" for n, i in STEPS])
def test_a_steps_check_starts_false(name, index):
    """Before the step's run reported anything (and before its question is answered)."""
    step = load_chapter(lessons.builtin(name)).steps[index]
    assert not step.check.holds(Observation())


@pytest.mark.slow
@pytest.mark.parametrize("name", CHAPTERS)
def test_autoplay_reaches_every_check(name):
    """`rnn-tui learn --autoplay NAME`: each step's solution passes its check, within its
    timeout (90 s by default), and no check held before its solution was played."""
    chapter = load_chapter(lessons.builtin(name))
    results = asyncio.run(autoplay_headless(chapter))
    assert [r.step.id for r in results] == [s.id for s in chapter.steps]
    for r in results:
        assert r.passed, (r.step.id, r.note)
        assert not r.held_early, r.step.id
        assert r.train_seconds < 90, (r.step.id, r.train_seconds)
