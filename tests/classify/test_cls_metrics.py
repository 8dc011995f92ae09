"""Classification metrics against values worked out by hand."""

import pytest

from engine.families.classify.metrics import confusion_matrix, scores


def test_three_classes_by_hand():
    # true:  a a a b b c      pred: a a b b a b
    # a: TP 2, FP 1 (a b predicted a), FN 1      P 2/3, R 2/3, F1 2/3
    # b: TP 1, FP 2 (an a and the c), FN 1       P 1/3, R 1/2, F1 2*(1/6)/(5/6) = 0.4
    # c: TP 0, never predicted, FN 1             P 0,   R 0,   F1 0 (no division error)
    y_true = [0, 0, 0, 1, 1, 2]
    y_pred = [0, 0, 1, 1, 0, 1]
    s = scores(y_true, y_pred, ["a", "b", "c"])
    assert s.accuracy == pytest.approx(3 / 6)
    assert s.confusion == [[2, 1, 0], [1, 1, 0], [0, 1, 0]]
    a, b, c = s.per_class
    assert (a["precision"], a["recall"], a["f1"]) == pytest.approx((2 / 3, 2 / 3, 2 / 3))
    assert (b["precision"], b["recall"], b["f1"]) == pytest.approx((1 / 3, 1 / 2, 0.4))
    assert (c["precision"], c["recall"], c["f1"], c["support"]) == (0.0, 0.0, 0.0, 1)
    assert s.macro_f1 == pytest.approx((2 / 3 + 0.4 + 0) / 3)
    assert [p["name"] for p in s.per_class] == ["a", "b", "c"]
    assert s.to_dict()["confusion"] == s.confusion


def test_a_class_absent_from_truth_and_predictions_is_left_out_of_macro_f1():
    # class 2 has no held-out example and is never predicted: it says nothing.
    s = scores([0, 1, 1], [0, 1, 0], ["x", "y", "z"])
    # x: P 1/2 R 1 F1 2/3;  y: P 1 R 1/2 F1 2/3
    assert s.macro_f1 == pytest.approx(2 / 3)
    assert s.per_class[2] == {"name": "z", "precision": 0.0, "recall": 0.0, "f1": 0.0,
                              "support": 0}


def test_a_predicted_class_without_examples_counts_as_zero():
    s = scores([0, 0], [0, 1], ["x", "y"])  # y predicted once, wrongly: F1 0, counted
    assert s.macro_f1 == pytest.approx((2 / 3 + 0) / 2)


def test_perfect_empty_and_mismatched():
    s = scores([1, 0, 1], [1, 0, 1], ["n", "p"])
    assert s.accuracy == 1.0 and s.macro_f1 == 1.0
    e = scores([], [], ["n", "p"])
    assert e.accuracy == 0.0 and e.macro_f1 == 0.0 and e.confusion == [[0, 0], [0, 0]]
    with pytest.raises(ValueError):
        scores([0], [0, 1], ["n", "p"])
    assert confusion_matrix([1, 1], [0, 1], 2).tolist() == [[0, 0], [1, 1]]
