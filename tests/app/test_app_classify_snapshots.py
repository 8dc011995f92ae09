"""Snapshot tests of the classify view against the fake classifier trainer (deterministic:
fixed events, no clock). Regenerate after an intended change with
    .venv/bin/python -m pytest tests/app/test_app_classify_snapshots.py --snapshot-update
and look at the SVGs in tests/app/__snapshots__/test_app_classify_snapshots/.
"""

from __future__ import annotations

import time

import pytest
from fake_trainer import FakeFactory
from textual.widgets import Input

from engine.families.classify.config import ClassifyConfig
from rnn_tui.app import create_app

pytestmark = pytest.mark.timeout(60)

CONFIG = ClassifyConfig(data="names", hidden=128, layers=1, lr=3e-3, clip=1.0)
PAIR = ("I gave the ball to John, who gave it to Mary",
        "I gave the ball to Mary, who gave it to John")


async def wait(pilot, predicate) -> None:
    deadline = time.monotonic() + 10
    while not predicate():
        assert time.monotonic() < deadline, "the fake's events never arrived"
        await pilot.pause(0.01)
    await pilot.pause()


async def settle(pilot) -> None:
    app = pilot.app
    await wait(pilot, lambda: app.info.get("eval") is not None and app.info["eval"].step == 40
               and app.view.mistakes is not None)


def test_classify_training(snap_compare):
    app = create_app(CONFIG, FakeFactory())
    assert snap_compare(app, terminal_size=(160, 48), run_before=settle)


def test_classify_word_order_pair(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        for i, text in enumerate(PAIR):
            await pilot.press("p")
            prompt = pilot.app.main_screen.query_one("#classify-prompt", Input)
            prompt.value = text
            await pilot.press("enter")
            await wait(pilot, lambda: len(pilot.app.view.explained) == i + 1)

    app = create_app(CONFIG, FakeFactory())
    assert snap_compare(app, terminal_size=(160, 48), run_before=run_before)


def test_classify_compact_scores(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("tab", "tab", "tab")  # the held-out scores panel

    app = create_app(CONFIG, FakeFactory())
    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)
