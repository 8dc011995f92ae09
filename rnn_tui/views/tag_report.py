"""The tagger's pictures in `rnn-tui report`: its last tagged sentences (a wrong tag in red,
with the gold one in brackets) and the tag confusion of its last evaluation."""

from __future__ import annotations

from typing import Any

from engine.families.tag.events import Tagged, TagScores
from rnn_tui.htmlreport import charts
from rnn_tui.htmlreport.html import esc, figure, last_row


def pictures(records: list[dict[str, Any]]) -> list[str]:
    parts = []
    tagged = last_row(records, Tagged.name)
    if tagged is not None:
        lines = [_sentence(s) for s in tagged.get("sentences", [])]
        parts.append(f"<h3>Tagged at step {tagged['step']:,}</h3>" + "".join(lines))
    scores = last_row(records, TagScores.name)
    confusion = (scores or {}).get("confusion") or {}
    if confusion.get("counts"):
        tags = [str(t) for t in confusion.get("tags", [])]
        parts.append(figure(charts.heatmap(
            confusion["counts"], f"Tag confusion on the {scores.get('split', 'held-out')} set "
            f"at step {scores['step']:,}", "predicted", "gold", xticks=tags, yticks=tags,
            colorbar="tokens")))
    return parts


def _sentence(sentence: dict[str, Any]) -> str:
    words = []
    gold = sentence.get("gold") or [None] * len(sentence.get("tokens", []))
    for token, tag, right in zip(sentence.get("tokens", []), sentence.get("tags", []), gold):
        if right is None or right == tag:
            words.append(f"{esc(token)}/<b>{esc(tag)}</b>")
        else:
            words.append(f"{esc(token)}/<span class=wrong>{esc(tag)}[{esc(right)}]</span>")
    return f"<p class=mono>{' '.join(words)}</p>"
