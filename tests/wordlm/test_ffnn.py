"""The feed-forward LM: shapes, direct connections, a window of exactly n-1 words, carry."""

from __future__ import annotations

import pytest
import torch

from engine.families.lm.data import StreamBatcher
from engine.errors import EngineError
from engine.families.lm.evaluate import evaluate
from engine.families.lm.ffnn import FeedForwardLM
from engine.recurrent import detach_hidden

V = 50


def _model(order=4, direct=True, seed=0):
    torch.manual_seed(seed)
    return FeedForwardLM(V, order=order, embed=8, hidden=16, direct=direct).eval()


def test_shapes_loss_and_carried_window():
    model = _model(order=4)
    idx = torch.randint(0, V, (3, 7))
    logits, loss, hidden = model(idx, targets=torch.randint(0, V, (3, 7)))
    assert logits.shape == (3, 7, V) and loss.shape == () and loss.item() > 0
    assert hidden.shape == (3, 3) and torch.equal(hidden, idx[:, -3:])  # the last n-1 ids
    assert torch.equal(model.init_hidden(2), torch.full((2, 3), V))
    step_logits, h = model.step(idx[:, 0])
    assert step_logits.shape == (3, V) and h.shape == (3, 3)


def test_direct_connections_present_or_absent():
    with_direct, without = _model(direct=True), _model(direct=False)
    assert with_direct.direct.weight.shape == (V, 3 * 8)  # W₃: (V, (n-1)·m)
    assert without.direct is None
    names = {n for n, _ in without.named_parameters()}
    assert names == {"embedding.weight", "hidden_layer.weight", "hidden_layer.bias",
                     "output.weight", "output.bias"}
    n_direct = sum(p.numel() for p in with_direct.parameters()) - \
        sum(p.numel() for p in without.parameters())
    assert n_direct == V * 3 * 8
    # The direct path really reaches the logits: zeroing W₃ changes them.
    idx = torch.randint(0, V, (2, 5))
    before = with_direct(idx)[0]
    with torch.no_grad():
        with_direct.direct.weight.zero_()
    assert not torch.allclose(before, with_direct(idx)[0])


@pytest.mark.parametrize("direct", [True, False])
def test_position_t_sees_only_the_n_minus_1_previous_words(direct):
    model = _model(order=4, direct=direct)
    idx = torch.randint(0, V, (1, 12))
    base = model(idx)[0]
    t = 9  # logits[:, t] may depend on idx[:, t-2 .. t] only
    for j in range(12):
        changed = idx.clone()
        changed[0, j] = (changed[0, j] + 1) % V
        diff = (model(changed)[0][0, t] - base[0, t]).abs().max().item()
        if t - 2 <= j <= t:
            assert diff > 1e-6, f"position {t} ignores word {j} of its window"
        else:
            assert diff == 0.0, f"position {t} sees word {j}, outside its window"


def test_carried_context_across_windows_equals_one_long_window():
    model = _model(order=5)
    ids = torch.randint(0, V, (400,))
    batcher = StreamBatcher(ids, batch_size=4, bptt=6)
    long_logits = model(batcher.data[:, :-1])[0]  # (4, 99, V): one window over each stream
    hidden, pieces = None, []
    for i in range(batcher.batches_per_epoch()):
        x, _ = batcher.window(i)
        logits, _, hidden = model(x, hidden)
        pieces.append(logits)
    joined = torch.cat(pieces, dim=1)
    assert torch.allclose(joined, long_logits[:, :joined.size(1)], atol=1e-6)


def test_start_of_stream_is_a_zero_vector_with_no_gradient():
    model = _model(order=3).train()
    _, loss, _ = model(torch.randint(0, V, (2, 4)), targets=torch.randint(0, V, (2, 4)))
    loss.backward()
    assert model.embedding.weight[V].abs().sum() == 0
    assert model.embedding.weight.grad[V].abs().sum() == 0


def test_step_by_step_matches_forward():
    model = _model(order=4)
    idx = torch.randint(0, V, (2, 6))
    full = model(idx)[0]
    hidden = None
    for t in range(6):
        logits, hidden = model.step(idx[:, t], hidden)
        assert torch.allclose(logits, full[:, t], atol=1e-6)


def test_learns_a_fixed_window_pattern():
    # Next word = (sum of the 2 previous) mod 7: a trigram FFNN can learn it, in a few steps.
    torch.manual_seed(0)
    seq = [1, 2]
    for _ in range(3000):
        seq.append((seq[-1] + seq[-2]) % 7)
    batcher = StreamBatcher(torch.tensor(seq), batch_size=8, bptt=16)
    model = FeedForwardLM(7, order=3, embed=8, hidden=32)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    hidden = None
    for _ in range(150):
        x, y, new_epoch = batcher.next_batch()
        hidden = None if new_epoch else hidden
        _, loss, hidden = model(x, hidden, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert loss.item() < 0.1  # uniform would be ln 7 = 1.95


def test_bad_order_is_a_clear_error():
    with pytest.raises(EngineError, match="order n"):
        FeedForwardLM(V, order=1)


def test_the_char_lm_evaluate_and_detach_work_unchanged():
    # engine.families.lm.evaluate carries `hidden` through model(x, hidden) and detach_hidden: the
    # feed-forward model's window of ids passes through both.
    model = _model(order=3)
    ids = torch.randint(0, V, (301,))
    loss = evaluate(model, ids, torch.device("cpu"), window=7, max_streams=1)
    logits = model(ids[None, :-1])[0][0]  # one stream, one long window
    expected = torch.nn.functional.cross_entropy(logits, ids[1:]).item()
    assert loss == pytest.approx(expected, rel=1e-5)
    h = model.init_hidden(2)
    assert torch.equal(detach_hidden(h), h)
