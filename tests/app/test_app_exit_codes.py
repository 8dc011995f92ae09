"""The app's exit code (issue 18), as the README's table says: 2 after "Cannot train" (bad
input) and q, 1 after a trainer crash, 130 after SIGTERM (it checkpoints first), else 0."""

from __future__ import annotations

import signal

import pytest
from fake_trainer import FakeFactory
from pilot_helpers import run, settled, wait_for, wait_for_screen

from rnn_tui.app.screens import MessageScreen

pytestmark = pytest.mark.timeout(120)


async def quit_after_the_error(app, pilot, factory):
    await wait_for_screen(app, pilot, MessageScreen)
    await pilot.press("escape")
    await wait_for(lambda: app.screen is app.main_screen, pilot=pilot)
    await pilot.press("q")
    await wait_for(lambda: not app.is_running, pilot=None)


@pytest.mark.parametrize("factory, code", [
    (lambda: FakeFactory(fail="--bptt 500 is longer than the corpus"), 2),
    (lambda: FakeFactory(crash=True), 1),
])
def test_quitting_after_a_failed_start(factory, code):
    app = run(quit_after_the_error, factory())
    assert app.exit_code() == code


def test_sigterm_checkpoints_and_exits_130_and_q_exits_0():
    seen = {}

    async def terminated(app, pilot, factory):
        await settled(app, pilot)
        app._on_terminate_signal(signal.SIGTERM)
        await wait_for(lambda: not app.is_running, pilot=None)
        seen["trainer"] = factory.last

    app = run(terminated)
    assert app.exit_code() == 130 and ("stop",) in seen["trainer"].calls

    async def quit(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("q")
        await wait_for(lambda: not app.is_running, pilot=None)

    assert run(quit).exit_code() == 0
