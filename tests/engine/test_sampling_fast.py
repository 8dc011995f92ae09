"""The sampler's fast path (one model.step per token, the state carried, one softmax) draws
exactly what the plain nn.*Cell loop of benchmarks/sampling.py draws with the same weights."""

from __future__ import annotations

import pytest
import torch

from benchmarks.sampling import bare_sample, random_model, vocab_of
from engine.errors import EngineError
from engine.families.lm.sampling import sample_tokens


@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
def test_engine_sampler_equals_the_bare_cell_loop(cell):
    vocab = vocab_of(40)
    model = random_model(len(vocab), cell, hidden=24, layers=2, embed=8)
    tokens, probs = sample_tokens(model, vocab, prime="", length=300, seed=11)
    assert [vocab.index[t] for t in tokens] == \
        bare_sample(model, vocab.encode("\n").tolist(), 300, seed=11)
    assert all(0.0 < p <= 1.0 for p in probs)


def test_temperature_and_top_k_still_shape_the_draws():
    vocab = vocab_of(40)
    model = random_model(len(vocab), "gru", hidden=24, layers=1, embed=8)
    plain, _ = sample_tokens(model, vocab, length=200, seed=3)
    hot, _ = sample_tokens(model, vocab, length=200, seed=3, temperature=3.0)
    greedy, _ = sample_tokens(model, vocab, length=200, greedy=True)
    top1, _ = sample_tokens(model, vocab, length=200, seed=3, top_k=1)
    assert top1 == greedy and plain != greedy and hot != plain


def test_sampling_leaves_autograd_on_between_tokens():
    """inference_mode is entered per resumption: a caller's step between tokens trains."""
    vocab = vocab_of(20)
    model = random_model(len(vocab), "gru", hidden=8, layers=1, embed=4)
    from engine.families.lm.sampling import generate
    tokens = generate(model, vocab, length=3, seed=1)
    next(tokens)
    assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()


def test_nan_weights_are_one_clear_error():
    vocab = vocab_of(20)
    model = random_model(len(vocab), "gru", hidden=8, layers=1, embed=4)
    with torch.no_grad():
        model.head.weight.fill_(float("nan"))
    for kwargs in ({"seed": 1}, {"greedy": True}):
        with pytest.raises(EngineError, match="not a probability"):
            sample_tokens(model, vocab, length=5, **kwargs)
