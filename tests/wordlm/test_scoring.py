"""Sentence scoring: log P is the sum of per-token log-probabilities, <unk> for unseen words."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from engine.families.lm.data import StreamBatcher
from engine.errors import EngineError
from engine.families.lm.ffnn import FeedForwardLM
from engine.families.lm.ngram_words import NgramLM, ngram_log_probs
from engine.families.lm.scoring import score_sentence, score_sentences, start_ids
from engine.families.lm.words import build_word_splits
from engine.families.lm.model import CharLM
from engine.data.ngram import KneserNey
from engine.data.tokens import EOS, UNK, Tokenizer, Vocab

TEXT = "it is easy to recognize speech .\nthe cat sat on the mat .\nthe dog ran .\n" * 30
SPLITS = build_word_splits(TEXT, tokens="whitespace", val_fraction=0.1)
VOCAB, TOK = SPLITS.vocab, SPLITS.tokenizer


def _rnn(seed=0):
    torch.manual_seed(seed)
    return CharLM(len(VOCAB), "lstm", embed=16, hidden=32, layers=1, dropout=0.0)


def _step_log_probs(model, ids):
    """The same chain rule by another path: one model.step per token, state carried."""
    hidden, out = None, []
    prev = start_ids(VOCAB)[0]
    with torch.no_grad():
        for i in ids:
            logits, hidden = model.step(torch.tensor([prev]), hidden)
            out.append(torch.log_softmax(logits[0].double(), -1)[i].item())
            prev = i
    return out


@pytest.mark.parametrize("make", [_rnn, lambda: FeedForwardLM(len(VOCAB), order=3, embed=8,
                                                               hidden=16)])
def test_log_prob_is_the_sum_of_per_token_log_probs(make):
    model = make().eval()
    s = score_sentence(model, VOCAB, TOK, "the cat ran on the mat .")
    assert s.tokens == ["the", "cat", "ran", "on", "the", "mat", ".", EOS]  # end scored
    steps = _step_log_probs(model, s.ids)
    assert s.log_probs == pytest.approx(steps, abs=1e-5)
    assert s.log_prob == pytest.approx(sum(steps), abs=1e-5)
    assert s.perplexity == pytest.approx(math.exp(-sum(steps) / 8), rel=1e-5)
    assert s.surprisal == pytest.approx([-lp / math.log(2) for lp in steps], abs=1e-5)
    assert all(lp < 0 for lp in s.log_probs)


def test_unknown_words_are_scored_as_unk():
    model = _rnn().eval()
    s = score_sentence(model, VOCAB, TOK, "the zebra sat", end=False)
    assert s.tokens == ["the", "zebra", "sat"] and s.unknown == [False, True, False]
    assert s.ids[1] == VOCAB.unk_id == VOCAB.index[UNK]
    literal = score_sentence(model, VOCAB, TOK, "the <unk> sat", end=False)
    assert literal.log_probs == pytest.approx(s.log_probs) and literal.unknown[1] is False


def test_ngram_scores_match_its_own_log_probs():
    model = KneserNey(SPLITS.train, len(VOCAB), order=3)
    s = score_sentence(NgramLM(model), VOCAB, TOK, "the cat sat on the dog .")
    direct = ngram_log_probs(model, np.array(s.ids), context=np.array(start_ids(VOCAB)))
    assert s.log_probs == pytest.approx(direct.tolist(), abs=1e-5)


def test_a_trained_model_prefers_the_sentence_it_read():
    torch.manual_seed(0)
    model = _rnn()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    batcher, hidden = StreamBatcher(SPLITS.train, batch_size=4, bptt=16), None
    for _ in range(60):
        x, y, new_epoch = batcher.next_batch()
        hidden = None if new_epoch else tuple(h.detach() for h in hidden)
        _, loss, hidden = model(x, hidden, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    good, bad = score_sentences(model, VOCAB, TOK, ["it is easy to recognize speech .",
                                                    "it is easy to wreck speech ."])
    assert good.log_prob > bad.log_prob + 2  # "wreck" is <unk> and out of place
    assert good.perplexity < 3 < bad.perplexity


def test_characters_start_from_a_newline_and_refuse_unknown_characters():
    vocab = Vocab.build(["ab c\n"])  # characters, no specials: no <unk>
    torch.manual_seed(0)
    model = CharLM(len(vocab), "gru", embed=4, hidden=8, layers=1, dropout=0.0).eval()
    s = score_sentence(model, vocab, Tokenizer("char"), "ab c")
    assert start_ids(vocab) == [vocab.index["\n"]] and s.tokens == ["a", "b", " ", "c", "\n"]
    assert len(s.log_probs) == 5 and s.bits_per_token > 0
    with pytest.raises(EngineError, match="not in the model's vocabulary"):
        score_sentence(model, vocab, Tokenizer("char"), "abz")
