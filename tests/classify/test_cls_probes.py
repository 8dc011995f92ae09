"""||dL/dh_t|| over input positions: padding-proof, and it vanishes the way BPTT says."""

import pytest
import torch

from engine.families.classify.model import Classifier, ClassifierConfig
from engine.families.classify.probes import gradient_per_position, mean_over_batch

V = 9


def _model(cell, bi, layers=1, scale_hh=None):
    torch.manual_seed(0)
    cfg = ClassifierConfig(cell=cell, embed=4, hidden=5, layers=layers, dropout=0.2,
                           bidirectional=bi, pooling="last")
    m = Classifier(V, 3, cfg).double()
    if scale_hh is not None:  # ||W_hh|| = scale: each step back multiplies by <= scale
        with torch.no_grad():
            for name, p in m.rnn.fused.named_parameters():
                if name.startswith("weight_hh"):
                    q, _ = torch.linalg.qr(torch.randn(p.shape, dtype=p.dtype))
                    p.copy_(scale_hh * q)
    return m


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("bi", [False, True])
def test_a_padded_batch_gives_each_sequence_its_own_curve(cell, bi):
    m = _model(cell, bi, layers=2)
    ids = torch.randint(2, V, (3, 8), generator=torch.Generator().manual_seed(1))
    lengths, y = torch.tensor([8, 3, 6]), torch.tensor([0, 2, 1])
    batched = gradient_per_position(m, ids, lengths, y)
    assert [len(b) for b in batched] == [2 * (2 if bi else 1)] * 3  # rows: layer x direction
    for b in range(3):
        n = int(lengths[b])
        (alone,) = gradient_per_position(m, ids[b:b + 1, :n], lengths[b:b + 1], y[b:b + 1])
        assert [len(r) for r in batched[b]] == [n] * len(alone)
        torch.testing.assert_close(torch.tensor(batched[b]), torch.tensor(alone),
                                   atol=1e-9, rtol=1e-7)
    assert m.training  # the probe put the model back in training mode


def test_the_gradient_vanishes_away_from_where_the_loss_reads():
    m = _model("rnn", True, scale_hh=0.3)
    ids = torch.randint(2, V, (2, 12), generator=torch.Generator().manual_seed(2))
    norms = gradient_per_position(m, ids, torch.tensor([12, 9]), torch.tensor([1, 0]))
    for seq in norms:
        fwd, bwd = seq  # forward RNN: loss after its last step; backward: after step 0
        # one step further from the loss: at most 0.3 x (|tanh'| <= 1, ||W_hh|| = 0.3)
        assert all(a <= 0.3 * b + 1e-12 for a, b in zip(fwd, fwd[1:]))
        assert all(b <= 0.3 * a + 1e-12 for a, b in zip(bwd, bwd[1:]))
        assert fwd[0] < 1e-4 * fwd[-1] and bwd[-1] < 1e-4 * bwd[0]


def test_mean_over_batch_aligns_on_the_last_or_first_token():
    norms = [[[1.0, 2.0, 3.0]], [[10.0]]]  # two sequences, one row each
    assert mean_over_batch(norms, "end") == [[1.0, 2.0, 6.5]]
    assert mean_over_batch(norms, "start") == [[5.5, 2.0, 3.0]]
