"""Per-token influence on a model whose answer is known, and on a tiny trained one."""

import random

import pytest
import torch

from engine.errors import EngineError
from engine.families.classify.encode import TextEncoder, batches
from engine.families.classify.explain import (attention, explain, gradient_x_input,
                                              occlusion, predict_proba)
from engine.families.classify.model import Classifier, ClassifierConfig


def _keyword_model():
    """Only the word "key" has a non-zero embedding; h_t = tanh(e_t) (W_ih = I, W_hh = 0);
    mean pooling; class 1's logit grows with the mean. So "key" alone decides."""
    enc = TextEncoder.build(["a b c key"], tokens="word", lower=True)
    cfg = ClassifierConfig(cell="rnn", embed=2, hidden=2, layers=1, dropout=0.0,
                           bidirectional=False, pooling="mean")
    m = Classifier(len(enc.vocab), 2, cfg).double()
    with torch.no_grad():
        for p in m.parameters():
            p.zero_()
        m.embedding.weight[enc.vocab.index["key"]] = torch.tensor([3.0, 0.0])
        m.rnn.fused.weight_ih_l0.copy_(torch.eye(2))
        m.head.weight.copy_(torch.tensor([[-5.0, 0.0], [5.0, 0.0]]))
    return m, enc


def test_occlusion_finds_the_deciding_word_and_nothing_else():
    m, enc = _keyword_model()
    inf = occlusion(m, enc, "A key b C")
    assert inf.tokens == ["A", "key", "b", "C"]  # the user's case is kept for display
    assert inf.target == 1 and inf.method == "occlusion"
    s = torch.tanh(torch.tensor(3.0, dtype=torch.double)) / 4  # mean of [0, tanh 3, 0, 0]
    p1 = torch.sigmoid(10 * s)  # softmax of (-5s, 5s)
    assert inf.probs[1] == pytest.approx(float(p1))
    assert inf.scores[1] == pytest.approx(float(p1) - 0.5)  # without "key": p = 1/2
    assert inf.scores[0] == inf.scores[2] == inf.scores[3] == 0.0  # filler -> <unk>: same
    other = occlusion(m, enc, "a key", target=0)  # explaining the other class: negative
    assert other.target == 0 and other.scores[1] < 0


def test_gradient_x_input_is_zero_where_the_embedding_is():
    m, enc = _keyword_model()
    inf = gradient_x_input(m, enc, "a key b")
    assert inf.scores[0] == inf.scores[2] == 0.0 and inf.scores[1] > 0
    # by hand: d log p1 / d e = (1 - p1) * 10 * (1 - tanh^2 3) / 3 on e_0 = 3
    t = torch.tanh(torch.tensor(3.0, dtype=torch.double))
    p1 = torch.sigmoid(10 * t / 3)
    assert inf.scores[1] == pytest.approx(float((1 - p1) * 10 * (1 - t ** 2) / 3 * 3))
    assert sum(inf.probs) == pytest.approx(1.0)


def test_unseen_tokens_and_empty_text_never_fail():
    m, enc = _keyword_model()
    for text in ["zebra quokka", "", "   ", "key!"]:
        inf = explain(m, enc, text)
        assert len(inf.scores) == len(inf.tokens) >= 1
    assert len(predict_proba(m, enc, ["never seen", "key"])) == 2
    with pytest.raises(EngineError, match="pooling 'attention'"):
        attention(m, enc, "a key")
    with pytest.raises(EngineError, match="unknown explanation"):
        explain(m, enc, "a", method="shap")


KEYWORDS = {0: "bad", 1: "good"}  # class 2: neither (so each keyword must be found; with
# two classes a model may learn "bad or not" and ignore "good" altogether)


def _keyword_data(n, seed):
    rng = random.Random(seed)
    fill = ["the", "a", "film", "was", "it", "and", "so", "plot", "very", "really"]
    out = []
    for _ in range(n):
        y = rng.randrange(3)
        words = rng.choices(fill, k=rng.randint(3, 8))
        if y in KEYWORDS:
            words.insert(rng.randrange(len(words) + 1), KEYWORDS[y])
        out.append((" ".join(words), y))
    return out


@pytest.mark.parametrize("pooling", ["last", "attention"])
def test_a_trained_model_points_at_the_sentiment_word(pooling):
    torch.manual_seed(0)
    train = _keyword_data(400, 0)
    enc = TextEncoder.build([t for t, _ in train], tokens="word")
    m = Classifier(len(enc.vocab), 3, ClassifierConfig(cell="gru", embed=16, hidden=16,
                                                       dropout=0.0, pooling=pooling))
    opt = torch.optim.Adam(m.parameters(), lr=1e-2)
    seqs, labels = enc.encode_all([t for t, _ in train]), [y for _, y in train]
    for epoch in range(4):
        for ids, lengths, y in batches(seqs, labels, 32, seed=epoch):
            loss = m(ids, lengths, y)[1]
            opt.zero_grad()
            loss.backward()
            opt.step()
    m.train()  # explain must switch to eval itself, and restore the mode
    for text, y in [(t, y) for t, y in _keyword_data(20, 1) if y in KEYWORDS]:
        key = text.split().index(KEYWORDS[y])
        for method in ("occlusion", "gradient_x_input") + (("attention",) if pooling ==
                                                           "attention" else ()):
            inf = explain(m, enc, text, method)
            assert inf.target == y
            top = max(range(len(inf.scores)), key=lambda i: inf.scores[i])
            if method != "attention":  # attention weights need not single the word out
                assert top == key, (method, text, inf.scores)
    assert m.training
