"""The gradient probe of a tagger: the loss of the tag at k reaches the forward RNN's states
only at t <= k and the backward RNN's only at t >= k."""

from __future__ import annotations

import pytest
import torch

from engine.families.tag.batches import TagVocabs
from engine.families.tag.model import Tagger
from engine.families.tag.probes import direction_gradients, same_length, target_position

SENTENCES = [("a b c d e f g".split(), list("XYXYXYX")), ("b c d e f g a".split(), list("YXYXYXY"))]


def model_and_batch(bidirectional: bool, layers: int = 1, cell: str = "lstm"):
    torch.manual_seed(0)
    vocabs = TagVocabs.build(SENTENCES, ["X", "Y"], chars=True)
    model = Tagger(len(vocabs.words), 2, len(vocabs.chars), cell=cell, embed=8, hidden=6,
                   layers=layers, bidirectional=bidirectional, char_embed=4, char_hidden=3,
                   dropout=0.2)
    return model, vocabs.batch(SENTENCES)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_forward_row_left_of_k_backward_row_right_of_k(cell):
    model, batch = model_and_batch(bidirectional=True, cell=cell)
    k = target_position(7)
    assert k == 3
    fwd, bwd = direction_gradients(model, batch, k)
    assert all(v > 0 for v in fwd[: k + 1]) and all(v == 0 for v in fwd[k + 1:])
    assert all(v == 0 for v in bwd[:k]) and all(v > 0 for v in bwd[k:])
    assert model.training  # the probe runs in eval mode and restores the mode
    assert all(p.grad is None for p in model.parameters())  # the trainer's grads untouched


def test_unidirectional_has_one_row_per_layer_and_no_right_context():
    model, batch = model_and_batch(bidirectional=False, layers=2)
    rows = direction_gradients(model, batch, 2)
    assert len(rows) == 2 and len(rows[0]) == 7
    for row in rows:
        assert all(v > 0 for v in row[:3]) and all(v == 0 for v in row[3:])


def test_two_bidirectional_layers_give_four_rows():
    model, batch = model_and_batch(bidirectional=True, layers=2)
    rows = direction_gradients(model, batch, 3)
    assert len(rows) == 4  # layer * 2 + direction
    top_fwd, top_bwd = rows[2], rows[3]
    assert all(v == 0 for v in top_fwd[4:]) and all(v == 0 for v in top_bwd[:3])


def test_same_length_prefers_readable_lengths():
    sents = [(["w"] * n, ["X"] * n) for n in (3, 3, 3, 12, 12, 15, 40)]
    picked = same_length(sents)
    assert [len(t) for t, _ in picked] == [12, 12]
    assert [len(t) for t, _ in same_length([(["w"] * 3, ["X"] * 3)])] == [3]
    assert same_length([]) == []
