"""The encoder-decoder: a `Recurrent` encoder, a `Recurrent` decoder run one step at a time,
and (optionally) attention between them.

Following the lectures (Bahdanau-style input feeding):
    h_1..h_S       = Encoder(x_1..x_S)                          encoder outputs (B, S, He)
    s_0            = bridge(encoder final state)                Linear + tanh if bidirectional
    c_i            = sum_j alpha_ij h_j,  alpha_i = softmax_j(score(s_{i-1}, h_j))
    s_i            = RNN(s_{i-1}, [y_{i-1}; c_i])               the decoder cell
    P(y_i | ...)   = softmax(W_out [s_i; c_i] + b)
With attention "none" the decoder is the lectures' simple model: s_0 = the encoder's final
state (its only view of the source), s_i = RNN(s_{i-1}, y_{i-1}), P(y_i) = softmax(W_out s_i + b).

Sizes: `hidden` is both the decoder state size and the encoder output size; a bidirectional
encoder gives each direction hidden/2 units, so the concatenated outputs have `hidden` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from engine.recurrent import Hidden, Recurrent
from engine.families.seq2seq.attention import context, make_score, masked_softmax
from engine.families.seq2seq.tasks import PAD


@dataclass
class Encoded:
    out: Tensor  # (B, S, He) encoder outputs h_j (zeros at padding)
    mask: Tensor  # (B, S) True at real source positions
    keys: Optional[Tensor]  # score-specific precomputation of the h_j (None without attention)
    state: Hidden  # the decoder's initial state s_0


class Seq2Seq(nn.Module):
    def __init__(self, vocab_size: int, cell: str = "gru", embed: int = 32, hidden: int = 128,
                 layers: int = 1, bidirectional: bool = False, attention: str = "bahdanau",
                 attn_size: int = 128, dropout: float = 0.0):
        super().__init__()
        D = 2 if bidirectional else 1
        self.cell, self.layers, self.attention, self.hidden = cell, layers, attention, hidden
        self.dropout = dropout
        self.src_embed = nn.Embedding(vocab_size, embed, padding_idx=PAD)
        self.tgt_embed = nn.Embedding(vocab_size, embed, padding_idx=PAD)
        self.encoder = Recurrent(cell, embed, hidden // D, layers, dropout, bidirectional)
        ctx = hidden if attention != "none" else 0  # size of c_i fed to the decoder
        self.decoder = Recurrent(cell, embed + ctx, hidden, layers, dropout)
        # s_0 = tanh(W_b [h_fwd; h_bwd] + b_b) per layer: both directions' final states.
        self.bridge = nn.Linear(hidden, hidden) if bidirectional else None
        self.score = make_score(attention, hidden, hidden, attn_size)
        self.out = nn.Linear(hidden + ctx, vocab_size)  # W_out [s_i; c_i] + b

    @classmethod
    def from_config(cls, cfg, vocab_size: int) -> "Seq2Seq":
        return cls(vocab_size, cfg.model, cfg.embed, cfg.hidden, cfg.layers, cfg.bidirectional,
                   cfg.attention, cfg.attn_size, cfg.dropout)

    # --- encoder ---------------------------------------------------------------------------

    def encode(self, src: Tensor, src_len: Tensor) -> Encoded:
        B, S = src.shape
        x = F.dropout(self.src_embed(src), self.dropout, self.training)
        # Packing: each direction starts/ends at a sequence's real last character, so the
        # final state is not computed over padding (and the reverse direction starts right).
        packed = pack_padded_sequence(x, src_len.cpu(), batch_first=True, enforce_sorted=False)
        out, h_n = self.encoder(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=S)
        mask = torch.arange(S, device=src.device)[None, :] < src_len.to(src.device)[:, None]
        state = self._bridge(h_n)
        keys = self.score.precompute(out) if self.score is not None else None
        return Encoded(out, mask, keys, state)

    def _bridge(self, h_n: Hidden) -> Hidden:
        if self.bridge is None:
            return h_n  # (L, B, H): the encoder's final state starts the decoder

        def join(h: Tensor) -> Tensor:  # (L*2, B, H/2) -> (L, B, H): [h_fwd; h_bwd] per layer
            L2, B, H2 = h.shape
            h = h.view(L2 // 2, 2, B, H2).permute(0, 2, 1, 3).reshape(L2 // 2, B, 2 * H2)
            return torch.tanh(self.bridge(h))  # s_0 = tanh(W_b [h_fwd; h_bwd] + b_b)

        if isinstance(h_n, tuple):
            return tuple(join(t) for t in h_n)  # type: ignore[return-value]
        return join(h_n)

    # --- decoder ---------------------------------------------------------------------------

    def step(self, y_prev: Tensor, state: Hidden, enc: Encoded
             ) -> tuple[Tensor, Hidden, Optional[Tensor]]:
        """One decoder step: y_prev (B,) -> logits (B, V), new state, alpha (B, S) or None."""
        emb = F.dropout(self.tgt_embed(y_prev), self.dropout, self.training)
        alpha = None
        if self.score is not None:
            s_prev = (state[0] if isinstance(state, tuple) else state)[-1]  # top layer's s_{i-1}
            alpha = masked_softmax(self.score(s_prev, enc.keys), enc.mask)  # alpha_i (B, S)
            c = context(alpha, enc.out)  # c_i = sum_j alpha_ij h_j
            out, state = self.decoder.step(torch.cat([emb, c], 1), state)  # s_i = RNN(s_{i-1}, [y_{i-1}; c_i])
            out = torch.cat([out, c], 1)  # [s_i; c_i]
        else:
            out, state = self.decoder.step(emb, state)  # s_i = RNN(s_{i-1}, y_{i-1})
        out = F.dropout(out, self.dropout, self.training)
        return self.out(out), state, alpha

    def forward(self, src: Tensor, src_len: Tensor, tgt_in: Tensor,
                teacher: Optional[Sequence[bool]] = None) -> tuple[Tensor, Optional[Tensor]]:
        """Logits (B, T, V) and attention (B, T, S) (None without attention).

        teacher[i] False: step i is fed the model's own previous argmax (free running)
        instead of the true previous character tgt_in[:, i]. None: always teacher forcing.
        """
        return self.decode(self.encode(src, src_len), tgt_in, teacher)

    def decode(self, enc: Encoded, tgt_in: Tensor, teacher: Optional[Sequence[bool]] = None
               ) -> tuple[Tensor, Optional[Tensor]]:
        """The decoder over a whole target (see `forward`), from an encoded source."""
        state = enc.state
        logits, alphas = [], []
        y = tgt_in[:, 0]
        for i in range(tgt_in.shape[1]):
            if i > 0:
                y = tgt_in[:, i] if teacher is None or teacher[i] else logits[-1].argmax(-1)
            lg, state, alpha = self.step(y, state, enc)
            logits.append(lg)
            if alpha is not None:
                alphas.append(alpha)
        attn = torch.stack(alphas, 1) if alphas else None
        return torch.stack(logits, 1), attn

    def encode_unrolled(self, src: Tensor) -> tuple[Encoded, list[list[Tensor]]]:
        """`encode` through the textbook cells, for sources of ONE length (no padding, no
        packing): also returns states[layer][j] (B, He), the encoder's h_j as tensors of the
        graph, so a probe can ask for d loss / d h_j (see `engine.families.seq2seq.probes`)."""
        B, S = src.shape
        x = F.dropout(self.src_embed(src), self.dropout, self.training)
        u = self.encoder.unrolled(x)
        mask = torch.ones(B, S, dtype=torch.bool, device=src.device)
        keys = self.score.precompute(u.out) if self.score is not None else None
        return Encoded(u.out, mask, keys, self._bridge(u.h_n)), u.states
