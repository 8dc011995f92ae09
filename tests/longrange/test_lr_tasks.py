"""The long-range generators: shapes, targets, seeding, the fixed held-out set, baselines."""

from __future__ import annotations

import math

import pytest
import torch

from engine.errors import EngineError
from engine.families.longrange.tasks import (COPY_BLANK, COPY_DELIM, TASKS, AddingTask,
                                             CopyTask, RecallTask, make_task)


def draw(task, n=64, seed=0):
    return task.sample(n, task.generator("train", seed))


def test_adding_shapes_markers_and_targets():
    task = AddingTask(length=11)
    x, y = draw(task)
    assert x.shape == (64, 11, 2) and y.shape == (64,) and x.dtype == torch.float32
    values, marks = x[..., 0], x[..., 1]
    assert ((values >= 0) & (values < 1)).all()
    assert (marks.sum(1) == 2).all()
    half = 11 // 2
    assert (marks[:, :half].sum(1) == 1).all() and (marks[:, half:].sum(1) == 1).all()
    # Recompute the target independently, sequence by sequence.
    for b in range(64):
        marked = [values[b, t].item() for t in range(11) if marks[b, t] == 1]
        assert y[b].item() == pytest.approx(sum(marked), abs=1e-6)


def test_copy_layout_follows_arjovsky():
    T = 7
    x, y = draw(CopyTask(length=T))
    assert x.shape == y.shape == (64, T + 20) and x.dtype == y.dtype == torch.long
    assert ((x[:, :10] >= 1) & (x[:, :10] <= 8)).all()
    assert (x[:, 10:10 + T - 1] == COPY_BLANK).all()  # T - 1 blanks
    assert (x[:, 10 + T - 1] == COPY_DELIM).all()  # then the delimiter
    assert (x[:, 10 + T:] == COPY_BLANK).all()  # then 10 blanks while it answers
    assert (y[:, :T + 10] == COPY_BLANK).all()
    assert torch.equal(y[:, T + 10:], x[:, :10])  # each symbol due T + 10 steps later


@pytest.mark.parametrize("lures", [False, True])
def test_recall_key_at_start_decides_the_label(lures):
    task = RecallTask(length=9, keys=3, distractors=5, lures=lures)
    x, y = draw(task, n=500)
    assert x.shape == (500, 11) and y.shape == (500,)
    assert torch.equal(x[:, 0], y + 1)  # the key token
    assert (x[:, -1] == 0).all()  # the query
    filler = x[:, 1:-1]
    assert ((filler >= 1) & (filler < task.vocab_size)).all()
    has_key = (filler <= task.keys).any()
    assert bool(has_key) == lures  # keys appear later only as lures
    assert set(y.tolist()) == {0, 1, 2}


@pytest.mark.parametrize("name", TASKS)
def test_training_stream_is_seeded(name):
    task = make_task(name, 12)
    a = next(task.batches(8, seed=3))
    b = next(task.batches(8, seed=3))
    c = next(task.batches(8, seed=4))
    assert all(torch.equal(p, q) for p, q in zip(a, b))
    assert not torch.equal(a[0], c[0])


@pytest.mark.parametrize("name", TASKS)
def test_heldout_is_fixed_and_apart_from_training(name):
    task = make_task(name, 12, heldout_size=50)
    hx, hy = task.heldout()
    assert hx.shape[0] == 50
    again = make_task(name, 12, heldout_size=50).heldout()
    assert torch.equal(hx, again[0]) and torch.equal(hy, again[1])
    for seed in range(3):  # the training stream never replays the held-out sequences
        tx, _ = next(task.batches(50, seed=seed))
        assert not torch.equal(tx, hx)
    other = make_task(name, 12, heldout_size=50, heldout_seed=1).heldout()
    assert not torch.equal(hx, other[0])


def test_adding_baseline_monte_carlo():
    # Predicting 1 always: MSE = Var(u1 + u2) = 1/6 (not the 0.1767 quoted by Le et al.).
    task = AddingTask(length=4)
    _, y = task.sample(400_000, task.generator("train", 0))
    mse = ((y - 1) ** 2).mean().item()
    assert task.baseline == pytest.approx(1 / 6)
    # std of (s - 1)^2 is sqrt(1/15 - 1/36) ~ 0.197; / sqrt(4e5) ~ 3e-4: 5 sigma = 1.6e-3
    assert mse == pytest.approx(1 / 6, abs=1.6e-3)
    assert abs(mse - 0.1767) > 0.005


def test_copy_baseline_is_the_memoryless_cross_entropy():
    T = 30
    task = CopyTask(length=T)
    x, y = draw(task, n=256)
    # The memoryless predictor: blank for sure until the delimiter has passed, then uniform
    # over the 8 symbols.
    logits = torch.full((256, T + 20, 9), -1e9)
    logits[:, :T + 10, COPY_BLANK] = 0.0
    logits[:, T + 10:, 1:] = 0.0
    assert task.score(logits, y) == pytest.approx(10 * math.log(8) / (T + 20), rel=1e-5)
    assert task.baseline == pytest.approx(10 * math.log(8) / (T + 20))


def test_recall_chance_baseline():
    task = RecallTask(length=5, keys=4)
    _, y = draw(task, n=20_000)
    guess = torch.zeros(20_000, 4)
    guess[:, 2] = 1.0  # always the same key
    assert task.score(guess, y) == pytest.approx(task.baseline, abs=0.015)
    assert task.baseline == 0.25 and task.baseline_loss == pytest.approx(math.log(4))


def test_bad_settings_are_engine_errors():
    with pytest.raises(EngineError, match="length"):
        make_task("adding", 1)
    with pytest.raises(EngineError, match="unknown task"):
        make_task("parity", 10)
    with pytest.raises(EngineError, match="adding"):
        make_task("adding", 10, keys=3)
    with pytest.raises(EngineError, match="batch size"):
        next(make_task("copy", 10).batches(0))
