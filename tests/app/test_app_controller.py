"""The app's controller (rnn_tui/app/controller.py): one run state, driven from outside the
widgets. On the fake trainer (no torch); the same drive on the real engine is in
test_app_controller_engine.py."""

from __future__ import annotations

import pytest
from fake_trainer import FakeFactory
from pilot_helpers import run, settled, status_text, wait_for

from engine.errors import EngineError
from engine.families.tag.config import TagConfig
from rnn_tui.app.controller import StatusChanged
from rnn_tui.app.screens import binding_rows

pytestmark = pytest.mark.timeout(120)

MOST_FREQUENT = "baseline:most frequent tag:accuracy"


def test_a_live_learning_rate_is_kept_by_reset_and_shown():
    """- twice, then r: the new run trains at the quartered rate; the status bar says the
    value was kept; the help says that - keeps it."""
    async def body(app, pilot, factory):
        await settled(app, pilot)
        first = factory.last
        await pilot.press("minus", "minus")
        await wait_for(lambda: app.controller.run.settings["lr"] == 5e-4, pilot=pilot)
        assert [c[1:] for c in first.calls_named("set_hparam")] == [("lr", 1e-3), ("lr", 5e-4)]
        assert app.config.lr == 5e-4  # the run's config has it (what r rebuilds from)

        await pilot.press("r")
        await pilot.press("y")  # the confirm dialog
        await wait_for(lambda: len(factory.trainers) == 2, pilot=pilot)
        await settled(app, pilot)
        second = factory.last
        assert second is not first and second.config.lr == 5e-4
        assert second.hp["lr"] == 5e-4
        assert app.info["train"].lr == 5e-4  # it trains at the changed rate
        assert app.controller.run.kept == {"lr": 5e-4}
        status = status_text(app)
        assert "lr 5.00e-04" in status and "kept lr=5.00e-04" in status

        help_lines = [description for _, description in binding_rows(app)]
        assert any("Learning rate ÷2 (kept for the next run)" in d for d in help_lines)

    run(body)


def test_a_cell_switch_keeps_the_live_rate_but_not_an_explosion():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        c = app.controller
        c.set("lr", 1e-3)
        c.set("clip", 5.0, keep=False)  # a moment's change
        await wait_for(lambda: c.run.settings["clip"] == 5.0, pilot=pilot)
        await pilot.press("m")  # lstm -> gru: a new run
        await wait_for(lambda: len(factory.trainers) == 2 and c.run.status == "running",
                       pilot=pilot)
        assert factory.last.config.model == "gru"
        assert factory.last.config.lr == 1e-3 and factory.last.config.clip == 1.0

    run(body)


def test_drive_the_app_only_through_the_controller():
    """Start a language model, await its first evaluation, change the learning rate, switch
    to tagging, await accuracy above the most-frequent-tag baseline, quit."""
    seen: list = []

    async def body(app, pilot, factory):
        c = app.controller
        unsubscribe = c.subscribe(seen.append)
        c.start()  # the language model of the app's config
        assert await c.wait_for(lambda run, e: "val_loss" in run.metrics, timeout=30)
        assert c.run.family == "lm" and c.run.step >= 15

        c.set("lr", 1e-3)
        assert await c.wait_for(lambda run, e: run.settings["lr"] == 1e-3, timeout=30)
        assert factory.last.hp["lr"] == 1e-3

        c.start(TagConfig(model="lstm", hidden=32))
        assert await c.wait_for(lambda run, e: run.family == "tag"
                                and run.metrics.get("accuracy", 0)
                                > run.metrics.get(MOST_FREQUENT, 1), timeout=30)
        assert type(factory.last.config) is TagConfig
        assert c.run.metrics["accuracy"] > c.run.metrics[MOST_FREQUENT] == 0.8177
        assert app.main_screen.FAMILY == "tag"  # the view followed

        unsubscribe()
        await app.action_quit()

    run(body)
    statuses = [(e.old, e.new) for e in seen if isinstance(e, StatusChanged)]
    assert ("starting", "running") in statuses
    assert any(getattr(e, "name", "") == "eval" for e in seen)


def test_wait_for_times_out_and_bad_settings_are_refused():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        c = app.controller
        assert not await c.wait_for(lambda run, e: run.step > 10_000, timeout=0.2)
        with pytest.raises(EngineError, match="not a live setting"):
            c.set("hidden", 7)
        with pytest.raises(AttributeError):
            c.run.status = "finished"  # read-only
        with pytest.raises(TypeError):
            c.run.settings["lr"] = 1.0

    run(body)


def test_pause_resume_step_and_requests_go_through_the_controller():
    async def body(app, pilot, factory):
        await wait_for(lambda: app.state == "running", pilot=pilot)
        c = app.controller
        c.pause()
        assert await c.wait_for(lambda run, e: run.status == "paused", timeout=10)
        before = c.run.step
        c.step_once()
        assert await c.wait_for(lambda run, e: run.step == before + 1, timeout=10)
        c.request("save")
        await wait_for(lambda: factory.last.calls_named("request_checkpoint"), pilot=pilot)
        c.request("sample", prime="the")
        await wait_for(lambda: factory.last.calls_named("request_sample"), pilot=pilot)
        c.resume()
        assert await c.wait_for(lambda run, e: run.status == "running", timeout=10)

    run(body, FakeFactory(hold=False, delay=0.05))
