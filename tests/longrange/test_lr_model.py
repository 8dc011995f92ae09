"""The long-range model: heads and losses per task, the cells it builds, and that it learns."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from engine.errors import EngineError
from engine.families.longrange.model import LongRangeModel, LongRangeModelConfig
from engine.families.longrange.tasks import make_task


@pytest.mark.parametrize("name,shape", [("adding", (4,)), ("recall", (4, 4)),
                                        ("copy", (4, 29, 9))])
@pytest.mark.parametrize("model", ["rnn", "irnn", "gru", "lstm"])
def test_outputs_and_losses(name, shape, model):
    task = make_task(name, 9)
    net = LongRangeModel(task, LongRangeModelConfig(model=model, hidden=8, layers=2))
    x, y = task.sample(4, task.generator("train", 0))
    out, loss = net(x, y)
    assert out.shape == shape and loss.shape == ()
    if name == "adding":
        assert loss.item() == pytest.approx(F.mse_loss(out, y).item())
    else:  # copy: the mean over every step of every sequence
        flat = out.reshape(-1, out.shape[-1]) if name == "copy" else out
        assert loss.item() == pytest.approx(F.cross_entropy(flat, y.flatten()).item())
    assert net(x)[1] is None
    loss.backward()  # the graph reaches every parameter
    assert all(p.grad is not None for p in net.parameters())


def test_model_names_choose_cell_nonlinearity_and_init():
    task = make_task("adding", 5)
    irnn = LongRangeModel(task, LongRangeModelConfig(model="irnn", hidden=6)).rnn
    assert (irnn.cell, irnn.nonlinearity) == ("rnn", "relu")
    assert torch.equal(irnn.fused.weight_hh_l0, torch.eye(6))
    rnn = LongRangeModel(task, LongRangeModelConfig(model="rnn", hidden=6, init="orthogonal")).rnn
    w = rnn.fused.weight_hh_l0.detach()
    assert rnn.nonlinearity == "tanh" and torch.allclose(w @ w.T, torch.eye(6), atol=1e-5)
    lstm = LongRangeModel(task, LongRangeModelConfig(hidden=6, forget_bias=1.0)).rnn
    assert torch.equal((lstm.fused.bias_ih_l0 + lstm.fused.bias_hh_l0)[6:12], torch.ones(6))
    with pytest.raises(EngineError, match="unknown model"):
        LongRangeModel(task, LongRangeModelConfig(model="transformer"))


def test_readout_of_the_unrolled_path_matches_forward():
    task = make_task("copy", 4)
    net = LongRangeModel(task, LongRangeModelConfig(model="lstm", hidden=8)).double()
    x, y = task.sample(3, task.generator("train", 1))
    fused, _ = net(x)
    unrolled, _ = net.readout(net.rnn.unrolled(net.features(x).double()).out)
    assert torch.allclose(fused, unrolled, atol=1e-10)


def test_gru_learns_adding_at_t10_in_a_few_seconds():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        after, before = _train_gru_on_adding()
    finally:
        torch.set_num_threads(threads)
    assert before > 0.1 and after < 0.2 * 1 / 6  # well past "always predict 1"


def _train_gru_on_adding() -> tuple[float, float]:
    torch.manual_seed(0)
    task = make_task("adding", 10, heldout_size=500)
    net = LongRangeModel(task, LongRangeModelConfig(model="gru", hidden=32))
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    hx, hy = task.heldout()
    with torch.no_grad():
        before = task.score(net(hx)[0], hy)
    for _, (x, y) in zip(range(300), task.batches(32, seed=0)):  # ~0.6 s on one core
        _, loss = net(x, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        after = task.score(net(hx)[0], hy)
    return after, before
