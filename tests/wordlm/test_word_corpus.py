"""Word corpora: pre-tokenised <unk> kept, punctuation split, <eos> per line, caps, splits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from engine.families.lm.data import StreamBatcher
from engine.errors import EngineError
from engine.families.lm.words import (build_word_splits, guess_tokenizer, load_word_splits,
                                      tokenize_text)
from engine.data.tokens import EOS, UNK, Tokenizer

WIKI = Path("/work/shared/corpora/wikitext-2")

# WikiText as shipped: a leading blank line, " = Heading = " lines, blank lines around them,
# their own <unk>, "@-@" / "@.@" joiners, a space before each line end.
WIKITEXT = (" \n = Homarus gammarus = \n \n Homarus gammarus is a species of <unk> lobster . \n"
            " \n = = Description = = \n \n It is 0 @.@ 7 m long and blue @-@ grey . \n")


def test_pretokenised_keeps_its_unk_headings_and_blank_lines_like_word_language_model():
    toks = tokenize_text(WIKITEXT, Tokenizer("whitespace"))
    # word_language_model: line.split() + ['<eos>'] for every line, blank ones included.
    assert toks[:10] == [EOS, "=", "Homarus", "gammarus", "=", EOS, EOS, "Homarus",
                         "gammarus", "is"]
    assert toks.count(EOS) == WIKITEXT.count("\n") == 8
    s = build_word_splits(WIKITEXT, val_text=WIKITEXT, tokens="whitespace")
    assert s.vocab.tokens[:2] == [UNK, EOS] and s.unk_id == 0 and s.eos_id == 1
    ids = s.train.tolist()
    assert ids[toks.index("<unk>")] == s.unk_id  # the corpus's <unk> IS the model's <unk>
    assert s.vocab.decode(ids) == toks
    assert "@-@" in s.vocab and "@.@" in s.vocab and "<" not in s.vocab


def test_raw_text_splits_punctuation_and_eos_per_line_or_paragraph():
    text = "He said, \"Don't go.\"\nShe went!\n\nThe end.\n"
    by_line = tokenize_text(text, Tokenizer("word"), eos="line")
    assert by_line == ["He", "said", ",", '"', "Don't", "go", ".", '"', EOS, "She", "went",
                       "!", EOS, EOS, "The", "end", ".", EOS]
    by_para = tokenize_text(text, Tokenizer("word", lower=True), eos="paragraph")
    assert by_para == ["he", "said", ",", '"', "don't", "go", ".", '"', "she", "went", "!",
                       EOS, "the", "end", ".", EOS]
    # Several blank lines (with stray spaces) are still one paragraph break.
    assert tokenize_text("a\n \n\n\nb", Tokenizer("word"), eos="paragraph") == \
        ["a", EOS, "b", EOS]


def test_vocabulary_cap_and_min_count_map_the_rest_to_unk():
    text = "a a a a b b b c c d\n" * 2 + "e\n"
    capped = build_word_splits(text, val_text="a e z\n", tokens="whitespace", max_size=4)
    assert capped.vocab.tokens == [UNK, EOS, "a", "b"]  # most frequent first; 4 with specials
    assert capped.vocab.decode(capped.train[-5:]) == [UNK, UNK, EOS, UNK, EOS]  # c d, e
    assert capped.vocab.decode(capped.val) == ["a", UNK, UNK, EOS]  # unseen z -> <unk> too
    counted = build_word_splits(text, val_text="a\n", tokens="whitespace", min_count=3)
    assert counted.vocab.tokens == [UNK, EOS, "a", "b", "c"]  # c: 4 times; d: 2; e: 1
    assert 0 < counted.unk_rate("train") < 1 and counted.unk_rate("val") == 0


def test_vocabulary_comes_from_training_tokens_only():
    s = build_word_splits("the cat sat\n" * 50 + "the dog ran\n" * 10, tokens="whitespace",
                          val_fraction=0.2)
    # The last 20% of the tokens (dog/ran lines) is validation: those words are unseen.
    assert "dog" not in s.vocab and "cat" in s.vocab
    assert s.unk_rate("val") > 0.3 and s.unk_rate("train") == 0
    assert s.sources["val"] == "last 20% of the training tokens" and s.test is None


def test_held_out_fractions_are_the_end_of_the_stream_test_last():
    text = " ".join(f"w{i % 97}" for i in range(1000))  # one line: 1000 words + <eos>
    s = build_word_splits(text, tokens="whitespace", val_fraction=0.1, test_fraction=0.2)
    assert (len(s.train), len(s.val), len(s.test)) == (701, 100, 200)
    whole = np.concatenate([s.train, s.val, s.test])
    assert s.vocab.decode(whole) == tokenize_text(text, Tokenizer("whitespace"))


def test_files_are_read_like_the_char_lm_reads_them(tmp_path):
    train = tmp_path / "train.txt"
    train.write_bytes(b"\xef\xbb\xbf" + b"one two three\r\nfour five six\r\n" * 20)
    val = tmp_path / "valid.txt"
    val.write_bytes(b"one two seven\r\n" * 10)
    s = load_word_splits(str(train), val=str(val), tokens="whitespace")
    assert s.vocab.decode(s.train[:4]) == ["one", "two", "three", EOS]  # no BOM, no "\r"
    assert s.vocab.decode(s.val[:4]) == ["one", "two", UNK, EOS]
    cut = load_word_splits(str(train), val=str(val), max_chars=40)  # ends on a whole line
    assert cut.vocab.decode(cut.train) == ["one", "two", "three", EOS, "four", "five", "six",
                                         EOS]


def test_word_ids_batch_with_the_stream_batcher():
    s = build_word_splits("the cat sat on the mat .\n" * 40, tokens="whitespace")
    batcher = StreamBatcher(s.train, batch_size=4, bptt=5)
    x, y, new_epoch = batcher.next_batch()
    assert x.shape == y.shape == (4, 5) and x.dtype == torch.long and new_epoch
    assert torch.equal(x[:, 1:], y[:, :-1])
    row = batcher.data[0].tolist()
    assert s.vocab.decode(row[:8]) == ["the", "cat", "sat", "on", "the", "mat", ".", EOS]


def test_guess_tokenizer():
    assert guess_tokenizer(WIKITEXT * 5) == "whitespace"
    assert guess_tokenizer("Well, Prince, so Genoa and Lucca are now. Yes! No.") == "word"
    assert guess_tokenizer("no punctuation at all") == "word"


def test_bad_arguments_are_one_line_errors():
    with pytest.raises(EngineError, match="word corpora use tokens"):
        build_word_splits("a b\n" * 10, tokens="char")
    with pytest.raises(EngineError, match="unknown eos mode"):
        build_word_splits("a b\n" * 10, eos="sentence")
    with pytest.raises(EngineError, match="too few"):
        build_word_splits("a\n", val_fraction=0.5)
    with pytest.raises(EngineError, match="no validation split"):
        build_word_splits("a b c\n" * 10, val_fraction=0)


@pytest.mark.skipif(not (WIKI / "valid.txt").is_file(), reason="shared WikiText-2 absent")
def test_wikitext2_sizes_match_the_published_counts():
    s = load_word_splits(str(WIKI / "valid.txt"), val=str(WIKI / "test.txt"))
    # WikiText-2 (Merity et al. 2016): valid 217,646 and test 245,569 tokens with <eos>.
    assert (len(s.train), len(s.val)) == (217_646, 245_569)
    assert s.vocab.tokens[0] == UNK and 0.05 < s.unk_rate("train") < 0.06
