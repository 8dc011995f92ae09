"""The Jacobian picture: how much h_T still depends on h_t, and why.

    state_jacobian_norms   for each layer and t, the RMS gain of J_t = dh_T/dh_t (H x H):
                               g_t = ||J_t||_F / sqrt(H) = sqrt(mean of J_t's squared
                               singular values),
                           root-mean-squared over the probe sequences. 1 for an identity map
                           (g_T = 1 always), |w|^(T-t) for a scalar linear RNN, so it reads
                           like the slide's w^(T-1) and is drawn on a log scale.
    recurrent_spectral_norms   sigma_max of each (H, H) block of each layer's W_hh: the
                           vanilla RNN's J_t is a product of diag(phi') W_hh factors, so
                           sigma_max(W_hh) < 1 (with |phi'| <= 1) forces it to vanish
                           geometrically, and > 1 is necessary for it to explode
                           (Pascanu, Mikolov & Bengio 2013).
    (scalar_gradient, the CS286 slide's univariate example, is in scalar.py: no torch.)

Why the Frobenius norm, estimated: ||J||_F^2 = E_v ||v^T J||^2 for v ~ N(0, I) (Hutchinson),
and ONE backward pass from <v, h_T> gives v^T dh_T/dh_t for every t at once. With `probes`
Gaussian vectors per sequence it costs `probes` backward passes per layer over the unrolled
cells - the price of the existing per-timestep gradient probe - instead of the H passes of the
exact Jacobian (`exact=True`, kept for tests and tiny H). The spectral norm would need power
iterations per t. The estimate of g_t has a relative error of about sqrt(1 / (2 B probes)) at
worst (a rank-one J): ~18% for B = 8 sequences and 2 probes, far below the orders of magnitude
the picture is about.

For an LSTM, h_t is the hidden state and c_t is held fixed (the tensors `Recurrent.unrolled`
records), as in the gradient-per-timestep probe. For a stack, layer l's J_t is the derivative
of its own h_T with respect to its own h_t (only layer l's recurrence links them).
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import Tensor

from engine.errors import EngineError
from engine.recurrent import Recurrent


def state_jacobian_norms(rnn: Recurrent, x: Tensor, probes: int = 2, exact: bool = False,
                         generator: Optional[torch.Generator] = None) -> list[list[float]]:
    """RMS gain ||dh_T/dh_t||_F / sqrt(H): layers x T floats (see the module docstring).

    x (B, T, in): the features the recurrent layer reads (`LongRangeModel.features(x)`).
    Runs in eval mode (no dropout between layers) and leaves parameter gradients untouched.
    """
    if rnn.num_directions != 1:
        raise EngineError("the Jacobian picture needs a unidirectional model")
    if not exact and probes < 1:
        raise EngineError(f"probes must be >= 1, got {probes}")
    was_training = rnn.training
    rnn.eval()
    try:
        with torch.enable_grad():
            states = rnn.unrolled(x).states  # states[layer][t] (B, H), in the graph
            return [_layer_gains(hs, probes, exact, generator) for hs in states]
    finally:
        rnn.train(was_training)


def _layer_gains(hs: list[Tensor], probes: int, exact: bool,
                 generator: Optional[torch.Generator]) -> list[float]:
    """One layer: hs[t] (B, H) -> per t, sqrt(mean_b ||J_t,b||_F^2 / H)."""
    B, H = hs[-1].shape
    if exact:  # v = e_1 .. e_H for every sequence: sum_i ||e_i^T J||^2 = ||J||_F^2 exactly
        eye = torch.eye(H, dtype=hs[-1].dtype, device=hs[-1].device)
        vs, weight = [eye[i].expand(B, H) for i in range(H)], 1.0
    else:  # Gaussian v: E ||v^T J||^2 = ||J||_F^2; average the probes
        vs = [torch.randn(B, H, generator=generator).to(hs[-1]) for _ in range(probes)]
        weight = 1.0 / probes
    sq = torch.zeros(len(hs), dtype=torch.float64)
    for v in vs:
        # d<v, h_T>/dh_t = v^T J_t for every t, one backward pass through the recurrence.
        grads = torch.autograd.grad((hs[-1] * v).sum(), hs, retain_graph=True,
                                    allow_unused=True)
        sq += torch.stack([torch.zeros((), dtype=torch.float64) if g is None
                           else g.double().pow(2).sum() for g in grads]) * weight
    return (sq / (B * H)).sqrt().tolist()


@torch.no_grad()
def recurrent_spectral_norms(rnn: Recurrent) -> list[dict[str, float]]:
    """sigma_max of every (H, H) block of W_hh, one dict per (layer, direction) in PyTorch's
    order (layer k, direction d at k*D + d); keys are the gate names, "W_hh" for a vanilla RNN.
    """
    names = rnn.gate_names or ("W_hh",)
    H, out = rnn.hidden_size, []
    for k in range(rnn.num_layers):
        for d in range(rnn.num_directions):
            w = getattr(rnn.fused, f"weight_hh_l{k}" + ("_reverse" if d else ""))
            blocks = w.view(len(names), H, H)
            sig = torch.linalg.matrix_norm(blocks.double(), ord=2)  # (G,) largest sing. values
            out.append({n: float(s) for n, s in zip(names, sig)})
    return out

