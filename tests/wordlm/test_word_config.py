"""LMConfig with tokens = word: per-token defaults, the user's values winning, refusals."""

from __future__ import annotations

import pytest

from engine.errors import EngineError
from engine.families.lm.config import CHAR_DEFAULTS, FFNN_DEFAULTS, WORD_DEFAULTS, LMConfig


def test_the_character_defaults_are_the_ones_characters_always_had():
    cfg = LMConfig().validate()
    # Written out, not read from CHAR_DEFAULTS: the character LM must not change.
    assert (cfg.model, cfg.embed, cfg.hidden, cfg.layers, cfg.dropout) == \
        ("gru", 64, 512, 2, 0.1)
    assert (cfg.batch_size, cfg.bptt, cfg.optimizer, cfg.lr, cfg.clip) == \
        (32, 100, "adam", 3e-3, 1.0)
    assert (cfg.sample_length, cfg.baseline_order, cfg.tied, cfg.softmax) == \
        (200, 5, False, "full")
    assert cfg.describe() == "GRU 512×2" and cfg.data_label() == "prose"
    assert all(getattr(cfg, k) == v for k, v in CHAR_DEFAULTS.items())


def test_words_get_their_defaults_and_the_users_values_win():
    words = LMConfig(tokens="word").validate()
    assert all(getattr(words, k) == v for k, v in WORD_DEFAULTS.items())
    mine = LMConfig(tokens="word", hidden=512, tied=False)
    assert mine.hidden == 512 and mine.tied is False and mine.bptt == WORD_DEFAULTS["bptt"]
    ffnn = LMConfig(tokens="word", model="ffnn").validate()
    assert all(getattr(ffnn, k) == v for k, v in FFNN_DEFAULTS.items())
    assert ffnn.describe() == "FFNN 4-word window, 256 tanh"
    saved = LMConfig(tokens="word").to_dict()  # what config.json and checkpoints keep
    assert all(saved[k] is not None for k in WORD_DEFAULTS)


def test_replace_gives_defaulted_fields_the_new_kinds_defaults():
    assert LMConfig().replace(tokens="word") == LMConfig(tokens="word")
    assert LMConfig(tokens="word").replace(model="ffnn") == LMConfig(tokens="word",
                                                                     model="ffnn")
    # a value the user gave stays through replace; a saved config (all values given) too
    kept = LMConfig(tokens="word", hidden=100).replace(model="gru")
    assert kept.hidden == 100 and kept.model == "gru"
    saved = LMConfig.from_dict(LMConfig(tokens="word").to_dict())
    assert saved.replace(model="ffnn").tied is True  # (then refused by validate: see below)


@pytest.mark.parametrize("options, message", [
    ({"tokenizer": "word"}, "--tokenizer: only for word models"),
    ({"max_vocab": 100, "lower": True}, "--max-vocab, --lower: only for word models"),
    ({"tokens": "words"}, "unknown tokens 'words'"),
    ({"tokens": "word", "model": "ffnn", "tied": True}, "--tied is for the recurrent"),
    ({"tokens": "word", "tied": True, "softmax": "adaptive"}, "cannot be combined"),
    ({"tokens": "word", "softmax": "hierarchical"}, "unknown softmax"),
    ({"tokens": "word", "max_vocab": 2}, "max_vocab must be 0"),
    ({"tokens": "word", "eos": "sentence"}, "unknown eos"),
    ({"tokens": "word", "window": 0}, "window must be a whole number >= 1"),
])
def test_bad_combinations_are_one_line_errors(options, message):
    with pytest.raises(EngineError, match=message):
        LMConfig(**options).validate()


def test_the_cell_switch_cycles_cells_only():
    assert "ffnn" in LMConfig.MODELS and "ffnn" not in LMConfig.CELLS
