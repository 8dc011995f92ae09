"""A fake tagging trainer for the app tests (engine.training.loop.Trainer's protocol, no torch):
re-tagged probe sentences, per-tag scores after each evaluation, probes with a forward and a
backward row."""

from __future__ import annotations

from typing import Any, Iterator

from fake_trainer import FakeTrainer, loss_at

from engine import events as ev
from engine.errors import EngineError
from engine.families.tag.events import TagScores, Tagged
PROBE_SENTENCES = [
    ("Yesterday , Harry Potter met Hermione Granger .".split(),
     ["NOUN", "PUNCT", "PROPN", "PROPN", "VERB", "PROPN", "PROPN", "PUNCT"]),
    ("The owl flew over the old castle".split(),
     ["DET", "NOUN", "VERB", "ADP", "DET", "ADJ", "NOUN"]),
]
TAGS = ["NOUN", "PUNCT", "VERB", "PROPN", "DET", "ADP", "ADJ"]


class FakeTagTrainer(FakeTrainer):
    """The tagging trainer's protocol: every 20 steps the probe sentences re-tagged (two
    wrong tags before step 20), an Eval with the tagging metrics and the per-tag scores
    every 15, probes with a forward and a backward row per layer every 10;
    `request("predict", text=)` answers with the user's sentence tagged."""

    def request(self, kind: str, **args: Any) -> None:
        if kind != "predict":
            raise EngineError(f"a tag model cannot {kind}")
        self._request(("request_predict", args.get("text")))

    def _serve(self) -> Iterator[ev.Event]:
        with self._cond:
            pending = [r for r in self._pending if r[0] == "request_predict"]
            self._pending = [r for r in self._pending if r[0] != "request_predict"]
        yield from super()._serve()
        for _, text in pending:
            if text is None:
                yield self._tagged(self.step)
                continue
            tokens = text.replace(".", " .").replace(",", " ,").split()
            tags = ["PROPN" if t[:1].isupper() else "PUNCT" if t in ".," else "NOUN"
                    for t in tokens]
            yield Tagged(step=self.step, kind="yours", sentences=[{
                "tokens": tokens, "tags": tags, "gold": [],
                "probs": [0.55 + 0.4 * ((i * 3) % 5) / 4 for i in range(len(tokens))]}])

    def _tagged(self, s: int) -> Tagged:
        out = []
        for tokens, gold in PROBE_SENTENCES:
            tags = list(gold)
            if s < 20:  # wrong at first, right from step 20
                tags[-2] = "NOUN" if tags[-2] != "NOUN" else "VERB"
                tags[0] = "PROPN"
            out.append({"tokens": tokens, "tags": tags, "gold": gold,
                        "probs": [0.9] * len(tokens)})
        return Tagged(step=s, kind="probe", sentences=out)

    def _scores(self, s: int) -> TagScores:
        n = len(TAGS)
        counts = [[(200 - 20 * i if i == j else (i + j) % 4) for j in range(n)]
                  for i in range(n)]
        per = [{"tag": t, "correct": counts[i][i], "total": sum(counts[i]),
                "accuracy": counts[i][i] / sum(counts[i])} for i, t in enumerate(TAGS)]
        return TagScores(step=s, metrics={"accuracy": 0.9}, per_tag=per,
                         confusion={"tags": TAGS, "counts": counts})

    def _probe(self) -> ev.Probe:
        T, k = 9, 4
        D = 2 if self.config.bidirectional else 1
        rows = []
        for _ in range(self.config.layers):
            rows.append([0.8 ** (k - t) if t <= k else 0.0 for t in range(T)])
            if D == 2:
                rows.append([0.7 ** (t - k) if t >= k else 0.0 for t in range(T)])
        return ev.Probe(step=self.step, grad_norms=rows, global_norm=0.9, clipped_norm=0.9,
                        clip_fraction=0.0)

    def _opening(self) -> Iterator[ev.Event]:
        yield ev.Started(config=self.config.to_dict(), device="cpu (1 thread)",
                         vocab_size=5129, parameters=616_945, train_chars=28_119,
                         val_chars=28_397, step=self.step, resumed=self.step > 0,
                         family="tag")
        if not self.step:
            yield ev.Baselines(losses={"word→tag counts": 0.7016}, metrics={
                "most frequent tag": {"accuracy": 0.8177, "accuracy_unseen": 0.3955}})

    def _scheduled(self, s: int) -> Iterator[ev.Event]:
        if s % 10 == 0:
            yield self._probe()
        if s % 20 == 0:
            yield self._tagged(s)
        if s % 15 == 0 or s == self.script_steps:
            yield ev.Eval(step=s, val_loss=loss_at(s) - 1.0, best=True,
                          metrics={"accuracy": min(0.95, 0.5 + s / 100),
                                   "accuracy_unseen": min(0.85, 0.3 + s / 100),
                                   "tokens": 28_397, "unseen_tokens": 5_412})
            yield self._scores(s)  # like the real task: after every evaluation
