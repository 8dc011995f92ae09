"""The vanishing-gradient lab as a task family: one dependency across a distance T.

Each step trains on `batch_size` fresh sequences of the task (adding, copy or recall,
engine/families/longrange/tasks.py). The batch of step k is drawn from a generator seeded by
(seed, k) alone, so a resumed run draws exactly the batches it would have drawn, with nothing
to save. Every evaluation scores the same fixed held-out set, and the probes look at its
first `probe_batch` sequences: the gradient per position, the Jacobian picture, examples.
"""

from __future__ import annotations

from typing import Any

import torch

from engine.errors import EngineError, check_cancel
from engine.events import Baselines, Event
from engine.families.longrange.config import LongRangeConfig
from engine.families.longrange.events import Examples, Jacobian
from engine.families.longrange.tasks import COPY_COUNT, Task as TaskData, make_task
from engine.recurrent import eval_mode
from engine.task import Evaluation, Task

EVAL_CHUNK = 250  # held-out sequences per forward pass (bounds the evaluation's memory)
EXAMPLES = 4  # held-out sequences shown with the model's answers
CELL_WIDTH = {"lstm": 6, "gru": 5, "rnn": 2, "irnn": 2}  # values per unit autograd keeps per step
# Per task (its headline metric: LongRangeConfig.HEADLINES): the unit of one loss term, what
# the loss is, and the headline value that counts as solved.
METRICS: dict[str, tuple[str, str, float]] = {
    "adding": ("sequence", "MSE", 0.01),
    "copy": ("step", "nats/step", 0.01),
    "recall": ("sequence", "nats/sequence", 0.99),
}
BASELINE_NAMES = {"adding": "predict 1", "copy": "no memory", "recall": "chance"}


class LongRangeTask(Task):
    Config = LongRangeConfig
    unit = "sequence"

    def __init__(self, config: LongRangeConfig, saved_meta: dict[str, Any] | None = None):
        super().__init__(config, saved_meta)
        self.headline = config.headline()
        self.unit, _, self.target = METRICS[config.task]
        self.data: TaskData = _task_data(config)  # cheap: draws nothing yet
        self.heldout: tuple[torch.Tensor, torch.Tensor] | None = None

    @classmethod
    def loss_label(cls, config: LongRangeConfig) -> str:
        return METRICS[config.task][1]

    # --- setup --------------------------------------------------------------------------

    def load_data(self) -> None:
        x, y = self.data.heldout()
        self.heldout = (x.to(self.device), y.to(self.device))

    def build_model(self) -> torch.nn.Module:
        from engine.families.longrange.model import LongRangeModel, LongRangeModelConfig

        cfg = self.config
        return LongRangeModel(self.data, LongRangeModelConfig(
            model=cfg.model, hidden=cfg.hidden, layers=cfg.layers, embed=cfg.embed,
            init=None if cfg.init == "auto" else cfg.init, forget_bias=cfg.forget_bias,
            chrono=cfg.chrono and cfg.model == "lstm", dropout=cfg.dropout))

    def summary(self) -> dict[str, int]:
        return {"vocab_size": self.data.vocab_size or self.data.input_features,
                "train_size": 0, "val_size": self.config.heldout}

    def baselines(self) -> Baselines:
        name, d = BASELINE_NAMES[self.data.name], self.data
        return Baselines(losses={name: d.baseline_loss}, metrics={name: {d.metric: d.baseline}})

    def activation_bytes(self) -> int:
        from engine.training.memory import activation_bytes

        cfg = self.config
        width = cfg.embed + cfg.layers * cfg.hidden * CELL_WIDTH[cfg.model] + 2 * COPY_COUNT
        return activation_bytes(cfg.batch_size, self.data.seq_len, width)

    def smaller_hint(self) -> str:
        return "make it smaller (--hidden, --layers, --batch-size, --length)"

    # --- training -----------------------------------------------------------------------

    def next_batch(self, step: int, progress: float | None) -> tuple[torch.Tensor, torch.Tensor]:
        # A generator per (seed, step): the same batch whether or not the run was resumed.
        gen = self.data.generator(f"train|step={step}", self.config.seed)
        x, y = self.data.sample(self.config.batch_size, gen)
        x, y = (self.shard.take(t) for t in (x, y))  # under torchrun: a share
        return x.to(self.device), y.to(self.device)

    def forward(self, model, batch) -> tuple[Any, torch.Tensor]:
        return model(*batch)

    def batch_tokens(self, batch) -> int:
        return batch[0].shape[0] * self.data.seq_len  # timesteps read

    def loss_weight(self, batch) -> int:
        return batch[0].shape[0]  # the loss is a mean over examples

    # --- side jobs ------------------------------------------------------------------------

    @torch.no_grad()
    def evaluate(self, model) -> Evaluation:
        """The held-out loss and the task's metric by name: mse (adding), accuracy (recall),
        and for copy `copied`, the share of the 10 symbols recalled right."""
        x, y = self.heldout
        d, n = self.data, x.shape[0]
        loss_sum, right = 0.0, 0.0
        with eval_mode(model):
            for i in range(0, n, EVAL_CHUNK):
                check_cancel(self.cancel)
                out, loss = model(x[i:i + EVAL_CHUNK], y[i:i + EVAL_CHUNK])
                m = out.shape[0]
                loss_sum += float(loss) * m
                if d.metric == "accuracy":
                    right += float((out.argmax(-1) == y[i:i + m]).sum())
                elif d.metric == "loss":  # the recalled symbols: the last 10 steps
                    tail = out[:, -COPY_COUNT:].argmax(-1) == y[i:i + m, -COPY_COUNT:]
                    right += float(tail.float().mean(-1).sum())
        loss = loss_sum / n
        metrics = {"mse": loss} if d.metric == "mse" else \
            {"accuracy" if d.metric == "accuracy" else "copied": right / n}
        return Evaluation(loss, metrics)

    def evaluate_data(self, model, spec: str | None) -> list[str]:
        if spec is not None:
            raise EngineError(f"the {self.config.task} task is generated: there is no data "
                              f"file to evaluate on (leave --corpus/--pairs out)")
        self.load_data()
        e = self.evaluate(model)
        shown = "".join(f" · {k} {v:.4g}" for k, v in e.metrics.items() if k != "mse")
        return [f"{e.val_loss:.4f} {self.loss_label(self.config)}{shown} on the "
                f"{self.config.heldout:,} held-out {self.config.task} sequences at T = "
                f"{self.config.length} (baseline {self.data.baseline:.4f})"]

    def _probe_set(self) -> tuple[torch.Tensor, torch.Tensor]:
        x, y = self.heldout
        n = self.config.probe_batch
        return x[:n], y[:n]

    def gradient_probe(self, model) -> list[list[float]]:
        """||dL/dh_t|| per layer and position, L the loss on the final answer."""
        from engine.families.longrange.probes import gradient_per_position

        return gradient_per_position(model, *self._probe_set())

    def probe_events(self, model, step: int) -> list[Event]:
        """The Jacobian picture: ||dh_T/dh_t|| per layer, sigma_max of each W_hh block."""
        from engine.families.longrange.probes import jacobian_picture

        x, _ = self._probe_set()
        return [Jacobian(step=step, **jacobian_picture(model, x, seed=step))]

    def sample(self, model, step: int) -> list[Event]:
        from engine.families.longrange.probes import decode_examples

        x, y = self.heldout
        return [Examples(step=step, task=self.data.name,
                         **decode_examples(model, x[:EXAMPLES], y[:EXAMPLES]))]


def _task_data(cfg: LongRangeConfig) -> TaskData:
    """The generator of the config's task (its held-out set fixed by data_seed and T)."""
    extra = {"keys": cfg.keys, "distractors": cfg.distractors, "lures": cfg.lures} \
        if cfg.task == "recall" else {}
    return make_task(cfg.task, cfg.length, heldout_size=cfg.heldout,
                     heldout_seed=cfg.data_seed, **extra)
