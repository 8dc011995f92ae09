"""The long-range family on the single loop: config, task, events, resume, the CLI."""

from __future__ import annotations

import json

import pytest
import torch

from cli_helpers import assert_clean_error, cli
from engine import events as ev
from engine import families
from engine.errors import EngineError
from engine.families.longrange.config import LongRangeConfig
from engine.families.longrange.events import Examples, Jacobian
from engine.training.loop import Trainer

TINY = dict(hidden=16, batch_size=16, length=8, heldout=64, probe_batch=2, log_every=1,
            eval_every=10, probe_every=5, sample_every=10, device="cpu")


def tiny(**changes) -> LongRangeConfig:
    return LongRangeConfig(**{**TINY, **changes}).validate()


def of(events, kind):
    return [e for e in events if isinstance(e, kind)]


def test_registry_answers_to_the_three_tasks():
    for task in ("adding", "copy", "recall"):
        cfg = families.config_for_task(task, {"length": 30})
        assert isinstance(cfg, LongRangeConfig) and cfg.task == task and cfg.length == 30
    assert families.get("longrange").view.endswith("LongRangeScreen")


@pytest.mark.parametrize("task,metric,baseline", [
    ("adding", "mse", 1 / 6), ("recall", "accuracy", 0.25), ("copy", "copied", None)])
def test_events_carry_the_task_metric_and_its_baseline(task, metric, baseline):
    events = list(Trainer(tiny(task=task, model="gru", steps=10)).events())
    base = of(events, ev.Baselines)[0]
    (name, loss), = base.losses.items()
    if task == "adding":
        assert loss == pytest.approx(1 / 6) and base.metrics[name]["mse"] == loss
    elif task == "copy":
        assert loss == pytest.approx(10 * torch.log(torch.tensor(8.0)).item() / 28)
    else:
        assert base.metrics[name]["accuracy"] == baseline
    last = of(events, ev.Eval)[-1]
    assert metric in last.metrics and last.to_dict()[metric] == last.metrics[metric]
    jac = of(events, Jacobian)[-1]
    S = {"adding": 8, "recall": 10, "copy": 28}[task]
    assert len(jac.gains) == 1 and len(jac.gains[0]) == S
    assert jac.gains[0][-1] == pytest.approx(1.0, rel=0.3)  # dh_T/dh_T = I
    assert set(jac.sigma_max[0]) == {"reset", "update", "candidate"}
    probe = of(events, ev.Probe)[-1]
    assert len(probe.grad_norms[0]) == S
    ex = of(events, Examples)[-1]
    assert len(ex.inputs) == len(ex.outputs) == len(ex.correct) == 4 and ex.task == task


def test_loss_goes_down_on_adding():
    cfg = tiny(model="gru", length=6, hidden=32, batch_size=32, lr=1e-2, steps=150,
               eval_every=150, probe_every=0, sample_every=0, log_every=10)
    events = list(Trainer(cfg).events())
    assert of(events, ev.Eval)[-1].metrics["mse"] < 0.5 * (1 / 6)


def test_exact_resume(tmp_path):
    cfg = tiny(model="lstm", steps=12, probe_every=0, sample_every=0)
    whole = of(Trainer(cfg, out_dir=tmp_path / "a").events(), ev.TrainStep)
    first = Trainer(cfg, out_dir=tmp_path / "b")
    for e in first.events():
        if isinstance(e, ev.TrainStep) and e.step == 5:
            first.stop()
    resumed = of(Trainer(cfg, out_dir=tmp_path / "b", resume=True).events(), ev.TrainStep)
    assert resumed[0].step == 6
    assert [e.train_loss for e in resumed] == [e.train_loss for e in whole[5:]]


def test_init_and_chrono_reach_the_model():
    from engine.families.longrange.task import LongRangeTask

    net = LongRangeTask(tiny(model="irnn")).build_model()
    assert torch.equal(net.rnn.fused.weight_hh_l0, torch.eye(16))
    net = LongRangeTask(tiny(model="rnn", init="orthogonal")).build_model()
    w = net.rnn.fused.weight_hh_l0.detach()
    assert torch.allclose(w @ w.T, torch.eye(16), atol=1e-5)
    lstm = LongRangeTask(tiny(model="lstm")).build_model().rnn.fused  # chrono by default
    b_f = lstm.bias_ih_l0.view(4, 16)[1]
    assert torch.allclose(lstm.bias_ih_l0.view(4, 16)[0], -b_f) and (b_f >= 0).all()
    bias = LongRangeTask(tiny(model="lstm", chrono=False, forget_bias=1.0)).build_model()
    assert torch.equal(bias.rnn.fused.bias_ih_l0.view(4, 16)[1], torch.ones(16))
    gru = LongRangeTask(tiny(model="gru")).build_model()  # chrono is for an LSTM only
    assert gru.rnn.cell == "gru"


@pytest.mark.parametrize("changes,needle", [
    ({"task": "sum"}, "unknown task"), ({"init": "xavier"}, "unknown init"),
    ({"length": 0}, "length"), ({"length": 10**6}, "absurdly large"),
    ({"model": "gru", "forget_bias": 1.0}, "needs an LSTM"),
    ({"forget_bias": 1.0}, "--no-chrono"), ({"task": "recall", "keys": 1}, "keys"),
    ({"model": "transformer"}, "unknown model")])
def test_bad_settings(changes, needle):
    with pytest.raises(EngineError, match=needle):
        LongRangeConfig(**changes).validate()


@pytest.mark.parametrize("args,needle", [
    (["--length", "abc"], "--length"), (["--length", "1"], "length for the adding task"),
    (["--init", "he"], "unknown init"), (["--model", "irnn", "--forget-bias", "1"],
                                         "needs an LSTM"),
    (["--corpus", "x.txt"], "--corpus: not an option")])
def test_cli_bad_input(capsys, args, needle):
    code, out, err = cli(capsys, "run", "--task", "adding", "--steps", "1", *args)
    assert_clean_error(code, out, err, needle)


def test_cli_run_eval_and_open_the_run(capsys, tmp_path):
    out = tmp_path / "run"
    code, stdout, err = cli(capsys, "run", "--task", "recall", "--length", "6", "--steps",
                            "6", "--hidden", "16", "--heldout", "50", "--eval-every", "3", "--probe-every", "3",
                            "--out", str(out))
    assert code == 0, err
    assert "nats/sequence" in stdout and "accuracy" in stdout and "chance" in stdout
    records = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert {"start", "baselines", "eval", "jacobian", "end"} <= {r["event"] for r in records}
    code, stdout, err = cli(capsys, "eval", str(out))
    assert code == 0 and "50 held-out recall sequences" in stdout, err
    code, stdout, err = cli(capsys, "eval", str(out), "--corpus", "prose")
    assert_clean_error(code, stdout, err, "generated")
