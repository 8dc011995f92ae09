"""How likely is a sentence? Log-probability, perplexity and per-token surprisal.

    log P(w_1 .. w_n) = Σ_i ln P(w_i | start, w_1 .. w_{i-1})      chain rule, nats
    surprisal_i       = -log₂ P(w_i | ...)                          bits: 1 bit = a coin flip
    perplexity        = exp(-1/n · log P)                           the per-token branching

Every sentence is read from the same start-of-text context, the token the model saw before
each line in training: <eos> for words (word_language_model puts one at every line end), a
newline for characters. With `end=True` the sentence's own end (<eos>, or a newline) is
scored too, so P is that of the *whole* sentence, not of every text it is a prefix of.
Words the vocabulary lacks are scored as <unk>, as the model saw rare words in training;
`unknown` flags them, since P(<unk>) is the probability of "some rare word", not of it.

Works for any model with the LM interface `model(idx (B, T), hidden) -> (logits, _, hidden)`
(recurrent, feed-forward, the n-gram wrapper): one forward pass over start + sentence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from engine.errors import EngineError
from engine.data.tokens import EOS, Tokenizer, Vocab


@dataclass(frozen=True)
class SentenceScore:
    text: str
    tokens: list[str]  # as tokenised (unknown words as typed), the end token included
    ids: list[int]  # what the model read: unknown words -> <unk>
    unknown: list[bool]  # per token: not in the vocabulary (scored as <unk>)
    log_probs: list[float]  # per token: ln P(token | start, earlier tokens), nats

    @property
    def log_prob(self) -> float:
        """ln P(sentence): the sum of the per-token log-probabilities (nats)."""
        return float(sum(self.log_probs))

    @property
    def surprisal(self) -> list[float]:
        """Per token -log₂ P, in bits."""
        return [-lp / math.log(2) for lp in self.log_probs]

    @property
    def perplexity(self) -> float:
        return math.exp(-self.log_prob / len(self.log_probs))

    @property
    def bits_per_token(self) -> float:
        return -self.log_prob / len(self.log_probs) / math.log(2)


def start_ids(vocab: Vocab) -> list[int]:
    """The start-of-text context: <eos> for a word vocabulary, else a newline (or a space)."""
    for token in (EOS, "\n", " "):
        if token in vocab:
            return [vocab.index[token]]
    raise EngineError("the vocabulary has no <eos>, newline or space to start a sentence from")


def sentence_tokens(vocab: Vocab, tokenizer: Tokenizer, text: str, end: bool = True
                    ) -> list[str]:
    """TEXT's tokens, plus the end token (<eos> for words, a newline for chars) if END and
    the vocabulary has it."""
    tokens = tokenizer(text)
    end_token = "\n" if tokenizer.kind == "char" else EOS
    if end and end_token in vocab:
        tokens.append(end_token)
    if not tokens:
        raise EngineError("nothing to score: the sentence has no tokens")
    return tokens


@torch.no_grad()
def token_log_probs(model, context: Sequence[int], ids: Sequence[int],
                    device: torch.device | str = "cpu") -> np.ndarray:
    """ln P(ids[i] | context, ids[:i]) for each i: one forward pass from a fresh state."""
    if not len(context):
        raise EngineError("scoring needs a start context of at least one token")
    seq = torch.tensor([*context, *ids], dtype=torch.long, device=device)[None]  # (1, C+n)
    was_training = model.training
    model.eval()
    try:
        logits, _, _ = model(seq[:, :-1], None)  # (1, C+n-1, V): position j predicts j+1
    finally:
        model.train(was_training)
    logp = torch.log_softmax(logits[0].double(), dim=-1)  # (C+n-1, V)
    rows = torch.arange(len(context) - 1, seq.size(1) - 1, device=logp.device)
    return logp[rows, seq[0, len(context):]].cpu().numpy()  # (n,)


def score_sentence(model, vocab: Vocab, tokenizer: Tokenizer, text: str, end: bool = True,
                   device: torch.device | str = "cpu") -> SentenceScore:
    """Score one sentence (see the module docstring)."""
    tokens = sentence_tokens(vocab, tokenizer, text, end)
    unknown = [t not in vocab for t in tokens]
    if any(unknown) and vocab.unk_id is None:
        bad = ", ".join(repr(t) for t, u in zip(tokens, unknown) if u)
        raise EngineError(f"not in the model's vocabulary (which has no <unk>): {bad}")
    ids = vocab.encode(tokens).tolist()
    lp = token_log_probs(model, start_ids(vocab), ids, device)
    return SentenceScore(text, tokens, ids, unknown, lp.tolist())


def score_sentences(model, vocab: Vocab, tokenizer: Tokenizer, texts: Sequence[str],
                    end: bool = True, device: torch.device | str = "cpu"
                    ) -> list[SentenceScore]:
    return [score_sentence(model, vocab, tokenizer, t, end, device) for t in texts]
