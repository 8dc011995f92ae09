"""The runs screen's delete removes only the files rnn-tui wrote (issue 18): over a mixed
workspace it lists only the real runs, and deleting them keeps every other file."""

from __future__ import annotations

import asyncio

import pytest
from fake_trainer import FakeFactory
from pilot_helpers import CONFIG, SIZE, settled, wait_for, wait_for_screen
from run_trees import make_real_run, mixed, only_rnn_tui_files_went, tree

from rnn_tui.app import create_app
from rnn_tui.app.runs import RunsScreen
from rnn_tui.app.screens import ConfirmScreen

pytestmark = pytest.mark.timeout(120)


def test_the_runs_screen_deletes_only_what_rnn_tui_wrote(tmp_path):
    ws = mixed(tmp_path / "ws", make_real_run(tmp_path / "real"))
    before = tree(ws)

    async def main():
        app = create_app(CONFIG, FakeFactory())
        async with app.run_test(size=SIZE) as pilot:
            await settled(app, pilot)
            app.push_screen(RunsScreen(ws))
            await wait_for_screen(app, pilot, RunsScreen)
            screen = app.screen
            await wait_for(lambda: len(screen.runs) == 2, pilot=pilot)
            assert sorted(r.name for r in screen.runs) == ["runs/a", "runs/b"]
            for _ in range(2):
                await pilot.press("d")
                await wait_for_screen(app, pilot, ConfirmScreen)
                await pilot.press("y")
                await wait_for_screen(app, pilot, RunsScreen)
            await wait_for(lambda: not screen.runs, pilot=pilot)

    asyncio.run(main())
    only_rnn_tui_files_went(before, tree(ws), ["runs/a", "runs/b"])
    assert sorted(p.name for p in (ws / "runs" / "b").iterdir()) == ["notes.md", "plots"]
