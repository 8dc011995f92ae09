"""Character-level tagging of raw text: one tag per character, made from any token-tagged file.

Instead of a new file format, every tagged sentence is turned into its text and one IOB2 tag
per character:

    tokens  Harry  Potter  met  Hermione        (NER: B-PER I-PER O B-PER)
    text    H a r r y _ P o t t e r _ m e t _ H e r m i o n e
    tags    B I I I I I I I I I I I O O O O O B I I I I I I I     (B/I = B-PER/I-PER)

    tokens  The  cat  sat  .                    (POS: DET NOUN VERB PUNCT)
    text    T h e _ c a t _ s a t .             (no space before "." : SpaceAfter=No)
    tags    B-DET I-DET I-DET O B-NOUN I-NOUN I-NOUN O B-VERB I-VERB I-VERB B-PUNCT

Chunk tags (IOB1/IOB2/BIOES) become the characters of their chunks, the spaces inside a chunk
included; any other tag (POS) marks its own token's characters; characters outside every
chunk (spaces between words) are O. Why this and not a format of its own: every CoNLL-U and
CoNLL-2003 file a student already has becomes a raw-text task at once; the model must find
the word boundaries itself (word segmentation as B/I tagging, the usual setting for Chinese,
where UD marks SpaceAfter=No on every word); and the tags are IOB2, so conlleval's span F1
scores segmentation and tagging together with the same code as entities.

The text is the words joined by one space, except where CoNLL-U says SpaceAfter=No (and inside
a multiword token, whose words are joined as written: right for "do"+"n't", not for the
French "de"+"le" = "du"). `segments` turns predicted character tags back into pieces of text.
"""

from __future__ import annotations

from typing import Optional, Sequence

from engine.families.tag.scheme import chunks


def to_chars(tokens: Sequence[str], tags: Sequence[str],
             space_after: Optional[Sequence[bool]] = None, chunked: bool = False
             ) -> tuple[list[str], list[str]]:
    """(characters, IOB2 tag per character) of one tagged sentence.

    SPACE_AFTER[i] says whether a space follows token i (default: yes, except after the last).
    CHUNKED: TAGS are chunk tags (see scheme.detect_scheme, decided once per file); otherwise
    each token is a chunk of its own tag.
    """
    text: list[str] = []
    starts, ends = [], []  # character offsets of each token: [start, end)
    for i, token in enumerate(tokens):
        starts.append(len(text))
        text.extend(token)
        ends.append(len(text))
        if i < len(tokens) - 1 and (space_after is None or space_after[i]):
            text.append(" ")
    spans = chunks(tags) if chunked else [(tag, i, i + 1) for i, tag in enumerate(tags)]
    out = ["O"] * len(text)
    for type_, first, last in spans:  # tokens first..last-1
        a, b = starts[first], ends[last - 1]
        out[a:b] = [f"B-{type_}"] + [f"I-{type_}"] * (b - a - 1)
    return text, out


def segments(chars: Sequence[str], char_tags: Sequence[str]) -> list[tuple[str, Optional[str]]]:
    """The text cut into its chunks and the gaps between: [("Harry Potter", "PER"), (" met ",
    None), ...]. Read with conlleval's rules, so any predicted tag sequence gives pieces."""
    out: list[tuple[str, Optional[str]]] = []
    pos = 0
    for type_, a, b in chunks(char_tags):
        if a > pos:
            out.append(("".join(chars[pos:a]), None))
        out.append(("".join(chars[a:b]), type_))
        pos = b
    if pos < len(chars):
        out.append(("".join(chars[pos:]), None))
    return out
