"""How much of the loss reaches each encoder position: the seq2seq gradient picture.

    norms = encoder_gradient(model, vocab, pairs, device)   # layers x S floats

The lectures motivate attention with this: without it, the decoder sees the source only
through the encoder's final state, so the gradient that reaches h_j has gone through S - j
recurrent Jacobians and fades for early positions (why reversing the input helped). With
attention, every output step reads every h_j through alpha_ij directly, so the gradient
reaches all positions. Same quantity as the language model's probe (engine/families/lm/probes.py), with
the loss of the whole output sequence instead of L_T.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from engine.families.seq2seq.tasks import PAD, make_batch
from engine.recurrent import eval_mode
from engine.data.tokens import Vocab


def same_length_batch(pairs: list[tuple[str, str]], length: int, most: int = 32
                      ) -> list[tuple[str, str]]:
    """Up to `most` pairs whose source has exactly `length` characters (the textbook encoder
    runs without padding, so a probe batch has one source length)."""
    return [p for p in pairs if len(p[0]) == length][:most]


def encoder_gradient(model, vocab: Vocab, pairs: list[tuple[str, str]],
                     device: torch.device | str = "cpu") -> list[list[float]]:
    """||dL / dh_j|| for every encoder layer and source position j: layers x S floats.

    pairs: (source, target) pairs whose sources all have the same length S.
    L is the teacher-forced cross-entropy summed over the output steps of each example and
    over the batch: examples are independent, so the gradient w.r.t. example b's states is
    d L^(b) / d h_j^(b) whatever the batch size; the norms are then averaged over examples.
    For a unidirectional encoder the states are the h_j the recurrence consumed (the full
    gradient: through time and through attention); for a bidirectional one they are
    [h_fwd_j; h_bwd_j], which carries the paths through the layer's output.
    """
    b = make_batch(vocab, pairs).to(device)
    with eval_mode(model), torch.enable_grad():
        enc, states = model.encode_unrolled(b.src)
        logits, _ = model.decode(enc, b.tgt_in)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), b.tgt_out.reshape(-1),
                               ignore_index=PAD, reduction="sum")
        flat = [h for layer in states for h in layer]  # L*S tensors, each (B, He)
        # autograd.grad: the trainer's parameter gradients are left untouched.
        grads = torch.autograd.grad(loss, flat, allow_unused=True)
    g = torch.stack([torch.zeros_like(h) if gr is None else gr for h, gr in zip(flat, grads)])
    L, S = len(states), b.src.shape[1]
    return g.view(L, S, *g.shape[1:]).norm(dim=-1).mean(dim=-1).tolist()  # (L, S)
