"""The events only a classifier yields: the confusion matrix with the per-class scores (every
evaluation, and once for the test set), the misclassified held-out examples, and the answer
to a typed text (its class probabilities, the Naive Bayes baseline's, and each token's
influence).

The scalar scores (accuracy, macro_f1) are in the Eval event's metrics like every family's;
the matrix and the per-class table live here, so the eval rows of metrics.jsonl stay short.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from engine.events import Event, register


@register
@dataclass
class Confusion(Event):
    """Scores on one split: matrix[i][j] = examples of class i predicted as class j."""
    name: ClassVar[str] = "confusion"
    KEEP_IN_HISTORY: ClassVar[int] = 2  # the latest held-out one (and a test one)
    step: int
    split: str  # "held-out" | "test"
    classes: list[str]
    matrix: list[list[int]]  # rows: true class, columns: predicted class
    per_class: list[dict[str, Any]]  # per class: name, precision, recall, f1, support
    accuracy: float  # 0..1
    macro_f1: float  # 0..1
    loss: float  # mean cross-entropy, nats per example

    def summary(self) -> str | None:
        if self.split != "test":  # (the held-out scores are on the eval line)
            return None
        from engine.families.classify.evaluate import score_lines

        return "\n".join(score_lines(self, f"test set at step {self.step}"))


@register
@dataclass
class Misclassified(Event):
    """Held-out examples the model gets wrong now, the most confident mistakes first."""
    name: ClassVar[str] = "misclassified"
    KEEP_IN_HISTORY: ClassVar[int] = 1
    step: int
    wrong: int  # how many held-out examples are misclassified
    total: int  # held-out examples
    # The first few: {"text", "true", "predicted", "p"} (p: the predicted class's probability)
    examples: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> str:
        lines = [f"misclassified at step {self.step}: {self.wrong} of {self.total} held-out "
                 f"examples" + ("; the most confident:" if self.examples else "")]
        lines += [f"    {e['p']:.2f} {e['predicted']} (true {e['true']}): {_cut(e['text'])}"
                  for e in self.examples[:5]]
        return "\n".join(lines)

    def text_log(self) -> str:
        rows = "".join(f"{e['p']:.3f}\t{e['true']}\t{e['predicted']}\t{e['text']}\n"
                       for e in self.examples)
        return (f"--- step {self.step} · {self.wrong} of {self.total} held-out examples "
                f"misclassified (p, true, predicted, text) ---\n{rows}\n")


@register
@dataclass
class Explanation(Event):
    """A text the user typed: the model's class probabilities, the Naive Bayes baseline's,
    and one influence score per token (how much it moved the decision towards `predicted`:
    occlusion, gradient x input, or the attention weights)."""
    name: ClassVar[str] = "explanation"
    KEEP_IN_HISTORY: ClassVar[int] = 10
    step: int
    text: str
    tokens: list[str]  # as the model reads them (in the user's case)
    scores: list[float]  # one per token
    method: str  # occlusion | gradient_x_input | attention
    classes: list[str]
    probs: list[float]  # the model's P(class | text)
    baseline_probs: list[float] = field(default_factory=list)  # Naive Bayes ([] if none)
    unknown: int = 0  # tokens read as <unk>
    joiner: str = ""  # how the tokens are put back together: "" characters, " " words

    @property
    def predicted(self) -> str:
        return self.classes[max(range(len(self.probs)), key=self.probs.__getitem__)]

    def summary(self) -> str:
        line = f"    {_cut(self.text)!r} -> {self.predicted} ({max(self.probs):.3f})"
        if self.baseline_probs:
            k = max(range(len(self.baseline_probs)), key=self.baseline_probs.__getitem__)
            line += f" · naive Bayes {self.classes[k]} ({self.baseline_probs[k]:.3f})"
        return line


def _cut(text: str, most: int = 80) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"
