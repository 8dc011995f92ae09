"""Attention scores against hand computations, masks, model shapes, greedy vs beam."""

from __future__ import annotations

import pytest
import torch

from engine.errors import EngineError
from engine.families.seq2seq.attention import Additive, Dot, General, context, make_score, masked_softmax
from engine.families.seq2seq.decode import beam_search, greedy
from engine.families.seq2seq.model import Seq2Seq
from engine.families.seq2seq.tasks import EOS, char_vocab, make_batch


def test_additive_score_by_hand():
    torch.manual_seed(0)
    att = Additive(dec_size=3, enc_size=2, attn_size=4).double()
    s = torch.randn(1, 3, dtype=torch.float64)
    h = torch.randn(1, 5, 2, dtype=torch.float64)
    W, U, v = att.W.weight, att.U.weight, att.v.weight[0]
    with torch.no_grad():
        got = att(s, att.precompute(h))
    for j in range(5):
        # e_j = v^T tanh(W s + U h_j), written out element by element
        hidden = [torch.tanh(sum(W[a, k] * s[0, k] for k in range(3))
                             + sum(U[a, k] * h[0, j, k] for k in range(2))) for a in range(4)]
        want = sum(v[a] * hidden[a] for a in range(4)).detach()
        assert float(got[0, j]) == pytest.approx(float(want), abs=1e-12)


def test_dot_score_by_hand():
    s = torch.tensor([[1.0, 2.0]])
    h = torch.tensor([[[3.0, 4.0], [-1.0, 0.5], [0.0, 0.0]]])
    assert Dot()(s, Dot().precompute(h)).tolist() == [[11.0, 0.0, 0.0]]  # s^T h_j


def test_general_score_by_hand():
    att = General(dec_size=2, enc_size=3)
    with torch.no_grad():
        att.Wh.weight.copy_(torch.tensor([[1.0, 0.0, 2.0], [0.0, -1.0, 1.0]]))  # W (2 x 3)
    s = torch.tensor([[2.0, 3.0]])
    h = torch.tensor([[[1.0, 1.0, 1.0], [0.0, 2.0, -1.0]]])
    # s^T W h: W h_1 = (3, 0) -> 6;  W h_2 = (-2, -3) -> -4 - 9 = -13
    assert att(s, att.precompute(h)).tolist() == [[6.0, -13.0]]


def test_masked_softmax_and_context():
    scores = torch.tensor([[1.0, 2.0, 3.0, 50.0], [0.0, 0.0, 9.0, 9.0]])
    mask = torch.tensor([[True, True, True, False], [True, True, False, False]])
    a = masked_softmax(scores, mask)
    assert torch.allclose(a.sum(-1), torch.ones(2))
    assert a[0, 3] == 0 and a[1, 2] == 0 and a[1, 3] == 0
    assert torch.allclose(a[0, :3], torch.softmax(scores[0, :3], 0))
    enc = torch.arange(8.0).view(1, 4, 2).expand(2, 4, 2)
    c = context(a, enc)
    assert torch.allclose(c[1], enc[1, :2].mean(0))  # equal weights on the 2 real positions


def test_luong_dot_needs_equal_sizes():
    with pytest.raises(EngineError, match="luong-general"):
        make_score("luong-dot", 8, 16, 4)


VOCAB = char_vocab("abcdefgh")


@pytest.mark.parametrize("attention", ["none", "bahdanau", "luong-dot", "luong-general"])
@pytest.mark.parametrize("cell,bi,layers", [("gru", False, 1), ("lstm", True, 2),
                                            ("rnn", True, 1)])
def test_model_shapes_and_attention_masks(attention, cell, bi, layers):
    torch.manual_seed(0)
    m = Seq2Seq(len(VOCAB), cell=cell, embed=8, hidden=16, layers=layers, bidirectional=bi,
                attention=attention, attn_size=8)
    b = make_batch(VOCAB, [("abcde", "edc"), ("ab", "ba"), ("abc", "hgfedcba")])
    logits, attn = m(b.src, b.src_len, b.tgt_in)
    assert logits.shape == (3, 9, len(VOCAB))
    if attention == "none":
        assert attn is None
        return
    assert attn.shape == (3, 9, 5)  # decoder steps x encoder positions
    assert torch.allclose(attn.sum(-1), torch.ones(3, 9))  # sums to 1 over real positions
    assert (attn[1, :, 2:] == 0).all() and (attn[2, :, 3:] == 0).all()  # 0 on padding
    loss = logits.sum()
    loss.backward()  # gradients flow through every part
    assert all(p.grad is not None for n, p in m.named_parameters() if "embed" not in n)


def test_padding_does_not_change_the_result():
    torch.manual_seed(0)
    m = Seq2Seq(len(VOCAB), embed=8, hidden=16, bidirectional=True, attention="bahdanau",
                attn_size=8).eval()
    alone = make_batch(VOCAB, [("abc", "cba")])
    padded = make_batch(VOCAB, [("abc", "cba"), ("abcdefgh", "hgfedcbaabc")])
    la, aa = m(alone.src, alone.src_len, alone.tgt_in)
    lp, ap = m(padded.src, padded.src_len, padded.tgt_in)
    assert torch.allclose(la[0], lp[0, :4], atol=1e-5)
    assert torch.allclose(aa[0], ap[0, :4, :3], atol=1e-5)


def test_free_running_feeds_back_the_argmax():
    torch.manual_seed(0)
    m = Seq2Seq(len(VOCAB), embed=8, hidden=16, attention="luong-general").eval()
    b = make_batch(VOCAB, [("abcd", "dcba")])
    free, _ = m(b.src, b.src_len, b.tgt_in, teacher=[True, False, False, False, False])
    hyp = greedy(m, VOCAB, ["abcd"], max_len=5)[0]
    # free running over the whole target = greedy decoding, step for step
    assert free[0].argmax(-1).tolist()[:len(hyp.ids)] == hyp.ids


@pytest.mark.parametrize("attention", ["none", "bahdanau", "luong-dot"])
def test_beam_width_one_is_greedy(attention):
    torch.manual_seed(3)
    m = Seq2Seq(len(VOCAB), cell="lstm", embed=8, hidden=16, layers=2, attention=attention,
                attn_size=8)
    for src in ["abc", "hgfe", "a", "abcdefgh"]:
        g = greedy(m, VOCAB, [src], max_len=12)[0]
        (b,) = beam_search(m, VOCAB, src, k=1, max_len=12)
        assert b.ids == g.ids and b.text == g.text
        assert b.score == pytest.approx(g.score, abs=1e-4)
        if attention != "none":
            assert torch.allclose(torch.tensor(b.attention), torch.tensor(g.attention),
                                  atol=1e-5)


def test_beam_returns_k_sorted_hypotheses_at_least_as_good_as_greedy():
    torch.manual_seed(1)
    m = Seq2Seq(len(VOCAB), embed=8, hidden=16, attention="bahdanau", attn_size=8)
    g = greedy(m, VOCAB, ["abcab"], max_len=6)[0]
    hyps = beam_search(m, VOCAB, "abcab", k=4, max_len=6)
    assert len(hyps) == 4
    scores = [h.score for h in hyps]
    assert scores == sorted(scores, reverse=True)
    assert hyps[0].score >= g.score - 1e-6
    for h in hyps:
        assert len(h.ids) <= 6 and (h.finished == (h.ids[-1] == EOS))
        assert len(h.attention) == len(h.ids) and all(len(r) == 5 for r in h.attention)
        assert h.score == pytest.approx(float(torch.tensor(h.probs).log().sum()), abs=1e-4)


def test_greedy_batch_equals_one_by_one():
    torch.manual_seed(2)
    m = Seq2Seq(len(VOCAB), embed=8, hidden=16, bidirectional=True, attention="bahdanau",
                attn_size=8)
    srcs = ["abc", "h", "abcdefgh", "dd"]
    batch = greedy(m, VOCAB, srcs, max_len=8)
    for s, h in zip(srcs, batch):
        one = greedy(m, VOCAB, [s], max_len=8)[0]
        assert one.ids == h.ids
        assert all(len(r) == len(s) for r in h.attention)


@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_textbook_encoder_matches_the_fused_one(cell, bidirectional):
    """encode_unrolled (the probes' path) computes what encode computes, same weights."""
    torch.manual_seed(0)
    vocab = char_vocab("abcdef")
    model = Seq2Seq(len(vocab), cell=cell, embed=8, hidden=16, layers=2,
                    bidirectional=bidirectional, attention="bahdanau").double().eval()
    b = make_batch(vocab, [("abcde", "edcba"), ("fedcb", "bcdef")])
    fused = model.encode(b.src, b.src_len)
    textbook, states = model.encode_unrolled(b.src)
    assert torch.allclose(fused.out, textbook.out, atol=1e-10)
    fs = fused.state if isinstance(fused.state, tuple) else (fused.state,)
    ts = textbook.state if isinstance(textbook.state, tuple) else (textbook.state,)
    for a, c in zip(fs, ts):
        assert torch.allclose(a, c, atol=1e-10)
    assert len(states) == 2 and len(states[0]) == 5


def test_without_attention_the_gradient_fades_towards_the_first_input():
    """The lectures' case for attention: the decoder reaches h_1 only through S-1 steps of
    the encoder's recurrence; with attention every h_j is read directly."""
    from engine.families.seq2seq.probes import encoder_gradient

    torch.manual_seed(0)
    vocab = char_vocab("abcdefgh")
    pairs = [("abcdefghabcdefghabcd", "dcbahgfedcbahgfedcba")] * 4
    ratios = {}
    for attention in ("none", "bahdanau"):
        model = Seq2Seq(len(vocab), cell="rnn", embed=8, hidden=32, attention=attention)
        norms = encoder_gradient(model, vocab, pairs)[0]
        assert len(norms) == 20
        ratios[attention] = norms[0] / norms[-1]
    assert ratios["none"] < 0.1 * ratios["bahdanau"]
