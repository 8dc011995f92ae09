"""The one-to-many model: one label in, a name out, one character at a time.

    label (B,)  -> e_label (B, Le)                  a learned vector per label
    condition "init":  h_0 = tanh(W e_label + b) for every layer (L, B, H); an LSTM's c_0 = 0
    condition "input": the same h_0, and e_label concatenated to every character's vector
    x (B, S) -> embed (B, S, E) [+ e_label] -> Recurrent -> (B, S, H) -> head -> (B, S, V)
    loss: cross-entropy of the next character (the end included), padding ignored
"""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from engine.families.onetomany.data import PAD
from engine.recurrent import Hidden, Recurrent


class OneToManyModel(nn.Module):
    def __init__(self, vocab_size: int, n_labels: int, cell: str = "gru", embed: int = 32,
                 hidden: int = 128, layers: int = 1, label_embed: int = 16,
                 condition: str = "init", dropout: float = 0.0) -> None:
        super().__init__()
        self.condition = condition
        self.label = nn.Embedding(n_labels, label_embed)
        self.to_h0 = nn.Linear(label_embed, layers * hidden)  # one h_0 per layer
        self.embed = nn.Embedding(vocab_size, embed)
        extra = label_embed if condition == "input" else 0
        self.rnn = Recurrent(cell, embed + extra, hidden, layers, dropout=dropout)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, vocab_size)

    def initial(self, labels: Tensor) -> tuple[Tensor, Hidden]:
        """(e_label (B, Le), the hidden state the label sets: (L, B, H) or (h, c))."""
        e = self.label(labels)
        L, H = self.rnn.num_layers, self.rnn.hidden_size
        h0 = torch.tanh(self.to_h0(e)).view(-1, L, H).transpose(0, 1).contiguous()
        return e, ((h0, torch.zeros_like(h0)) if self.rnn.cell == "lstm" else h0)

    def features(self, x: Tensor, e: Tensor) -> Tensor:
        """What the recurrent layer reads: (B, S, E [+ Le])."""
        v = self.drop(self.embed(x))
        if self.condition == "input":
            v = torch.cat([v, e.unsqueeze(1).expand(-1, x.shape[1], -1)], dim=-1)
        return v

    def forward(self, x: Tensor, labels: Tensor, y: Optional[Tensor] = None
                ) -> tuple[Tensor, Optional[Tensor]]:
        e, h0 = self.initial(labels)
        out, _ = self.rnn(self.features(x, e), h0)
        logits = self.head(self.drop(out))  # (B, S, V)
        if y is None:
            return logits, None
        return logits, F.cross_entropy(logits.flatten(0, 1), y.flatten(), ignore_index=PAD)
