"""Texts -> padded id batches for the classifier, with the shared tokens module.

    enc = TextEncoder.build(train_texts, tokens="word", lower=True, min_count=2)
    ids, lengths = enc.batch(["a fine film", "dull"])   # (2, 3) long, (2,) long; pad = 0
    for ids, lengths, targets in batches(enc.encode_all(texts), labels, 32, seed=0): ...

Ids: 0 is <pad>, 1 is <unk>; a character or word the training data never showed (or that
the vocabulary cap / minimum count left out) is <unk>, never an error. A text with no token
at all (a word-level text of only spaces) becomes one <unk>, so every length is >= 1 (packed
sequences refuse empty ones).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterator, Optional, Sequence

import numpy as np
import torch
from torch import Tensor

from engine.data.tokens import PAD, UNK, Tokenizer, Vocab

SPECIALS = (PAD, UNK)
PAD_ID, UNK_ID = 0, 1


@dataclass
class TextEncoder:
    tokenizer: Tokenizer
    vocab: Vocab  # built with SPECIALS first: <pad> = 0, <unk> = 1
    max_len: Optional[int] = None  # keep the first max_len tokens of a text (None: all)

    @classmethod
    def build(cls, texts: Sequence[str], tokens: str = "char", lower: bool = False,
              min_count: int = 1, max_size: Optional[int] = None,
              max_len: Optional[int] = None) -> "TextEncoder":
        """The vocabulary of the training texts (see engine.data.tokens.Vocab.build)."""
        tok = Tokenizer(tokens, lower)
        vocab = Vocab.build((tok(t) for t in texts), specials=SPECIALS, min_count=min_count,
                            max_size=max_size)
        return cls(tok, vocab, max_len)

    @classmethod
    def restore(cls, tokens: str, lower: bool, saved: list[str],
                max_len: Optional[int] = None) -> "TextEncoder":
        """From a checkpoint's `vocab.to_list()`: the same ids."""
        return cls(Tokenizer(tokens, lower), Vocab(saved, specials=SPECIALS), max_len)

    def tokens(self, text: str) -> list[str]:
        """The tokens the model reads (after lower-casing and truncation)."""
        toks = self.tokenizer(text)
        return toks[: self.max_len] if self.max_len else toks

    def ids(self, text: str) -> np.ndarray:
        """(T,) int64, T >= 1."""
        ids = self.vocab.encode(self.tokens(text))
        return ids if len(ids) else np.array([UNK_ID], dtype=np.int64)

    def encode_all(self, texts: Sequence[str]) -> list[np.ndarray]:
        return [self.ids(t) for t in texts]

    def batch(self, texts: Sequence[str]) -> tuple[Tensor, Tensor]:
        return pad(self.encode_all(texts))


def choose_tokens(texts: Sequence[str], words: int = 3) -> str:
    """`--tokens auto`: "word" when the median text has at least `words` words (sentences,
    reviews), else "char" (names, codes, single words: the letters are the signal)."""
    counts = sorted(len(t.split()) for t in texts)
    return "word" if counts and counts[len(counts) // 2] >= words else "char"


def pad(seqs: Sequence[np.ndarray]) -> tuple[Tensor, Tensor]:
    """Id arrays -> ids (B, T_max) long padded with PAD_ID, lengths (B,) long."""
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)
    ids = torch.full((len(seqs), int(lengths.max())), PAD_ID, dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.from_numpy(np.asarray(s, dtype=np.int64))
    return ids, lengths


def batches(seqs: Sequence[np.ndarray], labels: Sequence[int], batch_size: int,
            seed: Optional[int] = None) -> Iterator[tuple[Tensor, Tensor, Tensor]]:
    """One pass over the examples: (ids (B, T), lengths (B,), targets (B,)) per batch.
    Shuffled by `seed` (None: in order, e.g. for evaluation); the last batch may be short."""
    order = list(range(len(seqs)))
    if seed is not None:
        random.Random(seed).shuffle(order)
    for i in range(0, len(order), batch_size):
        idx = order[i: i + batch_size]
        ids, lengths = pad([seqs[j] for j in idx])
        yield ids, lengths, torch.tensor([labels[j] for j in idx], dtype=torch.long)
