"""The "hello" network (engine/families/hello): the unrolled picture's numbers are the real
model's (a hand-written BPTT and finite differences agree with them), it learns to spell
the word, and the CLI runs it."""

from __future__ import annotations

import pytest
import torch

from engine.errors import EngineError
from engine.families.hello.config import HelloConfig
from engine.families.hello.model import HelloModel
from engine.families.hello.task import HelloTask
from engine.families.hello.unroll import greedy, unroll

VOCAB = ["h", "e", "l", "o"]
X = torch.tensor([[0, 1, 2, 2]])  # h e l l
Y = torch.tensor([[1, 2, 2, 3]])  # e l l o


def model64(cell: str = "rnn", hidden: int = 3) -> HelloModel:
    torch.manual_seed(0)
    return HelloModel(4, cell, hidden).double()


def test_vocabulary_and_sequences_follow_the_slide():
    task = HelloTask(HelloConfig())
    assert task.vocab == VOCAB
    assert task.x.tolist() == X.tolist() and task.y.tolist() == Y.tolist()
    assert HelloConfig(word="abcab").vocab() == ["a", "b", "c"]


@pytest.mark.parametrize("bad", ["h", "", "x" * 40, "he\nllo"])
def test_bad_words_are_refused(bad):
    with pytest.raises(EngineError):
        HelloConfig(word=bad).validate()


def test_forward_numbers_are_the_training_forward_pass():
    m = model64()
    pic = unroll(m, X, Y, VOCAB)
    logits, loss = m(X, Y)
    assert pic["loss"] == pytest.approx(float(loss.detach()), abs=1e-12)
    assert torch.allclose(torch.tensor(pic["probs"], dtype=torch.float64),
                          logits[0].softmax(-1), atol=1e-12)
    out, _ = m.rnn(m.one_hot(X))
    assert torch.allclose(torch.tensor(pic["hidden"], dtype=torch.float64), out[0], atol=1e-12)
    assert pic["inputs"] == list("hell") and pic["targets"] == list("ello")


def test_dL_dh_t_is_backprop_through_time_by_hand():
    """The slide's BPTT for h_t = tanh(W_xh x_t + W_hh h_{t-1} + b), y_t = W_hy h_t + b_y:
    dL/dh_t = W_hy^T dL/dy_t + W_hh^T ((1 - h_{t+1}^2) * dL/dh_{t+1})."""
    m = model64()
    pic = unroll(m, X, Y, VOCAB)
    h = torch.tensor(pic["hidden"], dtype=torch.float64)  # (T, H)
    p = torch.tensor(pic["probs"], dtype=torch.float64)  # (T, V)
    T = h.shape[0]
    dy = (p - torch.nn.functional.one_hot(Y[0], 4)) / T  # mean cross-entropy
    w_hy, w_hh = m.head.weight.detach(), m.rnn.fused.weight_hh_l0.detach()
    want = [None] * T
    nxt = torch.zeros(3, dtype=torch.float64)
    for t in reversed(range(T)):
        g = w_hy.T @ dy[t]
        if t < T - 1:
            g = g + w_hh.T @ ((1 - h[t + 1] ** 2) * nxt)
        want[t] = nxt = g
    got = torch.tensor(pic["grads"], dtype=torch.float64)
    assert torch.allclose(got, torch.stack(want), atol=1e-12)
    assert pic["grad_norms"] == pytest.approx([float(g.norm()) for g in want])


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_dL_dh_t_matches_finite_differences(cell):
    """Nudge h_t inside the recurrence by eps along each unit: (L+ - L-) / 2 eps."""
    m = model64(cell)
    pic = unroll(m, X, Y, VOCAB)
    eps = 1e-6

    def loss_with(t: int, unit: int, delta: float) -> float:
        h, ids = None, X[0].tolist()
        total = 0.0
        with torch.no_grad():
            for s, i in enumerate(ids):
                out, h = m.rnn.step(m.one_hot(torch.tensor([[i]]))[:, 0], h)
                if s == t:  # the nudge enters h_t: the output at t and every later step
                    if cell == "lstm":
                        hh, cc = h
                        hh = hh.clone()
                        hh[0, 0, unit] += delta
                        h, out = (hh, cc), hh[0]
                    else:
                        h = h.clone()
                        h[0, 0, unit] += delta
                        out = h[0]
                logp = m.head(out).log_softmax(-1)
                total -= float(logp[0, Y[0, s]])
        return total / len(ids)

    for t in range(4):
        for unit in range(3):
            fd = (loss_with(t, unit, eps) - loss_with(t, unit, -eps)) / (2 * eps)
            assert pic["grads"][t][unit] == pytest.approx(fd, abs=1e-7)


def test_it_learns_to_spell_hello_through_the_loop():
    from engine.training.loop import Trainer

    cfg = HelloConfig(steps=60, eval_every=5, probe_every=5, device="cpu")
    evals, pictures = [], []
    for e in Trainer(cfg).events():
        if e.name == "eval":
            evals.append(e)
        elif e.name == "unrolled":
            pictures.append(e)
    assert evals[0].metrics["spells"] in (0.0, 1.0)
    last = evals[-1]
    assert last.metrics["spells"] == 1.0 and last.metrics["greedy"] == "hello"
    assert last.metrics["accuracy"] == 1.0 and last.val_loss < evals[0].val_loss
    assert pictures[-1].spells and pictures[-1].greedy == "hello"
    assert pictures[-1].loss == pytest.approx(last.val_loss, rel=1e-4)
    first = next(i for i, e in enumerate(evals) if e.metrics["spells"])
    assert evals[first].step > 0  # fresh weights do not spell it: the check starts false


def test_greedy_feeds_its_own_guess_back():
    m = model64()
    ids = greedy(m, 0, 4)
    assert len(ids) == 5 and ids[0] == 0
    # step by step by hand: the argmax after each prefix of its own output
    h = None
    for k in range(4):
        out, h = m.rnn.step(m.one_hot(torch.tensor([[ids[k]]]))[:, 0], h)
        assert int(m.head(out).argmax(-1)) == ids[k + 1]


def test_cli_trains_it_and_refuses_a_bad_word(capsys, tmp_path):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from cli_helpers import assert_clean_error, cli

    code, out, err = cli(capsys, "run", "--task", "hello", "--steps", "40", "--out",
                         str(tmp_path / "run"))
    assert code == 0, err
    assert "greedy 'hello' (spells it)" in out
    assert (tmp_path / "run" / "checkpoint.safetensors").is_file()
    code, out, err = cli(capsys, "run", "--task", "hello", "--word", "h", "--steps", "2")
    assert_clean_error(code, out, err, "word")
