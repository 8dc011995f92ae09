"""BLEU and chrF on examples worked out by hand (whitespace tokens, no smoothing: the
paper's definition; the defaults are sacrebleu's, see test_s2s_sacrebleu.py)."""

from __future__ import annotations

import math

import pytest

from functools import partial

from engine.families.seq2seq.metrics import corpus_bleu as bleu13a, corpus_chrf, exact_match

corpus_bleu = partial(bleu13a, tokenize="none", smooth="none")


def test_bleu_identical_is_one_and_disjoint_is_zero():
    refs = ["the cat sat on the mat", "a dog barked at the moon tonight"]
    assert corpus_bleu(refs, refs) == pytest.approx(1.0)
    assert corpus_bleu(["x y z w v", "q r s t u v w"], refs) == 0.0


def test_bleu_by_hand():
    # hyp "the cat sat on the mat" vs ref "the cat is on the mat":
    # p1 = 5/6 (the x2, cat, on, mat), p2 = 3/5 (the cat, on the, the mat), p3 = 1/4
    # (on the mat), p4 = 0/3. Same length: BP = 1. BLEU-3 = (5/6 * 3/5 * 1/4)^(1/3) = 0.5
    hyp, ref = ["the cat sat on the mat"], ["the cat is on the mat"]
    assert corpus_bleu(hyp, ref, max_n=3) == pytest.approx(0.5)
    assert corpus_bleu(hyp, ref) == 0.0  # no matching 4-gram, no smoothing
    # NIST smoothing (sacrebleu's default): the first order without a match counts 1/2 match
    assert bleu13a(hyp, ref, tokenize="none") == \
        pytest.approx((5 / 6 * 3 / 5 * 1 / 4 * 0.5 / 3) ** 0.25)


def test_bleu_clipping_and_brevity_penalty():
    # "the the the" vs "the cat": clipped unigram matches 1 of 3
    assert corpus_bleu(["the the the"], ["the cat"], max_n=1) == pytest.approx(1 / 3)
    # "the cat" vs a 6-word reference: p1 = p2 = 1, BP = exp(1 - 6/2)
    assert corpus_bleu(["the cat"], ["the cat sat on the mat"], max_n=2) == \
        pytest.approx(math.exp(-2))


def test_bleu_is_corpus_level_not_a_mean_of_sentences():
    # counts are pooled: sentence 2 has no bigram match, but the corpus does
    hyps, refs = ["a b c", "x y"], ["a b c", "x z"]
    # p1 = (3 + 1) / 5, p2 = (2 + 0) / 3, c = r = 5
    assert corpus_bleu(hyps, refs, max_n=2) == pytest.approx(math.sqrt(4 / 5 * 2 / 3))


def test_chrf_by_hand():
    assert corpus_chrf(["hello world"], ["hello world"]) == pytest.approx(1.0)
    assert corpus_chrf(["abc"], ["xyz"]) == 0.0
    # "ab" vs "ac": n=1: 1 match of 2 on each side; n=2: "ab" vs "ac", 0 of 1; n>=3 absent.
    # P = R = (1/2 + 0) / 2 = 1/4, so F = 1/4
    assert corpus_chrf(["ab"], ["ac"]) == pytest.approx(0.25)
    # "a" vs "ab": n=1: P = 1, R = 1/2; n=2: hypothesis has no bigram, order left out.
    # F_2 = 5 * 1 * 0.5 / (4 * 1 + 0.5) = 5/9: recall counts beta^2 = 4 times more
    assert corpus_chrf(["a"], ["ab"]) == pytest.approx(5 / 9)
    assert corpus_chrf(["a b"], ["ab"]) == pytest.approx(1.0)  # spaces are ignored


def test_exact_match():
    assert exact_match(["a", "b", "c", "d"], ["a", "x", "c", "y"]) == 0.5
