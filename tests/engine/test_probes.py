"""The gradient-through-time probe and the gate-activity view."""

import math

import pytest
import torch

from engine.events import Probe
from engine.families.lm.events import Gates
from engine.families.lm.model import CharLM
from engine.families.lm.probes import gate_activity, gradient_per_timestep

V, B, T = 9, 4, 12


def _model(cell, layers=2, **kw):
    torch.manual_seed(0)
    return CharLM(V, cell=cell, embed=8, hidden=16, layers=layers, dropout=0.2, **kw)


def _batch(t=T):
    g = torch.Generator().manual_seed(1)
    return torch.randint(0, V, (B, t), generator=g), torch.randint(0, V, (B, t), generator=g)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_probe_shapes_and_values(cell):
    m = _model(cell)
    x, y = _batch()
    norms = gradient_per_timestep(m, x, y)
    assert len(norms) == 2 and all(len(row) == T for row in norms)
    assert all(isinstance(v, float) and math.isfinite(v) for row in norms for v in row)
    assert all(row[-1] > 0 for row in norms)
    Probe(step=1, grad_norms=norms, global_norm=1.0, clipped_norm=1.0, clip_fraction=0.0)
    # a carried hidden state (from a previous window) is accepted
    _, _, h = m(x)
    assert len(gradient_per_timestep(m, x, y, hidden=h)[0]) == T


def test_vanilla_rnn_gradient_vanishes():
    m = _model("rnn", layers=1)
    with torch.no_grad():  # small recurrent weights: ||diag(1-h^2) W_hh|| << 1 per step
        m.rnn.fused.weight_hh_l0.mul_(0.2)
    x, y = _batch(t=20)
    (row,) = gradient_per_timestep(m, x, y)
    assert row[0] < 1e-3 * row[-1]
    assert row[-1] > row[len(row) // 2] > row[0]


def test_probe_leaves_grads_and_mode_alone():
    m = _model("lstm").train()
    x, y = _batch()
    _, loss, _ = m(x, targets=y)
    loss.backward()
    before = {n: p.grad.clone() for n, p in m.named_parameters()}
    gradient_per_timestep(m, x, y)
    assert m.training and all(mod.training for mod in m.modules())
    for n, p in m.named_parameters():
        assert torch.equal(p.grad, before[n]), n
    fresh = _model("gru").eval()
    gradient_per_timestep(fresh, x, y)
    assert not fresh.training
    assert all(p.grad is None for p in fresh.parameters())


def test_probe_is_deterministic_in_eval_mode():
    m = _model("gru").train()  # dropout would make two calls differ if it were active
    x, y = _batch()
    assert gradient_per_timestep(m, x, y) == gradient_per_timestep(m, x, y)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gate_activity(cell):
    m = _model(cell).train()
    idx = torch.randint(0, V, (T,))
    a = gate_activity(m, idx)
    assert m.training
    assert set(a) == {"gates", "saturation", "hidden"}
    assert set(a["gates"]) == set(a["saturation"]) == set(m.rnn.gate_names)
    for name, per_layer in a["gates"].items():
        lo = -1.0 if name in ("cell", "candidate") else 0.0
        assert len(per_layer) == 2 and all(len(r) == T for r in per_layer)
        assert all(lo <= v <= 1.0 for r in per_layer for v in r)
        sat = a["saturation"][name]
        assert len(sat) == 2 and all(0.0 <= v <= 1.0 for r in sat for v in r)
    hidden = a["hidden"]
    assert len(hidden) == 2 and len(hidden[0]) == T and len(hidden[0][0]) == 16
    Gates(step=1, text="x" * T, **a)


def test_gate_activity_saturates_with_large_bias():
    m = _model("lstm", layers=1)
    with torch.no_grad():
        m.rnn.fused.bias_ih_l0.fill_(10.0)  # every gate pre-activation ≈ 10: all saturated
    a = gate_activity(m, torch.randint(0, V, (T,)))
    for name in ("input", "forget", "cell", "output"):
        assert all(v == 1.0 for v in a["saturation"][name][0])


def test_gate_activity_vanilla_rnn_has_no_gates():
    a = gate_activity(_model("rnn"), torch.randint(0, V, (T,)))
    assert a["gates"] == {} and a["saturation"] == {}
    assert len(a["hidden"]) == 2 and len(a["hidden"][1]) == T
