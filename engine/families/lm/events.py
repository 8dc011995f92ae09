"""The events only a language model yields: samples and gate activity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

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
    """Text written by the model, with the probability it gave each character."""
    name: ClassVar[str] = "sample"
    step: int
    prime: str
    text: str  # the generated continuation (without the prime)
    probs: list[float]  # probability of each generated character when it was drawn
    temperature: float

    def summary(self) -> str:
        text = (self.prime + self.text).replace("\n", "\n    ")
        return f"sample at step {self.step} (T={self.temperature:g}):\n    {text}"

    def text_log(self) -> str:
        return (f"--- step {self.step} · temperature {self.temperature:g} ---\n"
                f"{self.prime}{self.text}\n\n")
