"""Pilot tests of the app's life: quitting, closing, a too-small terminal, engine errors
and crashes, divergence, and keys pressed before the trainer exists (fake trainer)."""

from __future__ import annotations

import pytest
from fake_trainer import FakeFactory
from pilot_helpers import run, settled, static_text, wait_for, wait_for_screen

from rnn_tui.app.screens import MessageScreen

pytestmark = pytest.mark.timeout(120)


@pytest.mark.parametrize("key", ["q", "ctrl+c"])
def test_quit_stops_the_trainer_and_exits(key):
    seen = {}

    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press(key)
        await wait_for(lambda: not app.is_running, pilot=None)
        seen["trainer"] = factory.last

    run(body)
    trainer = seen["trainer"]
    assert ("stop",) in trainer.calls
    assert trainer.stopped.is_set()  # it yielded its checkpoint + Finished before exit


def test_closing_the_app_ends_the_worker_thread():
    seen = {}

    async def body(app, pilot, factory):
        await settled(app, pilot)
        seen["runner"] = app.runner

    run(body)
    assert seen["runner"].finished.wait(10.0)


def test_too_small_terminal_shows_a_hint_and_recovers():
    async def body(app, pilot, factory):
        screen = app.main_screen
        await pilot.pause()
        assert screen.has_class("-too-small")
        assert screen.query_one("#too-small").display
        assert not screen.query_one("#panels").display
        assert "rnn-tui needs at least 80x24; this terminal is 70x20" in \
            static_text(app, "#too-small-text")
        await pilot.resize_terminal(100, 30)
        await wait_for(lambda: not screen.has_class("-too-small"), pilot=pilot)
        assert screen.has_class("-compact")
        assert screen.query_one("#panels").display
        await pilot.resize_terminal(160, 48)
        await wait_for(lambda: not screen.has_class("-compact"), pilot=pilot)

    run(body, size=(70, 20))


def test_engine_error_is_shown_not_raised():
    async def body(app, pilot, factory):
        await wait_for_screen(app, pilot, MessageScreen)
        assert "corpus 'nope' not found" in str(app.screen.query_one("#message-text").render())
        assert app.state == "error"
        assert "corpus 'nope' not found" in static_text(app, "#banner")
        await pilot.press("escape")
        await wait_for(lambda: app.screen is app.main_screen, pilot=pilot)
        assert app.is_running

    run(body, FakeFactory(fail="corpus 'nope' not found"))


def test_a_crash_in_the_trainer_is_shown_with_its_traceback():
    async def body(app, pilot, factory):
        await wait_for_screen(app, pilot, MessageScreen)
        assert "bug" in str(app.screen.query_one("#message-title").render())
        assert "RuntimeError" in str(app.screen.query_one("#message-text").render())
        assert app.screen.details and "Traceback" in app.screen.details

    run(body, FakeFactory(crash=True))


def test_divergence_is_shown():
    async def body(app, pilot, factory):
        await wait_for_screen(app, pilot, MessageScreen)
        assert "diverged" in str(app.screen.query_one("#message-title").render())
        assert "loss is nan at step 7" in str(app.screen.query_one("#message-text").render())
        assert app.state == "error"
        await pilot.press("escape")
        # space after a failed run starts a fresh one
        await pilot.press("space")
        await wait_for(lambda: len(factory.trainers) == 2, pilot=pilot)

    run(body, FakeFactory(diverge_at=7))


def test_keys_before_the_trainer_exists_are_queued():
    """A trainer whose construction is slow (torch import, data) still gets the calls."""
    import threading

    gate = threading.Event()

    class SlowFactory(FakeFactory):
        def __call__(self, config):
            gate.wait(30)
            return super().__call__(config)

    async def body(app, pilot, factory):
        await pilot.press("T", "s")
        assert not factory.trainers
        gate.set()
        await wait_for(lambda: factory.trainers and
                       len(factory.last.calls) >= 3, pilot=pilot)
        assert factory.last.calls_named("set_hparam") == [("set_hparam", "temperature", 0.9)]
        assert factory.last.calls_named("request_checkpoint")

    run(body, SlowFactory())
