"""The race screen (fake race): every racer's curve, the gradient panels side by side, the
standings, and its keys."""

from __future__ import annotations

import asyncio
import time

import pytest
from fake_race import FakeRace
from pilot_helpers import wait_for

from rnn_tui.race.app import RaceApp

pytestmark = pytest.mark.timeout(60)


def run(body, race=None, size=(160, 48)):
    race = race or FakeRace()

    async def main():
        app = RaceApp(race)
        async with app.run_test(size=size) as pilot:
            await body(app, pilot, race)

    asyncio.run(main())
    return race


def rendered(renderable) -> str:
    from rich.console import Console

    console = Console(width=150, record=True, file=open("/dev/null", "w"))
    console.print(renderable)
    return console.export_text()


async def settled(app, pilot) -> None:
    await wait_for(lambda: app.race.standings.rows["lstm"].steps == 40 and
                   app.race.standings.rows["lstm"].last is not None, pilot=pilot)
    await pilot.pause()


def test_curves_panels_and_standings():
    async def body(app, pilot, race):
        await settled(app, pilot)
        chart = app.query_one("#race-chart")
        assert chart.series_names() == ["rnn", "irnn", "gru", "lstm"]
        assert all(chart.point_count(n) == 40 for n in chart.series_names())
        bars = [app.query_one(f"#bars-racer-{i}") for i in range(4)]
        assert all(len(b.norms) == 100 for b in bars)
        # the tanh RNN's gradient 99 steps back is ~0.7^99 of the last; the LSTM's ~0.985^99
        assert bars[0].norms[0] / bars[0].norms[-1] < 1e-10 < bars[3].norms[0]
        table = rendered(app.query_one("#standings").content)
        assert table.index("gru") < table.index("lstm") < table.index("rnn")
        assert "solved = mse < 0.0100" in app.query_one("#race-status").text.plain
        await pilot.press("j")
        assert app.picture == "family" and "‖∂h_T/∂h_t‖" in bars[0]._title
        await pilot.press("space")
        assert race.calls == ["pause"] and "paused" in app.query_one("#race-status").text.plain
        await pilot.press("space", "f")
        await wait_for(lambda: app.state == "finished", pilot=pilot)
        assert race.calls == ["pause", "resume", "finish"]
        assert race.standings.rows["rnn"].status == "finished"

    run(body)


def test_quit_stops_the_race():
    async def body(app, pilot, race):
        await settled(app, pilot)
        await pilot.press("q")

    race = run(body)
    assert "stop" in race.calls


@pytest.mark.parametrize("size", [(160, 48), (80, 24)])
def test_snapshot_race(snap_compare, size):
    """At 80x24 the gradient panels give way to the standings, which leave out the model."""
    async def run_before(pilot):
        deadline = time.monotonic() + 10
        while pilot.app.race.standings.rows["lstm"].last is None or \
                pilot.app.race.standings.rows["lstm"].steps < 40:
            assert time.monotonic() < deadline
            await pilot.pause(0.01)
        await pilot.pause()

    assert snap_compare(RaceApp(FakeRace()), terminal_size=size, run_before=run_before)


def _race_over_message(race) -> str:
    found = []

    async def body(app, pilot, race):
        await wait_for(lambda: all(r.last is not None for r in race.standings.rows.values()),
                       pilot=pilot)
        await pilot.press("f")
        await wait_for(lambda: app.state == "finished", pilot=pilot)
        found.extend(n.message for n in app._notifications)

    run(body, race)
    return " | ".join(found)


def test_the_verdict_names_who_solved_first():
    text = _race_over_message(FakeRace(steps=40))
    assert "gru solved first: mse < 0.0100 at step 30" in text and "2 of 4 solved" in text
    assert "leads" not in text


def test_the_verdict_says_plainly_that_nobody_solved():
    # 10 steps each: the best mse is ~0.06, far from 0.01
    text = _race_over_message(FakeRace(steps=10))
    assert "nobody solved yet (mse < 0.0100) after 10 steps each" in text
    assert "try --steps 1,000" in text and "leads" not in text


def test_a_screenshot_of_the_race_goes_to_its_folder_and_quitting_says_where(tmp_path):
    from rnn_tui.race.app import farewell

    race = FakeRace()
    race.out_dir = tmp_path

    async def body(app, pilot, race):
        await settled(app, pilot)
        await pilot.press("S")
        await wait_for(lambda: list(tmp_path.glob("screenshot-*.svg")), pilot=pilot)
        assert "<svg" in next(tmp_path.glob("screenshot-*.svg")).read_text()

    run(body, race)
    from engine.storage.identity import mark

    for name in ("rnn", "lstm"):  # two racers' run directories (as rnn-tui marks them)
        (tmp_path / name).mkdir()
        mark(tmp_path / name)
    lines = farewell(race)
    assert lines and str(tmp_path) in lines[0] and "rnn-tui open" in lines[1]
    assert "rnn-tui compare" in lines[2] and "lstm" in lines[2]


def test_a_stopped_race_says_it_was_stopped_not_that_the_budget_was_small():
    from engine import events as ev
    from engine.racing.standings import Standings
    from rnn_tui.race.table import verdict

    s = Standings(["rnn", "gru"], threshold=0.01)
    for name, mse in (("rnn", 0.19), ("gru", 0.17)):
        s.judge_by(name, ("mse", False), name)
        s.update(name, ev.TrainStep(step=130, epoch=None, train_loss=mse, tokens_per_s=1.0,
                                    lr=1e-3, grad_norm=1.0, clipped=False, elapsed_s=1.0))
        s.update(name, ev.Eval(step=130, val_loss=mse, best=True, metrics={"mse": mse}))
        s.update(name, ev.Finished(step=130, reason="stopped"))
    text = verdict(s)
    assert "stopped after 130 steps each" in text and "closest gru" in text
    assert "--steps" not in text and "leads" not in text
