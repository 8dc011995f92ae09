"""The most-frequent-tag baseline on a corpus small enough to check by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.families.tag.baselines import MostFrequentTag, most_frequent_tag_scores
from engine.families.tag.data import read_conllu

TRAIN = [(["the", "dog", "runs"], ["DET", "NOUN", "VERB"]),
         (["the", "runs"], ["DET", "NOUN"]),
         (["dog", "runs"], ["NOUN", "VERB"])]
# the: DET x2; dog: NOUN x2; runs: VERB x2, NOUN x1 -> VERB. Overall NOUN 3 > DET 2 = VERB 2.
HELDOUT = [(["the", "cat", "runs"], ["DET", "NOUN", "VERB"]),  # all right (cat -> NOUN)
           (["a", "runs"], ["DET", "NOUN"])]  # both wrong: a -> NOUN, runs -> VERB


def test_most_frequent_tag_hand_checked():
    baseline = MostFrequentTag(TRAIN)
    assert baseline.default == "NOUN"
    assert baseline.tag(["runs", "dog", "zebra"]) == ["VERB", "NOUN", "NOUN"]
    scores = most_frequent_tag_scores(TRAIN, HELDOUT)
    assert scores["accuracy"] == pytest.approx(3 / 5)
    assert (scores["accuracy_unseen"], scores["unseen_tokens"]) == (0.5, 2)  # cat ok, a not
    assert scores["default_tag"] == "NOUN" and "span_f1" not in scores


def test_ties_go_to_the_alphabetically_first_tag():
    forward = MostFrequentTag([(["x", "x"], ["VERB", "ADJ"])])
    backward = MostFrequentTag([(["x", "x"], ["ADJ", "VERB"])])
    assert forward.tag(["x", "y"]) == backward.tag(["x", "y"]) == ["ADJ", "ADJ"]


def test_chunk_tags_get_span_scores():
    train = [(["Harry", "met", "Ron"], ["B-PER", "O", "B-PER"]),
             (["in", "the", "Hall"], ["O", "O", "B-LOC"])]
    held = [(["Ron", "met", "Hagrid"], ["B-PER", "O", "B-PER"])]  # Hagrid unseen -> O
    scores = most_frequent_tag_scores(train, held)
    assert scores["default_tag"] == "O"
    assert scores["span_precision"] == 1.0 and scores["span_recall"] == 0.5


def test_an_empty_training_set_is_a_bug():
    with pytest.raises(ValueError):
        MostFrequentTag([])


GUM = Path("/work/shared/corpora/ud-gum")


@pytest.mark.skipif(not (GUM / "en_gum-ud-test.conllu").is_file(), reason="UD GUM not present")
def test_ud_gum_baseline_matches_the_measured_facts():
    train, _ = read_conllu(GUM / "en_gum-ud-dev.conllu")
    test, _ = read_conllu(GUM / "en_gum-ud-test.conllu")
    scores = most_frequent_tag_scores(train, test)
    assert scores["accuracy"] == pytest.approx(0.818, abs=0.002)  # measured-facts.md
    assert 0.18 < scores["unseen_tokens"] / scores["tokens"] < 0.20  # "19% unseen"


def test_count_model_loss_by_hand():
    import math

    from engine.families.tag.baselines import count_model_loss

    train = [(["a", "b"], ["X", "Y"]), (["a"], ["X"])]
    # p(X) = (2 + 1) / (3 + 2) = 0.6, p(Y) = 0.4; "a" (X twice): (2 + 0.6) / (2 + 1);
    # "c" unseen: p(Y) itself; the tag Z never occurs in training: left out
    held = [(["a", "c", "a"], ["X", "Y", "Z"])]
    want = -(math.log(2.6 / 3) + math.log(0.4)) / 2
    assert count_model_loss(train, held) == pytest.approx(want)
