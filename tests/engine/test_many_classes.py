"""Many classes (issue 18): a classifier's or tagger's per-class table and confusion matrix
keep the MAX_CLASSES heaviest classes and one "(N others)" row and column for the rest, so
an evaluation of 5,000 classes writes kilobytes, not 75 MB, and the counts still add up."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from engine.families.classify.metrics import scores
from engine.families.tag.metrics import confusion_matrix, per_tag_accuracy
from engine.many_classes import MAX_CLASSES


def test_5000_classes_keep_the_heaviest_and_sum_the_rest():
    rng = random.Random(0)
    classes = [f"c{i}" for i in range(5000)]
    y_true = [min(int(rng.expovariate(0.01)), 4999) for _ in range(20_000)]
    y_pred = [y if rng.random() < 0.6 else rng.randrange(5000) for y in y_true]
    s = scores(y_true, y_pred, classes)
    k = MAX_CLASSES
    assert len(s.classes) == len(s.per_class) == len(s.confusion) == k + 1
    assert s.classes[-1] == s.per_class[-1]["name"] == f"({5000 - k} others)"
    assert int(np.sum(s.confusion)) == len(y_true)  # every example counted once
    assert sum(r["support"] for r in s.per_class) == len(y_true)
    assert s.accuracy == np.mean(np.array(y_true) == np.array(y_pred))  # over all classes
    assert len(json.dumps(s.to_dict())) < 100_000
    few = scores([0, 1, 1], [0, 1, 0], ["x", "y", "z"])  # few classes: all of them, no rest
    assert few.classes == ["x", "y", "z"] and len(few.confusion) == 3


@pytest.mark.timeout(120)  # counted per token: it was O(tokens x tags), minutes here
def test_10000_tags_keep_the_most_frequent_and_sum_the_rest():
    rng = random.Random(1)
    tags = [f"T{i}" for i in range(10_000)]
    gold = [[tags[min(int(rng.expovariate(0.002)), 9999)] for _ in range(20)]
            for _ in range(500)]
    pred = [[t if rng.random() < 0.7 else rng.choice(tags) for t in s] for s in gold]
    m = confusion_matrix(gold, pred, tags)
    assert len(m["tags"]) == len(m["counts"]) == MAX_CLASSES + 1
    assert m["tags"][-1].endswith("others)") and sum(map(sum, m["counts"])) == 500 * 20
    rows = per_tag_accuracy(gold, pred)
    assert len(rows) == MAX_CLASSES + 1 and sum(r["total"] for r in rows) == 500 * 20
    assert rows[-1]["correct"] <= rows[-1]["total"] and 0 <= rows[-1]["accuracy"] <= 1
