"""Held-out metrics for tagging: token accuracy, accuracy on unseen words, per-tag accuracy,
the tag confusion matrix, and entity (span) precision / recall / F1 as conlleval computes it.

Every function takes whole sentences: GOLD and PRED are lists of tag lists (one list per
sentence, the same lengths), TOKENS the matching token lists. Scores are in [0, 1]; results
are plain dicts and lists, ready to go into an event or a JSON file.
"""

from __future__ import annotations

from collections import Counter
from typing import Container, Optional, Sequence

import numpy as np

from engine import many_classes
from engine.families.tag.scheme import chunks, detect_scheme

Tags = Sequence[Sequence[str]]


def _check(gold: Tags, other: Tags, what: str = "predicted tags") -> None:
    """Sentence and token counts must match: a mismatch is a bug, not bad input."""
    if len(gold) != len(other):
        raise ValueError(f"{len(gold)} gold sentences but {len(other)} of {what}")
    for i, (g, o) in enumerate(zip(gold, other)):
        if len(g) != len(o):
            raise ValueError(f"sentence {i}: {len(g)} gold tags but {len(o)} {what}")


def _pairs(gold: Tags, pred: Tags) -> list[tuple[str, str]]:
    """(gold tag, predicted tag) of every token, all sentences in order."""
    _check(gold, pred)
    return [(g, p) for g_tags, p_tags in zip(gold, pred) for g, p in zip(g_tags, p_tags)]


def token_accuracy(gold: Tags, pred: Tags) -> float:
    """Share of tokens whose predicted tag is the gold tag (0.0 with no token)."""
    pairs = _pairs(gold, pred)
    return sum(g == p for g, p in pairs) / len(pairs) if pairs else 0.0


def unseen_accuracy(tokens: Tags, gold: Tags, pred: Tags, seen: Container[str]
                    ) -> tuple[Optional[float], int]:
    """(accuracy on tokens whose word is not in SEEN, how many such tokens); None if none.

    SEEN is the set of training word forms, compared exactly (case included): the words the
    model could not have memorised, where the character features have to do the work.
    """
    _check(gold, pred)
    _check(gold, tokens, "tokens")
    right = total = 0
    for words, g_tags, p_tags in zip(tokens, gold, pred):
        for word, g, p in zip(words, g_tags, p_tags):
            if word not in seen:
                total += 1
                right += g == p
    return (right / total if total else None), total


def per_tag_accuracy(gold: Tags, pred: Tags) -> list[dict]:
    """[{"tag", "correct", "total", "accuracy"}] for every gold tag, most frequent first; past
    MAX_CLASSES tags the rest in one "(N others)" row (engine.many_classes).

    Accuracy of a tag = share of its gold tokens tagged right (its recall).
    """
    total, right = Counter(), Counter()
    for g, p in _pairs(gold, pred):
        total[g] += 1
        right[g] += g == p
    rows = [{"tag": t, "correct": right[t], "total": n, "accuracy": right[t] / n}
            for t, n in sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))]
    keep = many_classes.kept([r["total"] for r in rows])
    return many_classes.rest_row(rows, keep, "tag", "total", ("accuracy",), ("correct",))


def confusion_matrix(gold: Tags, pred: Tags, tags: Optional[Sequence[str]] = None) -> dict:
    """{"tags": names, "counts": rows}: counts[i][j] = tokens of gold tags[i] predicted tags[j].

    TAGS fixes the order (e.g. the training tags); by default gold tags by frequency, then any
    tag only ever predicted. Tags outside a given TAGS are added at the end, so every token
    is counted once and the matrix sums to the number of tokens. Past MAX_CLASSES tags, the
    most frequent (gold and predicted) are kept and the rest summed in a last "(N others)".
    """
    pairs = _pairs(gold, pred)
    counts = Counter(g for g, _ in pairs)
    names = list(tags) if tags is not None else sorted(counts, key=lambda t: (-counts[t], t))
    index = {t: i for i, t in enumerate(names)}
    for g, p in pairs:
        for t in (g, p):
            if t not in index:
                index[t] = len(names)
                names.append(t)
    true_idx = [index[g] for g, _ in pairs]
    pred_idx = [index[p] for _, p in pairs]
    weight = np.bincount(true_idx + pred_idx, minlength=len(names))
    keep = many_classes.kept(weight)
    return {"tags": many_classes.names(names, keep),
            "counts": many_classes.matrix(true_idx, pred_idx, keep, len(names))}


def _prf(correct: int, found_pred: int, found_gold: int) -> dict:
    p = correct / found_pred if found_pred else 0.0
    r = correct / found_gold if found_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f,
            "correct": correct, "predicted": found_pred, "gold": found_gold}


def span_scores(gold: Tags, pred: Tags) -> dict:
    """conlleval's phrase scores: a predicted chunk counts only if a gold chunk has the same
    first token, last token and type. {"precision", "recall", "f1", "correct", "predicted",
    "gold", "per_type": {type: the same keys but per_type}}; P (or R) is 0 with no
    predicted (or gold) chunk, as in conlleval.
    """
    _check(gold, pred)
    gold_chunks = [(i, c) for i, tags in enumerate(gold) for c in chunks(tags)]
    pred_chunks = [(i, c) for i, tags in enumerate(pred) for c in chunks(tags)]
    hits = set(gold_chunks) & set(pred_chunks)  # (sentence, (type, start, end)) in both
    n_gold, n_pred, n_hit = (Counter(c[0] for _, c in found)
                             for found in (gold_chunks, pred_chunks, hits))
    out = _prf(len(hits), len(pred_chunks), len(gold_chunks))
    out["per_type"] = {t: _prf(n_hit[t], n_pred[t], n_gold[t])
                       for t in sorted(set(n_gold) | set(n_pred))}
    return out


def evaluate(tokens: Tags, gold: Tags, pred: Tags, seen: Container[str],
             scheme: Optional[str] = "auto") -> dict:
    """The numbers an eval event carries: {"accuracy", "accuracy_unseen", "tokens",
    "unseen_tokens"} plus, for chunk tags, "span_precision", "span_recall", "span_f1".

    SCHEME "auto" asks scheme.detect_scheme of the gold tags; None skips the span scores.
    """
    unseen, n_unseen = unseen_accuracy(tokens, gold, pred, seen)
    out = {"accuracy": token_accuracy(gold, pred), "accuracy_unseen": unseen,
           "tokens": sum(len(t) for t in gold), "unseen_tokens": n_unseen}
    if scheme == "auto":
        scheme = detect_scheme(gold)
    if scheme is not None:
        spans = span_scores(gold, pred)
        out.update(span_precision=spans["precision"], span_recall=spans["recall"],
                   span_f1=spans["f1"])
    return out
