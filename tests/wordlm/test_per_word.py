"""Numbers that mean what they say: a Penn Treebank-style corpus is pre-tokenised (its <unk>
one token), and a word model's perplexity is per word of the corpus, as the literature
counts it: exp(total nats / (whitespace words + <eos>))."""

from __future__ import annotations

import math

import pytest
import torch

from engine.families.lm.evaluate import evaluate_total
from engine.families.lm.model import CharLM
from engine.families.lm.words import build_word_splits, guess_tokenizer, tokenize_words
from engine.data.tokens import EOS, UNK, Tokenizer

# Mikolov's Penn Treebank as shipped: lower case, numbers as N, no commas or periods left but
# in abbreviations ("u.s.", "corp."), "'s" split off, rare words as <unk>.
PTB = (" consumers may want to move their telephones a little closer to the tv set \n"
       " <unk> <unk> watching abc 's monday night football can now vote during <unk> \n"
       " the u.s. <unk> corp. said it expects N N of its $ N million <unk> \n"
       " mr. <unk> is chairman of <unk> n.v. the dutch publishing group \n") * 20


def test_ptb_is_detected_as_pretokenised_and_its_unk_stays_one_token():
    assert guess_tokenizer(PTB) == "whitespace"
    assert guess_tokenizer("He said, \"Don't go.\" She went! <unk> is a token.\n") == "word"
    assert guess_tokenizer("the cat , the dog .\n" * 5) == "whitespace"  # unchanged rule
    for kind in ("word", "whitespace"):
        tokens = Tokenizer(kind)("the <unk> of abc 's <unk> </s> u.s.")
        assert tokens.count("<unk>") == 2 and "<" not in tokens and "unk" not in tokens
        assert "</s>" in tokens
    s = build_word_splits(PTB, val_text=PTB, tokens=guess_tokenizer(PTB))
    assert s.vocab.index[UNK] == s.unk_id and "<" not in s.vocab
    assert s.words["val"] == len(s.val)  # one token per word: per word = per token


def test_word_starts_count_whitespace_words_and_eos():
    text = "He said, \"Don't go.\"\nThe <unk> end.\n"
    tokens, starts = tokenize_words(text, Tokenizer("word"))
    assert tokens == ["He", "said", ",", '"', "Don't", "go", ".", '"', EOS,
                      "The", "<unk>", "end", ".", EOS]
    words = sum(len(line.split()) + 1 for line in text.splitlines())  # 4 + 1 + 3 + 1
    assert int(starts.sum()) == words == 9
    assert [t for t, s in zip(tokens, starts) if s] == ["He", "said", '"', "go", EOS, "The",
                                                        "<unk>", "end", EOS]


def test_per_word_perplexity_is_exp_total_nats_over_words_and_eos(tmp_path):
    from engine.families.lm.config import LMConfig
    from engine.families.lm.task import LanguageModelTask

    text = "The cat sat on the mat.\nA dog, a cat.\n" * 30
    val = "The dog sat on a mat, late.\nDon't look.\n" * 7
    (tmp_path / "t.txt").write_text(text, encoding="utf-8")
    (tmp_path / "v.txt").write_text(val, encoding="utf-8")
    cfg = LMConfig(tokens="word", tokenizer="word", corpus=str(tmp_path / "t.txt"),
                   val=str(tmp_path / "v.txt"), hidden=8, embed=8, layers=1, batch_size=4,
                   bptt=8, device="cpu")
    task = LanguageModelTask(cfg)
    task.load_data()
    torch.manual_seed(0)
    model = CharLM(len(task.vocab), cell="lstm", embed=8, hidden=8, layers=1).eval()
    # the reference: one pass over the whole held-out text, every token but the first
    ids = task.val_ids
    with torch.no_grad():
        logits, _, _ = model(ids[None, :-1], model.init_hidden(1))
        nats = float(torch.nn.functional.cross_entropy(logits[0], ids[1:], reduction="sum"))
    # parallel streams and the leftover tokens: every token but the first, once
    assert evaluate_total(model, ids, torch.device("cpu"), window=16, max_streams=4)[1] == \
        ids.numel() - 1
    words = sum(len(line.split()) + 1 for line in val.splitlines())  # whitespace + <eos>
    assert task.data.words["val"] == words < ids.numel()
    result = task.evaluate(model)  # a text this short is read as one stream
    total, count = result.val_loss * (ids.numel() - 1), ids.numel() - 1
    assert total == pytest.approx(nats, rel=1e-6)
    m = result.metrics
    assert m["perplexity"] == pytest.approx(math.exp(total / (words - 1)))
    assert m["token_perplexity"] == pytest.approx(math.exp(total / count))
    assert m["bits_per_word"] == pytest.approx(total / (words - 1) / math.log(2))
    assert m["perplexity"] > m["token_perplexity"]  # fewer words than tokens share the nats
