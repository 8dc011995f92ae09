"""The bare PyTorch loop the engine is measured against: a fused nn.LSTM, Adam, clipping,
nothing else (~40 lines of training code). Used by quality.py and throughput.py.

It is the loop of notes/measured-facts.md: 512x2 LSTM, embedding 64, 64 streams x 100 steps,
Adam 2e-3 at a constant rate, dropout 0.2, clip 1.0, hidden state carried and detached.
"""

from __future__ import annotations

import contextlib
import time

import torch
import torch.nn as nn


class BareLSTM(nn.Module):
    def __init__(self, vocab, embed=64, hidden=512, layers=2, dropout=0.2, cell="lstm"):
        super().__init__()
        self.emb = nn.Embedding(vocab, embed)
        rnn = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[cell]
        self.rnn = rnn(embed, hidden, layers, dropout=dropout, batch_first=True)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x, h=None, targets=None):  # same signature as engine.families.lm.model.CharLM
        out, h = self.rnn(self.drop(self.emb(x)), h)
        logits = self.head(self.drop(out))
        return logits, None, h

    def init_hidden(self, batch, device):
        return None


def detach(h):
    """The carried state cut from the graph, in float32 (as the engine carries it whatever
    the step's precision)."""
    return tuple(t.detach().float() for t in h) if isinstance(h, tuple) else h.detach().float()


def bare_train(train_ids, vocab_size, *, seconds=None, steps=None, batch=64, bptt=100,
               lr=2e-3, clip=1.0, on_eval=None, eval_at=(), seed=1337, precision="fp32",
               **model_kw):
    """Train; call on_eval(model, minutes) when training time passes each of eval_at (s).
    precision "bf16" autocasts the forward pass and the loss, as the engine's --precision
    bf16 does (weights, gradients and Adam's state stay float32).

    Returns (tokens_per_s, steps_done). Eval time is excluded from the clock (generous to
    the bare loop)."""
    torch.manual_seed(seed)
    model = BareLSTM(vocab_size, **model_kw)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    n = train_ids.numel() // batch
    data = train_ids[: n * batch].view(batch, n)
    pos, h, step, train_time, pending = 0, None, 0, 0.0, list(eval_at)
    while True:
        if steps is not None and step >= steps:
            break
        if seconds is not None and train_time >= seconds:
            break
        t0 = time.perf_counter()
        if pos + bptt + 1 > n:
            pos, h = 0, None
        x, y = data[:, pos:pos + bptt], data[:, pos + 1:pos + bptt + 1]
        pos += bptt
        h = detach(h) if h is not None else None
        cast = torch.autocast("cpu", dtype=torch.bfloat16) if precision == "bf16" \
            else contextlib.nullcontext()
        with cast:
            logits, _, h = model(x, h)
            loss = nn.functional.cross_entropy(logits.reshape(-1, vocab_size), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), clip)
        opt.step()
        step += 1
        train_time += time.perf_counter() - t0
        while pending and train_time >= pending[0]:
            if on_eval:
                on_eval(model, pending[0] / 60)
            pending.pop(0)
    if on_eval and pending is not None and seconds is not None:
        for t in pending:
            on_eval(model, t / 60)
    return step * batch * bptt / max(train_time, 1e-9), step
