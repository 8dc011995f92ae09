"""Exploding on purpose: the live switch to SGD without clipping blows the run up, the guard
stops it with its explanation, and the checkpoint written just before comes back."""

from __future__ import annotations

import torch

from cli_helpers import cli
from engine import events as ev
from engine.families.longrange.config import LongRangeConfig
from engine.training.guard import EXPLODE
from engine.training.loop import Trainer

CFG = LongRangeConfig(model="gru", hidden=16, batch_size=16, length=10, heldout=32,
                      log_every=1, eval_every=1000, probe_every=0, sample_every=0,
                      steps=200, device="cpu")


def test_live_optimizer_switch_builds_a_fresh_optimizer():
    t = Trainer(CFG.replace(steps=3))
    for e in t.events():
        if isinstance(e, ev.TrainStep) and e.step == 1:
            assert isinstance(t.state.optimizer, torch.optim.AdamW)
            t.set_hparam("optimizer", "sgd")
    assert isinstance(t.state.optimizer, torch.optim.SGD) and t.config.optimizer == "sgd"


def test_explode_then_back_to_the_last_good_checkpoint(tmp_path):
    out = tmp_path / "run"
    t = Trainer(CFG, out_dir=out)
    events, norms = [], []
    for e in t.events():
        events.append(e)
        if isinstance(e, ev.TrainStep):
            norms.append(e.grad_norm)
            if e.step == 20:  # what the app's x key does
                t.request_checkpoint()
                for key, value in EXPLODE.items():
                    t.set_hparam(key, value)
    end = events[-1]
    assert end.name == "end" and end.reason == "diverged", end
    assert "step 20" in end.message and "clipping" in end.message
    assert 20 < end.step < 60  # it blows up within a few dozen steps
    assert max(norms[20:]) > 100 * max(norms[:20])  # the norm explodes first
    back = Trainer(None, out_dir=out, resume=True,
                   overrides={"lr": CFG.lr, "clip_mode": "norm", "steps": 30})
    resumed = [e for e in back.events()]
    assert resumed[0].step == 20 and resumed[0].config["optimizer"] == "adam"
    assert resumed[-1].reason == "steps"
    train = [e for e in resumed if isinstance(e, ev.TrainStep)]
    assert all(e.train_loss < 1.0 for e in train)


def test_run_explode_flag(capsys, tmp_path):
    code, out, err = cli(capsys, "run", "--task", "adding", "--model", "rnn", "--explode",
                         "--hidden", "16", "--length", "20", "--heldout", "20", "--steps",
                         "300", "--out", str(tmp_path / "x"))
    assert code == 3, (out, err)
    assert "diverged" in err and "clipping" in err and "(now 10)" in err
    # as the app's x, the run kept the model from before the explosion (issue 18): the norm
    # said is a number, and "explode, then --resume" with clipping and a small lr works
    assert "checkpoint (request) at step 0" in out and "gradient norm 0)" not in err
    assert "the last good checkpoint (step 0) was kept" in err
    code, out, err = cli(capsys, "run", "--out", str(tmp_path / "x"), "--resume", "--lr",
                         "0.001", "--clip-mode", "norm", "--steps", "5")
    assert code == 0 and "finished at step 5" in out, (out, err)
