"""BLEU and chrF equal sacrebleu's (a test-only dependency: the reference everyone quotes)."""

from __future__ import annotations

import pytest

from engine.families.seq2seq.metrics import corpus_bleu, corpus_chrf, tokenize_13a

sacrebleu = pytest.importorskip("sacrebleu")

# Short references, French no-break (U+00A0) and narrow no-break (U+202F) spaces, an order
# the reference lacks ("Va"), punctuation that 13a splits off, digits with dots and dashes,
# an empty hypothesis and HTML entities.
HYPS = ["Va !", "Oui merci", "Allez", "Je suis fatigué.", "Il a 3.5 ans, je crois.",
        "C'est l'heure\u00a0: partons !", "", "Tom a 12-ans", "a &amp; b", "Il pleut."]
REFS = ["Va\u202f!", "Oui merci", "Va", "Je suis très fatigué.", "Il a 3.5 ans.",
        "C'est l'heure\u202f: on part\u00a0!", "Rien.", "Tom a 12 ans", "a & b", "Il pleut."]


def sacre(hyps, refs):
    return (sacrebleu.corpus_bleu(hyps, [refs]).score / 100,
            sacrebleu.corpus_chrf(hyps, [refs]).score / 100)


@pytest.mark.parametrize("pairs", [
    slice(None), slice(0, 1), slice(0, 3), slice(1, 3), slice(3, 6), slice(6, 10)])
def test_bleu_and_chrf_equal_sacrebleu(pairs):
    hyps, refs = HYPS[pairs], REFS[pairs]
    bleu, chrf = sacre(hyps, refs)
    assert corpus_bleu(hyps, refs) == pytest.approx(bleu, abs=1e-12)
    assert corpus_chrf(hyps, refs) == pytest.approx(chrf, abs=1e-12)


def test_the_two_cases_that_differed():
    # no-break spaces are whitespace; a missing order's hypothesis n-grams are not counted
    assert corpus_chrf(["Va !"], ["Va\u202f!"]) == pytest.approx(1.0)
    assert corpus_chrf(["Oui merci", "Allez"], ["Oui merci", "Va"]) == \
        pytest.approx(sacre(["Oui merci", "Allez"], ["Oui merci", "Va"])[1], abs=1e-12)


def test_13a_tokens_equal_sacrebleu():
    from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

    ref = Tokenizer13a()
    for line in HYPS + REFS + ["1,000.5 - 3-4 (a/b) {x} ~y", "tab\there -\nnext"]:
        assert tokenize_13a(line) == ref(line.rstrip()).split()


def test_random_pairs_equal_sacrebleu():
    import random

    rng = random.Random(0)
    words = ["le", "chat", "est", "là", "!", "Tom", "a", "3.5", "ans", ",", "l'eau", "\u202f?"]
    hyps = [" ".join(rng.choices(words, k=rng.randint(0, 8))) for _ in range(60)]
    refs = [" ".join(rng.choices(words, k=rng.randint(1, 8))) for _ in range(60)]
    bleu, chrf = sacre(hyps, refs)
    assert corpus_bleu(hyps, refs) == pytest.approx(bleu, abs=1e-12)
    assert corpus_chrf(hyps, refs) == pytest.approx(chrf, abs=1e-12)
