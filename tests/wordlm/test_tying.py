"""Weight tying: one shared tensor, gradient from both uses, survives a checkpoint."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn as nn

from engine.storage import checkpoint
from engine.errors import EngineError
from engine.families.lm.tying import tie_weights, tied_head
from engine.families.lm.model import CharLM

V = 40


def _tied_lm(embed=16, hidden=16, seed=0):
    torch.manual_seed(seed)
    model = CharLM(V, "lstm", embed=embed, hidden=hidden, layers=1, dropout=0.0)
    model.head = tied_head(model.embedding, hidden)
    return model


def _decoder(model):
    return model.head if isinstance(model.head, nn.Linear) else model.head[1]


@pytest.mark.parametrize("hidden", [16, 24])  # equal to the embedding, or projected
def test_output_layer_and_embedding_are_one_tensor(hidden):
    model = _tied_lm(embed=16, hidden=hidden)
    assert _decoder(model).weight is model.embedding.weight
    params = list(model.parameters())
    assert sum(p is model.embedding.weight for p in params) == 1  # the optimizer sees it once
    logits, _, _ = model(torch.randint(0, V, (2, 5)))
    assert logits.shape == (2, 5, V)
    if hidden != 16:
        assert model.head[0].weight.shape == (16, hidden)  # projection hidden -> embed
    assert model.embedding.weight.abs().max() <= 0.1  # word_language_model's init


def test_gradient_flows_into_the_shared_matrix_from_both_uses():
    tied = _tied_lm()
    # The same model untied: two separate copies of the matrix, same values.
    untied = copy.deepcopy(tied)
    untied.head.weight = nn.Parameter(tied.embedding.weight.detach().clone())
    x, y = torch.randint(0, V, (3, 6)), torch.randint(0, V, (3, 6))
    tied(x, targets=y)[1].backward()
    untied(x, targets=y)[1].backward()
    g_in, g_out = untied.embedding.weight.grad, untied.head.weight.grad
    assert g_in.abs().sum() > 0 and g_out.abs().sum() > 0
    assert torch.allclose(tied.embedding.weight.grad, g_in + g_out, atol=1e-6)
    # Rows of words never read get gradient only through the output layer.
    unread = sorted(set(range(V)) - set(x.flatten().tolist()))[0]
    assert g_in[unread].abs().sum() == 0 and tied.embedding.weight.grad[unread].abs().sum() > 0


def test_tying_survives_a_checkpoint_save_and_load(tmp_path):
    model = _tied_lm(embed=16, hidden=24)
    path = checkpoint.save(tmp_path / "c.safetensors", checkpoint.CheckpointData(
        meta={"config": {}, "step": 0}, model=model.state_dict()))
    fresh = _tied_lm(embed=16, hidden=24, seed=1)
    checkpoint.load_weights(fresh, checkpoint.load(path).model)
    assert _decoder(fresh).weight is fresh.embedding.weight
    assert torch.equal(fresh.embedding.weight, model.embedding.weight)
    x = torch.randint(0, V, (1, 4))
    assert torch.equal(fresh(x)[0], model(x)[0])


def test_mismatched_sizes_are_a_clear_error():
    with pytest.raises(EngineError, match="cannot tie"):
        tie_weights(nn.Linear(8, V), nn.Embedding(V, 16))
