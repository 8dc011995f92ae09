"""A classifier on a labelled set: log-probabilities, scores, the mistakes, and the lines
`rnn-tui eval` prints.

    logp = log_probs(model, encoder, texts, device)         # (N, C) numpy, in text order
    loss, s = scored(logp, labels, classes)                  # nats per example, metrics.Scores
    wrong, worst = mistakes(texts, labels, logp, classes, k=8)
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch

from engine.errors import check_cancel
from engine.families.classify.encode import TextEncoder, pad
from engine.families.classify.explain import evaluating
from engine.families.classify.metrics import Scores, scores

EVAL_BATCH = 256


@torch.no_grad()
def log_probs(model, encoder: TextEncoder, texts: Sequence[str], device, cancel=None
              ) -> np.ndarray:
    """(N, C) log P(class | text), in eval mode. The texts are batched by length (few padded
    steps) and put back in their order; `cancel()` is asked before each batch."""
    seqs = encoder.encode_all(texts)
    order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))
    out = np.zeros((len(seqs), model.n_classes), dtype=np.float64)
    with evaluating(model):
        for i in range(0, len(order), EVAL_BATCH):
            check_cancel(cancel)
            idx = order[i:i + EVAL_BATCH]
            ids, lengths = pad([seqs[j] for j in idx])
            logits, _ = model(ids.to(device), lengths.to(device))
            out[idx] = torch.log_softmax(logits.double(), -1).cpu().numpy()
    return out


def scored(logp: np.ndarray, labels: Sequence[int], classes: Sequence[str]
           ) -> tuple[float, Scores]:
    """(mean cross-entropy in nats, the scores of the argmax predictions)."""
    y = np.asarray(labels, dtype=np.int64)
    loss = float(-logp[np.arange(len(y)), y].mean()) if len(y) else float("nan")
    return loss, scores(list(y), list(logp.argmax(1)), classes)


def mistakes(texts: Sequence[str], labels: Sequence[int], logp: np.ndarray,
             classes: Sequence[str], k: int) -> tuple[int, list[dict[str, Any]]]:
    """(how many are wrong, the k most confident mistakes: text, true, predicted, p)."""
    pred = logp.argmax(1)
    wrong = [i for i, (p, y) in enumerate(zip(pred, labels)) if p != y]
    wrong.sort(key=lambda i: -logp[i, pred[i]])
    return len(wrong), [{"text": texts[i], "true": classes[labels[i]],
                         "predicted": classes[pred[i]], "p": float(np.exp(logp[i, pred[i]]))}
                        for i in wrong[:k]]


def score_lines(s: Any, what: str) -> list[str]:
    """The scores of `s` (a Confusion event, or anything with its fields) for a terminal:
    one line of metrics, the per-class table, the confusion matrix."""
    n = sum(map(sum, s.matrix))
    lines = [f"accuracy {s.accuracy:.2%} · macro-F1 {s.macro_f1:.2%} · loss {s.loss:.4f} "
             f"nats/example on {n:,} examples of {what}", ""]
    width = max(5, *(len(c) for c in s.classes))
    lines.append(f"  {'class':<{width}}  precision  recall     F1  support")
    for row in s.per_class:
        lines.append(f"  {row['name']:<{width}}  {row['precision']:9.3f}  {row['recall']:6.3f}"
                     f"  {row['f1']:5.3f}  {row['support']:7,}")
    return lines + [""] + confusion_lines(s.classes, s.matrix)


def confusion_lines(classes: Sequence[str], matrix: Sequence[Sequence[int]]) -> list[str]:
    """The matrix as text: rows are the true classes, columns the predicted ones (numbered
    as the rows, so 20 classes fit in a terminal)."""
    cell = max(3, len(str(max((max(r) for r in matrix), default=0))) + 1)
    label = max(len(c) for c in classes) + 4
    head = " " * label + "".join(f"{j:>{cell}}" for j in range(len(classes)))
    lines = ["confusion (rows: true class, columns: predicted, numbered as the rows)", head]
    for i, (name, row) in enumerate(zip(classes, matrix)):
        cells = "".join(f"{v:>{cell}}" if v else f"{'.':>{cell}}" for v in row)
        lines.append(f"{i:>2} {name:<{label - 3}}{cells}")
    return lines
