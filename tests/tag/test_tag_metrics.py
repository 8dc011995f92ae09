"""Tagging metrics against hand-computed values, and span F1 against conlleval.pl itself."""

from __future__ import annotations

import random

import pytest

from engine.families.tag.data import read_columns
from engine.families.tag.metrics import (confusion_matrix, evaluate, per_tag_accuracy,
                                         span_scores, token_accuracy, unseen_accuracy)
from engine.families.tag.scheme import chunks, detect_scheme

TOKENS = [["the", "cat", "sat"], ["a", "dog", "ran", "."]]
GOLD = [["DET", "NOUN", "VERB"], ["DET", "NOUN", "VERB", "PUNCT"]]
PRED = [["DET", "VERB", "VERB"], ["DET", "NOUN", "NOUN", "PUNCT"]]
SEEN = {"the", "sat", "dog", "."}  # unseen: cat (wrong), a (right), ran (wrong)


def test_token_and_unseen_accuracy():
    assert token_accuracy(GOLD, PRED) == pytest.approx(5 / 7)
    assert unseen_accuracy(TOKENS, GOLD, PRED, SEEN) == (pytest.approx(1 / 3), 3)
    assert unseen_accuracy(TOKENS, GOLD, PRED, set(sum(TOKENS, []))) == (None, 0)
    assert token_accuracy([], []) == 0.0


def test_length_mismatch_is_a_bug():
    with pytest.raises(ValueError, match="sentence 1"):
        token_accuracy(GOLD, [PRED[0], PRED[1][:2]])


def test_per_tag_accuracy():
    assert per_tag_accuracy(GOLD, PRED) == [
        {"tag": "DET", "correct": 2, "total": 2, "accuracy": 1.0},
        {"tag": "NOUN", "correct": 1, "total": 2, "accuracy": 0.5},
        {"tag": "VERB", "correct": 1, "total": 2, "accuracy": 0.5},
        {"tag": "PUNCT", "correct": 1, "total": 1, "accuracy": 1.0}]


def test_confusion_matrix():
    m = confusion_matrix(GOLD, PRED)
    assert m["tags"] == ["DET", "NOUN", "VERB", "PUNCT"]
    assert m["counts"] == [[2, 0, 0, 0],   # gold DET
                           [0, 1, 1, 0],   # gold NOUN: one tagged VERB
                           [0, 1, 1, 0],   # gold VERB: one tagged NOUN
                           [0, 0, 0, 1]]
    fixed = confusion_matrix(GOLD, PRED, tags=["VERB", "NOUN"])  # others appended
    assert fixed["tags"] == ["VERB", "NOUN", "DET", "PUNCT"]
    assert sum(map(sum, fixed["counts"])) == 7 and fixed["counts"][0] == [1, 1, 0, 0]


# --- spans ------------------------------------------------------------------------------------

# Hand-checked: sentence 1 has a truncated entity and a type error; sentence 2 a type change
# inside a chunk (B-ORG I-PER = two chunks), an I- after O (opens a chunk) and a one-token
# B- chunk at the end of the sentence.
SPAN_GOLD = [["O", "O", "B-PER", "I-PER", "O", "B-PER", "I-PER", "O", "B-LOC", "O"],
             ["B-ORG", "I-ORG", "O", "B-PER", "O", "B-LOC"]]
SPAN_PRED = [["O", "O", "B-PER", "I-PER", "O", "B-PER", "O", "O", "B-ORG", "O"],
             ["B-ORG", "I-PER", "O", "I-PER", "O", "B-LOC"]]


def test_chunks_follow_conlleval():
    assert chunks(SPAN_GOLD[0]) == [("PER", 2, 4), ("PER", 5, 7), ("LOC", 8, 9)]
    assert chunks(SPAN_PRED[1]) == [("ORG", 0, 1), ("PER", 1, 2), ("PER", 3, 4), ("LOC", 5, 6)]
    assert chunks(["I-PER", "I-PER", "B-PER", "O", "I-LOC"]) == [  # IOB1
        ("PER", 0, 2), ("PER", 2, 3), ("LOC", 4, 5)]
    assert chunks(["S-PER", "S-PER", "B-LOC", "I-LOC", "E-LOC", "E-LOC", "O", "E-X"]) == [
        ("PER", 0, 1), ("PER", 1, 2), ("LOC", 2, 5), ("LOC", 5, 6), ("X", 7, 8)]
    assert chunks(["B-PER", "E-PER", "B-PER", "E-PER"]) == [("PER", 0, 2), ("PER", 2, 4)]
    assert chunks(["O", "NOUN", "O"]) == [] and chunks([]) == []


def test_span_scores_hand_checked():
    s = span_scores(SPAN_GOLD, SPAN_PRED)
    assert (s["correct"], s["predicted"], s["gold"]) == (3, 7, 6)
    assert s["precision"] == pytest.approx(3 / 7) and s["recall"] == pytest.approx(0.5)
    assert s["f1"] == pytest.approx(6 / 13)
    per = s["per_type"]
    assert (per["PER"]["correct"], per["PER"]["predicted"], per["PER"]["gold"]) == (2, 4, 3)
    assert (per["LOC"]["precision"], per["LOC"]["recall"]) == (1.0, 0.5)
    assert (per["ORG"]["correct"], per["ORG"]["predicted"], per["ORG"]["gold"]) == (0, 2, 1)
    assert per["ORG"]["f1"] == 0.0
    nothing = span_scores([["O", "B-X"]], [["O", "O"]])
    assert (nothing["precision"], nothing["recall"], nothing["f1"]) == (0.0, 0.0, 0.0)


def test_bioes_spans():
    gold = [["S-PER", "O", "B-LOC", "I-LOC", "E-LOC"]]
    pred = [["S-PER", "S-PER", "B-LOC", "E-LOC", "E-LOC"]]
    s = span_scores(gold, pred)
    assert (s["correct"], s["predicted"], s["gold"]) == (1, 4, 2)


IOB1_FILE = """-DOCSTART- -X- -X- O

EU NNP I-NP I-ORG
rejects VBZ I-VP O
German JJ I-NP I-MISC
call NN I-NP O
. . O O

S.Korea NNP I-NP I-LOC
Japan NNP I-NP B-LOC
and CC O O
Peter NNP I-NP I-PER
Blackburn NNP I-NP I-PER
"""


def test_an_iob1_file_scores_the_same_as_its_iob2_spelling(tmp_path):
    path = tmp_path / "eng.testa"
    path.write_text(IOB1_FILE, encoding="utf-8")
    gold = [tags for _, tags in read_columns(path)[0]]
    assert detect_scheme(gold) == "iob1"
    assert chunks(gold[1]) == [("LOC", 0, 1), ("LOC", 1, 2), ("PER", 3, 5)]
    iob2 = [["B-ORG", "O", "B-MISC", "O", "O"], ["B-LOC", "B-LOC", "O", "B-PER", "I-PER"]]
    assert span_scores(gold, iob2)["f1"] == 1.0  # same chunks, different letters
    assert token_accuracy(gold, iob2) < 1.0
    wrong = [["I-ORG", "O", "O", "O", "O"], ["I-LOC", "I-LOC", "O", "I-PER", "I-PER"]]
    s = span_scores(gold, wrong)  # missed MISC; the two LOCs merged into one
    assert (s["correct"], s["predicted"], s["gold"]) == (2, 3, 5)


def test_detect_scheme():
    assert detect_scheme([["B-PER", "I-PER", "O"], ["B-LOC"]]) == "iob2"
    assert detect_scheme([["I-PER", "I-PER", "O"]]) == "iob1"
    assert detect_scheme([["B-PER", "I-LOC"]]) == "iob1"  # I- opens the LOC chunk
    assert detect_scheme([["S-PER", "O", "B-LOC", "E-LOC"]]) == "bioes"
    assert detect_scheme([["B-fromloc.city_name", "O"]]) == "iob2"  # ATIS slot tags
    assert detect_scheme([["DET", "NOUN"]]) is None  # POS tags
    assert detect_scheme([["O", "O"]]) is None  # no chunk at all
    assert detect_scheme([["B-PER", "NOUN"]]) is None  # mixed: not chunk tags
    assert detect_scheme([["-LRB-", "NN"]]) is None  # PTB XPOS with a hyphen


def test_evaluate_adds_span_scores_only_for_chunk_tags():
    pos = evaluate(TOKENS, GOLD, PRED, SEEN)
    assert set(pos) == {"accuracy", "accuracy_unseen", "tokens", "unseen_tokens"}
    assert (pos["tokens"], pos["unseen_tokens"]) == (7, 3)
    tokens = [[f"w{i}" for i in range(len(t))] for t in SPAN_GOLD]
    ner = evaluate(tokens, SPAN_GOLD, SPAN_PRED, seen=set())
    assert ner["span_f1"] == pytest.approx(6 / 13) and ner["accuracy_unseen"] == ner["accuracy"]
    assert "span_f1" not in evaluate(tokens, SPAN_GOLD, SPAN_PRED, set(), scheme=None)


# --- parity with conlleval.pl -------------------------------------------------------------------

def _perl_end(prev, tag, prev_type, type_):  # conlleval.pl endOfChunk, B/I/O lines only
    return ((prev == "B" and tag == "B") or (prev == "B" and tag == "O")
            or (prev == "I" and tag == "B") or (prev == "I" and tag == "O")
            or (prev != "O" and prev != "." and prev_type != type_))


def _perl_start(prev, tag, prev_type, type_):  # conlleval.pl startOfChunk, B/I/O lines only
    return ((prev == "B" and tag == "B") or (prev == "I" and tag == "B")
            or (prev == "O" and tag == "B") or (prev == "O" and tag == "I")
            or (tag != "O" and tag != "." and prev_type != type_))


def _conlleval_counts(gold, pred):
    """conlleval.pl's main loop, transcribed: (correctChunk, foundGuessed, foundCorrect)."""
    def split(t):
        return tuple(t.split("-", 1)) if "-" in t else (t, "")
    correct = found_guessed = found_correct = 0
    in_correct, lc, lct, lg, lgt = False, "O", "", "O", ""
    lines = [pair for g, p in zip(gold, pred) for pair in [*zip(g, p), ("O", "O")]]
    for gt, pt in lines:  # ("O", "O") is the sentence boundary line
        (c, ct), (g, gtp) = split(gt), split(pt)
        if in_correct:
            ec, eg = _perl_end(lc, c, lct, ct), _perl_end(lg, g, lgt, gtp)
            if ec and eg and lgt == lct:
                in_correct, correct = False, correct + 1
            elif ec != eg or gtp != ct:
                in_correct = False
        sc, sg = _perl_start(lc, c, lct, ct), _perl_start(lg, g, lgt, gtp)
        if sc and sg and gtp == ct:
            in_correct = True
        found_correct += sc
        found_guessed += sg
        lc, lct, lg, lgt = c, ct, g, gtp
    return correct + in_correct, found_guessed, found_correct


def test_span_counts_match_conlleval_pl_on_random_iob_tags():
    rng = random.Random(0)
    tags = ["O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    for _ in range(300):
        lengths = [rng.randint(1, 8) for _ in range(rng.randint(1, 4))]
        gold = [[rng.choice(tags) for _ in range(n)] for n in lengths]
        pred = [[t if rng.random() < 0.6 else rng.choice(tags) for t in s] for s in gold]
        s = span_scores(gold, pred)
        assert (s["correct"], s["predicted"], s["gold"]) == _conlleval_counts(gold, pred)


def test_span_f1_equals_seqeval_default_mode():
    """seqeval's default (conlleval-compatible) mode, a test-only dependency: lenient about
    chunks that start with I- or follow an O, unlike its strict IOB2 mode."""
    seqeval = pytest.importorskip("seqeval.metrics")
    rng = random.Random(1)
    tags = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "I-ORG"]
    gold = [[rng.choice(tags) for _ in range(rng.randint(1, 12))] for _ in range(300)]
    pred = [[t if rng.random() < 0.7 else rng.choice(tags) for t in sent] for sent in gold]
    ours = span_scores(gold, pred)
    assert ours["f1"] == pytest.approx(seqeval.f1_score(gold, pred), abs=1e-12)
    assert ours["precision"] == pytest.approx(seqeval.precision_score(gold, pred), abs=1e-12)
    assert ours["recall"] == pytest.approx(seqeval.recall_score(gold, pred), abs=1e-12)
