"""`rnn-tui open DIR`: the app shows a resumed run's history from DIR/metrics.jsonl (curves,
baselines, hparam markers, last samples, step) before the resumed trainer's events arrive."""

from __future__ import annotations

import asyncio
import json
import math
import threading

import pytest
from fake_trainer import FakeFactory
from pilot_helpers import CONFIG, SIZE, status_text, wait_for

from engine import events as ev
from engine.families.lm.events import Gates, Sample
from rnn_tui.app import create_app
from rnn_tui.app.history import events_from_records, history_from_events, load_history

pytestmark = pytest.mark.timeout(120)


def write_metrics(run_dir, torn: bool = True) -> None:
    """A hand-written run: steps 1..33, checkpoint at 30, then 31..33 (redone on resume) and a
    line cut by a kill."""
    recs: list[ev.Event] = [
        ev.Started(config={**CONFIG.to_dict(), "lr": 0.004}, device="cpu (1 threads)",
                   vocab_size=30, parameters=1234, train_chars=900, val_chars=100, step=0),
        ev.Baselines(losses={"uniform": math.log(30), "unigram": 3.0, "KN 3-gram": 2.2}),
    ]
    for s in range(1, 34):
        recs.append(ev.TrainStep(step=s, epoch=s / 50, train_loss=3.0 - s * 0.03,
                                 tokens_per_s=1000.0, lr=0.004, grad_norm=1.0, clipped=False,
                                 elapsed_s=s * 0.1))
        if s == 12:
            recs.append(ev.HParamChange(step=12, key="lr", old=0.004, new=0.002))
        if s % 10 == 0:
            recs.append(ev.Eval(step=s, val_loss=3.1 - s * 0.03, best=True,
                                metrics={"bits_per_char": 0.0, "perplexity": 0.0}))
            recs.append(ev.Probe(step=s, grad_norms=[[0.1 * t for t in range(8)]] * 2,
                                 global_norm=1.5, clipped_norm=1.0, clip_fraction=0.5))
            recs.append(Sample(step=s, prime="", text=f"sample at {s}", probs=[0.5] * 12,
                                  temperature=0.8))
        if s == 30:
            recs.append(ev.Checkpoint(step=30, path="x/checkpoint.safetensors",
                                      reason="interval"))
    lines = [json.dumps(r.to_dict()) for r in recs]
    text = "\n".join(lines) + "\n"
    if torn:
        text += '{"event": "train", "step": 34, "train_lo'
    (run_dir / "metrics.jsonl").write_text(text, encoding="utf-8")


def test_history_from_records_cuts_at_the_checkpoint(tmp_path):
    write_metrics(tmp_path)
    h = load_history(tmp_path)
    assert h.train_x == list(range(1, 31))  # 31..33 come again from the checkpoint; torn line
    assert h.val_x == [10, 20, 30] and h.best_val == pytest.approx(3.1 - 0.9)
    assert h.markers == [(12, "lr", 0.002)] and h.hparams["lr"] == 0.002
    samples = [e for e in h.family_events if isinstance(e, Sample)]
    assert [s.text for s in samples] == ["sample at 10", "sample at 20", "sample at 30"]
    assert h.baselines.losses["KN 3-gram"] == 2.2 and len(h.probes) == 3 and h.step == 30
    # unknown or malformed records are skipped, not fatal
    assert history_from_events(events_from_records(
        [{"event": "nope"}, {"event": "train", "step": 1}, 7])).empty


def test_an_old_format_row_is_upgraded_by_the_family_that_wrote_it():
    old = {"event": "baselines", "uniform": 3.0, "unigram": 2.5, "ngram": 1.5, "ngram_order": 3}
    start = {"event": "start", "config": {}, "device": "cpu", "vocab_size": 3, "parameters": 1,
             "train_chars": 1, "val_chars": 1, "step": 0}
    # a run from before the families (no family in its start row) is a language model's
    base = [e for e in events_from_records([start, old]) if isinstance(e, ev.Baselines)]
    assert base[0].losses == {"uniform": 3.0, "unigram": 2.5, "KN 3-gram": 1.5}
    # another family's run: the language model's old format means nothing there
    other = events_from_records([{**start, "family": "seq2seq"}, old])
    assert not [e for e in other if isinstance(e, ev.Baselines)]
    assert events_from_records([{**start, "family": ["?"]}, old])  # unknown: read as is


class GatedFactory(FakeFactory):
    """Builds the trainer only once the test says so (the real one takes seconds)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.release = threading.Event()

    def __call__(self, config):
        self.release.wait(10)
        return super().__call__(config)

    def open(self, run_dir, config):
        self.release.wait(10)
        return super().open(run_dir, config)


def test_open_shows_history_then_the_model_and_continues_on_space(tmp_path):
    write_metrics(tmp_path)
    factory = GatedFactory(start_step=30, steps=35)

    async def main():
        app = create_app(CONFIG, factory, out_dir=str(tmp_path), resume=True)
        async with app.run_test(size=SIZE) as pilot:
            try:
                await body(app, pilot)
            finally:
                factory.release.set()

    async def body(app, pilot):
        chart = app.main_screen.query_one("#loss-chart")
        await wait_for(lambda: chart.point_count("train") == 30, pilot=pilot)
        assert not factory.trainers  # all of this before the opened run exists
        assert chart.point_count("val") == 3
        assert list(chart._markers_label) == ["lr=2.00e-03"]  # as a live change shows it
        assert set(chart._refs) == {"uniform", "unigram", "KN 3-gram"}
        samples = app.main_screen.query_one("#samples")
        assert samples.sample_count == 3 and samples.sample_text(-1) == "sample at 30"
        text = status_text(app)
        assert "step 30" in text and "opening" in text and "ckpt step 30" in text
        assert "2.00e-03" in text  # the lr changed during the run, not the config's
        assert "KN 3-gram" in app.main_screen.query_one("#loss-info").text.plain
        assert "layer 1/2" in app.main_screen.query_one("#grad-info").text.plain

        factory.release.set()  # the checkpoint's model: a preview, no training
        await wait_for(lambda: app.state == "opened" and not app.revealing, pilot=pilot)
        assert samples.sample_text(-1) == "opened sample"
        assert "opened" in status_text(app)
        assert factory.last.calls_named("events") == []  # nothing trains, nothing written
        await pilot.press("T")  # a live setting of the opened run goes to its trainer
        assert await app.controller.wait_for(
            lambda run, e: run.settings["temperature"] > CONFIG.temperature, timeout=30)
        assert factory.last.calls_named("set_hparam")
        await pilot.press("space")  # continue: steps 31..35, eval at 35
        await wait_for(lambda: chart.point_count("train") == 35 and app.state == "running"
                       and app.info["eval"].step == 35, pilot=pilot)
        assert chart.point_count("val") == 4
        assert "step 35" in status_text(app)
        xs = list(chart._series["train"].xs)
        assert xs == sorted(xs) and xs[-1] == 35  # no duplicates past the checkpoint

    asyncio.run(main())


def test_open_without_metrics_warns_and_waits(tmp_path):
    factory = FakeFactory(start_step=5, steps=8)

    async def main():
        app = create_app(CONFIG, factory, out_dir=str(tmp_path), resume=True)
        async with app.run_test(size=SIZE) as pilot:
            chart = app.main_screen.query_one("#loss-chart")
            await wait_for(lambda: app.state == "opened", pilot=pilot)
            assert any("no history" in n.message for n in app._notifications)
            assert chart.point_count("train") == 0
            await pilot.press("space")
            await wait_for(lambda: chart.point_count("train") == 3, pilot=pilot)

    asyncio.run(main())


def test_a_new_run_reads_no_history(tmp_path):
    write_metrics(tmp_path)
    factory = FakeFactory(steps=4)

    async def main():
        app = create_app(CONFIG, factory, out_dir=str(tmp_path), resume=False)
        async with app.run_test(size=SIZE) as pilot:
            chart = app.main_screen.query_one("#loss-chart")
            await wait_for(lambda: app.info.get("eval") is not None, pilot=pilot)
            assert chart.point_count("train") == 4

    asyncio.run(main())
