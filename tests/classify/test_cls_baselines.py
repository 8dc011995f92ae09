"""Majority class and Naive Bayes: hand-computed scores, the word-order pair, real data."""

import math
import time
from pathlib import Path

import numpy as np
import pytest

from engine.families.classify.baselines import (NaiveBayes, baseline_scores, features,
                                                majority_class)
from engine.families.classify.data import load_labelled

SENTIMENT = Path("/work/shared/corpora/sentiment")
needs_sentiment = pytest.mark.skipif(not SENTIMENT.is_dir(), reason="shared corpus absent")


def test_naive_bayes_log_scores_by_hand():
    # class 1: "good film", "good" -> good 2, film 1 (3 words); class 0: "bad film" (2 words)
    # V = {good, film, bad}; add-one: P(good|1) = 3/6, P(film|1) = 2/6
    #                                 P(good|0) = 1/5, P(film|0) = 2/5;  P(1) = 2/3
    nb = NaiveBayes(features("word")).fit(["good film", "bad film", "good"], [1, 0, 1], 2)
    s = nb.log_scores("good film great")  # "great" was never seen: skipped
    assert s[1] == pytest.approx(math.log(2 / 3) + math.log(3 / 6) + math.log(2 / 6))
    assert s[0] == pytest.approx(math.log(1 / 3) + math.log(1 / 5) + math.log(2 / 5))
    p = nb.predict_proba(["good film great"])[0]
    assert p.sum() == pytest.approx(1.0) and p[1] > p[0]
    assert nb.predict(["bad", "good"]) == [0, 1]
    # a word twice counts twice: n_f log P(f|c)
    assert nb.log_scores("bad bad")[0] == pytest.approx(math.log(1 / 3) + 2 * math.log(2 / 5))


def test_character_ngram_features():
    f = features("char", lower=True)
    grams = f("Ab")
    assert "a" in grams and "\x02a" in grams and "ab\x03" in grams and "\x02ab" in grams
    assert len(grams) == 4 + 3 + 2  # "^ab$": 4 unigrams, 3 bigrams, 2 trigrams
    assert features("word", lower=True)("The cat, sat") == ["the", "cat", ",", "sat"]


def test_majority_class_breaks_ties_low():
    assert majority_class([2, 1, 2, 0], 3) == 2
    assert majority_class([1, 0], 2) == 0


@needs_sentiment
def test_word_order_pair_gets_identical_scores_and_baselines_are_fast():
    data = load_labelled(SENTIMENT, val_fraction=0.2, seed=0)
    t0 = time.perf_counter()
    res, nb = baseline_scores(data.train, data.val, data.classes, tokens="word", lower=True)
    assert time.perf_counter() - t0 < 3.0
    a = nb.log_scores("I gave the ball to John, who gave it to Mary")
    b = nb.log_scores("I gave the ball to Mary, who gave it to John")
    assert np.array_equal(a, b)  # same bag, same score: the slide's point
    assert res["majority"].accuracy == pytest.approx(0.5)  # 300 / 600, balanced
    # a real signal: well above chance on held-out review sentences
    assert 0.7 < res["naive_bayes"].accuracy < 1.0
    assert 0.7 < res["naive_bayes"].macro_f1 < 1.0
    res_c, _ = baseline_scores(data.train, data.val, data.classes, tokens="char", lower=True)
    assert 0.6 < res_c["naive_bayes"].accuracy < 1.0
