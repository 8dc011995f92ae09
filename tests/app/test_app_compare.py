"""Comparing runs (issue 10): three runs on one chart in the compare view (and its
snapshot), `rnn-tui compare --table`, and the runs screen: list, open, compare, rename,
delete."""

from __future__ import annotations

import asyncio
import json
import math
import time

import pytest
from fake_trainer import FakeFactory
from pilot_helpers import CONFIG, SIZE, settled, wait_for, wait_for_screen

from engine import events as ev
from rnn_tui.app import create_app
from rnn_tui.compare.app import CompareApp, CompareScreen
from rnn_tui.app.runs import RunsScreen
from rnn_tui.app.screens import AskScreen, ConfirmScreen
from rnn_tui.compare.runs import config_rows, load_runs

pytestmark = pytest.mark.timeout(120)

MODELS = (("gru", 1.30), ("lstm", 1.45), ("rnn", 1.70))


def make_run(path, model: str, floor: float, steps: int = 120) -> None:
    """A run directory by hand: config.json and metrics.jsonl of a curve falling to
    `floor`, 0.5 s a step, an evaluation every 20 steps."""
    path.mkdir(parents=True)
    config = CONFIG.replace(model=model, steps=steps, corpus="prose").to_dict()
    (path / "config.json").write_text(json.dumps(config))
    rows = [ev.Started(config=config, device="cpu (2 threads)", vocab_size=65,
                       parameters=100_000, train_chars=1000, val_chars=100, step=0)]
    for s in range(1, steps + 1):
        loss = floor + 2.8 * math.exp(-s / (20 if model == "gru" else 30))
        rows.append(ev.TrainStep(step=s, epoch=None, train_loss=loss, tokens_per_s=1e4,
                                 lr=2e-3, grad_norm=1.0, clipped=False,
                                 elapsed_s=s * (0.5 if model != "lstm" else 0.8)))
        if s % 20 == 0:
            rows.append(ev.Eval(step=s, val_loss=loss + 0.1, best=True, metrics={}))
    (path / "metrics.jsonl").write_text("".join(json.dumps(r.to_dict()) + "\n"
                                                for r in rows))


@pytest.fixture
def three_runs(tmp_path):
    paths = []
    for k, (model, floor) in enumerate(MODELS, 1):
        paths.append(tmp_path / "runs" / "session" / f"{k}-{model}")
        make_run(paths[-1], model, floor)
    return paths


def test_three_runs_on_one_chart(three_runs):
    async def main():
        app = CompareApp(load_runs(three_runs))
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for_screen(app, pilot, CompareScreen)
            chart = app.screen.query_one("#compare-chart")
            assert sorted(chart.series_names()) == [f"{k}:{p}" for k in range(3)
                                                    for p in ("train", "val")]
            assert chart.point_count("0:train") == 120 and chart.point_count("2:val") == 6
            colours = {chart._series[f"{k}:val"].color for k in range(3)}
            assert len(colours) == 3  # one colour per run
            legend = "\n".join(line.text for line in chart.render_lines_now()[:3])
            assert all(f"{k}-{m}" in legend for k, (m, _) in enumerate(MODELS, 1))
            await pilot.press("x")  # by time: the LSTM's 0.8 s steps end later
            assert chart.x_unit == "time"
            assert chart.series_points("1:train")[0][-1] == pytest.approx(96.0)
            await pilot.press("t")  # train only
            assert sorted(chart.series_names()) == ["0:train", "1:train", "2:train"]
            table = app.screen.query_one("#compare-configs")
            first = [str(c) for c in table.get_row_at(7)]  # after the 7 summary rows
            assert first == ["model", "gru", "lstm", "rnn"]
            await pilot.press("q")
        assert not app.is_running

    asyncio.run(main())


def test_config_rows_put_the_differences_first(three_runs):
    rows = config_rows(load_runs(three_runs))
    assert rows[0] == ("model", ["gru", "lstm", "rnn"], True)
    assert all(not differs for _, _, differs in rows[1:])


def test_compare_view_snapshot(snap_compare, three_runs):
    async def run_before(pilot):
        deadline = time.monotonic() + 60
        while not isinstance(pilot.app.screen, CompareScreen):
            assert time.monotonic() < deadline
            await pilot.pause(0.01)
        await pilot.pause()

    assert snap_compare(CompareApp(load_runs(three_runs)), terminal_size=(120, 40),
                        run_before=run_before)


def test_compare_table_headless(three_runs, capsys):
    from rnn_tui.cli.compare import print_table

    print_table(load_runs(three_runs))
    out = capsys.readouterr().out
    assert "1-gru" in out and "3-rnn" in out and "val 1.407" in out  # 1.30 + 2.8 e^-6 + 0.1


def test_the_runs_screen_lists_opens_compares_renames_and_deletes(three_runs):
    root = three_runs[0].parent.parent
    factory = FakeFactory()

    async def main():
        app = create_app(CONFIG, factory)
        async with app.run_test(size=SIZE) as pilot:
            await settled(app, pilot)
            app.push_screen(RunsScreen(root))
            await wait_for_screen(app, pilot, RunsScreen)
            screen = app.screen
            await wait_for(lambda: len(screen.runs) == 3, pilot=pilot)
            names = sorted(r.name for r in screen.runs)
            assert names == ["session/1-gru", "session/2-lstm", "session/3-rnn"]
            table = screen.query_one("#runs-table")
            assert table.row_count == 3
            # mark two, compare
            await pilot.press("space", "down", "space", "c")
            await wait_for_screen(app, pilot, CompareScreen)
            assert len(app.screen.runs) == 2
            await pilot.press("escape")
            await wait_for(lambda: app.screen is screen, pilot=pilot)
            # rename the highlighted run
            run = screen._highlighted()
            await pilot.press("R")
            await wait_for_screen(app, pilot, AskScreen)
            app.screen.query_one("#ask-input").value = "renamed"
            await pilot.press("enter")
            await wait_for(lambda: (run.path.parent / "renamed").is_dir(), pilot=pilot)
            await wait_for(lambda: any(r.name == "session/renamed" for r in screen.runs),
                           pilot=pilot)
            # delete it
            await pilot.press("d")
            await wait_for_screen(app, pilot, ConfirmScreen)
            await pilot.press("y")
            await wait_for(lambda: len(screen.runs) == 2, pilot=pilot)
            assert not (run.path.parent / "renamed").exists()
            await pilot.press("escape")
            await wait_for(lambda: app.screen is app.main_screen, pilot=pilot)

    asyncio.run(main())


def test_opening_a_run_from_the_runs_screen(tmp_path, tiny_config):
    from engine.training.loop import Trainer

    root = tmp_path / "runs"
    list(Trainer(tiny_config.replace(steps=6, model="gru"), out_dir=root / "s" / "1-gru")
         .events())
    factory = FakeFactory(start_step=6, steps=10)

    async def main():
        app = create_app(CONFIG, factory)
        async with app.run_test(size=SIZE) as pilot:
            await settled(app, pilot, step=10)
            app.push_screen(RunsScreen(root))
            await wait_for_screen(app, pilot, RunsScreen)
            await wait_for(lambda: len(app.screen.runs) == 1, pilot=pilot)
            await pilot.press("enter")
            await wait_for(lambda: app.state == "opened", pilot=pilot)
            assert factory.last.opened and factory.last.out_dir == str(root / "s" / "1-gru")
            assert app.config.model == "gru"  # the opened run's config
            chart = app.main_screen.query_one("#loss-chart")
            assert chart.point_count("train") == 6  # its history

    asyncio.run(main())
