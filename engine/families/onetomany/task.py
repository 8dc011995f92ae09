"""One-to-many as a task family: names written for a chosen label.

Each step trains on `batch_size` names drawn from the training split by a generator seeded
by (seed, step) alone, so a resumed run draws the batches it would have drawn. The held-out
loss is in nats per character (the end of each name counts as one). Samples are names for
the chosen label (`--label`, `,`/`.` in the app), and one name for every label; `rnn-tui
sample DIR --label L` prints names for L.
"""

from __future__ import annotations

import math
from typing import Any, Iterator

import torch

from engine.errors import EngineError
from engine.events import Baselines, Event
from engine.families.onetomany.config import OneToManyConfig
from engine.families.onetomany.data import NameData, batch, load_names
from engine.families.onetomany.events import Names
from engine.recurrent import eval_mode
from engine.task import Evaluation, Request, Task

EVAL_BATCH = 512  # held-out names per forward pass
PROBE_NAMES = 16  # held-out names the gradient probe reads


class OneToManyTask(Task):
    Config = OneToManyConfig
    requests = ("sample",)

    def __init__(self, config: OneToManyConfig, saved_meta: dict[str, Any] | None = None):
        super().__init__(config, saved_meta)
        self.data: NameData | None = None

    # --- setup --------------------------------------------------------------------------

    def load_data(self) -> None:
        self.data = load_names(self.config)
        saved = self.saved_meta or {}
        if saved.get("vocab") is not None and (saved["vocab"] != self.data.vocab
                                               or saved["labels"] != self.data.labels):
            raise EngineError(f"{self.config.data}: its characters or labels are not the "
                              f"ones this model was trained with")
        self.label_id(self.config.label)  # an unknown --label is refused before training

    def build_model(self) -> torch.nn.Module:
        from engine.families.onetomany.model import OneToManyModel

        c, d = self.config, self._shape()
        return OneToManyModel(len(d["vocab"]), len(d["labels"]), c.model, c.embed, c.hidden,
                              c.layers, c.label_embed, c.condition, c.dropout)

    def _shape(self) -> dict[str, list[str]]:
        """The vocabulary and labels: the data's, or a checkpoint's before the data is read."""
        if self.data is not None:
            return {"vocab": self.data.vocab, "labels": self.data.labels}
        saved = self.saved_meta or {}
        if "vocab" not in saved:
            self.load_data()
            return self._shape()
        return {"vocab": saved["vocab"], "labels": saved["labels"]}

    def summary(self) -> dict[str, int]:
        d = self.data
        return {"vocab_size": len(d.vocab), "train_size": len(d.train),
                "val_size": len(d.val)}

    def warnings(self) -> list[str]:
        return [f"data: {self.data.source}"]

    def baselines(self) -> Baselines:
        """Uniform over the characters, and a character unigram of the training names."""
        counts = torch.zeros(len(self.data.vocab))
        for ids, _ in self.data.train:
            counts[ids] += 1
            counts[0] += 1
        p = counts / counts.sum()
        val = [i for ids, _ in self.data.val for i in [*ids, 0]]
        unigram = -float(torch.log(p[val].clamp_min(1e-12)).mean())
        return Baselines(losses={"uniform": math.log(len(self.data.vocab)),
                                 "unigram": unigram})

    def label_id(self, label: str) -> int:
        """The id of `label` ("": the label with the most training names)."""
        labels = self._shape()["labels"]
        if not label:
            counts = self.data.counts if self.data is not None else \
                (self.saved_meta or {}).get("counts", [1] * len(labels))
            return max(range(len(labels)), key=lambda k: counts[k])
        if label not in labels:
            raise EngineError(f"unknown label {label!r}; the labels are: "
                              f"{', '.join(labels)}")
        return labels.index(label)

    # --- training -----------------------------------------------------------------------

    def next_batch(self, step: int, progress: float | None):
        gen = torch.Generator().manual_seed((self.config.seed * 1_000_003 + step) % 2**63)
        picks = torch.randint(len(self.data.train), (self.config.batch_size,), generator=gen)
        mine = self.shard.take(picks.tolist())  # under torchrun: this rank's share
        return batch([self.data.train[i] for i in mine], self.device)

    def forward(self, model, b) -> tuple[Any, torch.Tensor]:
        x, y, labels = b
        return model(x, labels, y)

    def batch_tokens(self, b) -> int:
        return int((b[1] != -100).sum())

    def loss_weight(self, b) -> int:
        return self.batch_tokens(b)  # the loss is a mean over these tokens

    # --- side jobs ------------------------------------------------------------------------

    @torch.no_grad()
    def evaluate(self, model) -> Evaluation:
        total, n = 0.0, 0
        val = self.data.val
        with eval_mode(model):
            for i in range(0, len(val), EVAL_BATCH):
                x, y, labels = batch(val[i:i + EVAL_BATCH], self.device)
                _, loss = model(x, labels, y)
                k = int((y != -100).sum())
                total, n = total + float(loss) * k, n + k
        loss = total / n
        return Evaluation(loss, {"bits_per_char": loss / math.log(2)})

    def gradient_probe(self, model) -> list[list[float]]:
        """||dL/dh_t|| per layer and character position, mean over the first PROBE_NAMES
        held-out names (L: their mean loss per character): how far back a name's later
        characters still pull on its first states, and on the label's h_0."""
        import torch.nn.functional as F

        from engine.families.onetomany.data import PAD

        x, y, labels = batch(self.data.val[:PROBE_NAMES], self.device)
        with eval_mode(model), torch.enable_grad():
            e, h0 = model.initial(labels)
            u = model.rnn.unrolled(model.features(x, e).detach(), h0)
            logits = model.head(u.out)
            loss = F.cross_entropy(logits.flatten(0, 1), y.flatten(), ignore_index=PAD)
            flat = [h for layer in u.states for h in layer]
            grads = torch.autograd.grad(loss, flat, allow_unused=True)
        g = torch.stack([torch.zeros_like(h) if gr is None else gr
                         for h, gr in zip(flat, grads)])  # (L*S, B, H)
        L, S = len(u.states), x.shape[1]
        return g.view(L, S, *g.shape[1:]).norm(dim=-1).mean(dim=-1).tolist()

    def names(self, model, step: int, label: str, count: int, temperature: float,
              prime: str = "", seed: int | None = None) -> Names:
        from engine.families.onetomany.sampling import names_for

        d, k = self._shape(), self.label_id(label)
        self._check_prime(prime, d["vocab"])
        written = names_for(model, k, count, d["vocab"], temperature, prime, seed)
        per_label = {lab: names_for(model, j, 1, d["vocab"], temperature, "", seed)[0]
                     for j, lab in enumerate(d["labels"])}
        return Names(step=step, label=d["labels"][k], names=written, temperature=temperature,
                     labels=list(d["labels"]), per_label=per_label, prime=prime)

    @staticmethod
    def _check_prime(prime: str, vocab: list[str]) -> None:
        unknown = sorted({c for c in prime if c not in vocab[1:]})
        if unknown:
            raise EngineError(f"the model never saw {''.join(unknown)!r} in a name")

    def sample(self, model, step: int) -> list[Event]:
        c = self.config
        return [self.names(model, step, c.label, c.names_shown, c.temperature)]

    def request(self, model, request: Request, step: int) -> list[Event]:
        c, a = self.config, request.args
        return [self.names(model, step, a.get("label", c.label),
                           int(a.get("count") or c.names_shown),
                           float(a.get("temperature") or c.temperature), a.get("prime", ""))]

    def stream(self, model, request: Request) -> Iterator[str]:
        """`rnn-tui sample`: `count` names for `label` ("" or None: the label with the most
        training names), one a line."""
        from engine.families.onetomany.sampling import names_for

        c, a, d = self.config, request.args, self._shape()
        prime = a.get("prime", "")
        self._check_prime(prime, d["vocab"])
        names = names_for(model, self.label_id(a.get("label") or ""),
                          int(a.get("count", c.names_shown)), d["vocab"],
                          float(a.get("temperature", c.temperature)), prime, a.get("seed"),
                          bool(a.get("greedy")))
        return (name + "\n" for name in names)

    def evaluate_data(self, model, spec: str | None) -> list[str]:
        if spec is not None:
            raise EngineError("evaluate a one-to-many run on its own held-out names "
                              "(leave --data out)")
        self.load_data()
        e = self.evaluate(model)
        return [f"{e.val_loss:.4f} nats/char ({e.metrics['bits_per_char']:.3f} bits) on "
                f"{len(self.data.val):,} held-out names"]

    # --- checkpoint -----------------------------------------------------------------------

    def state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        return {"vocab": self.data.vocab, "labels": self.data.labels,
                "counts": self.data.counts}, {}
