"""Chunk tags (IOB1, IOB2, BIOES): which scheme a file uses, and its chunks as conlleval sees them.

A chunk tag is `O` or PREFIX-TYPE (`B-PER`, `I-LOC`, `S-ORG`, `B-fromloc.city_name`):
  IOB2   every chunk opens with B-, continues with I-          B-PER I-PER O B-LOC
  IOB1   I- everywhere; B- only where a chunk follows one of    I-PER I-PER B-PER O I-LOC
         the same type (CoNLL-2003's original files)
  BIOES  B- begin, I- inside, E- end, S- a one-token chunk      B-PER E-PER O S-LOC
Chunk boundaries are those of conlleval.pl (CoNLL-2000): its `startOfChunk` / `endOfChunk`
rules, with the S-/E- rules of the BIOES extension most ports carry (mayhewsw/conlleval.py).
For B/I/O tags the two rule sets agree exactly (tests/tag/test_tag_metrics.py checks it
against a transcription of the Perl original); conlleval's `[`/`]` rules for a 1990s bracket
notation are left out, since such tags are not chunk tags here. Any tag sequence is read the
conlleval way, malformed ones included: `O I-PER` opens a chunk, `B-PER I-LOC` is two chunks.
"""

from __future__ import annotations

import re
from typing import Iterable, Optional, Sequence

CHUNK_TAG = re.compile(r"([BIES])-(.+)")  # what a tag must look like to count as a chunk tag

Chunk = tuple[str, int, int]  # (type, start, end): tokens start..end-1 of one sentence


def split_tag(tag: str) -> tuple[str, str]:
    """conlleval's split: "B-PER" -> ("B", "PER"); "O" (or any tag without "-") -> (tag, "")."""
    prefix, dash, rest = tag.partition("-")
    return (prefix, rest) if dash else (tag, "")


def end_of_chunk(prev_tag: str, tag: str, prev_type: str, type_: str) -> bool:
    """Did a chunk end between the previous token and this one? (prefixes and types)"""
    return (prev_tag in ("E", "S")
            or (prev_tag in ("B", "I") and tag in ("B", "S", "O"))
            or (prev_tag not in ("O", ".") and prev_type != type_))


def start_of_chunk(prev_tag: str, tag: str, prev_type: str, type_: str) -> bool:
    """Did a chunk start at this token? (prefixes and types of the previous and this token)"""
    return (tag in ("B", "S")
            or (prev_tag in ("E", "S", "O") and tag in ("E", "I"))
            or (tag not in ("O", ".") and prev_type != type_))


def chunks(tags: Sequence[str]) -> list[Chunk]:
    """The chunks of one sentence's tags, in order: [(type, start, end_exclusive), ...].

    conlleval treats the sentence boundary as an `O` on both sides. A chunk is closed when a
    new one starts even if `end_of_chunk` did not say so (only possible with tags that are not
    B/I/E/S/O, which conlleval would mis-count anyway), so chunks never overlap.
    """
    out: list[Chunk] = []
    start, start_type, prev, prev_type = None, "", "O", ""
    for i, tag in enumerate([*tags, "O"]):
        prefix, type_ = split_tag(tag)
        ends, starts = end_of_chunk(prev, prefix, prev_type, type_), \
            start_of_chunk(prev, prefix, prev_type, type_)
        if start is not None and (ends or starts):
            out.append((start_type, start, i))
            start = None
        if starts and i < len(tags):
            start, start_type = i, type_
        prev, prev_type = prefix, type_
    return out


def detect_scheme(tag_sequences: Iterable[Sequence[str]]) -> Optional[str]:
    """"bioes", "iob2" or "iob1" if every tag is O or a chunk tag (and some are); else None.

    None means "not chunk tags at all" (POS tags, say): no span metrics for them. IOB1 is told
    from IOB2 by a chunk that opens with I- (after O, or after a chunk of another type).
    """
    prefixes: set[str] = set()
    opens_with_i = False
    for tags in tag_sequences:
        prev, prev_type = "O", ""
        for tag in tags:
            if tag == "O":
                prev, prev_type = "O", ""
                continue
            m = CHUNK_TAG.fullmatch(tag)
            if m is None:
                return None
            prefix, type_ = m.groups()
            prefixes.add(prefix)
            if prefix == "I" and (prev == "O" or prev_type != type_):
                opens_with_i = True
            prev, prev_type = prefix, type_
    if not prefixes:
        return None
    if prefixes & {"E", "S"}:
        return "bioes"
    return "iob1" if opens_with_i else "iob2"
