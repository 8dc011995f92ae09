"""The tagger: word embedding (+ character features) -> Recurrent layers -> per-token softmax.

    w_t = E[x_t]                                   (B, T, embed)     <unk> for rare words
    c_t = [h→_last; h←_first] of a character       (B, T, 2*char_hidden)   (Plank, Søgaard
          BiLSTM over the letters of word x_t                              and Goldberg 2016)
    h_t = RNN(Dropout([w_t; c_t]))                 (B, T, D*hidden)  D = 2 if bidirectional:
                                                                    h_t = [h→_t; h←_t]
    y_t = softmax(W Dropout(h_t) + b)              (B, T, n_tags)    one tag per token

A bidirectional tagger's h→_t has read x_1..x_t and h←_t has read x_t..x_n: the tag of
"met" in "Harry Potter met Hermione" sees both who met and whom. The character features
give a word never seen in training a vector from its spelling ("-ly", capitals, digits).

Padding never changes a tag: the fused path packs the batch (each direction starts and
ends on each sentence's real tokens), the textbook path (`unrolled=True`, same weights)
holds the state at padding, and the character BiLSTM reads each word on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from engine.families.tag.batches import IGNORE, PAD_ID, TagBatch
from engine.recurrent import Recurrent, Unrolled


@dataclass
class Reading:
    """One forward pass and its inside, for the loss, the probe and the tests."""
    logits: Tensor  # (B, T, n_tags); rows past a sentence's end are meaningless
    mask: Tensor  # (B, T) True on real tokens
    unrolled: Optional[Unrolled] = None  # the textbook record (every h_t in the graph)


class Tagger(nn.Module):
    def __init__(self, n_words: int, n_tags: int, n_chars: int = 0, *, cell: str = "lstm",
                 embed: int = 64, hidden: int = 128, layers: int = 1, dropout: float = 0.3,
                 bidirectional: bool = True, char_embed: int = 32, char_hidden: int = 32):
        super().__init__()
        self.n_tags = n_tags
        self.embedding = nn.Embedding(n_words, embed, padding_idx=PAD_ID)
        width = embed
        self.char_embedding = self.char_rnn = None
        if n_chars:  # character features
            self.char_embedding = nn.Embedding(n_chars, char_embed, padding_idx=PAD_ID)
            self.char_rnn = Recurrent("lstm", char_embed, char_hidden, bidirectional=True)
            width += 2 * char_hidden
        self.rnn = Recurrent(cell, width, hidden, layers, dropout, bidirectional)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(self.rnn.num_directions * hidden, n_tags)

    @classmethod
    def from_config(cls, cfg, n_words: int, n_chars: int, n_tags: int) -> "Tagger":
        return cls(n_words, n_tags, n_chars if cfg.uses_char_features else 0,
                   cell=cfg.model, embed=cfg.embed, hidden=cfg.hidden, layers=cfg.layers,
                   dropout=cfg.dropout, bidirectional=cfg.bidirectional,
                   char_embed=cfg.char_embed, char_hidden=cfg.char_hidden)

    def forward(self, batch: TagBatch) -> tuple[Tensor, Tensor]:
        """-> logits (B, T, n_tags), mean cross-entropy over the real tokens (nats/token)."""
        logits = self.read(batch).logits
        loss = F.cross_entropy(logits.flatten(0, 1), batch.tags.flatten(),
                               ignore_index=IGNORE)
        return logits, loss

    def inputs(self, batch: TagBatch) -> Tensor:
        """x_t = [w_t; c_t] for every token: (B, T, embed [+ 2*char_hidden])."""
        x = self.embedding(batch.words)
        if self.char_rnn is None:
            return x
        packed = pack_padded_sequence(self.char_embedding(batch.chars), batch.char_lengths,
                                      batch_first=True, enforce_sorted=False)
        _, (h, _) = self.char_rnn(packed)  # h (2, W, char_hidden): each direction's last
        per_word = torch.cat([h[0], h[1]], dim=-1)  # (W, 2*char_hidden)
        return torch.cat([x, per_word[batch.word_of]], dim=-1)

    def read(self, batch: TagBatch, unrolled: bool = False) -> Reading:
        """The forward pass; `unrolled` runs the textbook cells (same function, weights)."""
        return self.encode(self.inputs(batch), batch.lengths, unrolled)

    def encode(self, x: Tensor, lengths: Tensor, unrolled: bool = False) -> Reading:
        """From the token vectors x (B, T, in): what the probe differentiates through."""
        B, T, _ = x.shape
        x = self.drop(x)
        mask = torch.arange(T, device=x.device)[None, :] < lengths.to(x.device)[:, None]
        u = None
        if unrolled:
            u = self.rnn.unrolled(x, lengths=lengths)
            states = u.out
        else:
            packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True,
                                          enforce_sorted=False)
            out, _ = self.rnn(packed)
            states, _ = pad_packed_sequence(out, batch_first=True, total_length=T)
        return Reading(self.head(self.drop(states)), mask, u)
