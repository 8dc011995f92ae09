"""--init default|identity|orthogonal and the LSTM forget-gate bias, per W_hh gate block."""

from __future__ import annotations

import pytest
import torch

from engine.errors import EngineError
from engine.families.longrange.weight_init import apply_init
from engine.recurrent import Recurrent

GATES = {"rnn": 1, "gru": 3, "lstm": 4}
H = 12


def params(rnn, name):
    return [p for n, p in rnn.fused.named_parameters() if n.startswith(name)]


def blocks(rnn):
    for w in params(rnn, "weight_hh"):
        yield from w.detach().view(GATES[rnn.cell], H, H)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_identity_blocks_and_zero_biases(cell):
    rnn = apply_init(Recurrent(cell, 3, H, num_layers=2, bidirectional=True), "identity")
    assert len(list(blocks(rnn))) == GATES[cell] * 4  # 2 layers x 2 directions
    for b in blocks(rnn):
        assert torch.equal(b, torch.eye(H))
    for bias in params(rnn, "bias"):
        assert (bias == 0).all()


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_orthogonal_blocks(cell):
    rnn = apply_init(Recurrent(cell, 3, H, num_layers=2), "orthogonal",
                     generator=torch.Generator().manual_seed(0))
    seen = []
    for b in blocks(rnn):
        assert torch.allclose(b @ b.T, torch.eye(H), atol=1e-5)  # W W^T = I
        assert not torch.allclose(b, torch.eye(H), atol=0.1)  # a random one, not I
        seen.append(b)
    assert not torch.allclose(seen[0], seen[1])  # each block drawn afresh
    for bias in params(rnn, "bias"):
        assert (bias == 0).all()


def test_orthogonal_is_seeded():
    a, b = (apply_init(Recurrent("gru", 3, H), "orthogonal",
                       generator=torch.Generator().manual_seed(5)) for _ in range(2))
    assert torch.equal(a.fused.weight_hh_l0, b.fused.weight_hh_l0)


def test_default_redraws_pytorch_init_after_another_scheme():
    rnn = apply_init(Recurrent("lstm", 3, H), "identity")
    apply_init(rnn, "default")
    bound = 1 / H ** 0.5
    for p in rnn.fused.parameters():
        assert p.abs().max() <= bound and p.std() > bound / 3  # U(-1/sqrt(H), 1/sqrt(H))


@pytest.mark.parametrize("scheme", ["default", "identity", "orthogonal"])
def test_forget_bias_sets_the_effective_forget_bias(scheme):
    rnn = apply_init(Recurrent("lstm", 3, H, num_layers=2), scheme, forget_bias=1.0)
    for b_ih, b_hh in zip(params(rnn, "bias_ih"), params(rnn, "bias_hh")):
        total = (b_ih + b_hh).detach().view(4, H)  # [i | f | g | o]
        assert torch.equal(total[1], torch.ones(H))
        if scheme != "default":
            assert (total[[0, 2, 3]] == 0).all()
    # The gate really opens: sigmoid(1) ~ 0.73 at a zero input and state.
    u = rnn.unrolled(torch.zeros(1, 2, 3), record_gates=True)
    if scheme != "default":
        assert torch.allclose(u.gates["forget"][0], torch.full((1, 2, H), 0.7311), atol=1e-4)


def test_bad_init_choices():
    with pytest.raises(EngineError, match="unknown init"):
        apply_init(Recurrent("rnn", 3, H), "xavier")
    with pytest.raises(EngineError, match="forget"):
        apply_init(Recurrent("gru", 3, H), "default", forget_bias=1.0)


def test_chrono_spreads_forget_time_scales_up_to_t_max():
    rnn = apply_init(Recurrent("lstm", 3, 200), "default", chrono=50,
                     generator=torch.Generator().manual_seed(0))
    total = (rnn.fused.bias_ih_l0 + rnn.fused.bias_hh_l0).detach().view(4, 200)
    b_i, b_f, b_g, b_o = total
    # b_f = log u, u ~ U[1, 49]: the memory time scale 1 / (1 - sigmoid(b_f)) = 1 + u
    u = b_f.exp()
    assert u.min() >= 1 and u.max() <= 49 and u.std() > 10  # spread out, not one value
    assert torch.equal(b_i, -b_f)
    assert (b_g == 0).all() and (b_o == 0).all()
    with pytest.raises(EngineError, match="not both"):
        apply_init(rnn, "default", forget_bias=1.0, chrono=50)
    with pytest.raises(EngineError, match="forget"):
        apply_init(Recurrent("gru", 3, H), "default", chrono=50)
