"""The recurrent language model (characters or words): Embedding -> Recurrent -> Dropout -> head.

    e_t = Dropout(E[x_t])                 (B, T, embed)   a learned vector per token
    h_t = cell(e_t, h_{t-1})              (B, T, hidden)  stacked LSTM / GRU / vanilla RNN
    logits_t = W_y Dropout(h_t) + b_y     (B, T, V)       unnormalised log-probabilities
    loss = -1/(B T) Σ log softmax(logits_t)[y_t]          mean cross-entropy, nats per token

The head is one of three (`head_kind`):
  full      Linear(hidden -> V), the character model's
  tied      W_y = E, the embedding matrix (tying.tied_head; a projection hidden -> embed
            first when the sizes differ): a V x embed matrix fewer, and better words
  adaptive  nn.AdaptiveLogSoftmaxWithLoss (Grave et al. 2017): the frequent words in a
            full softmax, rarer ones in clusters behind smaller projections, so a step no
            longer pays hidden x V for every position. Its "logits" are log-probabilities
            (log_softmax of them is themselves), and training asks it for the loss only.

`forward` runs the fused recurrent kernel (training, evaluation); `forward_unrolled` runs
the textbook cells on the same weights (probes, gates view); `step` advances one character
(sampling).
"""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from engine.families.lm.config import LMConfig
from engine.errors import EngineError
from engine.families.lm.tying import tied_head
from engine.recurrent import Hidden, Recurrent, Unrolled


def adaptive_cutoffs(vocab_size: int) -> list[int]:
    """Cluster edges of the adaptive softmax: the head holds the 2,000 most frequent words
    (about 80% of running text), then clusters up to 10,000 and the rest (fewer for a small
    vocabulary): the cutoffs benchmarks/wordlm_cost.py measured."""
    cutoffs = [c for c in (2000, 10000) if c < vocab_size - 1]
    return cutoffs or [max(1, vocab_size // 2)]


class CharLM(nn.Module):
    def __init__(self, vocab_size: int, cell: str = "lstm", embed: int = 64, hidden: int = 512,
                 layers: int = 2, dropout: float = 0.2, nonlinearity: str = "tanh",
                 tied: bool = False, softmax: str = "full") -> None:
        super().__init__()
        if vocab_size < 1:
            raise EngineError(f"vocabulary is empty (vocab_size = {vocab_size})")
        self.vocab_size, self.cell = vocab_size, cell
        self.embedding = nn.Embedding(vocab_size, embed)
        self.rnn = Recurrent(cell, embed, hidden, layers, dropout, bidirectional=False,
                             nonlinearity=nonlinearity)
        self.drop = nn.Dropout(dropout)  # on the embeddings and on the top layer's output
        self.adaptive = softmax == "adaptive"
        if self.adaptive:
            self.head = nn.AdaptiveLogSoftmaxWithLoss(hidden, vocab_size,
                                                      adaptive_cutoffs(vocab_size),
                                                      div_value=4.0)
        elif tied:
            self.head = tied_head(self.embedding, hidden)
        else:
            self.head = nn.Linear(hidden, vocab_size)
        # PyTorch's default init (uniform ±1/sqrt(H) for recurrent weights, N(0, 1) for the
        # embedding) is kept as is. The popular forget-gate bias of 1.0 (Jozefowicz et al.
        # 2015) was measured here and made a 256x2 char LSTM *worse* after 300 steps
        # (val 1.884 vs 1.846 nats/char), so it is not applied.

    @classmethod
    def from_config(cls, cfg: LMConfig, vocab_size: int) -> "CharLM":
        return cls(vocab_size, cell=cfg.model, embed=cfg.embed, hidden=cfg.hidden,
                   layers=cfg.layers, dropout=cfg.dropout, nonlinearity=cfg.nonlinearity,
                   tied=cfg.tied, softmax=cfg.softmax)

    def init_hidden(self, batch: int, device: Optional[torch.device] = None) -> Hidden:
        return self.rnn.init_hidden(batch, device)

    def forward(self, idx: Tensor, hidden: Optional[Hidden] = None,
                targets: Optional[Tensor] = None
                ) -> tuple[Tensor, Optional[Tensor], Hidden]:
        """idx (B, T) long -> logits (B, T, V), mean CE loss (nats) or None, final hidden.
        (The adaptive head, given targets, returns the loss alone: logits None.)"""
        x = self.drop(self.embedding(idx))  # (B, T, embed)
        out, hidden = self.rnn(x, hidden)  # (B, T, H), fused kernel
        out = self.drop(out)
        if self.adaptive and targets is not None:  # the loss without the (B, T, V) logits
            return None, self.head(out.reshape(-1, out.size(-1)), targets.reshape(-1)).loss, \
                hidden
        logits = self._logits(out)  # (B, T, V)
        return logits, self._loss(logits, targets), hidden

    def forward_unrolled(self, idx: Tensor, hidden: Optional[Hidden] = None,
                         record_gates: bool = False) -> tuple[Tensor, Unrolled]:
        """Same as forward but through the textbook cells: logits (B, T, V) and the Unrolled
        record (every h_t in the graph, gates if asked)."""
        x = self.drop(self.embedding(idx))
        u = self.rnn.unrolled(x, hidden, record_gates=record_gates)
        return self._logits(self.drop(u.out)), u

    def step(self, idx_t: Tensor, hidden: Optional[Hidden] = None) -> tuple[Tensor, Hidden]:
        """One character per stream: idx_t (B,) long -> logits (B, V), new hidden."""
        x = self.drop(self.embedding(idx_t))  # (B, embed)
        out, hidden = self.rnn.step(x, hidden)  # (B, H)
        return self._logits(self.drop(out)), hidden

    def _logits(self, out: Tensor) -> Tensor:
        """(..., H) -> (..., V); the adaptive head's are log-probabilities."""
        if not self.adaptive:
            return self.head(out)
        return self.head.log_prob(out.reshape(-1, out.size(-1))).view(*out.shape[:-1], -1)

    @staticmethod
    def _loss(logits: Tensor, targets: Optional[Tensor]) -> Optional[Tensor]:
        if targets is None:
            return None
        # Flatten (B, T, V) -> (B*T, V): every position is one classification over V chars.
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
