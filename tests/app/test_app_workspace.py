"""Living in the app (issue 10), against the fake trainer: an opened run asks for a budget
when its own is spent, a finished run continues in place, earlier runs stay on the chart
after m, screenshots land in the run's directory, the vanilla RNN's hidden states, the help
says what m cycles, the translations log scrolls, the footer keeps ? and q at 80x24."""

from __future__ import annotations

import asyncio

import pytest
from fake_trainer import FakeFactory
from pilot_helpers import CONFIG, SIZE, run, settled, status_text, wait_for, wait_for_screen

from engine.families.seq2seq.config import Seq2SeqConfig
from rnn_tui.app import create_app
from rnn_tui.app.screens import AskScreen, binding_rows, parse_budget

pytestmark = pytest.mark.timeout(120)


def test_an_opened_run_with_its_budget_spent_asks_for_more(tmp_path):
    factory = FakeFactory(start_step=40, steps=40, spent="steps")

    async def main():
        app = create_app(CONFIG.replace(steps=40), factory, out_dir=str(tmp_path),
                         resume=True)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(lambda: app.state == "opened", pilot=pilot)
            await pilot.press("space")
            await wait_for_screen(app, pilot, AskScreen)
            app.screen.query_one("#ask-input").value = ""
            await pilot.press(*"25", "enter")
            chart = app.main_screen.query_one("#loss-chart")
            await wait_for(lambda: app.info.get("train") is not None
                           and app.info["train"].step == 65, pilot=pilot)
            assert factory.last.calls_named("continue_with") == [
                ("continue_with", {"steps": 65, "minutes": None})]
            assert chart.point_count("train") == 25 and app.state == "running"

    asyncio.run(main())


def test_budgets_typed_as_steps_or_time():
    assert parse_budget("500", 40, 0) == {"steps": 540, "minutes": None}
    assert parse_budget(" +2m ", 40, 90.0) == {"minutes": 3.5, "steps": None}
    assert parse_budget("90s", 0, 0)["minutes"] == 1.5
    assert parse_budget("1h", 0, 60)["minutes"] == 61
    for bad in ("", "lots", "0", "2.5"):
        with pytest.raises(ValueError):
            parse_budget(bad, 0, 0)


def test_space_after_the_budget_continues_the_same_run(tmp_path):
    async def body(app, pilot, factory):
        await wait_for(lambda: app.state == "finished", pilot=pilot)
        first = factory.last
        first_dir = app.runner.run_dir
        await pilot.press("space")
        await wait_for_screen(app, pilot, AskScreen)
        await pilot.press("enter")  # the default: 500 more steps
        await wait_for(lambda: len(factory.trainers) == 2 and factory.last.calls_named(
            "continue_with"), pilot=pilot)
        assert factory.last.opened and factory.last.out_dir == first_dir  # in place
        assert factory.last.calls_named("continue_with")[0][1]["steps"] == 540
        assert first.stopped.is_set()

    run(body, FakeFactory(finish=True, out_dir=str(tmp_path)))


def test_m_keeps_the_previous_curve_as_a_dashed_reference():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        chart = app.main_screen.query_one("#loss-chart")
        await pilot.press("m")  # lstm -> gru
        await wait_for(lambda: len(factory.trainers) == 2, pilot=pilot)
        await settled(app, pilot)
        assert chart.point_count("ref0:train") == 40 and chart.point_count("ref0:val") > 0
        ref = chart._series["ref0:train"]
        assert ref.dotted and ref.behind and "LSTM 64×2" in ref.label
        assert chart.point_count("train") == 40  # the new run's own curve
        assert "LSTM 64×2 (run 1)" in chart.render_lines_now()[0].text
        await pilot.press("m")  # gru -> rnn: both earlier runs stay
        await wait_for(lambda: len(factory.trainers) == 3, pilot=pilot)
        await settled(app, pilot)
        assert chart.point_count("ref1:train") == 40
        assert "GRU 64×2" in chart._series["ref1:train"].label

    run(body)


def test_a_screenshot_goes_to_the_run_directory(tmp_path):
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("S")
        await wait_for(lambda: list(tmp_path.glob("screenshot-*.svg")), pilot=pilot)
        svg = next(tmp_path.glob("screenshot-*.svg"))
        assert "<svg" in svg.read_text()
        assert any(str(svg) in n.message for n in app._notifications)

    run(body, FakeFactory(out_dir=str(tmp_path)))


def test_the_vanilla_rnn_shows_hidden_states_and_no_stale_gates():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        s = app.main_screen
        assert s.query_one("#gate-plot").display and s.query_one("#gate-plot")._gates
        await pilot.press("m")  # gru -> rnn
        await wait_for(lambda: len(factory.trainers) == 2, pilot=pilot)
        await wait_for(lambda: not s.query_one("#gate-plot")._gates, pilot=pilot)
        await settled(app, pilot)
        grid = s.query_one("#hidden-map")
        assert grid.display and not s.query_one("#gate-plot").display
        assert grid.shape == (8, len("the quick brown fox jumps over the lazy dog. "))
        assert "vanilla RNN" in s.query_one("#gates-info").text.plain
        assert s.query_one("#neuron-text")._text  # one unit over the characters

    run(body, config=CONFIG.replace(model="gru"))


def test_help_says_what_m_cycles():
    async def body(app, pilot, factory):
        rows = dict((keys, text) for keys, text in binding_rows(app))
        assert "lstm → gru → rnn" in rows["m"]
        assert rows["o"].startswith("Runs") and rows["S"].startswith("Screenshot")

    run(body)


def test_the_translations_log_scrolls_back_when_focused():
    config = Seq2SeqConfig(task="dates", hidden=32, layers=1)

    async def body(app, pilot, factory):
        await settled(app, pilot)
        log = app.main_screen.query_one("#translations")
        for k in range(60):
            log.write(f"line {k}")
        await pilot.pause()
        await pilot.press("tab", "tab")  # the translations panel
        assert app.active_panel == 2 and log.scroll_y == log.max_scroll_y > 0
        await pilot.press("pageup")
        await pilot.pause()
        assert log.scroll_y < log.max_scroll_y and not log.auto_scroll
        await pilot.press("home")
        await pilot.pause()
        assert log.scroll_y == 0
        await pilot.press("end")
        await pilot.pause()
        assert log.scroll_y == log.max_scroll_y and log.auto_scroll

    run(body, config=config)


@pytest.mark.parametrize("config", [CONFIG, Seq2SeqConfig(task="dates")],
                         ids=["lm", "seq2seq"])
def test_the_footer_keeps_help_and_quit_at_80x24(config):
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.pause()
        keys = {k.key: k for k in app.main_screen.query("FooterKey")}
        for key in ("question_mark", "q"):
            assert key in keys and keys[key].region.right <= 80 and keys[key].region.width
        assert keys["question_mark"].region.right <= keys["q"].region.x  # side by side
        assert "training" in status_text(app)

    run(body, size=(80, 24), config=config)
