"""Count-based word baselines on the word model's own ids: uniform, unigram, Kneser-Ney.

They use the ids of `words.WordSplits`, so the vocabulary and its <unk> mapping are the
model's: a word the model calls <unk> is <unk> for the n-gram too, and perplexities compare.
The n-gram is `engine.data.ngram.KneserNey` (interpolated, one absolute discount, a uniform floor
over the V ids), which works on any id array. Measured on one shared core: V = 33,278 and
2M training tokens (a Zipf stream, nearly every 5-gram distinct: the worst case), order 5
fits in 2.1 s with a peak of ~310 MB and scores 245k tokens in 0.4 s.

`NgramLM` wraps a fitted model in the neural LM interface (forward(idx, hidden) -> logits,
with hidden the last order-1 ids), so sentence scoring and sampling can use the ladder's
first rung as they use the others. It computes a full V-row distribution per position:
fine for sentences and samples, far too slow for a whole validation set (use log_probs).
"""

from __future__ import annotations

import math
from typing import Optional

import numpy as np
import torch
from torch import Tensor

from engine.errors import EngineError
from engine.data.ngram import KneserNey


def word_baselines(train: np.ndarray, held_out: np.ndarray, vocab_size: int, order: int = 3,
                   discount: float | str = "auto", context: Optional[np.ndarray] = None
                   ) -> dict:
    """{uniform, unigram, ngram, ngram_order, discount}: mean nats per token of HELD_OUT.

    CONTEXT: ids just before HELD_OUT (the end of train when the validation split is its
    last fraction), so the first tokens get their real history; None for a separate file.
    Perplexity is exp of each value. discount "auto" is Ney's estimate (see fit_kneser_ney).
    """
    train, held_out = np.asarray(train, np.int64), np.asarray(held_out, np.int64)
    if not len(train) or not len(held_out):
        raise EngineError("word baselines need non-empty training and held-out ids")
    counts = np.bincount(train, minlength=vocab_size)
    unigram = -np.log((counts[held_out] + 1) / (len(train) + vocab_size)).mean()  # add-one
    model = fit_kneser_ney(train, vocab_size, order, discount)
    return {"uniform": math.log(vocab_size), "unigram": float(unigram),
            "ngram": float(-ngram_log_probs(model, held_out, context).mean()),
            "ngram_order": order, "discount": model.d}


def fit_kneser_ney(train: np.ndarray, vocab_size: int, order: int = 3,
                   discount: float | str = "auto") -> KneserNey:
    """KneserNey on TRAIN; discount "auto" = Ney et al.'s D = n1 / (n1 + 2 n2) from the
    top order's counts of counts (n1 n-grams seen once, n2 twice).

    Words need it: the characters' 0.75 is far too small for sparse word n-grams. Measured
    (perplexity, WikiText-2 valid.txt -> test.txt, order 3 / 5): D 0.75 gives 242.8 / 253.1
    (a 5-gram worse than a trigram), D 0.9 gives 231.1 / 231.6, "auto" (0.865 / 0.965,
    kept at 0.95) 232.1 / 231.4; within 1% of the best of 0.75 / 0.9 / 0.95 on War and
    Peace too. The value is kept in [0.05, 0.95] (KneserNey needs 0 < D < 1).
    """
    model = KneserNey(train, vocab_size, order, 0.75 if discount == "auto" else discount)
    if discount == "auto":
        top = model.cnt[order]  # raw counts of the distinct order-grams
        n1, n2 = float((top == 1).sum()), float((top == 2).sum())
        # D only enters at query time, so setting it after the counts is a refit for free.
        model.d = min(max(n1 / (n1 + 2 * n2) if n1 else 0.75, 0.05), 0.95)
    return model


def ngram_log_probs(model: KneserNey, ids: np.ndarray, context: Optional[np.ndarray] = None
                    ) -> np.ndarray:
    """ln P(ids[i] | up to order-1 previous ids), the first ones continuing CONTEXT."""
    ids = np.asarray(ids, np.int64)
    ctx = np.zeros(0, np.int64) if context is None else np.asarray(context, np.int64)
    ctx = ctx[max(0, len(ctx) - (model.order - 1)):]
    return model.log_probs(np.concatenate([ctx, ids]), start=len(ctx))


class NgramLM:
    """A fitted KneserNey behind the LM interface: logits are ln P, hidden the last ids."""

    def __init__(self, model: KneserNey) -> None:
        self.model, self.vocab_size, self.training = model, model.v, False

    def eval(self) -> "NgramLM":
        return self

    def train(self, mode: bool = True) -> "NgramLM":
        return self

    def init_hidden(self, batch: int, device=None) -> Tensor:
        return torch.full((batch, self.model.order - 1), -1, dtype=torch.long)  # -1: no word

    def __call__(self, idx: Tensor, hidden: Optional[Tensor] = None, targets=None
                 ) -> tuple[Tensor, None, Tensor]:
        """idx (B, T) -> ln P(next | window) (B, T, V) as logits, None, last order-1 ids."""
        b, t = idx.shape
        k = self.model.order - 1
        if hidden is None:
            hidden = self.init_hidden(b)
        full = torch.cat([hidden.cpu(), idx.cpu()], dim=1).numpy()  # (B, k+T)
        out = np.empty((b, t, self.vocab_size))
        grid = np.arange(self.vocab_size)
        for i in range(b):
            for j in range(t):
                ctx = full[i, j + 1:j + 1 + k]  # the k ids ending at idx[i, j]
                windows = np.concatenate([np.tile(ctx, (len(grid), 1)), grid[:, None]], 1)
                out[i, j] = self.model.window_log_probs(windows)
        logits = torch.from_numpy(out).float().to(idx.device)
        return logits, None, torch.from_numpy(full[:, full.shape[1] - k:]).to(idx.device)

    def step(self, idx_t: Tensor, hidden: Optional[Tensor] = None) -> tuple[Tensor, Tensor]:
        logits, _, hidden = self(idx_t[:, None], hidden)
        return logits[:, 0], hidden
