"""What the classifier's view draws, as plain functions of its events (no widgets here):
the confusion matrix's labels and row shares, a typed text coloured by each token's
influence, the class probabilities of the RNN and of Naive Bayes, the word-order note.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

from rich.text import Text

from engine.families.classify.events import Explanation
from rnn_tui.widgets.canvas import DIVERGING, level, safe_label, text_on

RNN_COLOUR, NB_COLOUR = "#4fc3f7", "#ba68c8"
TOP = 5  # classes shown in the probability bars


def confusion_labels(classes: Sequence[str]) -> tuple[list[str], list[str]]:
    """(row labels, column labels): the class names down the side; across the top the names
    themselves when they are short ("0", "1"), else the rows' numbers ("Essari 3" -> 3)."""
    if all(len(c) <= 2 for c in classes):
        return list(classes), list(classes)
    width = len(str(len(classes) - 1))
    return ([f"{c[:11 - width]} {i:>{width}}" for i, c in enumerate(classes)],
            [str(i) for i in range(len(classes))])


def row_shares(matrix: Sequence[Sequence[int]]) -> list[list[float]]:
    """Each row divided by its total: the share of a true class predicted as each class
    (so a class of 40 examples is as visible as one of 3,000); an empty row is NaN."""
    out = []
    for row in matrix:
        n = sum(row)
        out.append([v / n if n else math.nan for v in row])
    return out


def top_classes(e: Explanation, k: int = TOP) -> tuple[list[str], list[float], list[float]]:
    """The k classes the RNN finds likeliest, with the RNN's and Naive Bayes' probability
    of each (Naive Bayes' own favourite added when it is not among them)."""
    order = sorted(range(len(e.probs)), key=lambda i: -e.probs[i])[:k]
    if e.baseline_probs:
        nb_top = max(range(len(e.baseline_probs)), key=e.baseline_probs.__getitem__)
        if nb_top not in order:
            order[-1] = nb_top
    nb = [e.baseline_probs[i] for i in order] if e.baseline_probs else []
    return [e.classes[i] for i in order], [e.probs[i] for i in order], nb


def influence_text(e: Explanation) -> Text:
    """The tokens on a blue (against the predicted class) - red (for it) background, as
    strong as the token's score relative to the largest one."""
    top = max((abs(s) for s in e.scores), default=0.0) or 1.0
    out = Text()
    for i, (token, score) in enumerate(zip(e.tokens, e.scores)):
        if i and e.joiner and not _punctuation(token):  # "Mary, who", not "Mary , who"
            out.append(e.joiner)
        colour = DIVERGING[level(0.5 + 0.5 * score / top)]
        out.append(safe_label(token), style=f"{text_on(colour)} on {colour}")
    return out


def _punctuation(token: str) -> bool:
    return len(token) == 1 and not token.isalnum() and token not in "([{\"'"


def counts_text(classes: Sequence[str], matrix: Sequence[Sequence[int]]) -> Text:
    """The confusion counts as a small table (for a few classes, where the heatmap's cells
    say little): one row per true class, the right answers in green."""
    width = max(5, *(len(str(v)) + 1 for row in matrix for v in row))
    name_w = max(len(c) for c in classes)
    out = Text("counts: rows true, columns predicted\n", style="dim")
    out.append(" " * name_w + "".join(f"{c[:width - 1]:>{width}}" for c in classes),
               style="bold")
    for i, (name, row) in enumerate(zip(classes, matrix)):
        out.append(f"\n{name:>{name_w}}", style="bold")
        for j, v in enumerate(row):
            out.append(f"{v:>{width}}", style="green" if i == j else "")
    return out


def _bag(e: Explanation) -> list[str]:
    return sorted(t.lower() for t in e.tokens if t.strip())


def bag_note(e: Explanation, earlier: Sequence[Explanation]) -> Text:
    """When an earlier text has the same tokens in another order (the AI504 pair): what
    Naive Bayes and the RNN gave each, for the class the RNN predicts now."""
    same = next((p for p in reversed(earlier) if p.text != e.text and _bag(p) == _bag(e)
                 and p.classes == e.classes), None)
    if same is None:
        return Text()
    c = e.classes.index(e.predicted)
    out = Text(f"same words as {_short(same.text)!r}, in another order: ", style="bold")
    if e.baseline_probs and same.baseline_probs:
        a, b = same.baseline_probs[c], e.baseline_probs[c]
        verdict = "identical: a bag of words has no order" if abs(a - b) < 1e-9 else \
            "different"
        out.append(f"naive Bayes P({e.predicted}) {a:.4f} vs {b:.4f} ({verdict}) · ",
                   style=NB_COLOUR)
    out.append(f"RNN {same.probs[c]:.4f} vs {e.probs[c]:.4f} "
               f"({'the same' if abs(same.probs[c] - e.probs[c]) < 1e-9 else 'it reads the order'})",
               style=RNN_COLOUR)
    return out


def mistake_line(example: dict[str, Any]) -> Text:
    """'0.97 Ovrand ✗ true Kettish  Voslurrum'."""
    line = Text(f"{example['p']:.2f} ", style="dim")
    line.append(str(example["predicted"]), style="bold red")
    line.append(" ✗ true ", style="dim")
    line.append(str(example["true"]), style="bold green")
    line.append("  " + safe_label(" ".join(str(example["text"]).split())))
    return line


def _short(text: str, most: int = 60) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"
