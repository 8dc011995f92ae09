"""What the trainers promise when things go wrong: a good checkpoint after divergence, on-time
checkpoints whatever the log cadence, a stop honoured inside long side jobs."""

from __future__ import annotations

import math
import re

import pytest
import torch

from engine.storage import checkpoint as ckpt
from engine import events as ev
from engine.errors import Cancelled
from engine.training.guard import DivergenceGuard
from engine.families.seq2seq.config import Seq2SeqConfig
from engine.training.loop import Trainer
from engine.training.loop import Trainer


def of(events, kind):
    return [e for e in events if isinstance(e, kind)]


def seq2seq(**kw) -> Seq2SeqConfig:
    base = dict(task="reverse", min_len=3, max_len=6, heldout=300, embed=8, hidden=32,
                attn_size=16, batch_size=32, lr=1e-2, warmup_steps=0, log_every=1,
                eval_every=1000, sample_every=0, probe_every=0, probe_examples=1,
                device="cpu", threads=1)
    base.update(kw)
    return Seq2SeqConfig(**base)


# --- divergence: the checkpoint kept is a good one ------------------------------------------

def test_guard_keeps_finite_losses_and_refuses_explosions():
    g = DivergenceGuard(uniform=math.log(30))
    assert g.observe(3.4) and g.observe(3.0)
    assert not g.observe(float("nan")) and not g.observe(float("inf"))
    assert not g.observe(40.0)  # >3x the running loss: exploding
    assert g.average < 3.5  # the explosion was not averaged in
    assert not g.fit_to_keep(3.0, [torch.tensor([1.0, float("nan")])])
    assert g.fit_to_keep(None, [torch.ones(3)])
    near_zero = DivergenceGuard(uniform=3.0, average=0.01)
    assert near_zero.observe(0.05)  # 5x, but 0.04 nats is noise, not an explosion
    assert "no checkpoint was written" in g.where()
    g.kept(7, 2.5)
    assert "step 7, train loss 2.500" in g.where()


def diverging(tiny_config):
    """The issue's run: relu RNN, SGD, lr 10, momentum 0.99, no clipping, a checkpoint every
    step (it is NaN within 20 steps)."""
    return tiny_config.replace(steps=300, model="rnn", nonlinearity="relu", optimizer="sgd",
                               lr=10.0, momentum=0.99, clip_mode="off", checkpoint_every_s=1e-9,
                               probe_every=0, sample_every=0, eval_every=1000)


def test_after_a_divergence_the_checkpoint_kept_is_good_and_named(tiny_config, tmp_path):
    out = tmp_path / "run"
    events = list(Trainer(diverging(tiny_config), out_dir=out).events())
    end = of(events, ev.Finished)[0]
    assert end.reason == "diverged", end.message
    kept = int(re.search(r"last good checkpoint \(step (\d+)", end.message).group(1))
    saved = ckpt.load(out)  # it would refuse non-finite weights
    assert saved.meta["step"] == kept < end.step
    assert math.isfinite(saved.meta["train_loss"]) and saved.meta["train_loss"] < 10


def test_an_exploding_seq2seq_run_keeps_its_last_good_checkpoint(tmp_path):
    """A run that trains well until the learning rate is raised to 10 (the app's `L` key,
    pressed too often): the loss jumps from ~3 to >100 and stays there (finite: no stop).
    Checkpoints stop at the jump; the one at the end is refused with a warning."""
    out = tmp_path / "run"
    trainer = Trainer(seq2seq(steps=30, clip_mode="off", lr_schedule="constant",
                                     checkpoint_every_s=1e-9), out_dir=out)
    events = []
    for e in trainer.events():
        events.append(e)
        if isinstance(e, ev.TrainStep) and e.step == 10:
            trainer.set_hparam("lr", 10.0)
    losses = [e.train_loss for e in of(events, ev.TrainStep)]
    assert max(losses[:10]) < 4 < 20 < min(losses[12:])  # healthy, then exploded
    saved = ckpt.load(out)
    assert 9 <= saved.meta["step"] <= 11 and saved.meta["train_loss"] < 4
    warning = of(events, ev.Warning)[-1].message
    assert warning.startswith("no checkpoint at step 30: the model is diverging")
    assert f"last good checkpoint (step {saved.meta['step']}" in warning


def test_resuming_the_last_good_checkpoint_gently_trains_on(tiny_config, tmp_path):
    out = tmp_path / "run"
    cfg = diverging(tiny_config)
    assert of(list(Trainer(cfg, out_dir=out).events()), ev.Finished)[0].reason == "diverged"
    step = ckpt.load(out).meta["step"]
    events = list(Trainer(cfg, out_dir=out, resume=True,
                          overrides={"lr": 0.01, "clip_mode": "norm", "steps": step + 20}
                          ).events())
    assert of(events, ev.Finished)[0].reason == "steps"
    assert all(math.isfinite(e.train_loss) for e in of(events, ev.TrainStep))


# --- checkpoint timing: every step, not every log step --------------------------------------

def test_checkpoints_come_on_time_whatever_the_log_cadence(tiny_config, tmp_path):
    cfg = tiny_config.replace(steps=20, log_every=100000, checkpoint_every_s=1e-9,
                              probe_every=0, sample_every=0, eval_every=100000)
    events = list(Trainer(cfg, out_dir=tmp_path / "lm").events())
    assert [c.step for c in of(events, ev.Checkpoint)] == list(range(1, 21))
    events = list(Trainer(seq2seq(steps=20, log_every=100000, checkpoint_every_s=1e-9),
                                 out_dir=tmp_path / "s2s").events())
    assert [c.step for c in of(events, ev.Checkpoint)] == list(range(1, 21))


# --- a stop is honoured inside long side jobs ------------------------------------------------

def test_long_jobs_give_up_when_asked():
    from engine.families.lm.evaluate import evaluate
    from engine.families.lm.model import CharLM
    from engine.data.ngram import baselines
    from engine.families.lm.sampling import sample_text

    from engine.data.tokens import Vocab

    model = CharLM(2, "gru", 4, 8, 1, 0.0)
    with pytest.raises(Cancelled):
        evaluate(model, torch.zeros(5000, dtype=torch.long), torch.device("cpu"),
                 cancel=lambda: True)
    with pytest.raises(Cancelled):
        baselines("ab" * 500, "ba" * 50, order=3, cancel=lambda: True)
    with pytest.raises(Cancelled):
        sample_text(model, Vocab(list("ab")), length=100, cancel=lambda: True)


def test_stop_during_the_final_evaluation_cancels_it(tiny_config, tmp_path, monkeypatch):
    import engine.families.lm.evaluate as evaluation

    trainer = Trainer(tiny_config.replace(steps=4, eval_every=1000, sample_every=0),
                      out_dir=tmp_path / "run")
    real = evaluation.detach_hidden

    def stop_after_a_window(hidden):  # the Ctrl+C arrives while the pass is under way
        trainer.stop()
        return real(hidden)

    monkeypatch.setattr(evaluation, "detach_hidden", stop_after_a_window)
    events = list(trainer.events())
    assert not of(events, ev.Eval)
    assert of(events, ev.Finished)[0].reason == "stopped"
    assert of(events, ev.Checkpoint)[-1].reason == "interrupt"
    assert ckpt.load(tmp_path / "run").meta["step"] == 4


def test_stop_during_the_final_seq2seq_evaluation_cancels_it(tmp_path, monkeypatch):
    import engine.families.seq2seq.decode as decode

    trainer = Trainer(seq2seq(steps=3), out_dir=tmp_path / "run")
    real = decode.greedy

    def stop_then_decode(*args, **kwargs):
        trainer.stop()
        return real(*args, **kwargs)

    monkeypatch.setattr(decode, "greedy", stop_then_decode)
    events = list(trainer.events())
    assert not [e for e in events if e.name == "eval"]
    assert of(events, ev.Finished)[0].reason == "stopped"
    assert ckpt.load(tmp_path / "run").meta["step"] == 3


def test_stop_during_the_baselines_ends_the_run_before_its_first_step(tiny_config, tmp_path):
    trainer = Trainer(tiny_config.replace(steps=10), out_dir=tmp_path / "run")
    events = []
    for e in trainer.events():
        events.append(e)
        if isinstance(e, ev.Started):
            trainer.stop()  # the next thing the generator does is count n-grams
    assert not of(events, ev.Baselines) and not of(events, ev.TrainStep)
    assert of(events, ev.Finished)[0].reason == "stopped"


def test_a_training_run_holds_its_directory(tiny_config, tmp_path):
    """Every trainer (the CLI's and the app's) locks its run directory from setup to end."""
    from engine.errors import EngineError

    first = Trainer(tiny_config.replace(steps=50), out_dir=tmp_path / "run").events()
    next(first)  # set up: the lock is held
    with pytest.raises(EngineError, match="in use by another rnn-tui run"):
        next(Trainer(seq2seq(steps=2), out_dir=tmp_path / "run", force=True).events())
    first.close()  # the generator's end releases it
    list(Trainer(tiny_config.replace(steps=2), out_dir=tmp_path / "run", force=True).events())
