"""The shared tokenizers and vocabulary: characters and words, specials, caps, <unk>."""

from __future__ import annotations

import numpy as np
import pytest

from engine.errors import EngineError
from engine.data.tokens import EOS, PAD, UNK, Tokenizer, Vocab


def test_word_tokenizer_splits_punctuation_keeps_inner_apostrophes_and_hyphens():
    tok = Tokenizer("word")
    assert tok("Hi, you! Don't stop: state-of-the-art.") == [
        "Hi", ",", "you", "!", "Don't", "stop", ":", "state-of-the-art", "."]
    assert Tokenizer("word", lower=True)("The Cat") == ["the", "cat"]


def test_whitespace_tokenizer_keeps_pretokenised_unk_and_at_tokens():
    assert Tokenizer("whitespace")(" the <unk> @-@ cat \n") == ["the", "<unk>", "@-@", "cat"]


def test_char_tokenizer_loses_nothing():
    assert Tokenizer("char")("a b\n") == ["a", " ", "b", "\n"]
    assert Tokenizer("char").joiner == "" and Tokenizer("word").joiner == " "


def test_unknown_tokenizer_is_a_clear_error():
    with pytest.raises(EngineError, match="unknown tokens 'bpe'"):
        Tokenizer("bpe")


def test_char_vocab_sorted_by_code_point_with_specials_first():
    v = Vocab.build(["banana", "cab"], specials=(PAD, UNK))
    assert v.tokens == [PAD, UNK, "a", "b", "c", "n"]
    assert v.encode("cab").tolist() == [4, 2, 3]
    assert v.encode("cz").tolist() == [4, 1]  # z -> <unk>
    assert v.decode([4, 2, 3]) == ["c", "a", "b"]


def test_char_vocab_without_unk_refuses_unknown_characters_by_name():
    v = Vocab.build(["hello"])
    with pytest.raises(EngineError, match="'z'"):
        v.encode("hez")
    assert v.unknown("hezq") == ["z", "q"]


def test_word_vocab_by_frequency_with_min_count_and_cap():
    seqs = [["the", "cat"], ["the", "dog"], ["the", "cat", "ran"]]
    v = Vocab.build(seqs, specials=(PAD, UNK, EOS), min_count=1)
    assert v.tokens[:5] == [PAD, UNK, EOS, "the", "cat"]  # then dog, ran (alphabetical ties)
    capped = Vocab.build(seqs, specials=(PAD, UNK), max_size=4)
    assert capped.tokens == [PAD, UNK, "the", "cat"]
    assert capped.encode(["the", "dog"]).tolist() == [2, 1]
    rare = Vocab.build(seqs, specials=(UNK,), min_count=2)
    assert rare.to_list() == ["the", "cat"]


def test_round_trip_through_to_list_rebuilds_the_same_ids():
    v = Vocab.build([["b", "a", "a"]], specials=(PAD, UNK))
    again = Vocab(v.to_list(), specials=(PAD, UNK))
    assert again == v and again.encode(["a", "b"]).tolist() == v.encode(["a", "b"]).tolist()


def test_large_text_encodes_with_numpy():
    text = "abc\n" * 100_000
    ids = Vocab.build([text]).encode(text)
    assert ids.dtype == np.int64 and len(ids) == len(text)


@pytest.mark.parametrize("tokens", [[], ["a", "a"], ["a", ""]])
def test_bad_vocabularies_are_refused(tokens):
    with pytest.raises(EngineError):
        Vocab(tokens)


def test_decode_out_of_range_is_an_engine_error():
    with pytest.raises(EngineError, match="out of range"):
        Vocab(["a"]).decode([5])
