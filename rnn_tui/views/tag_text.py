"""Tagged sentences as rich text for the tagging view, a colour per tag, short tag labels.

    tagged_text({"tokens": [...], "tags": [...], "probs": [...], "gold": [...]}, chars=False)
    -> Harry/PROPN met/NOUN[VERB] ...   (a wrong tag in red, the gold tag after it)

Universal POS tags have fixed colours (nouns blue, verbs green, ...); any other tag set (XPOS,
entity types: the type of B-PER / I-PER) gets a colour from its name, the same every run.
Character-level tags are shown as chunks of text: "Harry Potter/PER met ...".
"""

from __future__ import annotations

from typing import Optional, Sequence

from rich.text import Text

from engine.families.tag.chars import segments
from engine.families.tag.scheme import CHUNK_TAG
from rnn_tui.widgets.canvas import PROB, level

UPOS_COLOURS = {
    "NOUN": "#64b5f6", "PROPN": "#4dd0e1", "PRON": "#f48fb1", "VERB": "#81c784",
    "AUX": "#aed581", "ADJ": "#ffb74d", "ADV": "#fff176", "ADP": "#ba68c8",
    "DET": "#b0bec5", "NUM": "#4db6ac", "CCONJ": "#bcaaa4", "SCONJ": "#a1887f",
    "PART": "#ce93d8", "INTJ": "#ff8a65", "PUNCT": "#9e9e9e", "SYM": "#90a4ae",
    "X": "#e0e0e0",
}
PALETTE = ("#64b5f6", "#81c784", "#ffb74d", "#f48fb1", "#4dd0e1", "#ba68c8", "#fff176",
           "#ff8a65", "#aed581", "#4db6ac", "#ce93d8", "#bcaaa4")
OUTSIDE = "#8d8d8d"  # the O of chunk tags
WRONG = "bold red underline"
GOLD = "#81c784"


def tag_colour(tag: str) -> str:
    """A tag's colour: fixed for UPOS, by the chunk type for B-/I-/E-/S- tags."""
    m = CHUNK_TAG.fullmatch(tag)
    kind = m.group(2) if m else tag
    if tag == "O":
        return OUTSIDE
    return UPOS_COLOURS.get(kind) or PALETTE[sum(map(ord, kind)) % len(PALETTE)]


def tagged_text(sentence: dict, chars: bool, before: Optional[dict] = None,
                confidence: bool = False) -> Text:
    """One sentence of a Tagged event. BEFORE: the same sentence's previous tagging (a tag
    that changed is bold); CONFIDENCE: each tag's probability after it."""
    tokens, tags = sentence["tokens"], sentence["tags"]
    gold, probs = sentence.get("gold") or [], sentence.get("probs") or []
    if chars:
        return _chunks_text(tokens, tags, gold, probs, confidence)
    old = (before or {}).get("tags") or []
    out = Text()
    for i, (word, tag) in enumerate(zip(tokens, tags)):
        if i:
            out.append(" ")
        out.append(word)
        out.append("/", style="dim")
        wrong = bool(gold) and gold[i] != tag
        style = WRONG if wrong else tag_colour(tag)
        if i < len(old) and old[i] != tag and len(old) == len(tags):
            style += " bold"
        out.append(tag, style=style)
        if wrong:
            out.append(f"[{gold[i]}]", style=GOLD)
        if confidence and i < len(probs):
            out.append(_probability(probs[i]), style=PROB[level(probs[i])])
    return out


def _probability(p: float) -> str:
    return "1.0" if p >= 0.995 else f"{p:.2f}"[1:]  # ".97"


def _chunks_text(chars: Sequence[str], tags: Sequence[str], gold: Sequence[str],
                 probs: Sequence[float], confidence: bool) -> Text:
    out = Text()
    pos = 0
    for text, kind in segments(chars, tags):
        if kind is None:
            out.append(text, style="dim")
        else:
            out.append(text, style=f"underline {tag_colour('B-' + kind)}")
            out.append(f"/{kind}", style=tag_colour("B-" + kind))
            if confidence and probs:
                span = probs[pos:pos + len(text)]
                out.append(_probability(min(span)), style=PROB[level(min(span))])
        pos += len(text)
    if gold and list(gold) != list(tags):
        out.append("\n  gold: ", style="dim")
        out.append_text(_chunks_text(chars, gold, (), (), False))
    return out


def abbreviations(tags: Sequence[str]) -> list[str]:
    """Distinct labels of at most 2 cells for the confusion matrix's columns: NOUN -> NO,
    PROPN -> PN (PR is taken), B-PER -> BP; the index when nothing short is left."""
    out: list[str] = []
    for i, tag in enumerate(tags):
        m = CHUNK_TAG.fullmatch(tag)
        options = [m.group(1) + m.group(2)[0], m.group(1) + m.group(2)[-1]] if m else \
            [tag[:2], tag[0] + tag[-1], tag[:1] + tag[2:3]]
        options.append(str(i) if i < 100 else "…")
        out.append(next((o for o in options if o and o not in out), options[-1]))
    return out
