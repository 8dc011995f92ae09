"""The event only a one-to-many run yields: names the model wrote for a label."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from engine.events import Event, register


@register
@dataclass
class Names(Event):
    """`names` written for `label` at `temperature`; `per_label`: one name for each label
    (the model's range at a glance); `labels`: every label, in the model's order."""
    name: ClassVar[str] = "names"
    KEEP_IN_HISTORY: ClassVar[int] = 1
    step: int
    label: str
    names: list[str]
    temperature: float
    labels: list[str] = field(default_factory=list)
    per_label: dict[str, str] = field(default_factory=dict)
    prime: str = ""

    def summary(self) -> str:
        return f"names for {self.label} at step {self.step}: {', '.join(self.names)}"

    def text_log(self) -> str:
        return f"--- step {self.step} · {self.label} ---\n" + "\n".join(self.names) + "\n\n"
