"""Classification scores from true and predicted class indices, as plain lists.

    s = scores(y_true, y_pred, classes=["neg", "pos"])
    s.accuracy, s.macro_f1            fractions in 0..1
    s.per_class[0]                    {"name": "neg", "precision", "recall", "f1", "support"}
    s.confusion[i][j]                 how many examples of class i were predicted as j

precision_c = TP / (TP + FP)  (0 when c is never predicted: no division by zero)
recall_c    = TP / (TP + FN)  (0 when c has no example)
F1_c        = 2 P R / (P + R) (0 when P + R = 0)
macro-F1 averages F1_c over the classes that occur among the true labels or the predictions
(as scikit-learn does without an explicit label list): a class absent from a small held-out
set and never predicted says nothing about the model, so it does not pull the mean to 0.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np

from engine import many_classes


@dataclass
class Scores:
    accuracy: float
    macro_f1: float
    per_class: list[dict]  # per class: name, precision, recall, f1, support
    confusion: list[list[int]]  # rows: true class, columns: predicted class
    classes: list[str]

    def to_dict(self) -> dict:
        return asdict(self)


def confusion_matrix(y_true: Sequence[int], y_pred: Sequence[int], n_classes: int
                     ) -> np.ndarray:
    """(C, C) int64, [true, predicted]."""
    m = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(m, (np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)), 1)
    return m


def _ratio(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.divide(a, b, out=np.zeros(len(a)), where=b > 0)


def scores(y_true: Sequence[int], y_pred: Sequence[int], classes: Sequence[str]) -> Scores:
    """The scores of all classes; the per-class table and the matrix of at most MAX_CLASSES
    of them, the rest summed in one "(N others)" row (engine.many_classes)."""
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} true labels but {len(y_pred)} predictions")
    C = len(classes)
    t, p = np.asarray(y_true, dtype=np.int64), np.asarray(y_pred, dtype=np.int64)
    tp = np.bincount(t[t == p], minlength=C).astype(float)
    support, predicted = np.bincount(t, minlength=C), np.bincount(p, minlength=C)
    precision, recall = _ratio(tp, predicted), _ratio(tp, support)
    f1 = _ratio(2 * precision * recall, precision + recall)
    present = (support + predicted) > 0
    n = len(t)
    per_class = [{"name": c, "precision": float(pr), "recall": float(r), "f1": float(f),
                  "support": int(s)}
                 for c, pr, r, f, s in zip(classes, precision, recall, f1, support)]
    keep = many_classes.kept(support + predicted)
    return Scores(accuracy=float(tp.sum() / n) if n else 0.0,
                  macro_f1=float(f1[present].mean()) if present.any() else 0.0,
                  per_class=many_classes.rest_row(per_class, keep, "name", "support",
                                                  ("precision", "recall", "f1")),
                  confusion=many_classes.matrix(t, p, keep, C),
                  classes=many_classes.names(classes, keep))
