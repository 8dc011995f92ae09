"""A language-model run's data: the corpus as token ids, split, with its vocabulary.

    data = load_splits(config, vocab=None)   # or the checkpoint's vocabulary when resuming
    data.train, data.val, data.test          # 1-D long tensors (test may be None)
    data.vocab, data.tokenizer               # what the ids mean, and how text becomes tokens

Characters (tokens "char"): the corpus is one string; validation is its last val_fraction
(data.split_text) or a file of its own (--val); the vocabulary is every character of the
texts, so nothing is unknown. Words (tokens "word"): words.build_word_splits, <eos> per line
or paragraph, the vocabulary built on the training tokens only (with min_count and
max_vocab), <unk> for the rest; --val / --test files or fractions of the training stream.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
import torch

from engine.errors import EngineError
from engine.data.tokens import Tokenizer, Vocab

SAVED_VOCAB_HINT = "resume on the corpus it was trained on"


@dataclass
class LMData:
    vocab: Vocab
    tokenizer: Tokenizer  # char, or the word tokenizer actually used (auto resolved)
    train: torch.Tensor  # (N_train,) long
    val: torch.Tensor  # (N_val,) long
    test: Optional[torch.Tensor]  # (N_test,) long, or None
    val_follows_train: bool  # val is the end of the training stream (its context is train's)
    train_text: str = ""  # characters only: the n-gram baselines count the text itself
    val_text: str = ""
    notes: list[str] = field(default_factory=list)  # what the user should know (warnings)
    # Words + <eos>s of each split (words.tokenize_words), for a word model's per-word
    # perplexity; {} for characters.
    words: dict[str, Optional[int]] = field(default_factory=dict)


def load_splits(cfg: Any, vocab: Optional[Vocab] = None) -> LMData:
    """The run's data; VOCAB (a checkpoint's) keeps the ids of the run being resumed."""
    return _words(cfg, vocab) if cfg.tokens == "word" else _chars(cfg, vocab)


def _read(spec: Optional[str]) -> Optional[str]:
    from engine.data.corpus import load_corpus

    return None if spec is None else load_corpus(spec).text


def _chars(cfg: Any, vocab: Optional[Vocab]) -> LMData:
    from engine.families.lm.data import split_text

    text = _read(cfg.corpus)
    val_text, test_text = _read(cfg.val), _read(cfg.test)
    if val_text is None:
        train_text, val_text = split_text(text, cfg.val_fraction)
    else:
        train_text = text
    everything = text + (val_text if cfg.val else "") + (test_text or "")
    if vocab is None:
        vocab = Vocab.build([everything])
    else:
        unknown = vocab.unknown(set(everything))
        if unknown:
            raise EngineError(f"the corpus has characters the checkpoint's vocabulary "
                              f"lacks ({''.join(sorted(unknown)[:10])!r}): "
                              f"{SAVED_VOCAB_HINT}")
    ids = lambda t: torch.from_numpy(vocab.encode(t, unknown="error"))  # noqa: E731
    return LMData(vocab, Tokenizer("char"), ids(train_text), ids(val_text),
                  None if test_text is None else ids(test_text), cfg.val is None,
                  train_text=train_text, val_text=val_text)


def _words(cfg: Any, vocab: Optional[Vocab]) -> LMData:
    from engine.families.lm.words import build_word_splits, guess_tokenizer, looks_wrapped

    text = _read(cfg.corpus)
    kind = guess_tokenizer(text) if cfg.tokenizer == "auto" else cfg.tokenizer
    splits = build_word_splits(text, _read(cfg.val), _read(cfg.test), tokens=kind,
                               lower=cfg.lower, eos=cfg.eos, min_count=cfg.min_count,
                               max_size=cfg.max_vocab or None, val_fraction=cfg.val_fraction,
                               test_fraction=cfg.test_fraction, vocab=vocab)
    notes = []
    if cfg.tokenizer == "auto":
        notes.append(f"words: the text looks {'pre-tokenised' if kind == 'whitespace' else 'raw'}"
                     f", tokenised with --tokenizer {kind}; {splits.summary()}")
    if cfg.eos == "line" and looks_wrapped(text):
        notes.append("the text looks hard-wrapped (most lines end near the same column): "
                     "an <eos> at every line end marks the wraps, which no model can "
                     "predict from words; --eos paragraph puts one per paragraph instead")
    return LMData(splits.vocab, splits.tokenizer, _tensor(splits.train), _tensor(splits.val),
                  _tensor(splits.test), splits.sources["val"] != "file", notes=notes,
                  words=splits.words)


def _tensor(ids: Optional[np.ndarray]) -> Optional[torch.Tensor]:
    return None if ids is None else torch.from_numpy(np.ascontiguousarray(ids))


def saved_vocab(meta: dict[str, Any], tokens: str) -> Vocab:
    """A checkpoint's vocabulary: single characters in their saved order, or words (the
    word specials <unk> and <eos> put back in front, at their fixed ids)."""
    from engine.families.lm.words import SPECIALS

    saved = meta.get("vocab")
    if tokens == "word":
        if not isinstance(saved, list) or not saved or not all(
                isinstance(w, str) and w and not w.isspace() for w in saved):
            raise EngineError("the checkpoint's 'vocab' must be a non-empty list of words "
                              "(a word language model's)")
        if len(set(saved)) != len(saved):
            raise EngineError("the checkpoint's 'vocab' has duplicate words")
        return Vocab(saved, specials=SPECIALS)
    if not isinstance(saved, list) or not all(isinstance(c, str) and len(c) == 1
                                              for c in saved):
        raise EngineError("the checkpoint's 'vocab' must be a list of distinct single "
                          "characters (a character language model's)")
    return Vocab(saved)
