"""The kept best model (best.safetensors): written at each evaluation that improves the
family's headline, used by inference by default, never by resume; and a single step asked
for while paused is probed at once (request_probe)."""

from __future__ import annotations

import pytest
import torch

from engine import events as ev
from engine import families
from engine.storage import checkpoint as ckpt
from engine.storage.header import BEST, CHECKPOINT
from engine.storage.rundir import drop_later_best
from engine.storage.state import load_run
from engine.training.loop import Trainer


@pytest.fixture
def scripted_losses(monkeypatch):
    """The LM's real evaluation, with its held-out loss replaced by LOSSES[k] at the k-th
    evaluation: a run whose best is not its last, whatever the machine."""
    task_class = families.get("lm").task_class()
    real = task_class.evaluate
    losses: list[float] = []

    def evaluate(self, model):
        found = real(self, model)
        found.val_loss = losses.pop(0)
        return found

    monkeypatch.setattr(task_class, "evaluate", evaluate)
    return losses


def test_the_best_evaluation_is_kept_and_inference_uses_it(tiny_config, tmp_path,
                                                           scripted_losses):
    scripted_losses += [2.0, 1.5, 1.8]  # steps 10, 20, 30: the best is step 20's
    out = tmp_path / "run"
    events = list(Trainer(tiny_config.replace(steps=30, eval_every=10, first_look_at=0),
                          out_dir=out).events())
    assert [(e.step, e.best) for e in events if isinstance(e, ev.Eval)] == \
        [(10, True), (20, True), (30, False)]
    best, latest = ckpt.load(out, BEST), ckpt.load(out)
    assert best.meta["step"] == 20 and latest.meta["step"] == 30
    assert best.meta["best_val"] == 1.5 and latest.meta["best_val"] == 1.5
    assert not best.optim and not best.rng and not best.hidden  # the model alone
    assert any(not torch.equal(best.model[k], latest.model[k]) for k in best.model)

    run = load_run(out)
    assert run.best and run.file == BEST and run.meta["step"] == 20 and run.latest_step == 30
    assert all(torch.equal(run.model.state_dict()[k], best.model[k]) for k in best.model)
    last = load_run(out, last=True)
    assert not last.best and last.file == CHECKPOINT and last.meta["step"] == 30
    given = load_run(out / BEST)  # a file given: that file
    assert given.meta["step"] == 20 and given.latest_step == 20

    steps = Trainer(None, out_dir=out, resume=True, overrides={"steps": 31}).events()
    started = next(steps)
    steps.close()
    assert isinstance(started, ev.Started) and started.step == 30  # from the latest
    assert ckpt.load(out, BEST).meta["step"] == 20  # (from before it: kept)


def test_a_run_without_a_better_evaluation_keeps_no_best_and_uses_the_latest(tiny_config,
                                                                            tmp_path,
                                                                            scripted_losses):
    scripted_losses += [float("nan")]  # never "best": nothing to keep
    out = tmp_path / "run"
    list(Trainer(tiny_config.replace(steps=10, eval_every=10, first_look_at=0),
                 out_dir=out).events())
    assert not (out / BEST).exists() and (out / CHECKPOINT).is_file()
    run = load_run(out)
    assert not run.best and run.file == CHECKPOINT


def test_a_best_model_from_after_the_resumed_checkpoint_is_dropped(tiny_config, tmp_path):
    out = tmp_path / "run"
    list(Trainer(tiny_config.replace(steps=10, eval_every=10), out_dir=out).events())
    saved = ckpt.load(out, BEST)
    drop_later_best(out, 10)  # the same step: kept
    assert (out / BEST).is_file()
    saved.meta["step"] = 11
    ckpt.save(out / BEST, saved)
    drop_later_best(out, 10)  # after the checkpoint: the steps to redo made it
    assert not (out / BEST).exists()


def test_a_single_step_asked_while_paused_is_probed_once(tiny_config):
    trainer = Trainer(tiny_config.replace(steps=20, probe_every=4, first_look_at=0,
                                          sample_every=0, eval_every=100))
    events = trainer.events()
    for e in events:
        if isinstance(e, ev.TrainStep) and e.step == 3:
            break  # "paused" after step 3, as the app's runner is after `n`
    trainer.request_probe()
    trainer.request_probe()  # the same step: probed once
    served = trainer.serve_requests()
    probes = [e for e in served if isinstance(e, ev.Probe)]
    assert [p.step for p in probes] == [3] and len(probes[0].grad_norms[0]) == 32
    assert any(type(e).__name__ == "Gates" for e in served)  # the family's probe events
    rest = list(events)  # on again: the scheduled probes, no second one at step 3
    assert [e.step for e in rest if isinstance(e, ev.Probe)] == [4, 8, 12, 16, 20]


def test_a_best_model_that_does_not_fit_loses_nothing(tiny_config, tmp_path, scripted_losses,
                                                      monkeypatch):
    import errno

    from engine.errors import EngineError

    scripted_losses += [2.0, 1.0]  # step 10 kept; step 20 better, and the disk is full
    out = tmp_path / "run"
    list(Trainer(tiny_config.replace(steps=10, eval_every=10), out_dir=out).events())
    kept = {p.name: p.read_bytes() for p in out.glob("*.safetensors")}
    assert set(kept) == {BEST, CHECKPOINT}
    replace = ckpt.os.replace

    def full(src, dst):
        if str(dst).endswith(BEST):
            raise OSError(errno.ENOSPC, "No space left on device")
        replace(src, dst)

    monkeypatch.setattr(ckpt.os, "replace", full)
    with pytest.raises(EngineError, match=f"{BEST}: No space left on device.*unchanged"):
        list(Trainer(None, out_dir=out, resume=True, overrides={"steps": 20}).events())
    assert {p.name: p.read_bytes() for p in out.glob("*.safetensors")} == kept
    assert not list(out.glob(".checkpoint-*"))  # the temp file went
    monkeypatch.setattr(ckpt.os, "replace", replace)
    assert load_run(out).meta["step"] == 10
