"""The model for the long-range tasks: input projection -> Recurrent -> head.

    x  adding (B, T, 2) float  |  copy, recall (B, S) long token ids
    features(x)   (B, S, in)    adding: the 2 features as they are; tokens: an embedding
    rnn           (B, S, H)     engine.recurrent.Recurrent (fused for training; `unrolled` for
                                the Jacobian probe, on the same weights)
    head          adding   Linear(H, 1) at the last step  -> outputs (B,) float
                  recall   Linear(H, keys) at the last step -> logits (B, keys)
                  copy     Linear(H, 9) at every step       -> logits (B, S, 9)
    loss          MSE (adding), cross-entropy averaged over the batch (recall) or over every
                  step of every sequence (copy: the unit of its 10 ln 8 / (T + 20) baseline).

The adding task gets no extra input Linear: W_ih already projects the 2 features, and a second
linear map in front of it would only multiply into it (and change IRNN's input scale).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from engine.errors import EngineError
from engine.families.longrange.tasks import Task
from engine.families.longrange.weight_init import apply_init
from engine.recurrent import Recurrent

# --model name -> (Recurrent cell, nonlinearity, the init it implies when --init is not given)
MODELS: dict[str, tuple[str, str, str]] = {
    "rnn": ("rnn", "tanh", "default"),
    "irnn": ("rnn", "relu", "identity"),  # Le, Jaitly & Hinton 2015
    "gru": ("gru", "tanh", "default"),
    "lstm": ("lstm", "tanh", "default"),
}


@dataclass
class LongRangeModelConfig:
    model: str = "lstm"  # rnn | irnn | gru | lstm
    hidden: int = 128  # units per layer
    layers: int = 1  # stacked recurrent layers
    embed: int = 16  # token embedding size (copy, recall); adding feeds its features directly
    init: Optional[str] = None  # default | identity | orthogonal; None: the model's own
    forget_bias: Optional[float] = None  # LSTM only: the forget gate's starting bias
    chrono: bool = False  # LSTM only: chrono init of the gate biases, time scales up to S
    dropout: float = 0.0  # between stacked layers only


class LongRangeModel(nn.Module):
    def __init__(self, task: Task, cfg: Optional[LongRangeModelConfig] = None) -> None:
        super().__init__()
        cfg = cfg or LongRangeModelConfig()
        if cfg.model not in MODELS:
            raise EngineError(f"unknown model {cfg.model!r}; choose one of: "
                              f"{', '.join(MODELS)}")
        cell, nonlinearity, own_init = MODELS[cfg.model]
        self.task, self.cfg = task, cfg
        if task.vocab_size:
            self.embed: Optional[nn.Embedding] = nn.Embedding(task.vocab_size, cfg.embed)
            in_size = cfg.embed
        else:
            self.embed, in_size = None, task.input_features
        self.rnn = Recurrent(cell, in_size, cfg.hidden, cfg.layers, dropout=cfg.dropout,
                             nonlinearity=nonlinearity)
        apply_init(self.rnn, cfg.init or own_init, cfg.forget_bias,
                   chrono=task.seq_len if cfg.chrono else 0)
        self.head = nn.Linear(cfg.hidden, task.n_outputs)

    def features(self, x: Tensor) -> Tensor:
        """What the recurrent layer reads: (B, S, in). Also the Jacobian probe's input."""
        return self.embed(x) if self.embed is not None else x

    def forward(self, x: Tensor, targets: Optional[Tensor] = None
                ) -> tuple[Tensor, Optional[Tensor]]:
        """x as the task draws it -> (outputs in the head's format above, loss or None)."""
        out, _ = self.rnn(self.features(x))  # (B, S, H)
        return self.readout(out, targets)

    def readout(self, out: Tensor, targets: Optional[Tensor] = None
                ) -> tuple[Tensor, Optional[Tensor]]:
        """The head and the loss on the recurrent outputs out (B, S, H)."""
        head = self.task.head
        if head == "every_class":
            logits = self.head(out)  # (B, S, C)
            loss = None if targets is None else F.cross_entropy(logits.flatten(0, 1),
                                                                targets.flatten())
            return logits, loss
        last = self.head(out[:, -1])  # (B, n_outputs): only the final state is read
        if head == "last_value":
            pred = last.squeeze(-1)  # (B,)
            return pred, None if targets is None else F.mse_loss(pred, targets)
        return last, None if targets is None else F.cross_entropy(last, targets)
