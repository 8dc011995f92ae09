"""The events only a tagging run yields: sentences as the model tags them, and per-tag scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Sequence

from engine.events import Event, register
from engine.families.tag.chars import segments

SHOWN_TAGS = 8  # tags in the headless per-tag line


def slash_text(tokens: Sequence[str], tags: Sequence[str], gold: Sequence[str] = (),
               chars: bool = False) -> str:
    """The way the slides print a tagged sentence: "Harry/PROPN met/VERB ...", a wrong tag
    followed by the gold one in brackets ("met/NOUN[VERB]"). Character-level tags are read
    as chunks: "Harry Potter/PER met Hermione Granger/PER."."""
    if chars:
        return "".join(text if kind is None else f"{text}/{kind}"
                       for text, kind in segments(tokens, tags))
    out = []
    for i, (word, tag) in enumerate(zip(tokens, tags)):
        wrong = gold and gold[i] != tag
        out.append(f"{word}/{tag}" + (f"[{gold[i]}]" if wrong else ""))
    return " ".join(out)


@register
@dataclass
class Tagged(Event):
    """Sentences as the model tags them now: the held-out probe sentences, re-tagged every
    `sample_every` steps (with their gold tags), or a sentence a user asked about (no gold).
    Each sentence is {"tokens", "tags" (predicted), "probs" (of each predicted tag),
    "gold" ([] when unknown)}."""
    name: ClassVar[str] = "tagged"
    KEEP_IN_HISTORY: ClassVar[int] = 4
    step: int
    kind: str  # "probe" | "yours"
    sentences: list[dict]
    chars: bool = False  # one tag per character (the tags are IOB2 chunks)

    def lines(self) -> list[str]:
        return [slash_text(s["tokens"], s["tags"], s.get("gold") or (), self.chars)
                for s in self.sentences]

    def summary(self) -> str:
        what = "your sentence" if self.kind == "yours" else "probe sentences"
        wrong = "" if self.kind == "yours" or self.chars else " (a wrong tag: [gold])"
        body = "\n".join(f"    {line}" for line in self.lines())
        return f"tagged at step {self.step}, {what}{wrong}:\n{body}"

    def text_log(self) -> str:
        return f"--- step {self.step} · {self.kind} ---\n" + "\n".join(self.lines()) + "\n\n"


def metric_line(found: dict, loss: float | None = None) -> str:
    """metrics.evaluate's numbers in one line: "accuracy 93.40% · unseen words 81.08% (5,471
    tokens) · span F1 ..." (the parts a tag set has)."""
    parts = [f"accuracy {found['accuracy']:.2%}"]
    if found.get("accuracy_unseen") is not None:
        parts.append(f"unseen words {found['accuracy_unseen']:.2%} "
                     f"({found['unseen_tokens']:,} tokens)")
    if found.get("span_f1") is not None:
        parts.append(f"span F1 (conlleval, as seqeval's default) {found['span_f1']:.2%} (P {found['span_precision']:.2%}, "
                     f"R {found['span_recall']:.2%})")
    if loss is not None:
        parts.append(f"loss {loss:.4f} nats/token")
    return " · ".join(parts)


def per_tag_line(per_tag: Sequence[dict]) -> str:
    """"NOUN 91.1% · PUNCT 99.7% · ... · lowest X 21.2%": the most frequent tags, the worst."""
    shown = " · ".join(f"{t['tag']} {t['accuracy']:.1%}" for t in per_tag[:SHOWN_TAGS])
    worst = min(per_tag, key=lambda t: t["accuracy"], default=None)
    tail = f" · lowest {worst['tag']} {worst['accuracy']:.1%}" if worst and \
        worst not in per_tag[:SHOWN_TAGS] else ""
    return shown + tail


@register
@dataclass
class TagScores(Event):
    """Per-tag accuracy and the confusion matrix of one evaluation: of the held-out sentences
    (after every Eval, so metrics.jsonl's eval rows stay one line of numbers) or, once at the
    end of a run, of its test sentences."""
    name: ClassVar[str] = "tag_scores"
    KEEP_IN_HISTORY: ClassVar[int] = 2
    step: int
    split: str = "held-out"  # "held-out" | "test"
    metrics: dict = field(default_factory=dict)  # metrics.evaluate's: accuracy (0..1), ...
    # [{"tag", "correct", "total", "accuracy"}], most frequent gold tag first
    per_tag: list[dict] = field(default_factory=list)
    # {"tags": names, "counts": rows}: counts[i][j] = tokens of gold tags[i] tagged tags[j]
    confusion: dict = field(default_factory=dict)

    @property
    def accuracy(self) -> float:
        return float(self.metrics.get("accuracy", 0.0))

    def summary(self) -> str:
        if self.split == "test":
            return (f"test sentences at step {self.step}: {metric_line(self.metrics)}\n"
                    f"  per-tag accuracy: {per_tag_line(self.per_tag)}")
        return f"per-tag accuracy at step {self.step}: {per_tag_line(self.per_tag)}"
