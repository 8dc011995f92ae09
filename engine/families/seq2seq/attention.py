"""Attention: score every encoder state h_j against the decoder state s, softmax over the
real (non-padding) source positions, and average the h_j with those weights.

    e_ij     = score(s_{i-1}, h_j)                      (one number per source position)
    alpha_ij = exp(e_ij) / sum_k exp(e_ik)              (softmax over real positions only)
    c_i      = sum_j alpha_ij h_j                        (the context vector)

Shapes: s (B, Hd) the decoder's top-layer state, enc (B, S, He) the encoder outputs, mask
(B, S) True on real positions. `precompute(enc)` runs the part of a score that depends on h
only once per source sequence instead of once per decoder step.
"""

from __future__ import annotations

import torch
import torch.nn as nn
from torch import Tensor

from engine.errors import EngineError


class Additive(nn.Module):
    """Bahdanau et al. 2014: e_ij = v^T tanh(W s_{i-1} + U h_j)."""

    def __init__(self, dec_size: int, enc_size: int, attn_size: int):
        super().__init__()
        self.W = nn.Linear(dec_size, attn_size, bias=False)  # W: (A, Hd)
        self.U = nn.Linear(enc_size, attn_size, bias=False)  # U: (A, He)
        self.v = nn.Linear(attn_size, 1, bias=False)  # v: (A,)

    def precompute(self, enc: Tensor) -> Tensor:
        return self.U(enc)  # U h_j for every j: (B, S, A)

    def forward(self, s: Tensor, keys: Tensor) -> Tensor:
        # e_ij = v^T tanh(W s + U h_j): (B, 1, A) + (B, S, A) -> tanh -> v^T -> (B, S)
        return self.v(torch.tanh(self.W(s).unsqueeze(1) + keys)).squeeze(-1)


class Dot(nn.Module):
    """Luong et al. 2015, dot: e_ij = s^T h_j (needs the same size on both sides)."""

    def precompute(self, enc: Tensor) -> Tensor:
        return enc  # the keys are the h_j themselves

    def forward(self, s: Tensor, keys: Tensor) -> Tensor:
        # e_ij = s^T h_j: (B, S, H) @ (B, H, 1) -> (B, S)
        return torch.bmm(keys, s.unsqueeze(-1)).squeeze(-1)


class General(nn.Module):
    """Luong et al. 2015, general (the lectures' bilinear f(s, h) = s^T W_f h):
    e_ij = s^T W h_j."""

    def __init__(self, dec_size: int, enc_size: int):
        super().__init__()
        self.Wh = nn.Linear(enc_size, dec_size, bias=False)  # W: (Hd, He)

    def precompute(self, enc: Tensor) -> Tensor:
        return self.Wh(enc)  # W h_j for every j: (B, S, Hd)

    def forward(self, s: Tensor, keys: Tensor) -> Tensor:
        # e_ij = s^T (W h_j): (B, S, Hd) @ (B, Hd, 1) -> (B, S)
        return torch.bmm(keys, s.unsqueeze(-1)).squeeze(-1)


def make_score(kind: str, dec_size: int, enc_size: int, attn_size: int) -> nn.Module | None:
    if kind == "none":
        return None
    if kind == "bahdanau":
        return Additive(dec_size, enc_size, attn_size)
    if kind == "luong-dot":
        if dec_size != enc_size:
            raise EngineError(f"luong-dot needs equal decoder and encoder sizes "
                              f"({dec_size} != {enc_size}); use luong-general")
        return Dot()
    if kind == "luong-general":
        return General(dec_size, enc_size)
    raise EngineError(f"unknown attention {kind!r}; choose none, bahdanau, luong-dot or "
                      f"luong-general")


def masked_softmax(scores: Tensor, mask: Tensor) -> Tensor:
    """alpha = softmax(e) over the positions where mask is True; exactly 0 on padding."""
    # exp(-inf) = 0: padding gets no weight and takes no share of the normaliser.
    return torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)


def context(alpha: Tensor, enc: Tensor) -> Tensor:
    """c_i = sum_j alpha_ij h_j: (B, 1, S) @ (B, S, He) -> (B, He)."""
    return torch.bmm(alpha.unsqueeze(1), enc).squeeze(1)
