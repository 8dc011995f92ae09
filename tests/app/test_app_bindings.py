"""Pilot tests of every key binding, against the fake trainer (no torch, ~0.5 s each).

Each test asserts the effect (the call the trainer received, the state shown, the screen
pushed), polling for conditions instead of sleeping. The app's life and errors (quit, close,
too-small terminal, engine errors) are in test_app_lifecycle.py.
"""

from __future__ import annotations

import pytest
from fake_trainer import SAMPLE_TEXT, FakeFactory
from pilot_helpers import run, settled, static_text, status_text, wait_for, wait_for_screen
from textual.widgets import Input, Static

from rnn_tui.app.screens import ConfirmScreen, HelpScreen, binding_rows

pytestmark = pytest.mark.timeout(120)


# ------------------------------------------------------------------------------- basics

def test_events_reach_the_widgets():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        assert app.state == "running"
        chart = app.main_screen.query_one("#loss-chart")
        assert chart.point_count("train") == 40
        assert chart.point_count("val") == 3  # steps 15, 30, 40
        text = status_text(app)
        assert "step 40" in text and "12.3k tok/s" in text and "cpu (2 threads)" in text
        assert "0:00:20" in text  # elapsed from the events, not a clock
        assert app.main_screen.query_one("#samples").sample_count == 2
        assert "layer 1/2" in static_text(app, "#grad-info")
        assert factory.last.calls[0] == ("events",)

    run(body)


def test_space_pauses_and_resumes():
    async def body(app, pilot, factory):
        await wait_for(lambda: app.info.get("train") is not None, pilot=pilot)
        await pilot.press("space")
        await wait_for(lambda: app.state == "paused" and app.runner.paused, pilot=pilot)
        assert "paused" in status_text(app)
        await pilot.pause(0.05)
        step = factory.last.step
        await pilot.pause(0.1)
        assert factory.last.step == step  # no training while paused
        await pilot.press("space")
        await wait_for(lambda: app.state == "running" and factory.last.step > step + 3,
                       pilot=pilot)

    run(body, FakeFactory(hold=False, delay=0.01))


def test_n_runs_exactly_one_step_while_paused_and_shows_its_gradients():
    """After `n` the trainer is also asked to probe the model as it is now (request_probe):
    the per-timestep gradient bars show that step, not the last scheduled probe's."""
    async def body(app, pilot, factory):
        await wait_for(lambda: app.info.get("train") is not None, pilot=pilot)
        await pilot.press("space")
        await wait_for(lambda: app.state == "paused", pilot=pilot)
        await pilot.pause(0.05)
        step = factory.last.step
        bars = app.main_screen.query_one("#grad-bars")
        await pilot.press("n")
        await wait_for(lambda: factory.last.step == step + 1
                       and app.info["train"].step == step + 1, pilot=pilot)
        await pilot.pause(0.1)
        assert factory.last.step == step + 1 and app.state == "paused"
        await wait_for(lambda: app.probes[-1].step == step + 1
                       and bars._title.endswith(f"step {step + 1}"), pilot=pilot)
        await pilot.press("n", "n")
        await wait_for(lambda: app.info["train"].step == step + 3
                       and bars._title.endswith(f"step {step + 3}"), pilot=pilot)
        asked = len(factory.last.calls_named("request_probe"))
        assert asked in (2, 3)  # after the last step of each n still wanted (n n: 1 or 2)
        await pilot.press("space")  # running again: probes on their cadence only
        await wait_for(lambda: factory.last.step > step + 12, pilot=pilot)
        assert len(factory.last.calls_named("request_probe")) == asked

    run(body, FakeFactory(hold=False, delay=0.01))


def test_n_while_running_does_nothing():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        assert app.check_action("step", ()) is None  # greyed out in the footer
        await pilot.press("n")
        await pilot.pause(0.05)
        assert factory.last.step == 40

    run(body)


def test_r_asks_then_resets_the_weights():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("r")
        await wait_for_screen(app, pilot, ConfirmScreen)
        await pilot.press("n")  # declined: nothing happens
        await wait_for(lambda: app.screen is app.main_screen, pilot=pilot)
        assert len(factory.trainers) == 1
        await pilot.press("r")
        await wait_for_screen(app, pilot, ConfirmScreen)
        await pilot.press("y")
        await wait_for(lambda: len(factory.trainers) == 2, pilot=pilot)
        assert ("stop",) in factory.trainers[0].calls
        await wait_for(lambda: factory.trainers[0].stopped.is_set(), pilot=pilot)
        await settled(app, pilot)
        chart = app.main_screen.query_one("#loss-chart")
        assert chart.point_count("train") == 40  # the new run's points only

    run(body)


def test_s_saves_a_checkpoint():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("s")
        await wait_for(lambda: factory.last.calls_named("request_checkpoint"), pilot=pilot)
        await wait_for(lambda: "checkpoint" in app.info, pilot=pilot)
        assert "ckpt step 40" in status_text(app)

    run(body)


def test_g_samples_now():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("g")
        await wait_for(lambda: factory.last.calls_named("request_sample"), pilot=pilot)
        assert factory.last.calls_named("request_sample") == [("request_sample", "", None, 0.8)]
        view = app.main_screen.query_one("#samples")
        await wait_for(lambda: view.sample_count == 3 and not app.revealing, pilot=pilot)
        assert view.sample_text() == SAMPLE_TEXT

    run(body)


@pytest.mark.parametrize("keys, expected", [
    (["t"], [("temperature", 0.7)]),
    (["T"], [("temperature", 0.9)]),
    (["minus"], [("lr", 0.001)]),
    (["plus"], [("lr", 0.004)]),
    (["equals_sign"], [("lr", 0.004)]),
    (["minus", "minus"], [("lr", 0.001), ("lr", 0.0005)]),
    (["c"], [("clip_mode", "off")]),
    (["c", "c"], [("clip_mode", "off"), ("clip_mode", "norm")]),
    (["left_square_bracket"], [("clip", 0.5)]),
    (["right_square_bracket"], [("clip", 2.0)]),
    (["b"], [("bptt", 50)]),
    (["B"], [("bptt", 200)]),
])
def test_hparam_keys(keys, expected):
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press(*keys)
        await wait_for(lambda: len(factory.last.calls_named("set_hparam")) == len(expected),
                       pilot=pilot)
        assert [c[1:] for c in factory.last.calls_named("set_hparam")] == expected
        key, value = expected[-1]
        # the HParamChange event comes back: the app shows it and marks the loss curve
        # (a training setting only: the temperature changes the samples, not the training)
        await wait_for(lambda: app.hparams[key] == value
                       and factory.last.hp[key] == value, pilot=pilot)
        await pilot.pause(0.05)
        marked = [k for k, _ in expected if k not in type(app.config).VIEW_KEYS]
        assert len(app.main_screen.query_one("#loss-chart")._markers_label) == len(marked)

    run(body)


def test_hparam_keys_update_the_status_bar():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("T", "B", "c")
        await wait_for(lambda: len(factory.last.calls_named("set_hparam")) == 3, pilot=pilot)
        text = status_text(app)
        assert "T 0.90" in text and "bptt 200" in text and "clip off" in text

    run(body)


def test_m_cycles_the_cell_type_with_a_new_trainer():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        for expected in ("gru", "rnn", "lstm"):
            n = len(factory.trainers)
            await pilot.press("m")
            await wait_for(lambda: len(factory.trainers) == n + 1, pilot=pilot)
            assert factory.last.config.model == expected
            assert ("stop",) in factory.trainers[n - 1].calls
            await settled(app, pilot)
        assert app.config.model == "lstm"
        assert "GRU" not in status_text(app) and "LSTM" in status_text(app)

    run(body)


def test_tab_and_shift_tab_move_between_panels():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        order = ["loss-panel", "grad-panel", "samples-panel", "gates-panel", "loss-panel"]
        assert app.focused.id == order[0]
        for panel_id in order[1:]:
            await pilot.press("tab")
            assert app.focused.id == panel_id
        await pilot.press("shift+tab")
        assert app.focused.id == "gates-panel"

    run(body)


def test_p_prompts_for_a_prime_and_samples_it():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("p")
        prompt = app.main_screen.query_one("#prompt", Input)
        assert prompt.display and prompt.has_focus
        await pilot.press(*"The ")
        await pilot.press("T")  # typed into the prompt, not the temperature binding
        assert prompt.value == "The T"
        await pilot.press("enter")
        await wait_for(lambda: factory.last.calls_named("request_sample"), pilot=pilot)
        assert factory.last.calls_named("request_sample") == [
            ("request_sample", "The T", None, 0.8)]
        assert not factory.last.calls_named("set_hparam")
        assert not prompt.display
        view = app.main_screen.query_one("#samples")
        await wait_for(lambda: view.sample_count == 3 and not app.revealing, pilot=pilot)
        assert view.sample_text() == "The T" + SAMPLE_TEXT

    run(body)


def test_p_works_while_paused_and_escape_cancels():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("space")
        await pilot.press("p")
        await pilot.press(*"abc", "escape")
        prompt = app.main_screen.query_one("#prompt", Input)
        assert not prompt.display
        assert not factory.last.calls_named("request_sample")
        await pilot.press("p", *"xy", "enter")
        await wait_for(lambda: factory.last.calls_named("request_sample"), pilot=pilot)
        view = app.main_screen.query_one("#samples")
        await wait_for(lambda: view.sample_count == 3, pilot=pilot)
        assert app.state == "paused"

    run(body)


def test_u_and_U_pick_the_hidden_unit():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        assert "unit 0/8" in static_text(app, "#neuron-label")
        await pilot.press("U", "U")
        assert app.view.unit_index == 2 and "unit 2/8" in static_text(app, "#neuron-label")
        await pilot.press("u", "u", "u")
        assert "unit 7/8" in static_text(app, "#neuron-label")  # wraps around

    run(body)


def test_j_cycles_the_layer():
    """(j: h is the lessons' hint key)"""
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("j")
        assert app.layer == 1
        assert "layer 2/2" in static_text(app, "#grad-info")
        assert "layer 2/2" in static_text(app, "#gates-info")
        await pilot.press("j")
        assert app.layer == 0

    run(body)


def test_y_and_v_change_the_loss_axis():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        chart = app.main_screen.query_one("#loss-chart")
        await pilot.press("y")
        assert chart.scale == "log" and "axis log" in static_text(app, "#loss-info")
        await pilot.press("y")
        assert chart.scale == "linear"
        units = []
        for _ in range(3):
            await pilot.press("v")
            units.append(chart.unit)
        assert units == ["bits", "ppl", "nats"]

    run(body)


def test_question_mark_shows_generated_help():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("question_mark")
        await wait_for_screen(app, pilot, HelpScreen)
        table = app.screen.query_one("#help-table", Static)
        rows = binding_rows(app)
        lesson_keys = ("L", "right", "left", "h", "P", "1")  # (rnn_tui/app/lessons.py)
        described = [b for b in (*app.main_screen.BINDINGS, *app.BINDINGS)
                     if b.description and b.key in ("ctrl+c", *lesson_keys, *(
                         v.key for v in app.main_screen.BINDINGS))]
        described = list({b.key: b for b in described}.values())  # one per key
        assert len(rows) == len(described) - 1  # q and ctrl+c share a row
        assert not any("Teacher forcing" in text for _, text in rows)  # seq2seq only
        rendered = app.screen.query_one("#help-table").render()
        assert rendered is not None and table is not None
        assert ("q / ^c", "Quit") in rows
        await pilot.press("escape")
        await wait_for(lambda: app.screen is app.main_screen, pilot=pilot)

    run(body)


def test_every_binding_is_in_the_command_palette():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        titles = {c.title for c in app.get_system_commands(app.main_screen)}
        for binding in app.main_screen.BINDINGS:
            if binding.description:
                assert (binding.tooltip or binding.description) in titles
        # run one through the palette
        await pilot.press("ctrl+p")
        await pilot.press(*"Temperature up")
        await pilot.pause(0.2)
        await pilot.press("enter")
        await wait_for(lambda: factory.last.calls_named("set_hparam"), pilot=pilot)
        assert factory.last.calls_named("set_hparam") == [("set_hparam", "temperature", 0.9)]

    run(body)


def test_the_status_bar_keeps_the_engines_device_text_with_the_live_thread_count():
    """The engine says 'cpu (auto, 2 threads, bf16)'; the tuner's count changes, the rest
    (auto, the precision) stays."""
    from types import SimpleNamespace

    from rnn_tui.app.rendering import RenderingMixin

    host = SimpleNamespace(info={}, state="training")
    started = SimpleNamespace(device="cpu (auto, 2 threads, bf16)")
    text = RenderingMixin._device_text(host, started, SimpleNamespace(threads=1))
    assert text == "cpu (auto, 1 thread, bf16)"
    assert RenderingMixin._device_text(host, started, None) == started.device
