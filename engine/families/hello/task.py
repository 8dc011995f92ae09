"""The "hello" network as a task family: one word, learned by heart, every number shown.

Every optimizer step trains on the same single sequence (inputs word[:-1], targets
word[1:]), so the loss falls step by step as a learner presses `n`. The evaluation scores the
word itself: the loss, the share of next characters right, and the free-running (greedy)
decoding from the first character, with `spells` = 1 once it gives back the whole word.
"""

from __future__ import annotations

from typing import Any

import torch

from engine.errors import EngineError
from engine.events import Baselines, Event
from engine.families.hello.config import HelloConfig
from engine.families.hello.events import Unrolled
from engine.recurrent import eval_mode
from engine.task import Evaluation, Request, Task


class HelloTask(Task):
    Config = HelloConfig
    requests = ("unroll",)  # the view asks for the picture of the model as it is now

    def __init__(self, config: HelloConfig, saved_meta: dict[str, Any] | None = None):
        super().__init__(config, saved_meta)
        self.vocab = config.vocab()
        ids = [self.vocab.index(c) for c in config.word]
        self.x = torch.tensor([ids[:-1]])  # (1, T): h e l l
        self.y = torch.tensor([ids[1:]])  # (1, T): e l l o

    # --- setup --------------------------------------------------------------------------

    def load_data(self) -> None:
        self.x, self.y = self.x.to(self.device), self.y.to(self.device)

    def build_model(self) -> torch.nn.Module:
        from engine.families.hello.model import HelloModel

        cfg = self.config
        return HelloModel(len(self.vocab), cfg.model, cfg.hidden, cfg.layers, cfg.dropout)

    def summary(self) -> dict[str, int]:
        n = self.x.shape[1]
        return {"vocab_size": len(self.vocab), "train_size": n, "val_size": n}

    def baselines(self) -> Baselines:
        # Guessing uniformly over the vocabulary: ln V nats per character.
        import math

        return Baselines(losses={"uniform": math.log(len(self.vocab))})

    # --- training -----------------------------------------------------------------------

    def next_batch(self, step: int, progress: float | None) -> tuple[torch.Tensor, torch.Tensor]:
        return self.x, self.y

    def forward(self, model, batch) -> tuple[Any, torch.Tensor]:
        return model(*batch)

    def batch_tokens(self, batch) -> int:
        return batch[0].numel()

    # --- side jobs ------------------------------------------------------------------------

    @torch.no_grad()
    def evaluate(self, model) -> Evaluation:
        from engine.families.hello.unroll import greedy

        with eval_mode(model):
            logits, loss = model(self.x, self.y)
        right = float((logits.argmax(-1) == self.y).float().mean())
        decoded = "".join(self.vocab[i] for i in greedy(model, int(self.x[0, 0]),
                                                          self.x.shape[1]))
        return Evaluation(float(loss), {"accuracy": right,
                                        "spells": float(decoded == self.config.word),
                                        "greedy": decoded})

    def gradient_probe(self, model) -> list[list[float]]:
        from engine.families.hello.unroll import gradient_norms

        return gradient_norms(model, self.x, self.y)

    def unrolled(self, model, step: int) -> Unrolled:
        from engine.families.hello.unroll import unroll

        return Unrolled(step=step, cell=self.config.model,
                        **unroll(model, self.x, self.y, self.vocab))

    def probe_events(self, model, step: int) -> list[Event]:
        return [self.unrolled(model, step)]

    def request(self, model, request: Request, step: int) -> list[Event]:
        return [self.unrolled(model, step)]

    def evaluate_data(self, model, spec: str | None) -> list[str]:
        if spec is not None:
            raise EngineError("the hello network learns one word: there is no data file to "
                              "evaluate on (leave --corpus out)")
        e = self.evaluate(model)
        return [f"{e.val_loss:.4f} nats/char on {self.config.word!r} · greedy "
                f"{e.metrics['greedy']!r} · next char right {e.metrics['accuracy']:.0%}"]
