"""Looking inside the model: gradient flow through time, and gate activity.

Both run the textbook cells (`CharLM.forward_unrolled`), whose every h_t is a tensor in the
graph, in eval mode (no dropout noise), and return plain Python lists for the events
`engine.events.Probe` (grad_norms) and `engine.events.Gates` (gates, saturation, hidden).
"""

from __future__ import annotations

from typing import Any, Optional

import torch
import torch.nn.functional as F
from torch import Tensor

from engine.families.lm.model import CharLM
from engine.recurrent import TANH_GATES, Hidden, detach_hidden, eval_mode
from engine.data.tokens import EOS


def gradient_per_timestep(model: CharLM, x: Tensor, y: Tensor,
                          hidden: Optional[Hidden] = None) -> list[list[float]]:
    """||dL_T / dh_t|| for every layer and timestep: layers x T floats.

    x, y (B, T) long: a probe batch of training windows and their next characters.
    L_T is the cross-entropy at the LAST timestep only, so the curve reads as "how much does
    the state at t still matter for the prediction at T". BPTT gives
        dL_T/dh_t = dL_T/dh_T · Π_{s=t+1..T} dh_s/dh_{s-1},
        vanilla RNN: dh_s/dh_{s-1} = diag(1 - h_s^2) W_hh,
    a product of T - t Jacobians, which shrinks (or blows up) geometrically when their norms
    sit below (above) 1; the LSTM's c path multiplies by f_s instead. For an LSTM we report
    h_t (what the next layer and the head see), not c_t.
    """
    with eval_mode(model), torch.enable_grad():
        logits, u = model.forward_unrolled(x, detach_hidden(hidden))  # logits (B, T, V)
        # Sum (not mean) over the B sequences: sequences are independent, so the gradient
        # w.r.t. sequence b's states is exactly d L_T^(b) / d h_t^(b), whatever B is.
        loss = F.cross_entropy(logits[:, -1], y[:, -1], reduction="sum")
        flat = [h for layer in u.states for h in layer]  # L*T tensors, each (B, H)
        # autograd.grad returns the gradients instead of accumulating into .grad, so the
        # trainer's parameter gradients are untouched.
        grads = torch.autograd.grad(loss, flat, allow_unused=True)
    g = torch.stack([torch.zeros_like(h) if gr is None else gr for h, gr in zip(flat, grads)])
    L, T = len(u.states), x.shape[1]
    norms = g.view(L, T, *g.shape[1:]).norm(dim=-1).mean(dim=-1)  # per sequence, then mean
    return norms.tolist()


@torch.no_grad()
def gate_activity(model: CharLM, idx: Tensor,
                  hidden: Optional[Hidden] = None) -> dict[str, Any]:
    """Gate means, saturation and hidden states on one text, idx (T,) long.

    Returns {"gates": {name: layers x T}, "saturation": {name: layers x T},
    "hidden": layers x T x H}, matching `engine.events.Gates`. A unit counts as saturated
    when its gate is < 0.1 or > 0.9 (nearly shut or wide open); tanh-valued gates (the LSTM
    candidate g, the GRU candidate n, in [-1, 1]) are mapped to (v + 1) / 2 first.
    A vanilla RNN has no gates: both dicts are empty.
    """
    with eval_mode(model):
        _, u = model.forward_unrolled(idx.view(1, -1), detach_hidden(hidden), record_gates=True)
    gates: dict[str, list[list[float]]] = {}
    saturation: dict[str, list[list[float]]] = {}
    for name, per_layer in u.gates.items():
        v = torch.stack(per_layer)[:, 0]  # (layers, T, H), batch of one
        gates[name] = v.mean(-1).tolist()
        p = (v + 1) / 2 if name in TANH_GATES else v  # -> [0, 1]
        saturation[name] = ((p < 0.1) | (p > 0.9)).float().mean(-1).tolist()
    hidden_states = torch.stack([torch.stack(layer) for layer in u.states])[:, :, 0]
    return {"gates": gates, "saturation": saturation,
            "hidden": hidden_states.tolist()}  # (layers, T, H)


def spread_over_chars(words: list[str], activity: dict[str, Any]) -> dict[str, Any]:
    """A word model's gate_activity (one timestep per word) laid over the characters of the
    words, so the character views draw it: each character of word t (and the space after
    it) shows timestep t. <eos> is drawn as ⏎. Returns Gates' text, gates, saturation,
    hidden."""
    shown = ["⏎" if w == EOS else w for w in words]
    owner = [t for t, w in enumerate(shown) for _ in range(len(w) + 1)]  # char -> word
    text = " ".join(shown) + " "

    def spread(rows: list) -> list:  # per layer: a list over words -> over characters
        return [[row[t] for t in owner] for row in rows]

    return {"text": text,
            "gates": {k: spread(v) for k, v in activity["gates"].items()},
            "saturation": {k: spread(v) for k, v in activity["saturation"].items()},
            "hidden": spread(activity["hidden"])}
