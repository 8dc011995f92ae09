"""The count baselines a tagger must beat: each word's most frequent tag in training, and
its loss as a probability model of the tags.

Words never seen in training get the most frequent tag overall (NOUN in English UD, O in
NER). On UD English GUM (train on dev, test on test) this gives 0.818 UPOS accuracy
(shared/notes/measured-facts.md); a BiLSTM with character features reaches ~0.93.
For the loss chart, the same counts as probabilities: p(t | w) = (c(w, t) + p(t)) /
(c(w) + 1), the word's tag counts with the overall tag distribution p(t) (add-one over the
tags) as one pseudo-count, so an unseen word gets p(t) itself.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from typing import Sequence

from engine.families.tag.metrics import evaluate

Sentence = tuple[list[str], list[str]]  # (tokens, tags), as data.py reads them


def _most_common(counts: Counter) -> str:
    # Ties go to the alphabetically first tag, so the result never depends on file order.
    return min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]


def tag_counts(train: Sequence[Sentence]) -> tuple[dict[str, Counter], Counter]:
    """(per word: its tag counts, the tag counts of all words) in the training sentences."""
    per_word: dict[str, Counter] = defaultdict(Counter)
    overall: Counter = Counter()
    for tokens, tags in train:
        for word, tag in zip(tokens, tags):
            per_word[word][tag] += 1
            overall[tag] += 1
    return per_word, overall


class MostFrequentTag:
    """Tags a sentence word by word from training counts; no context at all."""

    def __init__(self, train: Sequence[Sentence]):
        per_word, overall = tag_counts(train)
        if not overall:
            raise ValueError("the baseline needs at least one training token")
        self.default = _most_common(overall)  # the tag of every unseen word
        self.table = {word: _most_common(c) for word, c in per_word.items()}

    @property
    def seen(self) -> set[str]:
        """The training word forms (what "unseen" is measured against)."""
        return set(self.table)

    def tag(self, tokens: Sequence[str]) -> list[str]:
        return [self.table.get(word, self.default) for word in tokens]


def most_frequent_tag_scores(train: Sequence[Sentence], heldout: Sequence[Sentence]) -> dict:
    """metrics.evaluate of the baseline on HELDOUT: {"accuracy", "accuracy_unseen", "tokens",
    "unseen_tokens"} (+ "span_*" for chunk tags), and "default_tag"."""
    baseline = MostFrequentTag(train)
    tokens = [t for t, _ in heldout]
    gold = [g for _, g in heldout]
    out = evaluate(tokens, gold, [baseline.tag(t) for t in tokens], baseline.seen)
    out["default_tag"] = baseline.default
    return out


def count_model_loss(train: Sequence[Sentence], heldout: Sequence[Sentence]) -> float:
    """Held-out cross-entropy, nats per token, of p(t | w) from the training counts (see the
    module docstring). Tokens whose gold tag never occurs in training are left out, as the
    model's loss leaves them out."""
    per_word, overall = tag_counts(train)
    total = sum(overall.values()) + len(overall)
    prior = {t: (n + 1) / total for t, n in overall.items()}
    nats, n = 0.0, 0
    for tokens, tags in heldout:
        for word, tag in zip(tokens, tags):
            if tag not in prior:
                continue
            counts = per_word.get(word)
            seen = sum(counts.values()) if counts else 0
            p = ((counts[tag] if counts else 0) + prior[tag]) / (seen + 1)
            nats -= math.log(p)
            n += 1
    return nats / n if n else math.log(max(2, len(prior)))
