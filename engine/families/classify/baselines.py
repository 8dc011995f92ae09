"""What a classifier must beat, computed on the same split: the majority class, and a
bag-of-words multinomial Naive Bayes.

Naive Bayes (add-one smoothing) scores a text by its bag of features f (with counts n_f):
    log P(c | text) = log P(c) + sum_f n_f log P(f | c) + const
    P(f | c) = (count(f, c) + 1) / (sum_g count(g, c) + |V|)       V: the training features
Features: the words of word-level data, the character 1- to 3-grams of character-level
data (with start / end marks, so "^Mc" and "ov$" are features). A feature never seen in
training is skipped. Order is gone: "I gave the ball to John, who gave it to Mary" and
"I gave the ball to Mary, who gave it to John" are one bag, so they get one score (the
AI504 slide's objection to bag-of-words, made measurable).
"""

from __future__ import annotations

from collections import Counter
from typing import Callable, Sequence

import numpy as np

from engine.errors import check_cancel
from engine.families.classify.metrics import Scores, scores
from engine.data.tokens import Tokenizer

START, END = "\x02", "\x03"  # never in a text: they mark the ends for character n-grams


def features(tokens: str = "char", lower: bool = False, max_n: int = 3
             ) -> Callable[[str], list[str]]:
    """text -> its bag of features: words ("word" / "whitespace") or character n-grams."""
    tok = Tokenizer(tokens, lower)
    if tokens != "char":
        return tok

    def char_ngrams(text: str) -> list[str]:
        s = START + "".join(tok(text)) + END
        return [s[i: i + n] for n in range(1, max_n + 1) for i in range(len(s) - n + 1)]
    return char_ngrams


class NaiveBayes:
    def __init__(self, featurize: Callable[[str], list[str]], alpha: float = 1.0) -> None:
        self.featurize, self.alpha = featurize, alpha

    def fit(self, texts: Sequence[str], labels: Sequence[int], n_classes: int) -> "NaiveBayes":
        self.index: dict[str, int] = {}
        rows, cols = [], []
        for text, y in zip(texts, labels):
            for f in self.featurize(text):
                rows.append(y)
                cols.append(self.index.setdefault(f, len(self.index)))
        counts = np.zeros((n_classes, len(self.index)))  # count(f, c): (C, V)
        np.add.at(counts, (np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)), 1)
        smoothed = counts + self.alpha
        self.log_lik = np.log(smoothed / smoothed.sum(1, keepdims=True))  # log P(f | c)
        prior = np.bincount(np.asarray(labels, dtype=np.int64), minlength=n_classes)
        with np.errstate(divide="ignore"):  # a class without examples: log 0 = -inf
            self.log_prior = np.log(prior / prior.sum())
        return self

    def log_scores(self, text: str) -> np.ndarray:
        """(C,) log P(c) + sum_f n_f log P(f | c): the unnormalised log posterior."""
        bag = Counter(self.index[f] for f in self.featurize(text) if f in self.index)
        ids = np.array(sorted(bag), dtype=np.int64)  # sorted: the sum does not depend on
        n = np.array([bag[i] for i in ids], dtype=float)  # word order, to the last bit
        return self.log_prior + self.log_lik[:, ids] @ n

    def log_proba(self, texts: Sequence[str], cancel=None) -> np.ndarray:
        """(N, C) log P(c | text), normalised (a log-softmax of the log scores): exact even
        where the probability itself underflows to 0 (Naive Bayes is very sure of itself).
        `cancel()` is asked every 256 texts (5,000 classes: a second or more per thousand)."""
        rows = []
        for k, t in enumerate(texts):
            if k % 256 == 0:
                check_cancel(cancel)
            rows.append(self.log_scores(t))
        s = np.stack(rows)
        top = s.max(1, keepdims=True)
        return s - top - np.log(np.exp(s - top).sum(1, keepdims=True))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(N, C) P(c | text), normalised (a softmax of the log scores)."""
        return np.exp(self.log_proba(texts))

    def predict(self, texts: Sequence[str]) -> list[int]:
        return [int(np.argmax(self.log_scores(t))) for t in texts]


def majority_class(labels: Sequence[int], n_classes: int) -> int:
    """The most frequent training class (the lowest index on a tie)."""
    return int(np.argmax(np.bincount(np.asarray(labels, dtype=np.int64), minlength=n_classes)))


def baseline_scores(train: Sequence[tuple[str, int]], held: Sequence[tuple[str, int]],
                    classes: Sequence[str], tokens: str = "char", lower: bool = False
                    ) -> tuple[dict[str, Scores], NaiveBayes]:
    """{"majority": ..., "naive_bayes": ...} on `held`, fitted on `train`; and the fitted
    Naive Bayes (the app scores typed text with it)."""
    texts, labels = [t for t, _ in train], [y for _, y in train]
    truth = [y for _, y in held]
    top = majority_class(labels, len(classes))
    nb = NaiveBayes(features(tokens, lower)).fit(texts, labels, len(classes))
    out = {"majority": scores(truth, [top] * len(held), classes),
           "naive_bayes": scores(truth, nb.predict([t for t, _ in held]), classes)}
    return out, nb
