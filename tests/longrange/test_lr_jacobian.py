"""The Jacobian picture against autograd, the W_hh spectral norms, the CS286 scalar example."""

from __future__ import annotations

import pytest
import torch
from torch.autograd.functional import jacobian

from engine.errors import EngineError
from engine.families.longrange.jacobian import recurrent_spectral_norms, state_jacobian_norms
from engine.families.longrange.scalar import scalar_gradient
from engine.families.longrange.weight_init import apply_init
from engine.recurrent import Recurrent

B, T, IN, H = 2, 6, 3, 5


def one_layer(rnn: Recurrent, k: int) -> Recurrent:
    """Layer k of a stack as a one-layer Recurrent with the same weights."""
    in_size = getattr(rnn.fused, f"weight_ih_l{k}").shape[1]
    single = Recurrent(rnn.cell, in_size, H, 1, nonlinearity=rnn.nonlinearity).double()
    for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
        getattr(single.fused, name + "_l0").data.copy_(getattr(rnn.fused, f"{name}_l{k}"))
    return single


def autograd_gains(rnn: Recurrent, x: torch.Tensor) -> list[list[float]]:
    """sqrt(mean_b ||dh_T/dh_t||_F^2 / H) from full Jacobians, layer by layer."""
    u = rnn.unrolled(x)
    gains, layer_in = [], x
    for k in range(rnn.num_layers):
        single = one_layer(rnn, k)
        ref = single.unrolled(layer_in)
        per_t = []
        for t in range(T):
            sq = 0.0
            for b in range(B):
                rest = layer_in[b:b + 1, t + 1:]  # the inputs after step t
                if rest.shape[1] == 0:
                    sq += H  # dh_T/dh_T = I
                    continue
                # An LSTM's c_t is held fixed, as the probe does.
                c_t = single.unrolled(layer_in[b:b + 1, :t + 1]).h_n[1] if rnn.cell == "lstm" \
                    else None
                J = jacobian(lambda h: final_h(single, rest, h, c_t),
                             ref.states[0][t][b].detach())  # (H, H)
                sq += J.pow(2).sum().item()
            per_t.append((sq / (B * H)) ** 0.5)
        gains.append(per_t)
        layer_in = torch.stack(u.states[k], 1).detach()  # layer k's outputs feed layer k + 1
    return gains


def final_h(single: Recurrent, rest: torch.Tensor, h: torch.Tensor, c=None) -> torch.Tensor:
    """h_T (H,) after running `rest` (1, T - t - 1, in) from the state h (H,) [and c]."""
    h0 = h.view(1, 1, H)
    h_n = single.unrolled(rest, h0 if c is None else (h0, c)).h_n
    return (h_n if c is None else h_n[0]).view(H)


@pytest.mark.parametrize("cell,nonlinearity", [("rnn", "tanh"), ("rnn", "relu"),
                                               ("gru", "tanh"), ("lstm", "tanh")])
def test_exact_gains_match_autograd_jacobians(cell, nonlinearity):
    torch.manual_seed(0)
    rnn = Recurrent(cell, IN, H, num_layers=2, nonlinearity=nonlinearity).double()
    with torch.no_grad():  # larger weights than the default: the gains vary more along t
        for p in rnn.parameters():
            p.mul_(3.0)
    x = torch.randn(B, T, IN, dtype=torch.float64)
    got = state_jacobian_norms(rnn, x, exact=True)
    want = autograd_gains(rnn, x)
    assert len(got) == 2 and len(got[0]) == T
    for g_layer, w_layer in zip(got, want):
        assert g_layer == pytest.approx(w_layer, rel=1e-9, abs=1e-12)
    assert got[0][-1] == pytest.approx(1.0)  # dh_T/dh_T = I
    assert len(set(round(v, 6) for v in got[0])) > 3  # not a flat, trivially-equal curve


def test_estimate_is_close_to_exact_and_leaves_grads_alone():
    torch.manual_seed(1)
    rnn = Recurrent("lstm", IN, H, num_layers=1).double()
    x = torch.randn(B, T, IN, dtype=torch.float64)
    exact = state_jacobian_norms(rnn, x, exact=True)[0]
    est = state_jacobian_norms(rnn, x, probes=400, generator=torch.Generator().manual_seed(0))[0]
    assert est == pytest.approx(exact, rel=0.15)
    assert all(p.grad is None for p in rnn.parameters())
    assert rnn.training  # mode restored


def test_gain_of_a_scaled_identity_rnn_is_the_scalar_example():
    # W_hh = 0.9 I, no input, no bias: h stays at 0 where tanh' = 1, so dh_T/dh_t = 0.9^(T-t) I.
    rnn = Recurrent("rnn", 1, 8).double()
    apply_init(rnn, "identity")
    with torch.no_grad():
        rnn.fused.weight_hh_l0.mul_(0.9)
        rnn.fused.weight_ih_l0.zero_()
    gains = state_jacobian_norms(rnn, torch.zeros(1, 50, 1, dtype=torch.float64), exact=True)[0]
    # index 0 is the slide's h^(1), index 49 its h^(50) = h^(T)
    assert gains[0] == pytest.approx(scalar_gradient(0.9, 50))
    assert gains == pytest.approx([0.9 ** (49 - t) for t in range(50)])


def test_scalar_example_as_the_cs286_slide_prints_it():
    # The slide's formula: dh^(T)/dh^(1) = w^(T-1).
    assert scalar_gradient(1.1, 50) == pytest.approx(1.1 ** 49) == pytest.approx(106.72, abs=0.01)
    # The figures it prints, 117.4 and 0.00515, are w^50: 50 steps from h^(0).
    assert round(scalar_gradient(1.1, 50, start=0), 1) == 117.4
    assert round(scalar_gradient(0.9, 50, start=0), 5) == 0.00515
    assert round(scalar_gradient(0.9, 50), 5) == 0.00573  # = 0.9^49, not what it prints
    # And autograd agrees with the formula on the actual linear recurrence.
    w = torch.tensor(1.1, dtype=torch.float64)
    h1 = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    h = h1
    for x_t in torch.randn(49, dtype=torch.float64):  # h^(2) .. h^(50)
        h = w * h + 0.5 * x_t
    (grad,) = torch.autograd.grad(h, h1)
    assert grad.item() == pytest.approx(scalar_gradient(1.1, 50))
    with pytest.raises(EngineError):
        scalar_gradient(1.1, 0)


def test_spectral_norms_per_gate_block():
    rnn = Recurrent("lstm", IN, H, num_layers=2, bidirectional=True)
    apply_init(rnn, "orthogonal")
    norms = recurrent_spectral_norms(rnn)
    assert len(norms) == 4 and list(norms[0]) == ["input", "forget", "cell", "output"]
    assert all(v == pytest.approx(1.0, abs=1e-5) for d in norms for v in d.values())
    with torch.no_grad():
        rnn.fused.weight_hh_l0.view(4, H, H)[1].mul_(2.5)  # the forget block of layer 0
    assert recurrent_spectral_norms(rnn)[0]["forget"] == pytest.approx(2.5, abs=1e-5)
    rnn = Recurrent("rnn", IN, H)  # the default init: compare with an SVD
    sv = torch.linalg.svdvals(rnn.fused.weight_hh_l0.detach().double())[0].item()
    assert recurrent_spectral_norms(rnn) == [{"W_hh": pytest.approx(sv)}]


def test_bidirectional_is_refused():
    rnn = Recurrent("gru", IN, H, bidirectional=True)
    with pytest.raises(EngineError, match="unidirectional"):
        state_jacobian_norms(rnn, torch.randn(1, 3, IN))
