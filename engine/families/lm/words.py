"""Word corpora for the language model: text -> tokens with <eos> -> train / val / test ids.

    splits = build_word_splits(open("valid.txt").read(), test_text=open("test.txt").read(),
                               tokens="whitespace", max_size=30000)
    splits.train, splits.val, splits.test    # 1-D int64 id arrays; StreamBatcher takes them
    splits.vocab                              # engine.data.tokens.Vocab: <unk> = 0, <eos> = 1

Tokenising follows pytorch/examples word_language_model (`data.Corpus.tokenize`): every line
of the file becomes `line.split() + ['<eos>']`, blank lines included (a blank line is a lone
<eos>). That reproduces the published WikiText-2 sizes exactly (valid 217,646 tokens = 213,886
words + 3,760 lines). Two tokenizers (engine.data.tokens):
  whitespace  pre-tokenised corpora (WikiText, Penn Treebank): their own "<unk>" IS the
              vocabulary's <unk>, "@-@" and " = Heading = " lines stay as ordinary tokens
  word        raw text: words and punctuation ("Hi, you!" -> Hi , you !)
Hard-wrapped raw text (Project Gutenberg books wrap at ~70 columns) would get an <eos> at
every wrap, a token no model can predict from words; eos="paragraph" instead joins the lines
of a paragraph and puts one <eos> after it (blank lines separate paragraphs).

The vocabulary is built from the TRAINING tokens only (most frequent first, then `min_count`
and `max_size`), so held-out words never seen in training become <unk>, as they would for a
new text. Validation and test come from their own files when a corpus ships them, else from
the end of the training token stream (test last, validation just before it): unseen future.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

import numpy as np

from engine.data.corpus import load_corpus
from engine.errors import EngineError
from engine.data.tokens import EOS, UNK, Tokenizer, Vocab

SPECIALS = (UNK, EOS)  # fixed ids in every word vocabulary: <unk> = 0, <eos> = 1
WORD_TOKENIZERS = ("whitespace", "word")
EOS_MODES = ("line", "paragraph")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def tokenize_text(text: str, tokenizer: Tokenizer, eos: str = "line") -> list[str]:
    """Flat token list of TEXT with <eos> after each line (or each paragraph)."""
    return tokenize_words(text, tokenizer, eos)[0]


def tokenize_words(text: str, tokenizer: Tokenizer, eos: str = "line"
                   ) -> tuple[list[str], np.ndarray]:
    """(tokens with <eos> after each line or paragraph, which of them begin a word).

    A word is what the literature counts for per-word perplexity: a whitespace-separated
    word of the text, or an <eos>. The whitespace tokenizer's tokens are exactly those;
    the word tokenizer splits some ("don't." -> don't .), and only the first piece begins
    the word. starts: (N,) bool, starts.sum() = words + <eos>s.
    """
    if eos not in EOS_MODES:
        raise EngineError(f"unknown eos mode {eos!r}; choose one of: {', '.join(EOS_MODES)}")
    if eos == "paragraph":
        units = _PARAGRAPH_BREAK.split(text)  # the tokenizers treat "\n" as a space
    else:
        units = text.split("\n")  # "\n" only, like iterating a file (not str.splitlines)
        if units and units[-1] == "":
            units.pop()  # the final newline ends the last line; it does not start a new one
    out: list[str] = []
    starts: list[bool] = []
    for unit in units:
        words = unit.split()
        if eos == "paragraph" and not words:
            continue  # a paragraph gets an <eos> only when it has words; a line always does
        if tokenizer.kind == "whitespace":  # a token per word (WikiText's 2M: no loop)
            out.extend([w.lower() for w in words] if tokenizer.lower else words)
            starts.extend([True] * len(words))
        else:
            for piece in map(tokenizer, words):
                out.extend(piece)
                starts.extend([True] + [False] * (len(piece) - 1))
        out.append(EOS)
        starts.append(True)
    return out, np.array(starts, dtype=bool)


def guess_tokenizer(text: str) -> str:
    """ "whitespace" when TEXT looks pre-tokenised, else "word".

    Pre-tokenised text has its punctuation split off ("the cat , the dog ."); raw text glues
    it to words ("the cat, the dog."). Decided on the first 200k characters: pre-tokenised
    when fewer than 10% of the , . ; : ! ? marks are glued to a word. A text with <unk>
    tokens is a prepared corpus (Penn Treebank has no punctuation left but "u.s." and
    "corp."): pre-tokenised when fewer than 10% of its , ; : ! ? marks are glued.
    """
    head = text[:200_000]
    if re.search(r"(?:^|\s)<unk>(?=\s|$)", head):
        alone = len(re.findall(r"(?:^|\s)[,;:!?](?=\s|$)", head))
        glued = len(re.findall(r"\w[,;:!?](?=\s|$)", head))
        return "whitespace" if glued <= 0.1 * (alone + glued) else "word"
    alone = len(re.findall(r"(?:^|\s)[,.;:!?](?=\s|$)", head))
    glued = len(re.findall(r"\w[,.;:!?](?=\s|$)", head))
    if alone + glued == 0:
        return "word"
    return "whitespace" if glued < 0.1 * (alone + glued) else "word"


def looks_wrapped(text: str) -> bool:
    """True for hard-wrapped prose (a Project Gutenberg book): of the first 2,000 non-blank
    lines, most are long and end within a few columns of the longest."""
    lines = [len(line) for line in text[:400_000].split("\n") if line.strip()][:2000]
    if len(lines) < 50:
        return False
    width = sorted(lines)[int(0.95 * len(lines))]  # the wrap column (a few lines overrun)
    near = sum(1 for n in lines if width - 12 <= n <= width)
    return 40 <= width <= 100 and near >= 0.6 * len(lines)


@dataclass(frozen=True)
class WordSplits:
    """Token ids of each split (1-D int64) and the vocabulary they index."""
    vocab: Vocab  # built on train only; SPECIALS first
    tokenizer: Tokenizer
    eos: str  # "line" or "paragraph"
    train: np.ndarray  # (N_train,) int64
    val: np.ndarray  # (N_val,) int64
    test: Optional[np.ndarray]  # (N_test,) int64, or None when there is no test split
    sources: dict  # split -> where it came from ("file", "last 10% of the training tokens")
    words: dict  # split -> its words + <eos>s (tokenize_words): what per-word perplexity counts

    @property
    def unk_id(self) -> int:
        return self.vocab.unk_id

    @property
    def eos_id(self) -> int:
        return self.vocab.index[EOS]

    def unk_rate(self, split: str) -> float:
        """Fraction of SPLIT's tokens that are <unk> (the corpus's own plus out-of-vocabulary)."""
        ids = getattr(self, split)
        return float((ids == self.unk_id).mean()) if ids is not None and len(ids) else 0.0

    def summary(self) -> str:
        parts = [f"vocabulary {len(self.vocab):,} ({self.tokenizer.kind} tokens, "
                 f"<eos> per {self.eos})"]
        for name in ("train", "val", "test"):
            ids = getattr(self, name)
            if ids is not None:
                words = "" if self.words[name] == len(ids) else \
                    f" = {self.words[name]:,} words with <eos>"
                parts.append(f"{name} {len(ids):,} tokens{words} ({self.sources[name]}, "
                             f"{100 * self.unk_rate(name):.1f}% <unk>)")
        return "; ".join(parts)


def build_word_splits(train_text: str, val_text: Optional[str] = None,
                      test_text: Optional[str] = None, *, tokens: str = "whitespace",
                      lower: bool = False, eos: str = "line", min_count: int = 1,
                      max_size: Optional[int] = None, val_fraction: float = 0.1,
                      test_fraction: float = 0.0, vocab: Optional[Vocab] = None) -> WordSplits:
    """Tokenise, split, build the vocabulary on train, encode every split.

    A split with no text of its own is the last `*_fraction` of the training tokens (test
    taken last, validation before it); test_fraction 0 and no test text means no test split.
    VOCAB (a checkpoint's) is used as it is instead of building one: the same ids again.
    """
    if tokens not in WORD_TOKENIZERS:
        raise EngineError(f"word corpora use tokens {' or '.join(WORD_TOKENIZERS)}, "
                          f"not {tokens!r}")
    if min_count < 1 or (max_size is not None and max_size <= len(SPECIALS)):
        raise EngineError(f"min_count must be >= 1 and max_size > {len(SPECIALS)}")
    tok = Tokenizer(tokens, lower)
    train = tokenize_words(train_text, tok, eos)
    sources = {"train": "file"}
    total = len(train[0])  # both fractions are of the whole training text
    test, train = _held_out(train, total, test_text, test_fraction, tok, eos, "test", sources)
    val, train = _held_out(train, total, val_text, val_fraction, tok, eos, "val", sources)
    if val is None:
        raise EngineError("no validation split: give a validation text or a val_fraction > 0")
    words = {name: None if part is None else int(part[1].sum())
             for name, part in (("train", train), ("val", val), ("test", test))}
    train, val, test = train[0], val[0], None if test is None else test[0]
    if len(train) < 2 or len(val) < 2:
        raise EngineError(f"too few tokens to train on: {len(train)} for training and "
                          f"{len(val)} for validation")
    if vocab is None:
        vocab = Vocab.build([train], specials=SPECIALS, min_count=min_count,
                            max_size=max_size)
    encode = lambda seq: None if seq is None else vocab.encode(seq)  # noqa: E731
    return WordSplits(vocab, tok, eos, encode(train), encode(val), encode(test), sources,
                      words)


def _held_out(train: tuple[list[str], np.ndarray], total: int, text: Optional[str],
              fraction: float, tok: Tokenizer, eos: str, name: str, sources: dict
              ) -> tuple[Optional[tuple], tuple[list[str], np.ndarray]]:
    """(held-out (tokens, word starts) or None, the remaining training (tokens, starts))."""
    if text is not None:
        held = tokenize_words(text, tok, eos)
        if not held[0]:
            raise EngineError(f"the {name} text has no tokens")
        sources[name] = "file"
        return held, train
    if fraction == 0:
        return None, train
    if not 0.0 < fraction < 1.0:
        raise EngineError(f"{name} fraction must be in [0, 1), got {fraction}")
    n = int(round(total * fraction))
    tokens, starts = train
    if n < 2 or len(tokens) - n < 2:
        raise EngineError(f"{total} tokens are too few to hold out {fraction:.0%} "
                          f"for {name}")
    sources[name] = f"last {fraction:.0%} of the training tokens"
    return (tokens[-n:], starts[-n:]), (tokens[:-n], starts[:-n])


def load_word_splits(train: str, val: Optional[str] = None, test: Optional[str] = None,
                     max_chars: Optional[int] = None, **kwargs) -> WordSplits:
    """build_word_splits on files (or any --corpus spec), read as the char LM reads them
    (UTF-8, BOM dropped, CRLF -> LF). MAX_CHARS keeps only the start of the training text."""
    text = load_corpus(train).text
    if max_chars and len(text) > max_chars:
        cut = text.rfind("\n", 0, max_chars)  # end on a whole line, not mid-word
        text = text[:cut + 1 if cut > 0 else max_chars]
    read = lambda spec: None if spec is None else load_corpus(spec).text  # noqa: E731
    return build_word_splits(text, read(val), read(test), **kwargs)
