"""The fused kernels and the textbook cells are the same function of the same parameters."""

import pytest
import torch

from engine.errors import EngineError
from engine.families.lm.model import CharLM
from engine.recurrent import Recurrent, detach_hidden

B, T, IN, H = 3, 5, 4, 6
TOL = 1e-5
CELLS = [("lstm", "tanh"), ("gru", "tanh"), ("rnn", "tanh"), ("rnn", "relu")]


def _flat(h):
    return torch.cat(h) if isinstance(h, tuple) else h


def _make(cell, nl, layers, bi, dropout=0.0):
    torch.manual_seed(0)
    return Recurrent(cell, IN, H, layers, dropout, bi, nl).double()


def _random_h0(m):
    h = m.init_hidden(B)
    return tuple(torch.randn_like(t) for t in h) if isinstance(h, tuple) else torch.randn_like(h)


def _loss_and_grads(m, x, h0, unrolled):
    if unrolled:
        u = m.unrolled(x, h0)
        out, h_n = u.out, u.h_n
    else:
        out, h_n = m(x, h0)
    # A fixed random read-out of everything, so every output and state gets a gradient.
    g = torch.Generator().manual_seed(1)
    hn = _flat(h_n)
    loss = (out * torch.randn(out.shape, generator=g, dtype=out.dtype)).sum() \
        + (hn * torch.randn(hn.shape, generator=g, dtype=hn.dtype)).sum()
    params = list(m.parameters())
    grads = torch.autograd.grad(loss, params + [x])
    return out, hn, grads


@pytest.mark.parametrize("cell,nl", CELLS)
@pytest.mark.parametrize("layers", [1, 3])
@pytest.mark.parametrize("bi", [False, True])
@pytest.mark.parametrize("with_h0", [False, True])
def test_fused_matches_unrolled(cell, nl, layers, bi, with_h0):
    m = _make(cell, nl, layers, bi)
    x = torch.randn(B, T, IN, dtype=torch.double, requires_grad=True)
    h0 = _random_h0(m) if with_h0 else None
    out_f, hn_f, g_f = _loss_and_grads(m, x, h0, unrolled=False)
    out_u, hn_u, g_u = _loss_and_grads(m, x, h0, unrolled=True)
    D = 2 if bi else 1
    assert out_f.shape == out_u.shape == (B, T, D * H)
    assert hn_u.shape == hn_f.shape
    torch.testing.assert_close(out_u, out_f, atol=TOL, rtol=TOL)
    torch.testing.assert_close(hn_u, hn_f, atol=TOL, rtol=TOL)
    names = [n for n, _ in m.named_parameters()] + ["input"]
    for name, a, b in zip(names, g_u, g_f):
        torch.testing.assert_close(a, b, atol=TOL, rtol=TOL, msg=lambda s: f"{name}: {s}")


@pytest.mark.parametrize("cell,nl", CELLS)
@pytest.mark.parametrize("layers", [1, 2])
def test_step_matches_forward(cell, nl, layers):
    m = _make(cell, nl, layers, False)
    x = torch.randn(B, T, IN, dtype=torch.double)
    h0 = _random_h0(m)
    out, h_n = m(x, h0)
    h = h0
    for t in range(T):
        out_t, h = m.step(x[:, t], h)
        torch.testing.assert_close(out_t, out[:, t], atol=TOL, rtol=TOL)
    torch.testing.assert_close(_flat(h), _flat(h_n), atol=TOL, rtol=TOL)


@pytest.mark.parametrize("cell,nl", CELLS)
def test_dropout_eval_parity_and_train_noise(cell, nl):
    m = _make(cell, nl, 3, False, dropout=0.5).eval()
    x = torch.randn(B, T, IN, dtype=torch.double)
    torch.testing.assert_close(m.unrolled(x).out, m(x)[0], atol=TOL, rtol=TOL)
    m.train()  # between-layer dropout now active on the unrolled path too
    assert not torch.allclose(m.unrolled(x).out, m.unrolled(x).out)


def test_gates_states_and_hidden_format():
    for cell, nl in CELLS:
        m = _make(cell, nl, 2, False)
        x = torch.randn(B, T, IN, dtype=torch.double)
        u = m.unrolled(x, record_gates=True)
        assert set(u.gates) == set(m.gate_names)
        for per_layer in u.gates.values():
            assert len(per_layer) == 2 and all(g.shape == (B, T, H) for g in per_layer)
        assert len(u.states) == 2 and all(len(s) == T for s in u.states)
        # states are the tensors in the graph: the last output depends on the first state
        (g,) = torch.autograd.grad(u.out[:, -1].sum(), [u.states[0][0]])
        assert g.abs().sum() > 0
        h = m.init_hidden(B)
        assert type(h) is type(u.h_n)
        assert _flat(h).shape == _flat(u.h_n).shape
        d = detach_hidden(u.h_n)
        assert not _flat(d).requires_grad
    assert Recurrent("lstm", 2, 3).gate_names == ("input", "forget", "cell", "output")
    assert Recurrent("gru", 2, 3).gate_names == ("reset", "update", "candidate")
    assert Recurrent("rnn", 2, 3).gate_names == ()


def test_bad_arguments():
    with pytest.raises(EngineError):
        Recurrent("transformer", 2, 3)
    with pytest.raises(EngineError):
        Recurrent("rnn", 2, 3, nonlinearity="sigmoid")
    with pytest.raises(ValueError):
        Recurrent("gru", 2, 3, bidirectional=True).step(torch.randn(1, 2))


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_charlm_paths_agree(cell):
    torch.manual_seed(0)
    V = 7
    m = CharLM(V, cell=cell, embed=5, hidden=H, layers=2, dropout=0.3).double().eval()
    idx = torch.randint(0, V, (B, T))
    tgt = torch.randint(0, V, (B, T))
    logits, loss, h_n = m(idx, targets=tgt)
    assert logits.shape == (B, T, V) and loss.ndim == 0
    assert m(idx)[1] is None
    logits_u, u = m.forward_unrolled(idx)
    torch.testing.assert_close(logits_u, logits, atol=TOL, rtol=TOL)
    h = m.init_hidden(B, idx.device)
    for t in range(T):
        lt, h = m.step(idx[:, t], h)
        torch.testing.assert_close(lt, logits[:, t], atol=TOL, rtol=TOL)
    torch.testing.assert_close(_flat(h), _flat(h_n), atol=TOL, rtol=TOL)
    # carried hidden state: two halves == one whole
    l1, _, h1 = m(idx[:, :2])
    l2, _, _ = m(idx[:, 2:], h1)
    torch.testing.assert_close(torch.cat([l1, l2], 1), logits, atol=TOL, rtol=TOL)


LENGTHS = [5, 2, 4]  # B = 3 sequences of T = 5 steps, two of them padded


@pytest.mark.parametrize("cell,nl", CELLS)
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("bi", [False, True])
@pytest.mark.parametrize("with_h0", [False, True])
def test_unrolled_with_lengths_matches_packed(cell, nl, layers, bi, with_h0):
    """With `lengths`, the textbook path is the fused path on a packed batch: the same
    outputs (zeros at padding), final states and gradients, in both directions."""
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

    m = _make(cell, nl, layers, bi)
    lengths = torch.tensor(LENGTHS)
    h0 = _random_h0(m) if with_h0 else None
    x = torch.randn(B, T, IN, dtype=torch.double, requires_grad=True)
    g = torch.Generator().manual_seed(1)
    w_out = torch.randn(B, T, m.num_directions * H, generator=g, dtype=torch.double)
    w_hn = torch.randn(_flat(m.init_hidden(B)).shape, generator=g, dtype=torch.double)

    def loss(out, h_n):
        return (out * w_out).sum() + (_flat(h_n) * w_hn).sum()

    packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
    out_p, hn_p = m(packed, h0)
    out_f, _ = pad_packed_sequence(out_p, batch_first=True, total_length=T)
    g_f = torch.autograd.grad(loss(out_f, hn_p), list(m.parameters()) + [x])
    u = m.unrolled(x, h0, lengths=lengths)
    g_u = torch.autograd.grad(loss(u.out, u.h_n), list(m.parameters()) + [x])
    torch.testing.assert_close(u.out, out_f, atol=TOL, rtol=TOL)
    torch.testing.assert_close(_flat(u.h_n), _flat(hn_p), atol=TOL, rtol=TOL)
    names = [n for n, _ in m.named_parameters()] + ["input"]
    for name, a, b in zip(names, g_u, g_f):
        torch.testing.assert_close(a, b, atol=TOL, rtol=TOL, msg=lambda s: f"{name}: {s}")
    assert g_u[-1][1, 2:].abs().max() == 0  # padding inputs get no gradient


def test_unrolled_by_direction_holds_the_consumed_states():
    m = _make("gru", "tanh", 2, True)
    x = torch.randn(B, T, IN, dtype=torch.double)
    u = m.unrolled(x, lengths=torch.tensor(LENGTHS))
    assert len(u.by_direction) == 2 and all(len(d) == 2 for d in u.by_direction)
    # The reverse direction of the top layer reads the whole sequence: its state at the
    # first step depends on the last real step, through the recurrence (not only the output).
    top_bwd = u.by_direction[1][1]
    (gr,) = torch.autograd.grad(top_bwd[0][0].sum(), [top_bwd[4]], allow_unused=False)
    assert gr[0].abs().sum() > 0
    torch.testing.assert_close(torch.cat([u.by_direction[1][0][3], top_bwd[3]], 1),
                               u.states[1][3])
    assert len(_make("rnn", "tanh", 1, False).unrolled(x).by_direction[0]) == 1
