"""The character vocabulary, split and the stream batcher: contiguity, shifting, resume and live bptt changes."""

from __future__ import annotations

import pytest
import torch

from engine.families.lm.data import StreamBatcher, eval_streams, split_text
from engine.data.tokens import Vocab
from engine.errors import EngineError

TEXT = "hello world, this is a small text for the batcher. ü€ \n" * 40


def test_vocab_round_trip():
    v = Vocab.build([TEXT])
    assert v.tokens == sorted(set(TEXT))
    ids = v.encode(TEXT)
    assert "".join(v.decode(ids)) == TEXT
    assert torch.from_numpy(v.encode("hello")).dtype == torch.long
    again = Vocab(v.to_list())
    assert again == v and again.encode(TEXT).tolist() == ids.tolist()


def test_vocab_keeps_saved_order():
    v = Vocab(["z", "a", "\n"])
    assert v.encode("az\n").tolist() == [1, 0, 2] and v.decode([2, 0]) == ["\n", "z"]


def test_vocab_unknown_characters():
    v = Vocab.build(["abc"])
    with pytest.raises(EngineError, match=r"not in the vocabulary: 'x', 'y'"):
        v.encode("axbyx")
    with pytest.raises(EngineError, match="duplicate"):
        Vocab(["a", "a"])


def test_split_is_the_last_fraction():
    text = "".join(chr(65 + i % 26) for i in range(1000))
    train, val = split_text(text, 0.1)
    assert train + val == text and len(val) == 100 and val == text[-100:]
    with pytest.raises(EngineError):
        split_text("abc", 0.1)


def _batcher(n=1000, b=4, t=7):
    return StreamBatcher(torch.arange(n), batch_size=b, bptt=t)


def test_streams_are_contiguous_and_y_is_shifted():
    sb = _batcher()
    assert sb.stream_len == 250 and sb.batches_per_epoch() == 249 // 7
    x0, y0, new0 = sb.next_batch()
    x1, y1, new1 = sb.next_batch()
    assert new0 and not new1
    assert x0.shape == y0.shape == (4, 7)
    assert torch.equal(y0[:, :-1], x0[:, 1:]) and torch.equal(y0, x0 + 1)
    # Stream b of window 1 continues stream b of window 0.
    assert torch.equal(x1[:, 0], x0[:, -1] + 1)
    assert torch.equal(x0[:, 0], torch.arange(4) * 250)
    assert torch.equal(sb.window(1)[0], x1)


def test_epoch_wraps_with_full_windows():
    sb = _batcher()
    per = sb.batches_per_epoch()
    flags = [sb.next_batch()[2] for _ in range(per + 1)]
    assert flags[0] and not any(flags[1:per]) and flags[per]
    assert sb.epoch == 1


def test_state_round_trip_resumes_identically():
    a = _batcher()
    for _ in range(5):
        a.next_batch()
    state = a.state_dict()
    b = _batcher()
    b.load_state_dict(state)
    for t in (7, 7, 3, 11) * 20:  # crosses an epoch boundary with changing bptt
        xa, ya, na = a.next_batch(t)
        xb, yb, nb = b.next_batch(t)
        assert torch.equal(xa, xb) and torch.equal(ya, yb) and na == nb
    with pytest.raises(EngineError, match="batch_size 4"):
        _batcher(b=5).load_state_dict(state)


def test_bptt_change_mid_epoch_stays_contiguous():
    sb = _batcher()
    x0, _, _ = sb.next_batch(7)
    x1, y1, new = sb.next_batch(20)
    assert not new and x1.shape == (4, 20)
    assert torch.equal(x1[:, 0], x0[:, -1] + 1)
    with pytest.raises(EngineError, match="bptt"):
        sb.next_batch(400)


def test_too_short_training_text_suggests_settings():
    with pytest.raises(EngineError, match=r"= 704\); use a bigger corpus or --batch-size 9$"):
        StreamBatcher(torch.arange(100), batch_size=64, bptt=10)
    with pytest.raises(EngineError, match=r"--batch-size 4 or --bptt 49$"):
        StreamBatcher(torch.arange(500), batch_size=10, bptt=100)


def test_eval_streams_cover_the_text_in_order():
    ids = torch.arange(2000)
    windows = list(eval_streams(ids, n_streams=16, bptt=30))
    n = 2000 // 64 if 2000 // 64 < 16 else 16
    assert all(x.shape[0] == n for x, _ in windows)
    assert sum(y.numel() for _, y in windows) == n * (2000 // n - 1)
    x = torch.cat([w[0] for w in windows], dim=1)
    y = torch.cat([w[1] for w in windows], dim=1)
    assert torch.equal(y, x + 1) and torch.equal(x[:, 0], torch.arange(n) * (2000 // n))
    assert windows[-1][0].shape[1] <= 30
