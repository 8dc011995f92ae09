"""The events only a language model yields: samples, gate activity, sentence scores; and
how the rows of an older language model's metrics.jsonl read today (`upgrade_record`)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

from engine.events import Event, register


@register
@dataclass
class Gates(Event):
    """Gate activations on a probe text (LSTM/GRU), for the gates-and-states view.

    gates[gate_name][layer] is a list over timesteps of the mean activation across units;
    saturation[gate_name][layer][t] is the share of units < 0.1 or > 0.9.
    hidden[layer] is the T x H matrix of hidden states, for the "which neuron" view.
    """
    name: ClassVar[str] = "gates"
    KEEP_IN_HISTORY: ClassVar[int] = 1
    step: int
    text: str
    gates: dict[str, list[list[float]]]
    saturation: dict[str, list[list[float]]]
    hidden: list[list[list[float]]]

    def to_dict(self) -> dict:
        record = super().to_dict()
        record.pop("hidden", None)  # big matrices belong in the UI, not in the log
        return record

    @classmethod
    def from_record(cls, record: dict) -> "Gates":
        return super().from_record({"hidden": [], **record})


@register
@dataclass
class Sample(Event):
    """Text written by the model, with the probability it gave each token when it was drawn.

    A character model's tokens are the characters of `text` (`tokens` stays empty); a word
    model's are in `tokens` (<eos> included), and `text` is them joined for reading (a space
    between words, a newline for <eos>). `probs` has one entry per token either way."""
    name: ClassVar[str] = "sample"
    step: int
    prime: str
    text: str  # the generated continuation (without the prime)
    probs: list[float]  # probability of each generated token when it was drawn
    temperature: float
    tokens: list[str] = field(default_factory=list)  # word models: the tokens drawn

    def summary(self) -> str:
        text = (self.prime + self._gap() + self.text).replace("\n", "\n    ")
        return f"sample at step {self.step} (T={self.temperature:g}):\n    {text}"

    def text_log(self) -> str:
        return (f"--- step {self.step} · temperature {self.temperature:g} ---\n"
                f"{self.prime}{self._gap()}{self.text}\n\n")

    def _gap(self) -> str:
        """A space between a word prime and the first word drawn."""
        return " " if self.tokens and self.prime and not self.text.startswith("\n") else ""


@register
@dataclass
class Scores(Event):
    """How likely the model finds each of a few sentences (a `score` request): per sentence
    its tokens, which were unknown (scored as <unk>), and ln P of each token given the
    ones before it (engine.families.lm.scoring). The sentence's ln P is their sum."""
    name: ClassVar[str] = "scores"
    KEEP_IN_HISTORY: ClassVar[int] = 1
    step: int
    sentences: list[dict]  # {"text", "tokens", "unknown", "log_probs"} each

    def summary(self) -> str:
        lines = [f"scores at step {self.step}:"]
        for s in self.sentences:
            lp = sum(s["log_probs"])
            lines.append(f"    {s['text']!r}: ln P = {lp:.2f} nats ({lp / math.log(2):.1f} "
                         f"bits), perplexity {math.exp(-lp / len(s['log_probs'])):.1f}")
        return "\n".join(lines)


def upgrade_record(record: Any) -> Any:
    """A row of a language model's metrics.jsonl as rows are written now (the registry's
    `upgrade`, applied by the one reader of runs, rnn_tui/app/history.py). Runs written
    before the families shared one loop logged their baselines at top level - uniform,
    unigram, ngram with its ngram_order - where `Baselines` now has `losses` by name."""
    if not isinstance(record, dict) or record.get("event") != "baselines" or \
            "losses" in record or "ngram" not in record:
        return record
    order = record.get("ngram_order", 5)
    names = {"uniform": "uniform", "unigram": "unigram", "ngram": f"KN {order}-gram"}
    return {"event": "baselines",
            "losses": {name: record[key] for key, name in names.items() if key in record}}
