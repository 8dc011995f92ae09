"""--precision: bf16 autocast trains like fp32 (same gradient picture, near-equal losses),
keeps the weights and checkpoints in fp32, and refuses what the device cannot do."""

from __future__ import annotations

import pytest
import torch

from engine.storage import checkpoint as ckpt
from engine import events as ev
from engine.errors import EngineError
from engine.training.loop import Trainer
from engine.training.precision import Precision, bf16_supported, native_bf16, \
    resolve_precision

CPU = torch.device("cpu")
needs_bf16 = pytest.mark.skipif(not bf16_supported(CPU), reason="no bf16 kernels on this CPU")


def train(config, out=None):
    events = list(Trainer(config, out_dir=out).events())
    return [e for e in events if isinstance(e, ev.TrainStep)], \
        [e for e in events if isinstance(e, ev.Probe)], events


@needs_bf16
def test_bf16_learns_like_fp32_with_the_same_gradient_picture(tiny_config):
    cfg = tiny_config.replace(steps=40, eval_every=40, sample_every=0)
    steps32, probes32, _ = train(cfg)
    steps16, probes16, _ = train(cfg.replace(precision="bf16"))
    # Same shape of the gradient panel: layers x timesteps, every entry a finite number.
    assert [len(row) for row in probes16[-1].grad_norms] == \
        [len(row) for row in probes32[-1].grad_norms]
    assert all(v == v and v < float("inf") for row in probes16[-1].grad_norms for v in row)
    # Near-equal losses: both learn (the loss at least halves) and end within 10%.
    for steps in (steps32, steps16):
        assert steps[-1].train_loss < 0.5 * steps[0].train_loss
    assert steps16[-1].train_loss == pytest.approx(steps32[-1].train_loss, rel=0.1)
    # The first step's loss is computed from the same initial weights: bf16 rounding only.
    assert steps16[0].train_loss == pytest.approx(steps32[0].train_loss, rel=0.02)


@needs_bf16
def test_bf16_run_keeps_fp32_weights_and_checkpoint(tiny_config, tmp_path):
    out = tmp_path / "run"
    _, _, events = train(tiny_config.replace(steps=5, precision="bf16"), out)
    started = next(e for e in events if isinstance(e, ev.Started))
    assert "bf16" in started.device and started.config["precision"] == "bf16"
    saved = ckpt.load(out / ckpt.FILENAME)
    assert {t.dtype for t in saved.model.values()} == {torch.float32}


def test_fp32_is_a_no_op():
    p = Precision.build("fp32", CPU)
    assert p.scaler is None and not torch.is_autocast_enabled()


def test_auto_is_bf16_only_where_the_cpu_computes_it_natively(monkeypatch):
    expected = "bf16" if native_bf16(CPU) else "fp32"
    assert resolve_precision("auto", CPU) == expected
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    assert resolve_precision("auto", CPU) == "fp32"  # emulated bf16 would be slower
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: True)
    assert resolve_precision("auto", CPU) == "bf16"
    assert resolve_precision("auto", torch.device("mps")) == "fp32"


def test_auto_is_the_default_only_where_it_was_measured():
    from engine.families.lm.config import LMConfig

    assert LMConfig().precision == "auto"  # characters: benchmarks/precision.py
    assert LMConfig(tokens="word").precision == "fp32"  # not yet measured for words
    assert LMConfig(model="ffnn").precision == "fp32"
    assert LMConfig(precision="fp32").precision == "fp32"  # the user's choice wins
    assert LMConfig().replace(tokens="word").precision == "fp32"
    assert LMConfig(precision="bf16").replace(tokens="word").precision == "bf16"


def test_fp16_needs_cuda(tiny_config):
    with pytest.raises(EngineError, match="fp16 needs a CUDA GPU"):
        list(Trainer(tiny_config.replace(steps=1, precision="fp16")).events())


def test_unknown_precision_is_refused(tiny_config):
    with pytest.raises(EngineError, match="unknown precision"):
        tiny_config.replace(precision="fp8").validate()
