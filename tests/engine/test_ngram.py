"""Kneser-Ney baseline: a proper distribution, ordered sensibly against simpler baselines."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine.errors import EngineError
from engine.data.ngram import KneserNey, baselines

TEXT = ("the cat sat on the mat. the dog sat on the log. a cat and a dog met on a mat. "
        "then the cat ran to the log and the dog ran to the mat. ") * 30


def _ids(text):
    chars = sorted(set(text))
    return np.array([chars.index(c) for c in text]), len(chars)


@pytest.mark.parametrize("order", [1, 2, 3, 5, 6])
def test_distribution_sums_to_one(order):
    ids, v = _ids(TEXT + "xyz")  # x, y, z: in the vocabulary but never in training
    model = KneserNey(ids[:3000], v + 0, order)
    for ctx in ([], ids[:1], ids[10:14], ids[500:520], [v - 1] * 5, [0, v - 1, 3]):
        p = model.distribution(ctx)
        assert p.shape == (v,) and (p > 0).all()
        assert abs(p.sum() - 1.0) < 1e-9


def test_log_probs_match_distribution():
    ids, v = _ids(TEXT)
    model = KneserNey(ids, v, 4)
    lp = model.log_probs(ids[:50])
    for i in (0, 1, 2, 3, 20, 49):
        assert math.isclose(lp[i], math.log(model.distribution(ids[max(0, i - 3):i])[ids[i]]))


def test_kn_beats_unigram_beats_uniform():
    cut = int(len(TEXT) * 0.9)
    r = baselines(TEXT[:cut], TEXT[cut:] + "Q!", order=5)
    assert r["ngram_order"] == 5
    assert r["ngram"] < r["unigram"] < r["uniform"]
    assert math.isclose(r["uniform"], math.log(len(set(TEXT + "Q!"))))
    assert all(math.isfinite(r[k]) for k in ("uniform", "unigram", "ngram"))


def test_orders_one_to_six_work_and_improve_on_repetitive_text():
    cut = int(len(TEXT) * 0.9)
    losses = [baselines(TEXT[:cut], TEXT[cut:], order=k)["ngram"] for k in range(1, 7)]
    assert all(math.isfinite(x) for x in losses)
    assert losses[5] < losses[2] < losses[0]


def test_bad_arguments():
    ids, v = _ids(TEXT)
    with pytest.raises(EngineError, match="order"):
        KneserNey(ids, v, 0)
    with pytest.raises(EngineError, match="too short"):
        KneserNey(ids[:3], v, 5)
    with pytest.raises(EngineError, match="non-empty"):
        baselines("", "abc")


def _reference_kn(train: str, order: int, d: float, vocab: list[str]):
    """Textbook interpolated Kneser-Ney with dicts, to check the vectorised version."""
    from collections import defaultdict
    grams = [defaultdict(int) for _ in range(order + 1)]  # raw counts of k-grams
    for k in range(1, order + 1):
        for i in range(len(train) - k + 1):
            grams[k][train[i:i + k]] += 1
    cont = [defaultdict(int) for _ in range(order + 1)]  # N1+(. g)
    for k in range(1, order):
        for g in grams[k + 1]:
            cont[k][g[1:]] += 1

    def prob(ctx: str, c: str) -> float:
        p = 1.0 / len(vocab)
        for k in range(1, order + 1):
            h = ctx[len(ctx) - (k - 1):] if k > 1 else ""
            if k > 1 and len(h) < k - 1:
                break
            table = grams[k] if k == order else cont[k]
            followers = {g[-1]: n for g, n in table.items() if g[:-1] == h and n > 0}
            den = sum(followers.values())
            if den == 0:
                continue
            p = max(followers.get(c, 0) - d, 0) / den + d * len(followers) / den * p
        return p
    return prob


def test_matches_textbook_implementation():
    text = TEXT[:600] + "xq"
    vocab = sorted(set(text))
    ids = np.array([vocab.index(c) for c in text])
    train = text[:500]
    model = KneserNey(ids[:500], len(vocab), 3, 0.75)
    prob = _reference_kn(train, 3, 0.75, vocab)
    for i in range(400, len(text)):
        ctx = text[i - 2:i]
        got = model.distribution(ids[i - 2:i])[ids[i]]
        assert math.isclose(got, prob(ctx, text[i]), rel_tol=1e-9), (ctx, text[i])
