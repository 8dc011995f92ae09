"""The hand-written numpy BPTT is right (finite differences, autograd) and the torch CharLM
with model='rnn' computes the same loss on the same weights."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from engine.families.lm.model import CharLM
from engine.numpy_reference import PARAM_NAMES, forward_backward, init_params

V, H, T = 6, 5, 7


@pytest.fixture
def problem():
    rng = np.random.default_rng(3)
    params = init_params(V, H, scale=0.5, seed=1)  # large enough that tanh is nonlinear
    params["bh"] = rng.standard_normal(H) * 0.1
    params["by"] = rng.standard_normal(V) * 0.1
    inputs = rng.integers(0, V, T).tolist()
    targets = rng.integers(0, V, T).tolist()
    h0 = rng.standard_normal(H) * 0.3
    return inputs, targets, h0, params


def test_gradients_match_finite_differences(problem):
    inputs, targets, h0, params = problem
    _, grads, _ = forward_backward(inputs, targets, h0, params)
    eps = 1e-5
    rng = np.random.default_rng(0)
    for name in PARAM_NAMES:
        p = params[name]
        for _ in range(4):  # a few random entries of each parameter
            i = tuple(rng.integers(0, s) for s in p.shape)
            old = p[i]
            p[i] = old + eps
            lp = forward_backward(inputs, targets, h0, params)[0]
            p[i] = old - eps
            lm = forward_backward(inputs, targets, h0, params)[0]
            p[i] = old
            num = (lp - lm) / (2 * eps)  # central difference: O(eps^2) error
            ana = grads[name][i]
            rel = abs(num - ana) / max(abs(num) + abs(ana), 1e-12)
            assert rel < 1e-5, f"{name}{i}: numeric {num} vs analytic {ana}"


def _torch_loss(inputs, targets, h0, tp):
    """The same forward written with torch ops, for autograd to differentiate."""
    h, loss = torch.tensor(h0), 0.0
    for ch, tgt in zip(inputs, targets):
        x = F.one_hot(torch.tensor(ch), V).double()
        h = torch.tanh(tp["Wxh"] @ x + tp["Whh"] @ h + tp["bh"])
        y = tp["Why"] @ h + tp["by"]
        loss = loss - torch.log_softmax(y, 0)[tgt]
    return loss, h


def test_gradients_match_autograd(problem):
    inputs, targets, h0, params = problem
    loss, grads, h_last = forward_backward(inputs, targets, h0, params)
    tp = {n: torch.tensor(p, requires_grad=True) for n, p in params.items()}
    tloss, th = _torch_loss(inputs, targets, h0, tp)
    tloss.backward()
    assert loss == pytest.approx(tloss.item(), rel=1e-12)
    np.testing.assert_allclose(h_last, th.detach().numpy(), rtol=1e-12)
    for n in PARAM_NAMES:
        np.testing.assert_allclose(grads[n], tp[n].grad.numpy(), rtol=1e-9, atol=1e-12)


def test_charlm_rnn_matches_numpy(problem):
    inputs, targets, h0, params = problem
    loss, _, h_last = forward_backward(inputs, targets, h0, params)
    # An identity embedding (embed = V) turns the lookup into the one-hot x_t, so the
    # fused W_ih plays Wxh; the textbook bh is split as bias_ih = bh, bias_hh = 0.
    m = CharLM(V, cell="rnn", embed=V, hidden=H, layers=1, dropout=0.0).double().eval()
    with torch.no_grad():
        m.embedding.weight.copy_(torch.eye(V))
        m.rnn.fused.weight_ih_l0.copy_(torch.tensor(params["Wxh"]))
        m.rnn.fused.weight_hh_l0.copy_(torch.tensor(params["Whh"]))
        m.rnn.fused.bias_ih_l0.copy_(torch.tensor(params["bh"]))
        m.rnn.fused.bias_hh_l0.zero_()
        m.head.weight.copy_(torch.tensor(params["Why"]))
        m.head.bias.copy_(torch.tensor(params["by"]))
        idx, tgt = torch.tensor([inputs]), torch.tensor([targets])
        hidden = torch.tensor(h0).view(1, 1, H)
        _, mean_loss, h_n = m(idx, hidden, tgt)
        _, u = m.forward_unrolled(idx, hidden)
    # CharLM reports the MEAN over T positions; the reference sums over t.
    assert mean_loss.item() * T == pytest.approx(loss, rel=1e-10)
    np.testing.assert_allclose(h_n[0, 0].numpy(), h_last, rtol=1e-10)
    np.testing.assert_allclose(u.h_n[0, 0].numpy(), h_last, rtol=1e-10)
