"""The word model from the command line, as a user types it: run, sample, score, ladder,
--reference, and the bad input of each (one line, exit code 2)."""

from __future__ import annotations

import json
import math
import re

import pytest
from cli_helpers import assert_clean_error, cli

TINY = ["--tokens", "word", "--hidden", "24", "--embed", "16", "--batch-size", "4", "--bptt",
        "12", "--eval-every", "5", "--sample-every", "5", "--sample-length", "10",
        "--baseline-order", "3", "--threads", "1", "--device", "cpu", "--dropout", "0"]


@pytest.fixture
def word_run(capsys, word_corpus, tmp_path):
    out = tmp_path / "run"
    code, text, err = cli(capsys, "run", "--corpus", str(word_corpus), "--out", str(out),
                          "--steps", "5", *TINY)
    assert code == 0, err
    assert "nats/word" in text and "bits/word" in text and "held-out words" in text
    return out


def test_sample_writes_words(capsys, word_run):
    code, out, err = cli(capsys, "sample", str(word_run), "-n", "20", "--seed", "1",
                         "--prime", "The cat")
    assert code == 0, err
    assert out.startswith("The cat ") and "<eos>" not in out
    assert len(out.split()) >= 2 + 20 - out.count("\n")  # words, <eos> written as new lines


def test_score_prints_a_sum_of_per_token_surprisals(capsys, word_run):
    code, out, err = cli(capsys, "score", str(word_run), "The cat sat on the mat.",
                         "The zebra sat.")
    assert code == 0, err
    blocks = out.split("\n\n")[1:3]
    for block in blocks:
        lines = block.splitlines()
        total_nats, total_bits = map(float, re.search(r"ln P = (-?[\d.]+) nats \(([\d.]+) bits",
                                                      lines[1]).groups())
        per_token = [float(line.split()[1]) for line in lines[2:]]
        assert sum(per_token) == pytest.approx(total_bits, abs=0.01 * len(per_token))
        assert total_nats == pytest.approx(-total_bits * math.log(2), abs=0.01)
    assert "The cat sat on the mat." in blocks[0] and "<eos>" in blocks[0]
    assert "zebra" in blocks[1] and "scored as <unk>" in blocks[1]
    assert "as likely as" in out.splitlines()[-1]


@pytest.mark.parametrize("args, needle", [
    ([], "nothing to score"),
    (["  "], "an empty sentence"),
])
def test_score_bad_input(capsys, word_run, args, needle):
    assert_clean_error(*cli(capsys, "score", str(word_run), *args), needle)


def test_score_of_a_missing_run_and_a_seq2seq_run(capsys, tmp_path):
    assert_clean_error(*cli(capsys, "score", str(tmp_path / "none"), "a b"), "none")
    out = tmp_path / "s2s"
    code, _, err = cli(capsys, "run", "--task", "reverse", "--out", str(out), "--steps", "2",
                       "--hidden", "16", "--embed", "8", "--batch-size", "8", "--threads", "1",
                       "--heldout", "20")
    assert code == 0, err
    assert_clean_error(*cli(capsys, "score", str(out), "a b"), "seq2seq model, which cannot score")


def test_word_options_are_refused_for_characters(capsys, word_corpus, tmp_path):
    assert_clean_error(*cli(capsys, "run", "--corpus", str(word_corpus), "--tokenizer", "word",
                            "--steps", "1"), "--tokenizer: only for word models")
    assert_clean_error(*cli(capsys, "run", "--corpus", str(word_corpus), "--tokens", "word",
                            "--model", "ffnn", "--tied", "--steps", "1"), "--tied is for")
    assert_clean_error(*cli(capsys, "run", "--corpus", str(word_corpus), "--tokens", "word",
                            "--val", str(tmp_path / "nope.txt"), "--steps", "1"), "nope.txt")


def test_the_ladder_prints_one_table_and_writes_its_result(capsys, word_corpus, tmp_path):
    out = tmp_path / "ladder"
    code, text, err = cli(capsys, "ladder", "--corpus", str(word_corpus), "--steps", "4",
                          "--rungs", "ngram,ffnn,lstm", "--out", str(out), *TINY[2:],
                          "--test-fraction", "0.1")
    assert code == 0, err
    head, rule, *rows = text.splitlines()
    assert head.split()[:3] == ["rung", "held-out", "ppl"] and "test ppl" in head
    assert [r.split()[0] for r in rows[:3]] == ["KN", "FFNN", "LSTM"]
    result = json.loads((out / "ladder.json").read_text())
    assert [r["model"] for r in result["rungs"]] == ["ngram", "ffnn", "lstm"]
    ffnn = result["rungs"][1]
    assert ffnn["params"] > 0 and ffnn["val_ppl"] == pytest.approx(math.exp(ffnn["val_loss"]))
    assert (out / "lstm" / "checkpoint.safetensors").exists()  # each rung is a real run
    # a later run draws the rungs as reference lines (same split), or refuses another split
    code, text, err = cli(capsys, "run", "--corpus", str(word_corpus), "--steps", "2",
                          "--reference", str(out), *TINY, "--test-fraction", "0.1")
    assert code == 0, err
    assert "ladder FFNN" in text and "ladder LSTM" in text and "ladder KN" not in text
    assert_clean_error(*cli(capsys, "run", "--corpus", str(word_corpus), "--steps", "2",
                            "--reference", str(out), *TINY), "other held-out data")
    # a ladder already there is not overwritten without --force
    assert_clean_error(*cli(capsys, "ladder", "--corpus", str(word_corpus), "--steps", "2",
                            "--rungs", "ngram", "--out", str(out)), "--force")


@pytest.mark.parametrize("args, needle", [
    (["--rungs", "ngram,transformer"], "unknown rung(s) transformer"),
    (["--rungs", ","], "unknown rung(s) (none)"),
    (["--tokens", "char"], "the ladder compares word models"),
    (["--task", "dates"], "No such option"),
])
def test_ladder_bad_input(capsys, word_corpus, args, needle):
    code, out, err = cli(capsys, "ladder", "--corpus", str(word_corpus), "--steps", "1", *args)
    assert code == 2 and "Traceback" not in out + err and needle in out + err, (out, err)


def test_reference_that_is_not_a_ladder(capsys, word_corpus, tmp_path):
    (tmp_path / "ladder.json").write_text("[1, 2]")
    assert_clean_error(*cli(capsys, "run", "--corpus", str(word_corpus), "--steps", "1",
                            "--reference", str(tmp_path), *TINY), "is not a ladder result")
    assert_clean_error(*cli(capsys, "run", "--corpus", str(word_corpus), "--steps", "1",
                            "--reference", str(tmp_path / "nowhere"), *TINY),
                       "no ladder.json there")
