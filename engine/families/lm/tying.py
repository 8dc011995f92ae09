"""Weight tying: the output layer reuses the input embedding matrix (Press & Wolf 2017).

    logits_t = E · proj(h_t) + b        E (V, e) the embedding, shared; b (V,) its own bias

The embedding maps a word to a vector and the output layer scores every word against the
state, so both are a vector per word; sharing them removes a V×e matrix (6.6M parameters
for 33k words at 200) and regularises: a rare word's output row is trained every time the
word is read, and the other way round. word_language_model's `--tied` requires the top
hidden size to equal the embedding size. Here a hidden size that differs gets a linear
projection hidden -> e first (no bias, no nonlinearity), as in Press & Wolf's larger models:
an h×e matrix is small next to V×e, and with e < h it also makes the softmax cheaper.

The shared matrix is one Parameter: `model.parameters()` and optimizers see it once, its
gradient is the sum from both uses. A state_dict lists it under both names; the engine's
checkpoint stores each name's copy and load_state_dict writes both into the same tensor,
so tying survives a save and load (tested).
"""

from __future__ import annotations

import torch.nn as nn

from engine.errors import EngineError


def tie_weights(head: nn.Linear, embedding: nn.Embedding) -> None:
    """Make HEAD (in e, out V) use EMBEDDING's (V, e) weight: word_language_model's --tied."""
    if (head.out_features, head.in_features) != tuple(embedding.weight.shape):
        raise EngineError(f"cannot tie an output layer of {head.in_features} -> "
                          f"{head.out_features} to an embedding of "
                          f"{tuple(embedding.weight.shape)}: the sizes must match")
    head.weight = embedding.weight


def tied_head(embedding: nn.Embedding, hidden: int, init_range: float | None = 0.1
              ) -> nn.Module:
    """An output layer hidden -> V sharing EMBEDDING's matrix (projection if hidden != e).

    init_range re-initialises the shared matrix uniform in ±init_range (word_language_model's
    init; None keeps it). The embedding's default N(0, 1) rows would make the initial logits
    of a 200-wide state have a standard deviation of several nats: a bad start for a softmax.
    """
    vocab, width = embedding.weight.shape
    decoder = nn.Linear(width, vocab)
    tie_weights(decoder, embedding)
    nn.init.zeros_(decoder.bias)
    if init_range is not None:
        nn.init.uniform_(embedding.weight, -init_range, init_range)
    if hidden == width:
        return decoder
    return nn.Sequential(nn.Linear(hidden, width, bias=False), decoder)
