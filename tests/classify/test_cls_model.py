"""The classifier: shapes, padding invariance, fused/textbook parity, the pooling maths."""

import pytest
import torch

from engine.errors import EngineError
from engine.families.classify.model import POOLINGS, Classifier, ClassifierConfig

V, C = 11, 3
CELLS = ["lstm", "gru", "rnn"]


def _model(cell, pooling, bi, layers=2, dtype=torch.double):
    torch.manual_seed(0)
    cfg = ClassifierConfig(cell=cell, embed=5, hidden=6, layers=layers, dropout=0.3,
                           bidirectional=bi, pooling=pooling, attn_size=4)
    return Classifier(V, C, cfg).to(dtype).eval()


def _batch():
    """Three sequences of lengths 7, 3, 5 padded to 9 (more padding than any needs); ids
    after each length are random non-pad tokens, which must not matter either."""
    g = torch.Generator().manual_seed(3)
    ids = torch.randint(2, V, (3, 9), generator=g)
    return ids, torch.tensor([7, 3, 5])


@pytest.mark.parametrize("pooling", POOLINGS)
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bi", [False, True])
@pytest.mark.parametrize("dtype", [torch.double, torch.float])
def test_padding_never_changes_a_prediction(pooling, cell, bi, dtype):
    m = _model(cell, pooling, bi, dtype=dtype)
    ids, lengths = _batch()
    with torch.no_grad():
        batched, _ = m(ids, lengths)
        for unrolled in (False, True):
            for b in range(3):
                n = int(lengths[b])
                alone = m.read(ids[b:b + 1, :n], lengths[b:b + 1], unrolled=unrolled).logits
                torch.testing.assert_close(batched[b:b + 1], alone, atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("pooling", POOLINGS)
@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bi", [False, True])
def test_fused_and_textbook_agree_with_gradients(pooling, cell, bi):
    m = _model(cell, pooling, bi)
    ids, lengths = _batch()
    y = torch.tensor([0, 2, 1])
    grads = []
    for unrolled in (False, True):
        r = m.read(ids, lengths, unrolled=unrolled)
        loss = torch.nn.functional.cross_entropy(r.logits, y)
        grads.append((r, torch.autograd.grad(loss, list(m.parameters()))))
    (rf, gf), (ru, gu) = grads
    torch.testing.assert_close(ru.logits, rf.logits, atol=1e-8, rtol=1e-8)
    torch.testing.assert_close(ru.states, rf.states, atol=1e-8, rtol=1e-8)
    for a, b in zip(gu, gf):
        torch.testing.assert_close(a, b, atol=1e-8, rtol=1e-8)
    assert ru.unrolled is not None and rf.unrolled is None


def test_shapes_loss_and_attention_weights():
    m = _model("gru", "attention", True)
    ids, lengths = _batch()
    r = m.read(ids, lengths)
    assert r.logits.shape == (3, C) and r.pooled.shape == (3, 12)
    assert r.states.shape == (3, 9, 12) and r.mask.shape == (3, 9)
    assert r.attention.shape == (3, 9)
    torch.testing.assert_close(r.attention.sum(1), torch.ones(3, dtype=torch.double))
    assert (r.attention[1, 3:] == 0).all() and (r.attention[1, :3] > 0).all()
    assert (r.states[1, 3:] == 0).all()
    logits, loss = m(ids, lengths, torch.tensor([0, 1, 2]))
    assert loss.ndim == 0 and loss > 0
    assert m(ids, lengths)[1] is None
    assert _model("gru", "mean", True).read(ids, lengths).attention is None


def test_pooling_is_what_the_docstring_says():
    ids, lengths = _batch()
    for pooling in ("mean", "max", "last"):
        m = _model("lstm", pooling, True, layers=1)
        r = m.read(ids, lengths)
        n = 3  # the second sequence
        h = r.states[1, :n]  # (3, 12) real steps of sequence 1
        want = {"mean": h.mean(0), "max": h.max(0).values,
                # forward half at its last real step, backward half at step 0
                "last": torch.cat([h[n - 1, :6], h[0, 6:]])}[pooling]
        torch.testing.assert_close(r.pooled[1], want)


def test_bad_configuration():
    with pytest.raises(EngineError, match="pooling"):
        Classifier(V, C, ClassifierConfig(pooling="sum"))
    with pytest.raises(EngineError, match="classes"):
        Classifier(V, 1)
    with pytest.raises(EngineError):
        Classifier(V, C, ClassifierConfig(cell="transformer"))
    with pytest.raises(ValueError):
        Classifier(V, C)(torch.zeros(1, 3, dtype=torch.long), torch.tensor([0]))


def test_word_order_changes_what_the_rnn_reads():
    """The pair Naive Bayes cannot tell apart (test_cls_baselines) gives an RNN two inputs."""
    from engine.families.classify.encode import TextEncoder

    a = "I gave the ball to John, who gave it to Mary"
    b = "I gave the ball to Mary, who gave it to John"
    enc = TextEncoder.build([a], tokens="word", lower=True)
    for pooling in POOLINGS:
        m = Classifier(len(enc.vocab), 2, ClassifierConfig(pooling=pooling)).eval()
        ids, lengths = enc.batch([a, b])
        logits, _ = m(ids, lengths)
        assert not torch.allclose(logits[0], logits[1])
