"""The classifier trainer's protocol for the app tests (no torch): a Confusion event after
every Eval (accuracy and macro-F1 in its metrics), a Misclassified event every 20 steps,
gradient probes over the input positions every 10, the majority and Naive Bayes baselines;
`request("predict", text=...)` answers with an Explanation whose Naive Bayes probabilities
depend only on the bag of words (so the AI504 pair gets the same ones) and whose RNN
probabilities depend on the order."""

from __future__ import annotations

import math
import re
from typing import Any, Iterator

from fake_trainer import FakeTrainer, loss_at

from engine import events as ev
from engine.errors import EngineError
from engine.families.classify.events import Confusion, Explanation, Misclassified

CLASSES = ["Essari", "Ovrand", "Brodny", "Kettish", "Moanu"]
MISTAKES = [("Voslurrum", "Kettish", "Ovrand", 0.96), ("Mälnälvävi", "Essari", "Ovrand", 0.91),
            ("Lyhyvi", "Kettish", "Essari", 0.74)]


def _softmax(xs: list[float]) -> list[float]:
    top = max(xs)
    e = [math.exp(x - top) for x in xs]
    return [v / sum(e) for v in e]


def explanation(step: int, text: str) -> Explanation:
    words = re.findall(r"\w+|[^\w\s]", text)  # words and punctuation, as the engine's
    bag = sum(sum(map(ord, w.lower())) for w in words)  # order-free
    ordered = sum((i + 1) * sum(map(ord, w)) for i, w in enumerate(words))  # order-aware
    C = len(CLASSES)
    nb = _softmax([((bag * (k + 3)) % 17) / 4 for k in range(C)])
    rnn = _softmax([((ordered * (k + 5)) % 13) / 3 for k in range(C)])
    scores = [math.sin(i + len(w)) for i, w in enumerate(words)]
    return Explanation(step=step, text=text, tokens=words, scores=scores, method="occlusion",
                       classes=CLASSES, probs=rnn, baseline_probs=nb,
                       unknown=int("zzz" in text), joiner=" ")


class FakeClassifyTrainer(FakeTrainer):
    """The classifier's protocol: predictions, per-class scores, explanations."""

    FAMILY = "classify"

    def request(self, kind: str, **args: Any) -> None:
        if kind != "predict":
            raise EngineError(f"a classify model cannot {kind}")
        self._request(("request_predict", args.get("text", "")))

    def _serve(self) -> Iterator[ev.Event]:
        with self._cond:
            mine = [r for r in self._pending if r[0] == "request_predict"]
            self._pending = [r for r in self._pending if r[0] != "request_predict"]
        yield from super()._serve()
        for _, text in mine:
            yield explanation(self.step, text)

    def _opening(self) -> Iterator[ev.Event]:
        yield ev.Started(config=self.config.to_dict(), device="cpu (1 thread)", vocab_size=33,
                         parameters=79_188, train_chars=11_696, val_chars=2_924,
                         step=self.step, resumed=self.step > 0, family=self.config.FAMILY)
        if not self.step:
            yield ev.Baselines(losses={"majority": 2.43, "naive Bayes": 2.71},
                               metrics={"majority": {"accuracy": 0.205, "macro_f1": 0.017},
                                        "naive Bayes": {"accuracy": 0.639,
                                                        "macro_f1": 0.412}})

    def _probe(self) -> ev.Probe:
        T = 9
        decay = {"lstm": 0.9, "gru": 0.8, "rnn": 0.5}[self.config.model]
        rows = self.config.layers * (2 if self.config.bidirectional else 1)
        return ev.Probe(step=self.step, grad_norms=[[decay ** (T - 1 - t) for t in range(T)]
                                                    for _ in range(rows)],
                        global_norm=1.3, clipped_norm=1.0, clip_fraction=0.5)

    def _confusion(self, s: int) -> Confusion:
        C, good = len(CLASSES), min(0.9, 0.3 + s / 60)
        support = [300, 240, 150, 16, 10]
        matrix = [[0] * C for _ in range(C)]
        for i, n in enumerate(support):
            right = int(n * good) if i < 3 else n // 4
            matrix[i][i] = right
            matrix[i][(i + 1) % C] = n - right
        per = []
        for i, name in enumerate(CLASSES):
            tp, col = matrix[i][i], sum(matrix[r][i] for r in range(C))
            p, r = tp / col if col else 0.0, tp / support[i]
            per.append({"name": name, "precision": p, "recall": r,
                        "f1": 2 * p * r / (p + r) if p + r else 0.0, "support": support[i]})
        acc = sum(matrix[i][i] for i in range(C)) / sum(support)
        return Confusion(step=s, split="held-out", classes=CLASSES, matrix=matrix,
                         per_class=per, accuracy=acc,
                         macro_f1=sum(r["f1"] for r in per) / C, loss=loss_at(s) - 1.0)

    def _scheduled(self, s: int) -> Iterator[ev.Event]:
        if s % 10 == 0:
            yield self._probe()
        if s % 15 == 0 or s == self.script_steps:
            c = self._confusion(s)
            yield ev.Eval(step=s, val_loss=c.loss, best=True,
                          metrics={"accuracy": c.accuracy, "macro_f1": c.macro_f1,
                                   "examples": 716})
            yield c
        if s % 20 == 0:
            yield Misclassified(step=s, wrong=716 - s * 10, total=716, examples=[
                {"text": t, "true": y, "predicted": p, "p": q} for t, y, p, q in MISTAKES])
