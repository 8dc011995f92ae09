"""Per-class tables and confusion matrices of many classes, kept to a size one can write.

A classifier of 5,000 classes (or a tagger of 10,000 tags) would put a 5,000 x 5,000 matrix
and 5,000 table rows into metrics.jsonl at every evaluation (75 MB each, measured by the
issue 18 battery). Above MAX_CLASSES classes the events keep the MAX_CLASSES with the most
weight (true examples plus predictions), in their own order, and one more row and column,
"(N others)", that sums all the rest: every matrix still sums to the number of examples.
Counting is O(examples), never O(classes^2). Both families' scores go through here.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

MAX_CLASSES = 50  # classes (tags) kept by name in a per-class table and a confusion matrix


def kept(weights: Sequence[int], most: int = MAX_CLASSES) -> np.ndarray:
    """Indices of the MOST heaviest classes (ties: the first), in their order; all of them
    when there are at most MOST."""
    weights = np.asarray(weights)
    if len(weights) <= most:
        return np.arange(len(weights))
    return np.sort(np.argsort(-weights, kind="stable")[:most])


def others_name(n: int) -> str:
    return f"({n} others)"


def names(all_names: Sequence[str], keep: np.ndarray) -> list[str]:
    """The kept names, and "(N others)" when some were left out."""
    out = [all_names[i] for i in keep]
    rest = len(all_names) - len(keep)
    return out + [others_name(rest)] if rest else out


def matrix(true_idx: Sequence[int], pred_idx: Sequence[int], keep: np.ndarray,
           n: int) -> list[list[int]]:
    """Counts [true, predicted] over the kept classes (K x K), plus a last row and column for
    the rest when some were left out (K+1 x K+1)."""
    size = len(keep) + (len(keep) < n)
    position = np.full(n, len(keep), dtype=np.int64)  # a left-out class: the last row
    position[keep] = np.arange(len(keep))
    m = np.zeros((size, size), dtype=np.int64)
    t = position[np.asarray(true_idx, dtype=np.int64)]
    p = position[np.asarray(pred_idx, dtype=np.int64)]
    np.add.at(m, (t, p), 1)
    return m.tolist()


def rest_row(rows: list[dict], keep: np.ndarray, name_key: str, count_key: str,
             score_keys: Sequence[str], sum_keys: Sequence[str] = ()) -> list[dict]:
    """ROWS (one per class) cut to the kept ones, plus one row for the rest: its counts
    (COUNT_KEY, SUM_KEYS) summed, its scores (SCORE_KEYS) averaged weighted by COUNT_KEY."""
    chosen = set(keep.tolist())
    out = [rows[i] for i in keep]
    rest = [r for i, r in enumerate(rows) if i not in chosen]
    if not rest:
        return out
    total = sum(r[count_key] for r in rest)
    row = {name_key: others_name(len(rest)), count_key: total}
    row.update({k: sum(r[k] for r in rest) for k in sum_keys})
    row.update({k: (sum(r[k] * r[count_key] for r in rest) / total if total else 0.0)
                for k in score_keys})
    return out + [row]
