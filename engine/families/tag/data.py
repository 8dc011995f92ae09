"""Tagged sentences from CoNLL-U (Universal Dependencies) and CoNLL-2003-style column files.

A sentence is `(tokens, tags)`, two lists of equal length. Readers return
`(sentences, warnings)`: warnings are one-line messages for the user (bad lines, sentences
skipped or cut); a file with no usable sentence is one EngineError naming the first problem.

CoNLL-U (universaldependencies.org/format.html), as the treebanks ship it:
  * a word per line, exactly 10 TAB-separated fields: ID FORM LEMMA UPOS XPOS FEATS HEAD
    DEPREL DEPS MISC. Only TAB separates: FORM may hold spaces ("10 000", "a. m.");
  * `#` lines are comments; multiword-token lines (ID `3-4`, the surface "don't") and empty
    nodes (ID `8.1`, enhanced-graph ellipsis) are skipped: the words of a multiword token
    have lines of their own, and an empty node is not in the text;
  * the tag is UPOS (`tag_column="upos"`, the default) or XPOS; `_` there means "not
    annotated": its sentence is skipped, and a column that is `_` on every word (many
    treebanks have no XPOS) is refused with a hint. Word ID 1 with no blank line before it
    starts a new sentence.
Columns (CoNLL-2003 NER and chunking, WNUT, ATIS-style slot files):
  * the token first, the tag last, any columns between ignored; a line holding a TAB is
    split on TABs only (tokens may hold spaces), any other on runs of spaces; every token
    line must have as many columns as the first one;
  * a blank line ends a sentence; `-DOCSTART-` lines are ignored; there is no comment
    syntax (`#` is a real token in tweets).
Both: UTF-8 with or without a BOM, LF or CRLF line ends, the final blank line optional.
A line breaking these rules is named with file and line number and its whole sentence is
skipped (a sentence with a hole would teach the model contexts that never occur). A
sentence longer than `max_len` tokens is cut to `max_len`, with a warning.

`load_tag_data` puts a run's data together: the training file, `--val`/`--test` files or
seeded held-out shares of the training sentences (`split_sentences`), and `chars=True` for
character-level tagging of raw text (see chars.py).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from engine.data.corpus import read_text
from engine.errors import EngineError
from engine.families.tag import chars as char_tags
from engine.families.tag.scheme import detect_scheme

Sentence = tuple[list[str], list[str]]  # (tokens, tags), same length

MAX_TOKENS = 250  # default cut for a word sentence (UD's longest are a few hundred words)
MAX_CHARS = 1000  # default cut for a character-level sentence
MAX_LISTED = 5  # bad lines named one by one in the warnings; the rest are counted
MAX_BYTES = 256 * 1024 * 1024  # refuse before reading something that cannot fit in RAM
TAG_COLUMNS = {"upos": 3, "xpos": 4}  # CoNLL-U field index of each tag column
FORMATS = ("conllu", "columns")
_WORD_ID = re.compile(r"[1-9][0-9]*")
_RANGE_ID = re.compile(r"([1-9][0-9]*)-([1-9][0-9]*)")
_EMPTY_ID = re.compile(r"[0-9]+\.[1-9][0-9]*")


class _Collector:
    """One file's sentences as they are read; a sentence with a bad line is dropped whole."""

    def __init__(self, name: str):
        self.name = name
        self.sentences: list[tuple[list[str], list[str], list[bool], int]] = []
        self.problems: list[str] = []  # "file:line: what is wrong"
        self.untagged: list[int] = []  # lines of words whose tag is `_`
        self._reset(0)

    def _reset(self, line: int) -> None:
        self.tokens, self.tags, self.spaces, self.line, self.bad = [], [], [], line, False

    def add(self, line: int, token: str, tag: str, space_after: bool = True) -> None:
        if not self.tokens and not self.bad:
            self.line = line
        self.tokens.append(token)
        self.tags.append(tag)
        self.spaces.append(space_after)

    def problem(self, line: int, message: str) -> None:
        self.problems.append(f"{self.name}:{line}: {message}")
        self.bad = True

    def missing_tag(self, line: int) -> None:
        self.untagged.append(line)
        self.bad = True

    def end(self) -> None:
        if self.tokens and not self.bad:
            self.sentences.append((self.tokens, self.tags, self.spaces, self.line))
        self._reset(0)


# --- reading one file ---------------------------------------------------------------------

def read_tagged(path: str | Path, fmt: str = "auto", tag_column: str = "upos",
                max_len: Optional[int] = None, chars: bool = False
                ) -> tuple[list[Sentence], list[str]]:
    """Sentences of a CoNLL-U or column file (FMT "auto" detects which), and warnings.

    With CHARS, each sentence becomes its text, one tag per character (chars.to_chars), and
    MAX_LEN counts characters (default MAX_CHARS) instead of tokens (default MAX_TOKENS).
    """
    path = Path(path)
    tag_index = _tag_index(tag_column)
    text = _read_text(path)
    fmt = detect_format(path, text) if fmt == "auto" else fmt
    if fmt not in FORMATS:
        raise EngineError(f"unknown tag file format {fmt!r}; choose auto, {', '.join(FORMATS)}")
    collector = _Collector(path.name)
    lines = text.split("\n")
    if fmt == "conllu":
        _parse_conllu(lines, tag_index, collector)
    else:
        _parse_columns(lines, collector)
    collector.end()  # a missing final blank line
    _refuse_if_empty(path, fmt, tag_column, collector)
    found = collector.sentences
    if fmt == "conllu" and all(t == "_" for tokens, *_ in found for t in tokens):
        raise EngineError(f"tag file {path}: every FORM is `_` (this treebank is distributed "
                          f"without its words; its README says how to add them)")
    if chars:
        chunked = detect_scheme(tags for _, tags, _, _ in found) is not None
        found = [(*char_tags.to_chars(tokens, tags, spaces, chunked), None, line)
                 for tokens, tags, spaces, line in found]
    limit = max_len or (MAX_CHARS if chars else MAX_TOKENS)
    sentences, cut_warning = _cut_long(found, limit, path.name, "characters" if chars else "tokens")
    return sentences, _warnings(collector, tag_column) + cut_warning


def read_conllu(path: str | Path, tag_column: str = "upos",
                max_len: Optional[int] = None) -> tuple[list[Sentence], list[str]]:
    """Sentences of a CoNLL-U file with its UPOS (or XPOS) tags, and warnings."""
    return read_tagged(path, "conllu", tag_column, max_len)


def read_columns(path: str | Path, max_len: Optional[int] = None
                 ) -> tuple[list[Sentence], list[str]]:
    """Sentences of a CoNLL-2003-style file (token first, tag last), and warnings."""
    return read_tagged(path, "columns", max_len=max_len)


def detect_format(path: Path, text: str) -> str:
    """"conllu" for a .conllu file or one whose first word line is CoNLL-U; else "columns"."""
    if path.suffix.lower() == ".conllu":
        return "conllu"
    for line in text.split("\n"):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        ids = (_WORD_ID, _RANGE_ID, _EMPTY_ID)
        is_conllu = len(fields) == 10 and any(p.fullmatch(fields[0]) for p in ids)
        return "conllu" if is_conllu else "columns"
    return "columns"


def _read_text(path: Path) -> str:
    text = read_text(path, "tag file", MAX_BYTES)  # a regular file, UTF-8, normalised
    if not text.strip():
        raise EngineError(f"tag file {path} is empty")
    return text


def _tag_index(tag_column: str) -> int:
    if tag_column not in TAG_COLUMNS:
        raise EngineError(f"unknown tag column {tag_column!r}; choose one of: "
                          f"{', '.join(TAG_COLUMNS)}")
    return TAG_COLUMNS[tag_column]


def _parse_conllu(lines: list[str], tag_index: int, out: _Collector) -> None:
    column = "UPOS" if tag_index == 3 else "XPOS"
    mwt = (0, 0, True)  # the current multiword token: first word, last word, its SpaceAfter
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            out.end()
            mwt = (0, 0, True)
            continue
        if line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 10:
            out.problem(lineno, f"expected 10 TAB-separated fields, found {len(fields)}")
            continue
        wid, form, tag, misc = fields[0], fields[1], fields[tag_index].strip(), fields[9]
        span = _RANGE_ID.fullmatch(wid)
        if span:  # the surface token of a multiword token: its words follow
            mwt = (int(span.group(1)), int(span.group(2)), "SpaceAfter=No" not in misc.split("|"))
            continue
        if _EMPTY_ID.fullmatch(wid):
            continue
        if not _WORD_ID.fullmatch(wid):
            out.problem(lineno, f"ID {wid!r} is not a word number, a range or an empty node")
        elif not form:
            out.problem(lineno, "empty FORM")
        elif not tag:
            out.problem(lineno, f"empty {column} field")
        else:
            if wid == "1" and (out.tokens or out.bad):
                out.end()  # a new sentence without the blank line before it
            n, (first, last, mwt_space) = int(wid), mwt
            space = "SpaceAfter=No" not in misc.split("|")
            if first <= n <= last:  # inside "don't" = do + n't: no space but after the last
                space = mwt_space if n == last else False
            if tag == "_":
                out.missing_tag(lineno)
            out.add(lineno, form, tag, space)


def _parse_columns(lines: list[str], out: _Collector) -> None:
    width = 0  # columns of the first good token line
    for lineno, line in enumerate(lines, 1):
        if not line.strip():
            out.end()
            continue
        fields = [f.strip() for f in line.split("\t")] if "\t" in line else line.split()
        if fields[0] == "-DOCSTART-":
            out.end()
            continue
        if len(fields) < 2:
            out.problem(lineno, "expected a token and a tag separated by spaces or a TAB, "
                                "found one column")
        elif width and len(fields) != width:
            out.problem(lineno, f"{len(fields)} columns, but the first token line has {width}")
        elif not fields[-1]:
            out.problem(lineno, "empty tag")
        elif not fields[0]:
            out.problem(lineno, "empty token")
        else:
            width = width or len(fields)
            out.add(lineno, fields[0], fields[-1])


def _refuse_if_empty(path: Path, fmt: str, tag_column: str, found: _Collector) -> None:
    if found.sentences:
        return
    if found.untagged and not found.problems:
        raise EngineError(f"tag file {path}: the {tag_column.upper()} column is `_` on every "
                          f"word (this treebank does not annotate it); try --tag-column "
                          f"{'upos' if tag_column == 'xpos' else 'xpos'}")
    first = f" (first problem: {found.problems[0]})" if found.problems else ""
    what = "CoNLL-U" if fmt == "conllu" else "token-and-tag"
    raise EngineError(f"tag file {path} has no usable {what} sentence{first}")


def _warnings(found: _Collector, tag_column: str) -> list[str]:
    out = [f"{p}; its sentence was skipped" for p in found.problems[:MAX_LISTED]]
    if len(found.problems) > MAX_LISTED:
        out.append(f"{found.name}: {len(found.problems) - MAX_LISTED} more bad line(s), "
                   f"their sentences skipped too")
    if found.untagged:
        out.append(f"{found.name}: {len(found.untagged)} word(s) have no {tag_column.upper()} "
                   f"tag (`_`, first at line {found.untagged[0]}); their sentences were skipped")
    return out


def _cut_long(found, limit: int, name: str, unit: str) -> tuple[list[Sentence], list[str]]:
    """Cut sentences to LIMIT items; one warning line says how many and the longest."""
    if limit < 1:
        raise EngineError(f"the sentence length limit must be at least 1, not {limit}")
    long = [(len(tokens), line) for tokens, _, _, line in found if len(tokens) > limit]
    sentences = [(tokens[:limit], tags[:limit]) for tokens, tags, _, _ in found]
    if not long:
        return sentences, []
    most, line = max(long)
    return sentences, [f"{name}: {len(long)} sentence(s) longer than {limit} {unit} cut to "
                       f"{limit} (the longest, {most}, starts at line {line})"]


# --- a run's splits -------------------------------------------------------------------------

def split_sentences(sentences: list, fraction: float, seed: int | str
                    ) -> tuple[list, list]:
    """(kept, held_out): a seeded FRACTION of the sentences held out; both keep file order.

    At least one sentence is held out and at least one kept. The same (sentences, fraction,
    seed) always gives the same split; the input list is not changed.
    """
    if not 0.0 < fraction < 1.0:
        raise EngineError(f"a held-out fraction must be between 0 and 1, not {fraction}")
    n = len(sentences)
    if n < 2:
        raise EngineError(f"cannot hold out a share of {n} sentence(s); give --val FILE")
    n_held = min(max(1, round(n * fraction)), n - 1)
    held = set(random.Random(seed).sample(range(n), n_held))
    kept = [s for i, s in enumerate(sentences) if i not in held]
    return kept, [s for i, s in enumerate(sentences) if i in held]


@dataclass
class TagData:
    train: list[Sentence]
    val: list[Sentence]  # evaluated during training
    test: list[Sentence]  # evaluated once at the end; empty without --test or test_fraction
    scheme: Optional[str]  # "iob1" / "iob2" / "bioes" for chunk tags, None for POS-like tags
    tags: list[str]  # every tag of the training data, most frequent first
    warnings: list[str] = field(default_factory=list)


def load_tag_data(data: str | Path, *, val: str | Path = "", test: str | Path = "",
                  val_fraction: float = 0.1, test_fraction: float = 0.0,
                  seed: int = 12345, fmt: str = "auto", tag_column: str = "upos",
                  max_len: Optional[int] = None, chars: bool = False) -> TagData:
    """Read the training file and its held-out sets (files, or seeded shares of DATA)."""
    def read(path):
        return read_tagged(path, fmt, tag_column, max_len, chars)

    train, warnings = read(data)
    held: dict[str, list[Sentence]] = {}
    for name, path, fraction in (("test", test, test_fraction), ("val", val, val_fraction)):
        if path:
            held[name], more = read(path)
            warnings += more
        elif name == "val" or fraction > 0:
            train, held[name] = split_sentences(train, fraction, f"{seed}:{name}")
    counts: dict[str, int] = {}
    for _, tags in train:
        for tag in tags:
            counts[tag] = counts.get(tag, 0) + 1
    tags = sorted(counts, key=lambda t: (-counts[t], t))
    for name in ("val", "test"):
        new = sorted({t for _, ts in held.get(name, []) for t in ts} - counts.keys())
        if new:
            warnings.append(f"{name} has {len(new)} tag(s) never seen in training: "
                            f"{', '.join(new[:10])}{' ...' if len(new) > 10 else ''}")
    scheme = detect_scheme(tags for _, tags in train)
    return TagData(train, held["val"], held.get("test", []), scheme, tags, warnings)
