"""Every number of one forward and one backward pass of the "hello" network, for the view.

The forward pass runs the textbook path (`Recurrent.unrolled`) on the same weights as
training, so that the gradient with respect to each h_t is the full one (through the output
at t and through every later step): dL/dh_t = W_hy^T (p_t - y_t)/T + (dh_{t+1}/dh_t)^T dL/dh_{t+1}.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from engine.families.hello.model import HelloModel
from engine.recurrent import eval_mode


def greedy(model: HelloModel, first: int, steps: int) -> list[int]:
    """Free-running decoding: feed the first id, then each most likely next id back in."""
    ids = [first]
    h, device = None, model.head.weight.device
    with torch.no_grad(), eval_mode(model):
        for _ in range(steps):
            x = model.one_hot(torch.tensor([[ids[-1]]], device=device))[:, 0]  # (1, V)
            out, h = model.rnn.step(x, h)  # (1, H)
            ids.append(int(model.head(out).argmax(-1)))
    return ids


def _passes(model: HelloModel, x: torch.Tensor, y: torch.Tensor):
    """Forward and backward through the textbook path: logits (1, T, V), the per-step
    losses (T,), the top layer's h_t (T tensors (1, H)) and dL/dh_t for every layer's h_t
    (layers x T tensors (1, H)); L is the mean loss, as in training."""
    with eval_mode(model), torch.enable_grad():
        u = model.rnn.unrolled(model.one_hot(x))
        logits = model.head(u.out)  # (1, T, V)
        per_step = F.cross_entropy(logits[0], y[0], reduction="none")  # (T,)
        flat = [h for layer in u.states for h in layer]
        # autograd.grad leaves the trainer's .grad alone
        grads = torch.autograd.grad(per_step.mean(), flat)
    T = x.shape[1]
    by_layer = [list(grads[k * T:(k + 1) * T]) for k in range(len(u.states))]
    return logits.detach(), per_step.detach(), u.states[-1], by_layer


def gradient_norms(model: HelloModel, x: torch.Tensor, y: torch.Tensor) -> list[list[float]]:
    """||dL/dh_t|| per layer and timestep (layers x T), for the gradient panel."""
    return [[float(g.norm()) for g in layer] for layer in _passes(model, x, y)[3]]


def unroll(model: HelloModel, x: torch.Tensor, y: torch.Tensor, vocab: list[str]
           ) -> dict[str, Any]:
    """The unrolled picture of the sequence x (1, T) with targets y (1, T): plain lists for
    the `Unrolled` event (layer: the top one; T rows each)."""
    logits, per_step, top, grads = _passes(model, x, y)
    loss = per_step.mean()
    probs = logits.softmax(-1)[0]  # (T, V)
    decoded = greedy(model, int(x[0, 0]), x.shape[1])
    word = "".join(vocab[i] for i in [int(x[0, 0]), *y[0].tolist()])
    spelled = "".join(vocab[i] for i in decoded)
    return {
        "vocab": list(vocab),
        "inputs": [vocab[i] for i in x[0].tolist()],
        "targets": [vocab[i] for i in y[0].tolist()],
        "hidden": [h[0].detach().tolist() for h in top],
        "probs": probs.tolist(),
        "predicted": [vocab[i] for i in probs.argmax(-1).tolist()],
        "losses": per_step.tolist(),
        "loss": float(loss),
        "grads": [g[0].tolist() for g in grads[-1]],
        "grad_norms": [float(g.norm()) for g in grads[-1]],
        "greedy": spelled,
        "spells": spelled == word,
    }
