"""Tokens and vocabularies, for every task family: characters now, words too.

    tok = Tokenizer("word", lower=True)          # or "char", or "whitespace" (pre-tokenised)
    vocab = Vocab.build([tok(line) for line in lines], specials=("<pad>", "<unk>"),
                        min_count=2, max_size=30000)
    ids = vocab.encode(tok("The cat sat."))      # unknown words -> <unk> (the vocab has one)

A `Vocab` is an ordered list of tokens: id i is `tokens[i]`, the specials first, in the order
given (so a family can fix <pad> = 0). What a checkpoint stores is `to_list()`, the tokens
*without* the specials; the family knows its specials and rebuilds the same ids with
`Vocab(saved, specials=...)`. Character vocabularies encode whole megabytes at once with one
numpy `searchsorted` over code points; word vocabularies use a dict.

Tokenizers (all documented by what they keep):
  char        every character is a token (nothing is lost: "ab c" -> a, b, ' ', c)
  whitespace  split on runs of whitespace: for corpora already tokenised (Penn Treebank,
              WikiText), so their own "<unk>" and "@-@" tokens are kept as they are
  word        words and punctuation of raw text: a word is letters/digits/underscore with
              inner apostrophes or hyphens ("don't", "state-of-the-art"); every other
              non-space character is a token of its own ("Hi, you!" -> Hi , you !)
A symbol in angle brackets ("<unk>", "<eos>", "</s>") is one token in both word tokenizers:
a corpus's own <unk> must stay the vocabulary's <unk>, not become "<", "unk", ">".
No token spans whitespace, so tokenising word by word gives the same tokens as a whole line.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from engine.errors import EngineError

PAD, UNK, EOS, BOS = "<pad>", "<unk>", "<eos>", "<bos>"
TOKENIZERS = ("char", "word", "whitespace")

_WORD = re.compile(r"</?[A-Za-z][\w\-]*>|\w+(?:['’\-]\w+)*|[^\w\s]")


@dataclass(frozen=True)
class Tokenizer:
    """Text -> tokens. `kind` is one of TOKENIZERS; `lower` lower-cases first."""

    kind: str = "char"
    lower: bool = False

    def __post_init__(self) -> None:
        if self.kind not in TOKENIZERS:
            raise EngineError(f"unknown tokens {self.kind!r}; choose one of: "
                              f"{', '.join(TOKENIZERS)}")

    def __call__(self, text: str) -> list[str]:
        if self.lower:
            text = text.lower()
        if self.kind == "char":
            return list(text)
        if self.kind == "whitespace":
            return text.split()
        return _WORD.findall(text)

    @property
    def joiner(self) -> str:
        """How tokens are put back together for display ("" for characters)."""
        return "" if self.kind == "char" else " "


class Vocab:
    """An ordered list of distinct tokens; `specials` come first and are never unknown."""

    def __init__(self, tokens: Sequence[str], specials: Sequence[str] = ()) -> None:
        specials = list(specials)
        body = [t for t in tokens if t not in specials]
        self.tokens: list[str] = specials + body
        self.specials = tuple(specials)
        if not self.tokens:
            raise EngineError("vocabulary is empty")
        if any(not isinstance(t, str) or not t for t in self.tokens):
            raise EngineError("vocabulary entries must be non-empty strings")
        if len(set(self.tokens)) != len(self.tokens):
            raise EngineError("vocabulary has duplicate entries")
        self.index = {t: i for i, t in enumerate(self.tokens)}
        self.unk_id = self.index.get(UNK)
        self.chars_only = all(len(t) == 1 for t in body)
        if self.chars_only:
            # Sorted code points + their ids: numpy encodes megabytes with one searchsorted.
            cps = np.array([ord(t) for t in body], dtype=np.int64)
            order = np.argsort(cps)
            self._cps = cps[order]
            self._ids = (order + len(specials)).astype(np.int64)

    # --- building and saving --------------------------------------------------------------

    @classmethod
    def build(cls, sequences: Iterable[Sequence[str]], specials: Sequence[str] = (),
              min_count: int = 1, max_size: int | None = None) -> "Vocab":
        """From token sequences (strings count as character sequences). Order: most frequent
        first (ties alphabetical); for characters, by code point (stable, readable ids).
        Tokens seen fewer than `min_count` times, or beyond `max_size` entries (specials
        included), are left out and will encode as <unk>."""
        counts: Counter[str] = Counter()
        for seq in sequences:
            counts.update(seq)
        kept = [t for t, n in counts.items() if n >= min_count and t not in specials]
        if all(len(t) == 1 for t in kept):
            kept.sort()
        else:
            kept.sort(key=lambda t: (-counts[t], t))
        if max_size is not None:
            kept = kept[: max(0, max_size - len(specials))]
        return cls(kept, specials)

    def to_list(self) -> list[str]:
        """The tokens without the specials: what a checkpoint stores."""
        return self.tokens[len(self.specials):]

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self.index

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocab) and other.tokens == self.tokens

    # --- encoding -------------------------------------------------------------------------

    def unknown(self, tokens: Iterable[str]) -> list[str]:
        """The distinct tokens of `tokens` that are not in the vocabulary, in first-seen order."""
        return list(dict.fromkeys(t for t in tokens if t not in self.index))

    def encode(self, tokens: str | Sequence[str], unknown: str = "unk") -> np.ndarray:
        """int64 ids. A string is read as characters. Unknown tokens become <unk> when the
        vocabulary has one and `unknown` is "unk"; otherwise they are an EngineError."""
        if isinstance(tokens, str) and self.chars_only:
            return self._encode_chars(tokens, unknown)
        ids = np.fromiter((self.index.get(t, -1) for t in tokens), dtype=np.int64)
        return self._fill_unknown(ids, ids >= 0, lambda: self.unknown(tokens), unknown)

    def _encode_chars(self, text: str, unknown: str) -> np.ndarray:
        if not text:
            return np.zeros(0, dtype=np.int64)
        cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"),
                            dtype=np.uint32).astype(np.int64)
        if not len(self._cps):  # only specials: every character is unknown
            return self._fill_unknown(np.full(len(cps), -1), np.zeros(len(cps), bool),
                                      lambda: sorted(set(text)), unknown)
        pos = np.clip(np.searchsorted(self._cps, cps), 0, len(self._cps) - 1)
        known = self._cps[pos] == cps
        return self._fill_unknown(self._ids[pos], known,
                                  lambda: [chr(c) for c in np.unique(cps[~known])], unknown)

    def _fill_unknown(self, ids: np.ndarray, known: np.ndarray, which, unknown: str
                      ) -> np.ndarray:
        if known.all():
            return ids
        if unknown == "unk" and self.unk_id is not None:
            ids[~known] = self.unk_id
            return ids
        bad = which()
        shown = ", ".join(repr(t) for t in bad[:5])
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        raise EngineError(f"not in the vocabulary: {shown}{more}")

    def decode(self, ids: Iterable[int], skip_specials: bool = False) -> list[str]:
        """Ids back to tokens (a list: join with the tokenizer's `joiner`)."""
        out = []
        for i in ids:
            i = int(i)
            if not 0 <= i < len(self.tokens):
                raise EngineError(f"id {i} out of range for a vocabulary of {len(self)}")
            if skip_specials and i < len(self.specials):
                continue
            out.append(self.tokens[i])
        return out
