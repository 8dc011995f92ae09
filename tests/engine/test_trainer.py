"""The training generator: loss goes down, events, live controls, exact resume, divergence."""

from __future__ import annotations

import math

import pytest
import torch

from engine import events as ev
from engine.families.lm.events import Gates, Sample
from engine.errors import EngineError
from engine.training.loop import Trainer


def run(trainer: Trainer) -> list[ev.Event]:
    return list(trainer.events())


def of(events, kind):
    return [e for e in events if isinstance(e, kind)]


def test_loss_goes_down_and_beats_unigram(tiny_config):
    events = run(Trainer(tiny_config.replace(steps=120, eval_every=60)))
    train = of(events, ev.TrainStep)
    assert train[-1].train_loss < 0.5 * train[0].train_loss
    base = of(events, ev.Baselines)[0]
    evals = of(events, ev.Eval)
    assert evals[-1].val_loss < base.losses["unigram"]
    assert evals[-1].bits_per_char == pytest.approx(evals[-1].val_loss / math.log(2))
    assert of(events, ev.Finished)[0].reason == "steps"


def test_event_stream_shape(tiny_config):
    events = run(Trainer(tiny_config.replace(steps=10)))
    assert isinstance(events[0], ev.Started) and isinstance(events[1], ev.Baselines)
    assert isinstance(events[-1], ev.Finished)
    assert [e.step for e in of(events, ev.TrainStep)] == list(range(1, 11))
    probes = of(events, ev.Probe)
    assert [p.step for p in probes] == [5, 10]
    assert len(probes[0].grad_norms) == 2 and len(probes[0].grad_norms[0]) == 32
    assert of(events, Gates)[0].gates.keys() == {"input", "forget", "cell", "output"}
    sample = of(events, Sample)[0]
    assert len(sample.text) == 30 and len(sample.probs) == 30
    for e in events:  # plain data only: everything serialises
        assert "event" in e.to_dict()


def test_live_controls(tiny_config):
    trainer = Trainer(tiny_config.replace(steps=1000))
    seen = []
    for e in trainer.events():
        seen.append(e)
        if isinstance(e, ev.TrainStep) and e.step == 3:
            trainer.set_hparam("lr", 1e-3)
            trainer.set_hparam("bptt", 16)
            trainer.request("sample", prime="the ", length=5)
        if isinstance(e, ev.TrainStep) and e.step == 6:
            trainer.stop()
    changes = of(seen, ev.HParamChange)
    assert [(c.key, c.new) for c in changes] == [("lr", 1e-3), ("bptt", 16)]
    assert of(seen, ev.TrainStep)[-1].lr == pytest.approx(1e-3, rel=1e-3)  # cosine
    sample = of(seen, Sample)[0]
    assert sample.prime == "the " and len(sample.text) == 5
    assert of(seen, ev.Finished)[0].reason == "stopped"
    with pytest.raises(EngineError):
        trainer.set_hparam("hidden", 10)


def test_stop_during_a_requested_sample_ends_the_run_with_its_checkpoint(tiny_config, tmp_path):
    """q while `g`'s sample is still being written (seen in CI: the app quit with no
    checkpoint, as stop() cancelled the sample with an exception that ended the trainer)."""
    trainer = Trainer(tiny_config.replace(steps=1000), out_dir=str(tmp_path / "run"))
    seen = []
    for e in trainer.events():
        seen.append(e)
        if isinstance(e, ev.TrainStep) and e.step == 3:
            trainer.request("sample", prime="the ", length=5000)
            trainer.stop()
    assert of(seen, ev.Finished)[0].reason == "stopped"
    assert of(seen, ev.Checkpoint)[-1].step == 3
    assert (tmp_path / "run" / "checkpoint.safetensors").is_file()


def test_bad_live_value_is_a_warning_not_a_crash(tiny_config):
    trainer = Trainer(tiny_config.replace(steps=4))
    trainer.set_hparam("lr", -1.0)
    trainer.request("sample", prime="\u2603")  # a character the model never saw
    events = run(trainer)
    assert len(of(events, ev.Warning)) == 2
    assert of(events, ev.Finished)[0].reason == "steps"


def test_exact_resume(tiny_config, tmp_path):
    cfg = tiny_config.replace(steps=16, dropout=0.1, sample_every=0)
    whole = of(run(Trainer(cfg, out_dir=tmp_path / "a")), ev.TrainStep)

    first = Trainer(cfg, out_dir=tmp_path / "b")
    for e in first.events():
        if isinstance(e, ev.TrainStep) and e.step == 7:
            first.stop()
    resumed = of(run(Trainer(cfg, out_dir=tmp_path / "b", resume=True)), ev.TrainStep)
    assert resumed[0].step == 8
    assert [e.train_loss for e in resumed] == [e.train_loss for e in whole[7:]]


def test_resumed_metrics_are_continuous(tiny_config, tmp_path):
    from engine.storage.metrics import read_metrics

    cfg = tiny_config.replace(steps=12)
    out = tmp_path / "run"
    t = Trainer(cfg, out_dir=out)
    for e in t.events():
        if isinstance(e, ev.TrainStep) and e.step == 5:
            t.stop()
    run(Trainer(cfg, out_dir=out, resume=True))
    steps = [r["step"] for r in read_metrics(out) if r["event"] == "train"]
    assert steps == list(range(1, 13))


def test_nan_loss_stops_with_explanation_and_keeps_checkpoint(tiny_config, tmp_path):
    cfg = tiny_config.replace(steps=200, model="rnn", nonlinearity="relu", optimizer="sgd",
                              lr=10.0, momentum=0.0, clip_mode="off", checkpoint_every_s=1e-9,
                              probe_every=0)
    events = run(Trainer(cfg, out_dir=tmp_path / "run"))
    end = of(events, ev.Finished)[0]
    assert end.reason == "diverged"
    assert "clipping" in end.message and "learning rate" in end.message
    from engine.storage.checkpoint import load

    saved = load(tmp_path / "run")
    assert all(torch.isfinite(t).all() for t in saved.model.values())


def test_existing_out_dir_refused_unless_resume_or_force(tiny_config, tmp_path):
    out = tmp_path / "run"
    run(Trainer(tiny_config.replace(steps=2), out_dir=out))
    with pytest.raises(EngineError, match="already exists"):
        run(Trainer(tiny_config.replace(steps=2), out_dir=out))
    run(Trainer(tiny_config.replace(steps=2), out_dir=out, force=True))


@pytest.mark.parametrize("model", ["lstm", "gru", "rnn"])
def test_dry_run_each_cell(tiny_config, model):
    events = run(Trainer(tiny_config.replace(model=model, steps=3, eval_every=3)))
    assert of(events, ev.Eval) and of(events, ev.Finished)[0].reason == "steps"
