"""The ladder's logic (engine.families.lm.ladder): one split, rungs in order, its n-gram the
word runs' own KN baseline, every neural rung an ordinary run of the loop."""

from __future__ import annotations

import math

import pytest

from engine.errors import EngineError
from engine.families.lm.ladder import base_config, parse_rungs, run_ladder
from engine.families.lm.ngram_words import word_baselines
from engine.families.lm.splits import load_splits

TINY = {"hidden": 16, "embed": 8, "batch_size": 4, "bptt": 10, "threads": 1, "steps": 3,
        "baseline_order": 3, "device": "cpu"}


def test_the_ngram_rung_is_the_word_runs_kn_baseline(word_corpus):
    settings = {"corpus": str(word_corpus), **TINY}
    result = run_ladder(settings, ("ngram", "rnn"))
    ngram, rnn = result["rungs"]
    data = load_splits(base_config(settings))
    want = word_baselines(data.train.numpy(), data.val.numpy(), len(data.vocab), 3,
                          context=data.train.numpy())["ngram"]
    assert ngram["name"] == "KN 3-gram" and ngram["val_loss"] == pytest.approx(want)
    assert ngram["kind"] == "count" and ngram["params"] > len(data.vocab)
    assert rnn["kind"] == "neural" and rnn["steps"] == 3 and rnn["test_loss"] is None
    assert math.isfinite(rnn["val_loss"]) and rnn["sample"]
    assert result["data"]["vocab_size"] == len(data.vocab)


def test_rungs_are_parsed_and_checked():
    assert parse_rungs(" LSTM, ngram ,lstm") == ("lstm", "ngram")
    with pytest.raises(EngineError, match="unknown rung"):
        parse_rungs("ngram,bert")


def test_a_budget_of_two_minutes_per_rung_unless_given(word_corpus):
    assert base_config({"corpus": str(word_corpus)}).minutes == 2.0
    assert base_config({"corpus": str(word_corpus), "steps": 5}).minutes is None
