"""Held-out metrics for seq2seq: exact match, token accuracy, corpus BLEU and chrF.

BLEU and chrF are sacrebleu's defaults, computed here without the dependency and tested equal
to sacrebleu 2.x (tests/seq2seq/test_s2s_sacrebleu.py), so the numbers can be quoted as
sacrebleu's. Scores are in [0, 1] (multiply by 100 for the usual scale); SIGNATURE says which
settings they are, in sacrebleu's own notation:

  BLEU   nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp   (mteval-v13a tokens, NIST smoothing)
  chrF2  nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no  (character 6-grams, whitespace out)
"""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import Sequence

SIGNATURE = ("BLEU nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp · "
             "chrF2 nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no (sacrebleu's defaults)")

# mteval-v13a as sacrebleu writes it (tokenizers/tokenizer_re.py): symbols apart, then
# periods and commas apart unless between digits, then a dash after a digit.
_13A = [(re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),
        (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),
        (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),
        (re.compile(r"([0-9])(-)"), r"\1 \2 ")]


def tokenize_13a(line: str) -> list[str]:
    """WMT's mteval-v13a tokens of one segment (sacrebleu's default BLEU tokenizer)."""
    line = line.rstrip().replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        for ent, ch in (("&quot;", '"'), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">")):
            line = line.replace(ent, ch)
    line = f" {line} "
    for pattern, repl in _13A:
        line = pattern.sub(repl, line)
    return line.split()


TOKENIZE = {"13a": tokenize_13a, "none": str.split}


def ngrams(tokens: Sequence, n: int) -> Counter:
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def corpus_bleu(hypotheses: Sequence[str], references: Sequence[str], max_n: int = 4,
                tokenize: str = "13a", smooth: str = "exp") -> float:
    """Papineni et al. 2002, corpus level, one reference per hypothesis (sacrebleu's BLEU).

        p_n  = sum over sentences of clipped n-gram matches / sum of hypothesis n-grams
        BP   = 1 if c >= r else exp(1 - r / c)     (c, r: total hypothesis / reference length)
        BLEU = BP * exp( (1/N) sum_{n=1..N} log p_n )
    smooth "exp" (NIST): the k-th order with no match counts p_n = 1 / (2^k * total_n);
    "none": any p_n = 0 gives 0. No match at all is 0 either way.
    """
    if len(hypotheses) != len(references):
        raise ValueError("need one reference per hypothesis")
    tok = TOKENIZE[tokenize]
    matches, totals = [0] * max_n, [0] * max_n
    c = r = 0
    for hyp, ref in zip(hypotheses, references):
        h, rf = tok(hyp), tok(ref)
        c += len(h)
        r += len(rf)
        for n in range(1, max_n + 1):
            hn, rn = ngrams(h, n), ngrams(rf, n)
            matches[n - 1] += sum(min(cnt, rn[g]) for g, cnt in hn.items())  # clipped
            totals[n - 1] += max(len(h) - n + 1, 0)
    if c == 0 or not any(matches):
        return 0.0
    log_p, halvings = 0.0, 1
    for m, t in zip(matches, totals):
        if t == 0:  # the hypotheses are all shorter than n: sacrebleu stops, adding log 0
            return 0.0
        if m == 0:
            if smooth != "exp":
                return 0.0
            halvings *= 2
            m = 1 / halvings
        log_p += math.log(m / t)
    bp = 1.0 if c >= r else math.exp(1 - r / c)
    return bp * math.exp(log_p / max_n)


def corpus_chrf(hypotheses: Sequence[str], references: Sequence[str], max_n: int = 6,
                beta: float = 2.0) -> float:
    """Popovic 2015 chrF, corpus level, as sacrebleu computes it: character n-grams
    (n = 1..6) with every whitespace character removed (no-break spaces too).

    Per sentence and order n: matches (clipped), hypothesis n-grams (counted only when the
    reference has n-grams of that order) and reference n-grams; summed over the corpus.
    P and R are the means of P_n and R_n over the orders present on both sides, and
    chrF = (1 + beta^2) P R / (beta^2 P + R): recall weighs beta times more.
    """
    if len(hypotheses) != len(references):
        raise ValueError("need one reference per hypothesis")
    matches, hyp_tot, ref_tot = [0] * max_n, [0] * max_n, [0] * max_n
    for hyp, ref in zip(hypotheses, references):
        h, rf = "".join(hyp.split()), "".join(ref.split())  # str.split: any Unicode space
        for n in range(1, max_n + 1):
            hn, rn = ngrams(h, n), ngrams(rf, n)
            matches[n - 1] += sum(min(cnt, rn[g]) for g, cnt in hn.items())
            hyp_tot[n - 1] += sum(hn.values()) if rn else 0
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
