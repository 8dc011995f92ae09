"""The "hello" network: one-hot x_t -> Recurrent -> Linear, as the slide draws it.

    x   (B, T) long ids     -> one_hot  (B, T, V)    V = 4 for h, e, l, o
    rnn (B, T, V) -> (B, T, H)   vanilla:  h_t = tanh(W_xh x_t + W_hh h_{t-1} + b)
    head  (B, T, H) -> logits (B, T, V)    y_t = W_hy h_t + b_y
    loss  cross-entropy of the next character, averaged over the T steps

No embedding: the slide feeds the one-hot vector itself, so W_xh's column for a character is
what that character adds to the state.
"""

from __future__ import annotations

from typing import Optional

import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from engine.recurrent import Recurrent


class HelloModel(nn.Module):
    def __init__(self, vocab_size: int, cell: str = "rnn", hidden: int = 3, layers: int = 1,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.vocab_size = vocab_size
        self.rnn = Recurrent(cell, vocab_size, hidden, layers, dropout=dropout)
        self.head = nn.Linear(hidden, vocab_size)

    def one_hot(self, x: Tensor) -> Tensor:
        """(B, T) ids -> (B, T, V) floats in the weights' dtype."""
        return F.one_hot(x, self.vocab_size).to(self.head.weight.dtype)

    def forward(self, x: Tensor, targets: Optional[Tensor] = None
                ) -> tuple[Tensor, Optional[Tensor]]:
        out, _ = self.rnn(self.one_hot(x))  # (B, T, H)
        logits = self.head(out)  # (B, T, V)
        if targets is None:
            return logits, None
        return logits, F.cross_entropy(logits.flatten(0, 1), targets.flatten())
