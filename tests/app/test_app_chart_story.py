"""The loss chart tells the training's story (fake trainer): sampling settings (t/T) leave
no marker, and another task's curves are not kept on a new task's chart after M."""

from __future__ import annotations

from pilot_helpers import run, settled, wait_for

from engine.families.seq2seq.config import Seq2SeqConfig
from rnn_tui.app.screens import ModeScreen

S2S = Seq2SeqConfig(task="dates", hidden=128, layers=1, attention="bahdanau", lr=3e-3,
                    clip=1.0, clip_mode="norm")


def chart_of(app):
    return app.main_screen.query_one("#loss-chart")


def test_temperature_keys_leave_no_marker():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        chart = chart_of(app)
        for _ in range(5):
            await pilot.press("t")
        await wait_for(lambda: len(factory.last.calls_named("set_hparam")) == 5, pilot=pilot)
        await pilot.pause(0.3)
        assert chart._markers() == [] and "temperature" in str(app.hparams)
        await pilot.press("B")  # BPTT x2: a training setting, marked
        await wait_for(lambda: len(chart._markers()) == 1, pilot=pilot)
        assert chart._markers()[0][1] == "bptt=200"

    run(body)


def test_after_M_the_previous_tasks_curves_are_not_on_the_new_chart():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("M")
        await wait_for(lambda: isinstance(app.screen, ModeScreen), pilot=pilot)
        option_list = app.screen.query_one("#mode-list")
        keys = [key for key, _ in app.screen.entries]
        option_list.highlighted = keys.index("reverse")
        await pilot.press("enter")
        await wait_for(lambda: len(factory.trainers) == 2, pilot=pilot)
        await wait_for(lambda: factory.last.config.task == "reverse" and
                       app.info.get("train") is not None, pilot=pilot)
        await pilot.pause(0.3)
        assert not [n for n in chart_of(app).series_names() if n.startswith("ref")]
        await pilot.press("m")  # the same task, another cell: the reverse curve is kept
        await wait_for(lambda: len(factory.trainers) == 3, pilot=pilot)
        await settled(app, pilot)
        assert chart_of(app).point_count("ref0:train") > 1

    run(body, config=S2S)
