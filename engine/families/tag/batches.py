"""Tagged sentences -> padded id batches: the word, character and tag vocabularies of a run.

    vocabs = TagVocabs.build(train, chars=True, min_count=1, max_vocab=None)
    batch = vocabs.batch(sentences)                 # TagBatch, padded to the longest
    batch = vocabs.batch(sentences, drop=singletons, rng=random.Random(7))  # word dropout

Ids: words and characters have <pad> = 0 and <unk> = 1 (a word the vocabulary left out, a
character never seen); tags are the training tags, most frequent first, and a held-out tag
never seen in training gets IGNORE (the loss skips it; the accuracy counts it wrong). For
the character features each batch carries its distinct words once (`chars`, W x C) and every
token points at its word's row (`word_of`), so "the" is read by the character BiLSTM once
per batch, not once per occurrence.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Optional, Sequence

import numpy as np
import torch
from torch import Tensor

from engine.errors import EngineError
from engine.data.sequences import pad
from engine.data.tokens import PAD, UNK, Vocab

SPECIALS = (PAD, UNK)
PAD_ID, UNK_ID = 0, 1
IGNORE = -100  # cross_entropy's ignore_index: padding and tags unseen in training

Sentence = tuple[list[str], list[str]]  # (tokens, tags), as data.py reads them


@dataclass
class TagBatch:
    words: Tensor  # (B, T) word ids, PAD_ID after each sentence's end
    lengths: Tensor  # (B,) tokens per sentence, >= 1
    tags: Tensor  # (B, T) tag ids, IGNORE at padding (and for tags unseen in training)
    chars: Optional[Tensor] = None  # (W, C) character ids of the batch's W distinct words
    char_lengths: Optional[Tensor] = None  # (W,) characters per word
    word_of: Optional[Tensor] = None  # (B, T) row of `chars` of each token (0 at padding)

    @property
    def tokens(self) -> int:
        return int(self.lengths.sum())

    def to(self, device: torch.device) -> "TagBatch":
        move = lambda t: None if t is None else t.to(device)  # noqa: E731
        # lengths stay on the CPU: pack_padded_sequence wants them there
        return TagBatch(move(self.words), self.lengths, move(self.tags), move(self.chars),
                        self.char_lengths, move(self.word_of))


class TagVocabs:
    """The ids of a run: words (<pad>, <unk>, ...), characters (with char features), tags."""

    def __init__(self, words: Vocab, tags: Sequence[str], chars: Optional[Vocab] = None):
        if not tags:
            raise EngineError("no tags in the training data")
        self.words, self.chars, self.tags = words, chars, list(tags)
        self.tag_index = {t: i for i, t in enumerate(self.tags)}
        self._char_ids: dict[str, np.ndarray] = {}  # word -> its character ids (a cache)

    @classmethod
    def build(cls, train: Sequence[Sentence], tags: Sequence[str], chars: bool,
              min_count: int = 1, max_vocab: Optional[int] = None) -> "TagVocabs":
        """From the training sentences; TAGS in id order (data.TagData.tags)."""
        words = Vocab.build((tokens for tokens, _ in train), specials=SPECIALS,
                            min_count=min_count, max_size=max_vocab)
        char_vocab = Vocab.build(("".join(tokens) for tokens, _ in train),
                                 specials=SPECIALS) if chars else None
        return cls(words, tags, char_vocab)

    def to_meta(self) -> dict:
        return {"words": self.words.to_list(), "tags": self.tags,
                "chars": self.chars.to_list() if self.chars is not None else None}

    @classmethod
    def from_meta(cls, meta: dict) -> "TagVocabs":
        try:
            chars = meta.get("chars")
            return cls(Vocab(meta["words"], SPECIALS), list(meta["tags"]),
                       Vocab(chars, SPECIALS) if chars is not None else None)
        except (KeyError, TypeError) as exc:
            raise EngineError(f"checkpoint: the tagger's vocabularies are missing or damaged "
                              f"({exc})") from None

    # --- encoding ---------------------------------------------------------------------

    def word_ids(self, tokens: Sequence[str]) -> np.ndarray:
        return self.words.encode(list(tokens))

    def tag_ids(self, tags: Sequence[str]) -> np.ndarray:
        return np.array([self.tag_index.get(t, IGNORE) for t in tags], dtype=np.int64)

    def char_ids(self, word: str) -> np.ndarray:
        ids = self._char_ids.get(word)
        if ids is None:
            # (an empty token, from a stray TAB, reads as one <unk>: packing needs length >= 1)
            ids = self.chars.encode(word) if word else np.array([UNK_ID], dtype=np.int64)
            self._char_ids[word] = ids
        return ids

    def batch(self, sentences: Sequence[Sentence], drop: frozenset = frozenset(),
              p_drop: float = 0.0, rng: Optional[random.Random] = None) -> TagBatch:
        """Padded ids of SENTENCES. A token whose word is in DROP is read as <unk> with
        probability P_DROP (word dropout: so <unk> is trained on words like the unseen)."""
        words = [self.word_ids(tokens) for tokens, _ in sentences]
        if drop and p_drop > 0 and rng is not None:
            for ids, (tokens, _) in zip(words, sentences):
                for j, w in enumerate(tokens):
                    if w in drop and rng.random() < p_drop:
                        ids[j] = UNK_ID
        word_ids, lengths = pad(words, PAD_ID)
        tag_ids, _ = pad([self.tag_ids(tags) for _, tags in sentences], IGNORE)
        batch = TagBatch(word_ids, lengths, tag_ids)
        if self.chars is not None:
            self._add_chars(batch, sentences)
        return batch

    def _add_chars(self, batch: TagBatch, sentences: Sequence[Sentence]) -> None:
        types: dict[str, int] = {}
        rows = [np.array([types.setdefault(w, len(types)) for w in tokens], dtype=np.int64)
                for tokens, _ in sentences]
        batch.word_of, _ = pad(rows, 0)
        batch.chars, batch.char_lengths = pad([self.char_ids(w) for w in types], PAD_ID)


def singletons(train: Sequence[Sentence]) -> frozenset:
    """Training words seen exactly once: the candidates for word dropout."""
    counts = Counter(w for tokens, _ in train for w in tokens)
    return frozenset(w for w, n in counts.items() if n == 1)
