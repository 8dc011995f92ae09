"""The app driving the real engine trainers (torch; a tiny LSTM on the bundled "hello" corpus,
a tiny seq2seq model on reversal): train a few steps, pause, sample or translate, quit; the
checkpoint is written and the worker ends."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

pytest.importorskip("torch")

from engine.families.lm.config import LMConfig  # noqa: E402
from engine.families.seq2seq.config import Seq2SeqConfig  # noqa: E402
from rnn_tui.app import create_app  # noqa: E402

pytestmark = pytest.mark.timeout(300)

CONFIG = LMConfig(corpus="hello", model="lstm", hidden=32, embed=16, layers=1, batch_size=8,
                     bptt=32, baseline_order=2, threads=1, device="cpu")


# Deadlines are 4x what a quiet 2-core machine needs: under load (other programs, a CPU
# hog beside the suite) torch steps slow down several times; a poll that succeeds returns
# at once.
SLACK = 4.0


async def poll(predicate, timeout: float, pilot) -> None:
    deadline = time.monotonic() + SLACK * timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.05)


def test_real_trainer_trains_pauses_samples_and_quits(tmp_path):
    out = tmp_path / "run"
    t0 = time.monotonic()

    async def main():
        app = create_app(CONFIG, out_dir=str(out))
        async with app.run_test(size=(120, 36)) as pilot:
            def step() -> int:
                train = app.info.get("train")
                return train.step if train else 0

            await poll(lambda: step() >= 5, 15, pilot)  # torch import + baselines + steps
            assert app.info["started"].config["model"] == "lstm"
            assert app.info.get("baselines") is not None

            await pilot.press("space")
            await poll(lambda: app.state == "paused" and app.runner.paused, 5, pilot)
            samples = app.main_screen.query_one("#samples")
            before = samples.sample_count
            await pilot.press("g")
            await poll(lambda: samples.sample_count > before and not app.revealing, 10, pilot)
            assert samples.sample_text(-1)  # some text came out of the model
            assert app.state == "paused"  # sampling while paused does not train

            runner = app.runner
            await pilot.press("q")
        return runner, step()

    runner, last = asyncio.run(main())
    assert runner.finished.wait(30) and runner.finish_reason == "stopped"
    assert (out / "checkpoint.safetensors").is_file()
    assert (out / "metrics.jsonl").is_file()

    # `rnn-tui open`: the history first, then the checkpoint's model, ready to sample, with
    # nothing written; space continues the same run in place.
    metrics = out / "metrics.jsonl"
    before = metrics.read_bytes()

    async def reopen():
        app = create_app(CONFIG, out_dir=str(out), resume=True)
        async with app.run_test(size=(120, 36)) as pilot:
            chart = app.main_screen.query_one("#loss-chart")
            await poll(lambda: chart.point_count("train") >= last, 10, pilot)
            assert app.info.get("baselines") is not None  # from the history: not recomputed
            await poll(lambda: app.state == "opened", 15, pilot)
            samples = app.main_screen.query_one("#samples")
            await poll(lambda: not app.revealing, 10, pilot)
            count = samples.sample_count
            await pilot.press("g")  # the checkpoint's model answers at once
            await poll(lambda: samples.sample_count > count and not app.revealing, 10, pilot)
            assert app.main_screen.query_one("#gate-plot")._gates  # probed when opened
            assert metrics.read_bytes() == before and app.state == "opened"
            await pilot.press("space")
            await poll(lambda: app.info.get("started") is not None
                       and app.info["started"].resumed and app.info["train"].step > last + 2,
                       15, pilot)
            assert app.info["started"].step == last
            xs = list(chart._series["train"].xs)
            assert xs == sorted(xs) and len(set(xs)) == len(xs)
            runner = app.runner
            await pilot.press("q")
        return runner

    runner = asyncio.run(reopen())
    assert runner.finished.wait(30) and runner.run_dir == str(out)
    rows = [json.loads(line) for line in metrics.read_text().splitlines()]
    steps = [r["step"] for r in rows if r["event"] == "train"]
    assert steps == list(range(1, len(steps) + 1)) and steps[-1] > last  # appended once
    assert sum(r["event"] == "start" for r in rows) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # the same directory
    assert time.monotonic() - t0 < 200  # (a hang, not a slow machine)


@pytest.mark.slow
def test_a_launch_keeps_its_runs_in_one_session_directory(tmp_path):
    from rnn_tui.app import EngineFactory
    from rnn_tui.workspace import Workspace

    session = tmp_path / "runs" / "s"
    factory = EngineFactory(Workspace(root=tmp_path / "runs", session="s"))

    async def main():
        app = create_app(CONFIG, factory)
        async with app.run_test(size=(120, 36)) as pilot:
            await poll(lambda: app.info.get("train") and app.info["train"].step >= 3, 20,
                       pilot)
            await pilot.press("m")  # lstm -> gru: a second run, beside the first
            await poll(lambda: app.info.get("started") is not None and app.info.get("train")
                       and app.info["started"].config["model"] == "gru"
                       and app.info["train"].step >= 3, 20, pilot)
            chart = app.main_screen.query_one("#loss-chart")
            assert chart.point_count("ref0:train") >= 3  # the LSTM's curve, kept
            runner = app.runner
            await pilot.press("q")
        return app, runner

    app, runner = asyncio.run(main())
    assert runner.finished.wait(30)
    assert sorted(p.name for p in session.iterdir()) == ["1-lstm", "2-gru"]
    assert all((session / d / "checkpoint.safetensors").is_file() for d in ("1-lstm", "2-gru"))
    lines = "\n".join(app.farewell())
    assert f"rnn-tui open {session / '2-gru'}" in lines
    assert f"rnn-tui compare {session / '1-lstm'} {session / '2-gru'}" in lines


S2S_CONFIG = Seq2SeqConfig(task="reverse", min_len=4, max_len=8, hidden=32, embed=16,
                           batch_size=16, heldout=50, device="cpu", threads=1)


def test_real_seq2seq_trainer_shows_attention_gradients_and_translates(tmp_path):
    out = tmp_path / "s2s"

    async def main():
        app = create_app(S2S_CONFIG, out_dir=str(out))
        async with app.run_test(size=(160, 48)) as pilot:
            # interactive cadence: attention every 10 steps, gradient probe every 50
            await poll(lambda: app.probes and app.view.examples, 30, pilot)
            probe = app.probes[-1]
            source = next(iter(app.view.examples))
            assert len(probe.grad_norms[0]) == len(source)  # one norm per input position
            grid = app.main_screen.query_one("#attention-grid")
            rows, cols = grid.shape
            assert cols == len(source) and rows >= 1
            await pilot.press("space")
            await poll(lambda: app.state == "paused", 5, pilot)
            await pilot.press("p", *"abcd", "enter")
            await poll(lambda: "abcd" in app.view.examples, 10, pilot)
            mine = app.view.examples["abcd"]
            assert len(mine.beams) == app.view.beam  # beam search answered, best first
            assert mine.output == mine.beams[0][0]
            scores = [beam[1] for beam in mine.beams]  # [text, log p, finished] each
            assert scores == sorted(scores, reverse=True)
            runner = app.runner
            await pilot.press("q")
        return runner

    runner = asyncio.run(main())
    assert runner.finished.wait(30) and runner.finish_reason == "stopped"
    assert (out / "checkpoint.safetensors").is_file()

    # `rnn-tui open` of a seq2seq run: its attention grids and evaluations come back, its
    # model translates at once, space continues it
    async def reopen():
        app = create_app(S2S_CONFIG, out_dir=str(out), resume=True)
        async with app.run_test(size=(160, 48)) as pilot:
            await poll(lambda: app.view.examples, 10, pilot)  # from the history
            await poll(lambda: app.state == "opened", 15, pilot)
            await pilot.press("p", *"xyz", "enter")
            await poll(lambda: "xyz" in app.view.examples, 10, pilot)
            await pilot.press("space")
            await poll(lambda: app.info.get("started") is not None
                       and app.info["started"].resumed, 15, pilot)
            assert app.mode == "seq2seq"
            runner = app.runner
            await pilot.press("q")
        return runner

    assert asyncio.run(reopen()).finished.wait(30)
