"""Held-out metrics for seq2seq: exact match, token accuracy, corpus BLEU and chrF.

Small, dependency-free implementations; scores are in [0, 1] (multiply by 100 for the
usual BLEU/chrF scale).
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Callable, Sequence


def ngrams(tokens: Sequence, n: int) -> Counter:
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def corpus_bleu(hypotheses: Sequence[str], references: Sequence[str], max_n: int = 4,
                tokenize: Callable[[str], list] = str.split) -> float:
    """Papineni et al. 2002, corpus level, one reference per hypothesis, no smoothing.

        p_n  = sum over sentences of clipped n-gram matches / sum of hypothesis n-grams
        BP   = 1 if c > r else exp(1 - r / c)     (c, r: total hypothesis / reference length)
        BLEU = BP * exp( (1/N) sum_{n=1..N} log p_n )
    Words by default (whitespace tokens); any p_n = 0 gives 0.
    """
    if len(hypotheses) != len(references):
        raise ValueError("need one reference per hypothesis")
    matches, totals = [0] * max_n, [0] * max_n
    c = r = 0
    for hyp, ref in zip(hypotheses, references):
        h, rf = tokenize(hyp), tokenize(ref)
        c += len(h)
        r += len(rf)
        for n in range(1, max_n + 1):
            hn, rn = ngrams(h, n), ngrams(rf, n)
            matches[n - 1] += sum(min(cnt, rn[g]) for g, cnt in hn.items())  # clipped
            totals[n - 1] += max(len(h) - n + 1, 0)
    if c == 0 or min(matches) == 0:
        return 0.0
    log_p = sum(math.log(m / t) for m, t in zip(matches, totals)) / max_n
    bp = 1.0 if c > r else math.exp(1 - r / c)
    return bp * math.exp(log_p)


def corpus_chrf(hypotheses: Sequence[str], references: Sequence[str], max_n: int = 6,
                beta: float = 2.0) -> float:
    """Popovic 2015 chrF, corpus level: character n-grams (n = 1..6, spaces removed).

    For each n, P_n and R_n are the clipped matches over all hypothesis / reference n-grams
    of the corpus (orders with no n-gram on either side are left out); P and R are their
    means over n, and chrF = (1 + beta^2) P R / (beta^2 P + R): recall weighs beta times more.
    """
    if len(hypotheses) != len(references):
        raise ValueError("need one reference per hypothesis")
    matches, hyp_tot, ref_tot = [0] * max_n, [0] * max_n, [0] * max_n
    for hyp, ref in zip(hypotheses, references):
        h, rf = hyp.replace(" ", ""), ref.replace(" ", "")
        for n in range(1, max_n + 1):
            hn, rn = ngrams(h, n), ngrams(rf, n)
            matches[n - 1] += sum(min(cnt, rn[g]) for g, cnt in hn.items())
            hyp_tot[n - 1] += sum(hn.values())
            ref_tot[n - 1] += sum(rn.values())
    orders = [n for n in range(max_n) if hyp_tot[n] and ref_tot[n]]
    if not orders:
        return 0.0
    p = sum(matches[n] / hyp_tot[n] for n in orders) / len(orders)
    r = sum(matches[n] / ref_tot[n] for n in orders) / len(orders)
    if p + r == 0:
        return 0.0
    b2 = beta * beta
    return (1 + b2) * p * r / (b2 * p + r)


def exact_match(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    if not references:
        return 0.0
    return sum(h == r for h, r in zip(hypotheses, references)) / len(references)
