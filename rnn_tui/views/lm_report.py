"""The language model's pictures in `rnn-tui report`: its last samples, each token shaded
by the probability the model gave it when it drew it (the sample view's colouring)."""

from __future__ import annotations

from typing import Any

from engine.families.lm.events import Sample
from rnn_tui.htmlreport.html import esc, section, shaded_text

SHOWN = 3  # the last samples: the model late in training


def pictures(records: list[dict[str, Any]]) -> list[str]:
    samples = [r for r in records if r.get("event") == Sample.name][-SHOWN:]
    parts = []
    for row in samples:
        sample = Sample.from_record(row)
        tokens = sample.tokens or list(sample.text)  # a word model's words, else characters
        spaced = [t + " " if sample.tokens else t for t in tokens]
        prime = f"<span class=note>prime: {esc(sample.prime)!s}</span>" if sample.prime else ""
        parts.append(section(f"Sample at step {sample.step:,} (temperature "
                             f"{sample.temperature:g})", prime,
                             shaded_text(list(zip(spaced, sample.probs))), level=3))
    if parts:
        parts.insert(0, "<p class=note>Each token shaded by the probability the model gave "
                        "it when drawing it: white is sure, deep orange a surprise.</p>")
    return parts
