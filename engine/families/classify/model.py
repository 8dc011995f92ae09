"""The many-to-one classifier: Embedding -> Recurrent -> pooling -> Linear.

    e_t = Dropout(E[x_t])                         (B, T, embed)
    h_t = RNN(e_t, h_{t-1})                       (B, T, D*H)   D = 2 if bidirectional:
                                                                h_t = [h→_t; h←_t]
    s   = pool(h_1..h_n)                          (B, D*H)      over the n real steps only
    y   = softmax(W Dropout(s) + b)               (B, C)        ADL: y = g(U [h→; h←] + c)

Pooling:
  last       the slides' picture: the forward RNN's state after the last real token, and
             (bidirectional) the backward RNN's state after reading back to the first
  mean, max  the average / elementwise maximum of h_t over the real steps
  attention  additive weights over the states (returned, so the app can show them):
             a_t = v^T tanh(W h_t + b),  alpha = softmax over real t,  s = sum_t alpha_t h_t

Padding never changes a prediction: the fused path packs the batch (each direction starts
and ends on each sequence's real tokens), the textbook path holds the state at padding
(`Recurrent.unrolled(lengths=...)`), and mean / max / attention mask the padded steps out.
`hidden` is the size of each direction, so a bidirectional model pools 2*hidden numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from engine.errors import EngineError
from engine.families.classify.encode import PAD_ID
from engine.recurrent import Hidden, Recurrent, Unrolled

POOLINGS = ("last", "mean", "max", "attention")


@dataclass
class ClassifierConfig:
    cell: str = "gru"  # lstm | gru | rnn
    embed: int = 64  # size of each token's learned vector
    hidden: int = 128  # hidden units per direction
    layers: int = 1  # stacked recurrent layers
    dropout: float = 0.1  # on the embeddings, between layers, and on the pooled vector
    bidirectional: bool = False  # a second RNN reads right to left: pooled [h→; h←]
    pooling: str = "last"  # last | mean | max | attention (see the module docstring)
    attn_size: int = 64  # width of the attention scorer (pooling "attention" only)
    nonlinearity: str = "tanh"  # tanh | relu, vanilla RNN only


@dataclass
class Reading:
    """Everything one forward pass computed, for the loss, the probes and the app."""
    logits: Tensor  # (B, C)
    pooled: Tensor  # (B, D*H) the sentence vector s
    states: Tensor  # (B, T, D*H) top layer's h_t, zeros at padding
    mask: Tensor  # (B, T) True on real tokens
    attention: Optional[Tensor]  # (B, T) alpha_t, 0 at padding; None unless "attention"
    unrolled: Optional[Unrolled] = None  # the textbook record (every h_t in the graph)


class Classifier(nn.Module):
    def __init__(self, vocab_size: int, n_classes: int,
                 cfg: Optional[ClassifierConfig] = None) -> None:
        super().__init__()
        cfg = cfg or ClassifierConfig()
        if cfg.pooling not in POOLINGS:
            raise EngineError(f"unknown pooling {cfg.pooling!r}; choose one of: "
                              f"{', '.join(POOLINGS)}")
        if vocab_size < 1 or n_classes < 2:
            raise EngineError(f"a classifier needs a vocabulary and >= 2 classes "
                              f"(got {vocab_size} tokens, {n_classes} classes)")
        self.cfg, self.n_classes = cfg, n_classes
        self.D = 2 if cfg.bidirectional else 1
        self.embedding = nn.Embedding(vocab_size, cfg.embed, padding_idx=PAD_ID)
        self.rnn = Recurrent(cfg.cell, cfg.embed, cfg.hidden, cfg.layers, cfg.dropout,
                             cfg.bidirectional, cfg.nonlinearity)
        self.drop = nn.Dropout(cfg.dropout)
        width = self.D * cfg.hidden
        self.attn = (nn.Sequential(nn.Linear(width, cfg.attn_size), nn.Tanh(),
                                   nn.Linear(cfg.attn_size, 1, bias=False))
                     if cfg.pooling == "attention" else None)  # a_t = v^T tanh(W h_t + b)
        self.head = nn.Linear(width, n_classes)

    def forward(self, ids: Tensor, lengths: Tensor, targets: Optional[Tensor] = None
                ) -> tuple[Tensor, Optional[Tensor]]:
        """ids (B, T) long, lengths (B,) long -> logits (B, C), mean cross-entropy or None."""
        logits = self.read(ids, lengths).logits
        loss = F.cross_entropy(logits, targets) if targets is not None else None
        return logits, loss

    def read(self, ids: Tensor, lengths: Tensor, unrolled: bool = False) -> Reading:
        """The forward pass with its inside: states, mask, attention weights; `unrolled`
        runs the textbook cells instead of the fused kernel (same function, same weights)."""
        return self.encode(self.embedding(ids), lengths, unrolled)

    def encode(self, emb: Tensor, lengths: Tensor, unrolled: bool = False) -> Reading:
        """From embeddings emb (B, T, embed) (what gradient x input differentiates)."""
        B, T, _ = emb.shape
        if int(lengths.min()) < 1 or int(lengths.max()) > T:
            raise ValueError(f"lengths must be in 1..{T}, got {lengths.tolist()}")
        x = self.drop(emb)
        mask = torch.arange(T, device=emb.device)[None, :] < lengths.to(emb.device)[:, None]
        u = None
        if unrolled:
            u = self.rnn.unrolled(x, lengths=lengths)
            states, h_n = u.out, u.h_n
        else:
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True,
                                          enforce_sorted=False)
            out, h_n = self.rnn(packed)
            states, _ = pad_packed_sequence(out, batch_first=True, total_length=T)
        pooled, alpha = self._pool(states, mask, lengths, h_n)
        logits = self.head(self.drop(pooled))
        return Reading(logits, pooled, states, mask, alpha, u)

    def _pool(self, states: Tensor, mask: Tensor, lengths: Tensor, h_n: Hidden
              ) -> tuple[Tensor, Optional[Tensor]]:
        """states (B, T, D*H), zeros at padding -> s (B, D*H), alpha (B, T) or None."""
        pooling, m = self.cfg.pooling, mask.unsqueeze(-1)  # m (B, T, 1)
        if pooling == "last":
            h = h_n[0] if isinstance(h_n, tuple) else h_n  # (L*D, B, H); LSTM: h, not c
            # The top layer's rows: forward after its last real step, backward after
            # reading back to step 0. (B, D*H) = [h→_n; h←_1].
            return torch.cat(list(h[-self.D:]), dim=-1), None
        if pooling == "mean":
            n = lengths.to(states.device, states.dtype).unsqueeze(-1)  # (B, 1)
            return states.sum(1) / n, None
        if pooling == "max":
            return states.masked_fill(~m, float("-inf")).max(1).values, None
        scores = self.attn(states).squeeze(-1).masked_fill(~mask, float("-inf"))  # (B, T)
        alpha = torch.softmax(scores, dim=1)  # exactly 0 at padding
        return (alpha.unsqueeze(-1) * states).sum(1), alpha
