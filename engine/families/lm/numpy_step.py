"""The sampler's step in numpy: what `CharLM.step` computes for one stream on the CPU, faster.

Why a second implementation of a step. Sampling writes one token at a time, so every token
reads every recurrent weight once: a batch-1 matrix-vector product, bound by how fast the
weights stream from the caches. Measured on this project's 2-core machine (torch 2.13 with
MKL, numpy 2.4 with OpenBLAS; `python benchmarks/matvec_bound.py`, quiet): torch's product
of a 1536x512 float32 matrix takes ~70 us and never uses the second core (MKL's gemv stays on
one thread here), numpy's takes ~23 us on two threads. And a GRU step is ~25 small
operations whose per-call cost in torch (a few microseconds each) is most of the rest. Same
weights (read in place, float32), the same equations as engine/recurrent.py's cells
(whose comments derive them); only the summation order of the products differs, so the
logits agree to float rounding (tests/engine/test_numpy_step.py) and the draw stays torch's.

Used only where it is exactly the model's step: a CharLM on the CPU, unidirectional, with a
full softmax (a Linear head, or tying's Sequential of Linears), in eval mode (no dropout).
Anything else (a GPU, the adaptive softmax) samples through `model.step`.

Threads (`threads_for`, once a sample): OpenBLAS splits a product over its threads, which
spin between calls. When the machine is loaded, a thread that waits for a core it shares
with another process makes every product wait for it, so the sampler asks OpenBLAS for as
many threads as torch has been given (the engine's --threads or the thread tuner's current
choice), for its own calls only, and torch for one meanwhile.
"""

from __future__ import annotations

import ctypes
import glob
import os
from contextlib import contextmanager
from typing import Iterator

import numpy as np
import torch
import torch.nn as nn

TABLE_MAX = 1 << 22  # precompute layer 0's input side for every token up to 16 MB (float32)


def supports(model, device: torch.device) -> bool:
    """Whether `NumpyStep` computes exactly `model.step` (else sample through the model)."""
    from engine.families.lm.model import CharLM

    return (isinstance(model, CharLM) and device.type == "cpu" and not model.training
            and not model.adaptive
            and model.rnn.num_directions == 1 and _linears(model.head) is not None
            and all(p.device.type == "cpu" for p in model.parameters()))


def _linears(head: nn.Module) -> list[nn.Linear] | None:
    """The head as a chain of Linear layers (tying's projection + decoder), or None."""
    layers = list(head) if isinstance(head, nn.Sequential) else [head]
    return layers if all(type(m) is nn.Linear for m in layers) else None


def _array(t: torch.Tensor | None) -> np.ndarray | None:
    """The tensor's float32 values as an array: for a float32 CPU parameter, its own memory
    (no copy per sample; the sampler runs on the thread that trains, between steps)."""
    return None if t is None else t.detach().float().cpu().numpy()


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # = 1 / (1 + e^-x), without overflow for x << 0


class NumpyStep:
    """One token in, the next token's logits out, the state carried (batch of one).

    Weights per layer k: w_ih (G*H, in), w_hh (G*H, H), b_ih, b_hh (G*H,) as in
    engine/recurrent.py; state h[k] (H,) and, for an LSTM, c[k] (H,)."""

    def __init__(self, model) -> None:
        rnn = model.rnn
        self.cell, self.relu = rnn.cell, rnn.nonlinearity == "relu"
        self.H = rnn.hidden_size
        self.layers = [tuple(_array(w) for w in rnn._weights(k, False))
                       for k in range(rnn.num_layers)]
        self.embedding = _array(model.embedding.weight)  # (V, E)
        self.head = [(_array(m.weight), _array(m.bias)) for m in _linears(model.head)]
        w_ih0, _, b_ih0, _ = self.layers[0]
        # Layer 0's input side W_ih x + b_ih depends on the token alone: for a small vocabulary
        # one (V, G*H) table replaces a product per token.
        self.table = None
        if self.embedding.shape[0] * w_ih0.shape[0] <= TABLE_MAX:
            self.table = self.embedding @ w_ih0.T + b_ih0
        self.h = [np.zeros(self.H, np.float32) for _ in self.layers]
        self.c = [np.zeros(self.H, np.float32) for _ in self.layers]
        self.threads = torch.get_num_threads()  # the engine's choice for this thread's work

    def __call__(self, token: int) -> torch.Tensor:
        """Read TOKEN; the logits (V,) for the next one (a tensor sharing numpy's memory).
        (Call it inside `threads_for(self)`: the threads are set once a sample, not a token.)"""
        return torch.from_numpy(self._step(token))

    def _step(self, token: int) -> np.ndarray:
        x = None
        for k, (w_ih, w_hh, b_ih, b_hh) in enumerate(self.layers):
            if k == 0 and self.table is not None:
                xw = self.table[token]
            else:
                xw = w_ih @ (self.embedding[token] if k == 0 else x)  # (G*H,)
                xw += b_ih
            hw = w_hh @ self.h[k]  # (G*H,)
            hw += b_hh
            x = self.h[k] = self._cell(xw, hw, k)
        for w, b in self.head:
            x = w @ x if b is None else w @ x + b
        return x

    def _cell(self, xw: np.ndarray, hw: np.ndarray, k: int) -> np.ndarray:
        H, h = self.H, self.h[k]
        if self.cell == "gru":
            rz = _sigmoid(xw[:2 * H] + hw[:2 * H])  # [reset | update], one call for both
            r, z = rz[:H], rz[H:]  # z: the share of h_{t-1} kept
            n = np.tanh(xw[2 * H:] + r * hw[2 * H:])  # candidate (r after the product)
            return n + z * (h - n)  # (1 - z) n + z h
        a = xw + hw
        if self.cell == "lstm":  # [i | f | g | o] pre-activations
            s = _sigmoid(a)  # (g's share is not used: one call beats three)
            self.c[k] = s[H:2 * H] * self.c[k] + s[:H] * np.tanh(a[2 * H:3 * H])
            return s[3 * H:] * np.tanh(self.c[k])
        return np.maximum(a, 0.0) if self.relu else np.tanh(a)


@contextmanager
def threads_for(step: NumpyStep) -> Iterator[None]:
    """While STEP samples, on this thread: OpenBLAS's products get the threads torch had
    (`step.threads`), and torch's own work per token (the softmax, the draw) one thread, so
    that torch's idle threads do not spin on the cores OpenBLAS needs (measured: a 33k-word
    GRU 512x2 sampled 64 words/s without this, 240 with it). Both are given back after,
    however the sample ends."""
    setter = _local_setter()
    blas_before = setter(step.threads) if setter is not None else None
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(step.threads)
        if setter is not None:
            setter(blas_before)


_SETTER: list = []  # [the ctypes function or None], found once


def _local_setter():
    """OpenBLAS's `openblas_set_num_threads_local` (0.3.27 and later: the thread count of
    the calling thread's calls; returns the one before), or None where numpy has none."""
    if not _SETTER:
        _SETTER.append(_find_setter())
    return _SETTER[0]


def _find_setter():
    here = os.path.dirname(np.__file__)
    for path in sorted(glob.glob(os.path.join(here, os.pardir, "numpy.libs", "*openblas*"))
                       + glob.glob(os.path.join(here, ".dylibs", "*openblas*"))):
        try:
            fn = ctypes.CDLL(path).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        fn.argtypes, fn.restype = [ctypes.c_int], ctypes.c_int
        return fn
    return None
