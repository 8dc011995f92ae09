"""The sampler's numpy step (engine/families/lm/numpy_step.py) against the model's own step:
the same logits to float rounding for every cell, and the same sample for a fixed seed."""

from __future__ import annotations

import pytest
import torch

from engine.data.tokens import Vocab
from engine.families.lm import numpy_step
from engine.families.lm.model import CharLM
from engine.families.lm.sampling import sample_tokens, stepper

CPU = torch.device("cpu")
TOKENS = [3, 5, 7, 1, 0, 11, 4, 4, 9, 2] * 3


def model(cell="gru", nonlinearity="tanh", layers=2, vocab=12, embed=8, hidden=16, **kw):
    torch.manual_seed(0)
    m = CharLM(vocab, cell=cell, embed=embed, hidden=hidden, layers=layers, dropout=0.3,
               nonlinearity=nonlinearity, **kw)
    with torch.no_grad():  # biases are zero-initialised by tying: make them count
        for p in m.parameters():
            p.add_(0.05 * torch.randn_like(p))
    return m


def max_difference(m, tokens=TOKENS) -> float:
    m.eval()
    with torch.inference_mode():
        fast, slow = stepper(m, CPU, fast=True), stepper(m, CPU, fast=False)
        assert isinstance(fast, numpy_step.NumpyStep)
        return max(float((fast(t) - slow(t)).abs().max()) for t in tokens)


@pytest.mark.parametrize("cell,nonlinearity", [("gru", "tanh"), ("lstm", "tanh"),
                                               ("rnn", "tanh"), ("rnn", "relu")])
@pytest.mark.parametrize("layers", [1, 3])
def test_numpy_step_gives_the_model_step_logits(cell, nonlinearity, layers):
    assert max_difference(model(cell, nonlinearity, layers)) < 1e-5


@pytest.mark.parametrize("hidden", [8, 16])  # tied: the decoder alone, or projection + decoder
def test_tied_heads(hidden):
    assert max_difference(model("lstm", hidden=hidden, tied=True)) < 1e-5


def test_without_the_input_table(monkeypatch):
    """A large vocabulary reads the embedding row and multiplies it, token by token."""
    monkeypatch.setattr(numpy_step, "TABLE_MAX", 0)
    m = model("gru")
    assert numpy_step.NumpyStep(m.eval()).table is None
    assert max_difference(m) < 1e-5


def test_the_sample_is_the_same_as_through_model_step():
    m = model("gru", vocab=40, hidden=32)
    vocab = Vocab([chr(65 + i) for i in range(40)])
    fast = sample_tokens(m, vocab, prime="ABC", length=300, seed=5)
    slow = sample_tokens(m, vocab, prime="ABC", length=300, seed=5, fast=False)
    assert fast[0] == slow[0]
    assert fast[1] == pytest.approx(slow[1], abs=1e-5)
    assert m.training  # its mode is given back


def test_what_it_does_not_cover_samples_through_the_model():
    assert not numpy_step.supports(model("gru", softmax="adaptive", vocab=40).eval(), CPU)
    assert not numpy_step.supports(model("gru").eval(), torch.device("cuda"))
    assert numpy_step.supports(model("gru").eval(), CPU)
    assert not numpy_step.supports(torch.nn.Linear(2, 2), CPU)
    assert not numpy_step.supports(model("gru").train(), CPU)  # dropout: only model.step
    assert not isinstance(stepper(model("gru", softmax="adaptive", vocab=40).eval(), CPU),
                          numpy_step.NumpyStep)


def test_openblas_threads_are_the_engines_for_the_step_and_given_back():
    setter = numpy_step._local_setter()
    if setter is None:
        pytest.skip("this numpy's OpenBLAS has no openblas_set_num_threads_local")
    step = numpy_step.NumpyStep(model("gru").eval())
    assert step.threads == torch.get_num_threads()
    before = setter(3)
    try:
        step(4)
        assert setter(3) == 3  # what the caller had, not the step's
    finally:
        setter(before)


def test_torch_threads_are_given_back_after_a_sample_and_after_a_cancelled_one():
    from engine.errors import Cancelled

    m, vocab = model("gru", vocab=40), Vocab([chr(65 + i) for i in range(40)])
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        sample_tokens(m, vocab, length=20, seed=1)
        assert torch.get_num_threads() == 2
        with pytest.raises(Cancelled):
            sample_tokens(m, vocab, length=20, seed=1, cancel=lambda: True)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_the_weights_are_read_in_place_not_copied():
    import numpy as np

    m = model("lstm", tied=True, hidden=8).eval()
    step = numpy_step.NumpyStep(m)
    assert np.shares_memory(step.layers[0][1], m.rnn.fused.weight_hh_l0.detach().numpy())
    assert np.shares_memory(step.head[-1][0], m.embedding.weight.detach().numpy())  # tied


def test_a_sample_sets_openblas_threads_once_and_gives_them_back(monkeypatch):
    setter = numpy_step._local_setter()
    if setter is None:
        pytest.skip("this numpy's OpenBLAS has no openblas_set_num_threads_local")
    seen = []
    monkeypatch.setattr(numpy_step.NumpyStep, "_step",
                        lambda self, token, step=numpy_step.NumpyStep._step:
                        (seen.append((setter(self.threads), torch.get_num_threads())),
                         step(self, token))[1])
    m, vocab = model("gru", vocab=40), Vocab([chr(65 + i) for i in range(40)])
    before, torch_before = setter(3), torch.get_num_threads()
    try:
        sample_tokens(m, vocab, length=5, seed=1)
        assert setter(3) == 3  # given back
        assert torch.get_num_threads() == torch_before
        assert {s for s in seen} == {(torch_before, 1)}  # OpenBLAS: torch's count; torch: 1
    finally:
        setter(before)
