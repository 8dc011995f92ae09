"""Word n-gram baselines: Kneser-Ney checked by hand on a tiny corpus, <unk> shared."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engine.families.lm.ngram_words import (NgramLM, fit_kneser_ney, ngram_log_probs,
                                            word_baselines)
from engine.families.lm.words import build_word_splits
from engine.data.ngram import KneserNey
from engine.data.tokens import Vocab

VOCAB = Vocab(["a", "b", "c"])
TRAIN = VOCAB.encode("a b a c a b".split())  # a=0 b=1 c=2


def _p(model, context, word):
    ids = VOCAB.encode([*context, word])
    return math.exp(ngram_log_probs(model, ids[-1:], context=ids[:-1])[0])


def test_bigram_kneser_ney_by_hand():
    # Bigrams: ab x2, ba, ac, ca. D = 0.5.
    # Continuation counts N1+(. w): a <- {b, c} = 2, b <- {a} = 1, c <- {a} = 1; total 4,
    # 3 types: P1(w) = (N1+(. w) - D) / 4 + D * 3/4 * 1/3  ->  a 1/2, b 1/4, c 1/4.
    # Context a: followers b (2), c (1): den 3, 2 types, back-off weight D*2/3 = 1/3.
    model = KneserNey(TRAIN, 3, order=2, discount=0.5)
    assert _p(model, ["a"], "b") == pytest.approx((2 - 0.5) / 3 + 1 / 3 * 1 / 4)  # 7/12
    assert _p(model, ["a"], "c") == pytest.approx((1 - 0.5) / 3 + 1 / 3 * 1 / 4)  # 1/4
    assert _p(model, ["a"], "a") == pytest.approx(1 / 3 * 1 / 2)  # unseen bigram: 1/6
    # Context b: only a (1): den 1, weight D*1/1 = 1/2.
    assert _p(model, ["b"], "a") == pytest.approx(0.5 + 0.5 * 0.5)  # 3/4
    assert _p(model, ["b"], "c") == pytest.approx(0.5 * 0.25)  # 1/8
    # No context at all (start of text): the continuation unigram.
    assert _p(model, [], "a") == pytest.approx(0.5)


def test_trigram_kneser_ney_by_hand():
    # Trigrams aba, bac, aca, cab: one each. The bigram level now counts continuations:
    # ab <- {c}, ba <- {a}, ac <- {b}, ca <- {a}: 1 each (the first "ab" has no left word).
    # P2(b | a) = (1 - .5)/2 + .5 * 2/2 * P1(b) = 1/4 + 1/2 * 1/4 = 3/8.
    # P3(b | c a) = (1 - .5)/1 + .5 * 1/1 * P2(b | a) = 1/2 + 3/16 = 11/16.
    model = KneserNey(TRAIN, 3, order=3, discount=0.5)
    assert _p(model, ["c", "a"], "b") == pytest.approx(11 / 16)
    assert _p(model, ["b", "b"], "b") == pytest.approx(  # unseen context b b: back off twice
        _p(KneserNey(TRAIN, 3, order=2, discount=0.5), ["b"], "b"))


def test_auto_discount_is_neys_estimate():
    # Bigram counts ab 2, ba 1, ac 1, ca 1: n1 = 3, n2 = 1, D = 3 / (3 + 2) = 0.6.
    model = fit_kneser_ney(TRAIN, 3, order=2)
    assert model.d == pytest.approx(0.6)
    assert _p(model, ["b"], "a") == pytest.approx((1 - 0.6) + 0.6 * _p(model, [], "a"))
    assert fit_kneser_ney(TRAIN, 3, order=2, discount=0.5).d == 0.5


def test_baselines_share_the_models_unk_mapping():
    text = ("the cat sat on the mat . the dog sat on the log . a cat met a dog .\n" * 40
            + "the zebra sat on the yak .\n")
    s = build_word_splits(text, tokens="whitespace", val_fraction=0.1, max_size=12)
    v = len(s.vocab)
    r = word_baselines(s.train, s.val, v, order=3, context=s.train)
    assert r["ngram"] < r["unigram"] < r["uniform"] == pytest.approx(math.log(v))
    counts = np.bincount(s.train, minlength=v)  # add-one unigram on the very same ids
    expected = -np.log((counts[s.val] + 1) / (len(s.train) + v)).mean()
    assert r["unigram"] == pytest.approx(expected)
    assert s.unk_rate("val") > 0  # zebra, yak and the capped words are <unk> for both


@pytest.mark.parametrize("order", [2, 4])
def test_ngram_behind_the_lm_interface_gives_its_distributions(order):
    model = KneserNey(TRAIN, 3, order=order, discount=0.5)
    lm = NgramLM(model)
    idx = torch.tensor([[0, 1, 0, 2]])
    logits, _, hidden = lm(idx)
    assert logits.shape == (1, 4, 3) and hidden.shape == (1, order - 1)
    assert torch.allclose(logits.exp().sum(-1), torch.ones(1, 4), atol=1e-6)
    # Position t predicts what follows idx[:, :t+1]: same as scoring the next id directly.
    for t in range(4):
        p = model.distribution(idx[0, :t + 1].numpy())
        assert np.allclose(logits[0, t].exp().numpy(), p, atol=1e-6)
    # Carrying the hidden ids across two windows equals one window.
    first, _, h = lm(idx[:, :2])
    second, _, _ = lm(idx[:, 2:], h)
    assert torch.allclose(torch.cat([first, second], 1), logits)
