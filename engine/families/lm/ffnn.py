"""The feed-forward neural language model of Bengio et al. 2003, as the ADL deck writes it:

    x_t = [C(w_{t-n+2}); ...; C(w_{t-1}); C(w_t)]       ((n-1)·m,)  the n-1 last words' vectors
    ŷ_t = softmax(W₂ tanh(W₁ x_t + b₁) + W₃ x_t + b₃)    (V,)        P(w_{t+1} | those n-1 words)

C is the embedding (V, m), W₁ (h, (n-1)m) the tanh hidden layer, W₂ (V, h) the output layer,
W₃ (V, (n-1)m) the optional "direct connections" from the word vectors to the output (the
paper's W; it found them to speed up learning, at the price of another V-row matrix).

It reads the same (B, T) stream batches as the RNN LM and has the same interface, so the
training loop need not know it has no recurrent state:

    logits, loss, hidden = model(idx (B, T), hidden, targets (B, T))

Here `hidden` is the window itself: the last n-1 ids each stream has read, (B, n-1) long.
Carried from one batch window to the next, it gives the first positions of a window their
real n-1 previous words, exactly as one long window would. Before the start of a stream
there are no words: those slots hold the id V, whose embedding row is fixed at zero (so
they contribute nothing to W₁x and W₃x). Ids carry no gradient, so detaching is a no-op.
"""

from __future__ import annotations

from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from engine.errors import EngineError


class FeedForwardLM(nn.Module):
    def __init__(self, vocab_size: int, order: int = 5, embed: int = 64, hidden: int = 256,
                 direct: bool = True, dropout: float = 0.0) -> None:
        super().__init__()
        if vocab_size < 1:
            raise EngineError(f"vocabulary is empty (vocab_size = {vocab_size})")
        if not (isinstance(order, int) and 2 <= order <= 16):
            raise EngineError(f"the feed-forward LM's order n must be a whole number in "
                              f"2..16 (a window of n-1 words), got {order!r}")
        self.vocab_size, self.order, self.context = vocab_size, order, order - 1
        self.none_id = vocab_size  # "no word here" (before a stream starts): a zero vector
        self.embedding = nn.Embedding(vocab_size + 1, embed, padding_idx=self.none_id)  # C
        width = self.context * embed  # (n-1)·m: the concatenated window
        self.hidden_layer = nn.Linear(width, hidden)  # W₁, b₁
        self.output = nn.Linear(hidden, vocab_size)  # W₂, and b₃ (the one output bias)
        self.direct = nn.Linear(width, vocab_size, bias=False) if direct else None  # W₃
        self.drop = nn.Dropout(dropout)  # on x and on the tanh layer (not in the paper)

    def init_hidden(self, batch: int, device: Optional[torch.device] = None) -> Tensor:
        """The window before any word: (B, n-1) of the "no word" id."""
        device = device or self.embedding.weight.device
        return torch.full((batch, self.context), self.none_id, dtype=torch.long, device=device)

    def forward(self, idx: Tensor, hidden: Optional[Tensor] = None,
                targets: Optional[Tensor] = None
                ) -> tuple[Tensor, Optional[Tensor], Tensor]:
        """idx (B, T) long -> logits (B, T, V), mean CE loss (nats) or None, last window."""
        b, t = idx.shape
        if hidden is None:
            hidden = self.init_hidden(b, idx.device)
        full = torch.cat([hidden, idx], dim=1)  # (B, n-1+T): carried words, then this window
        # Row t of `windows` is full[:, t+1 : t+n]: the n-1 words ending at idx[:, t].
        windows = full.unfold(1, self.context, 1)[:, 1:]  # (B, T, n-1), oldest word first
        x = self.drop(self.embedding(windows).flatten(2))  # (B, T, (n-1)·m)
        h = self.drop(torch.tanh(self.hidden_layer(x)))  # (B, T, h)
        logits = self.output(h)  # (B, T, V): W₂ h + b₃
        if self.direct is not None:
            logits = logits + self.direct(x)  # + W₃ x
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.reshape(-1, self.vocab_size), targets.reshape(-1))
        return logits, loss, full[:, -self.context:]

    def step(self, idx_t: Tensor, hidden: Optional[Tensor] = None) -> tuple[Tensor, Tensor]:
        """One word per stream (sampling, scoring): idx_t (B,) -> logits (B, V), new window."""
        logits, _, hidden = self(idx_t[:, None], hidden)
        return logits[:, 0], hidden
