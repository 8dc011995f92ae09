"""A vanilla RNN language model in pure numpy, exactly as the lectures derive it.

In the style of Karpathy's min-char-rnn: batch of one, one-hot inputs, a Python loop over
time, and backpropagation through time written out by hand. It exists as a reference that
the tests hold the torch model against (same loss, same gradients), and as readable maths.

Shapes: V vocabulary size, H hidden units.
    Wxh (H, V)  input -> hidden      Whh (H, H)  hidden -> hidden     bh (H,)
    Why (V, H)  hidden -> output     by  (V,)
"""

from __future__ import annotations

import numpy as np

PARAM_NAMES = ("Wxh", "Whh", "bh", "Why", "by")


def init_params(vocab_size: int, hidden_size: int, scale: float = 0.01,
                seed: int = 0) -> dict[str, np.ndarray]:
    """Small random weights (min-char-rnn uses N(0, 0.01^2)), zero biases, float64."""
    rng = np.random.default_rng(seed)
    V, H = vocab_size, hidden_size
    return {"Wxh": rng.standard_normal((H, V)) * scale,
            "Whh": rng.standard_normal((H, H)) * scale,
            "bh": np.zeros(H), "Why": rng.standard_normal((V, H)) * scale, "by": np.zeros(V)}


def forward_backward(inputs: list[int], targets: list[int], h0: np.ndarray,
                     params: dict[str, np.ndarray]
                     ) -> tuple[float, dict[str, np.ndarray], np.ndarray]:
    """Loss summed over t (nats), gradients of it for every parameter, and the last h.

    inputs[t] is the character at t, targets[t] the character at t + 1; h0 (H,).
    """
    Wxh, Whh, bh, Why, by = (params[n] for n in PARAM_NAMES)
    V = Wxh.shape[1]
    xs, hs, ps = {}, {-1: np.asarray(h0, dtype=np.float64)}, {}
    loss = 0.0
    # --- forward ----------------------------------------------------------------------
    for t, (ch, tgt) in enumerate(zip(inputs, targets)):
        xs[t] = np.zeros(V)
        xs[t][ch] = 1.0  # one-hot x_t (V,)
        # h_t = tanh(Wxh x_t + Whh h_{t-1} + bh)
        hs[t] = np.tanh(Wxh @ xs[t] + Whh @ hs[t - 1] + bh)
        y = Why @ hs[t] + by  # y_t = Why h_t + by: logits (V,)
        e = np.exp(y - y.max())  # softmax, shifted by the max so exp cannot overflow
        ps[t] = e / e.sum()  # p_t = softmax(y_t)
        loss += -np.log(ps[t][tgt])  # L = Σ_t -log p_t[target_t]
    # --- backward (BPTT) ----------------------------------------------------------------
    grads = {n: np.zeros_like(params[n]) for n in PARAM_NAMES}
    dh_next = np.zeros_like(hs[-1])  # dL/dh_t arriving from step t+1 (zero after the end)
    for t in reversed(range(len(inputs))):
        dy = ps[t].copy()
        dy[targets[t]] -= 1.0  # dL/dy_t = p_t - onehot(target_t)  (softmax + CE)
        grads["Why"] += np.outer(dy, hs[t])  # dL/dWhy += dy_t h_t^T
        grads["by"] += dy  # dL/dby  += dy_t
        # h_t feeds both y_t and h_{t+1}:  dh = Why^T dy_t + dL/dh_t|from t+1
        dh = Why.T @ dy + dh_next
        # back through tanh: d tanh(a)/da = 1 - tanh(a)^2, so  dh_raw = (1 - h_t^2) * dh
        dh_raw = (1.0 - hs[t] ** 2) * dh
        grads["bh"] += dh_raw  # dL/dbh  += dh_raw
        grads["Wxh"] += np.outer(dh_raw, xs[t])  # dL/dWxh += dh_raw x_t^T
        grads["Whh"] += np.outer(dh_raw, hs[t - 1])  # dL/dWhh += dh_raw h_{t-1}^T
        # to the previous step:  dL/dh_{t-1} = Whh^T dh_raw  — one Jacobian factor
        # diag(1 - h_t^2) Whh per step back, the product that vanishes or explodes.
        dh_next = Whh.T @ dh_raw
    return float(loss), grads, hs[len(inputs) - 1]

