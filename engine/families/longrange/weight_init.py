"""Initialisations of a `Recurrent`'s recurrent weights: `--init default|identity|orthogonal`.

W_hh_l{k} is (G*H, H): G square (H, H) blocks stacked by gate ([i|f|g|o] LSTM, [r|z|n] GRU,
one block for a vanilla RNN). Every scheme below acts on each block separately.

    default     PyTorch's own: every weight and bias ~ U(-1/sqrt(H), 1/sqrt(H)) (re-drawn, so
                "default" means the same thing after another scheme was applied).
    identity    each W_hh block = I, all biases 0; W_ih as default. With a ReLU vanilla RNN
                this is the IRNN of Le, Jaitly & Hinton (2015): at the start h_t = h_{t-1} +
                W_ih x_t while the units are active, so dh_T/dh_t = I, nothing vanishes.
                (On gated cells it is what the flag says, not a published recipe.)
    orthogonal  each W_hh block a random orthogonal matrix (W W^T = I: every singular value 1,
                the norm-preserving start of Saxe et al. 2014 / Henaff et al. 2016), biases 0.

`forget_bias` (LSTM only, any scheme): the forget gate's effective bias b_if + b_hf is set to
this value (b_if = value, b_hf = 0; PyTorch adds the two). 1.0 is the usual choice
(Gers et al. 2000; Jozefowicz et al. 2015): f_t = sigmoid(1) ~ 0.73 at the start, so the
cell state is carried rather than forgotten before the model has learned anything.
"""

from __future__ import annotations

from typing import Optional

import torch

from engine.errors import EngineError
from engine.recurrent import Recurrent

INITS = ("default", "identity", "orthogonal")
_GATES = {"lstm": 4, "gru": 3, "rnn": 1}
FORGET_BLOCK = 1  # [i | f | g | o]: the forget gate is the second block


def _suffixes(rnn: Recurrent) -> list[str]:
    """'_l0', '_l0_reverse', '_l1', ...: one per (layer, direction), in PyTorch's order."""
    return [f"_l{k}" + ("_reverse" if d else "") for k in range(rnn.num_layers)
            for d in range(rnn.num_directions)]


@torch.no_grad()
def apply_init(rnn: Recurrent, scheme: str = "default", forget_bias: Optional[float] = None,
               generator: Optional[torch.Generator] = None) -> Recurrent:
    """Re-initialise `rnn` in place (see the module docstring) and return it."""
    if scheme not in INITS:
        raise EngineError(f"unknown init {scheme!r}; choose one of: {', '.join(INITS)}")
    if forget_bias is not None and rnn.cell != "lstm":
        raise EngineError(f"a forget-gate bias needs an LSTM (the {rnn.cell} has no forget gate)")
    m, G, H = rnn.fused, _GATES[rnn.cell], rnn.hidden_size
    if scheme == "default":
        m.reset_parameters()
    for sfx in _suffixes(rnn) if scheme != "default" else []:
        w_hh = getattr(m, "weight_hh" + sfx)  # (G*H, H)
        for block in w_hh.view(G, H, H):  # views: writing a block writes w_hh
            if scheme == "identity":
                block.copy_(torch.eye(H))
            else:
                block.copy_(_orthogonal(H, generator))
        getattr(m, "bias_ih" + sfx).zero_()
        getattr(m, "bias_hh" + sfx).zero_()
    if forget_bias is not None:
        for sfx in _suffixes(rnn):
            getattr(m, "bias_ih" + sfx).view(G, H)[FORGET_BLOCK].fill_(forget_bias)
            getattr(m, "bias_hh" + sfx).view(G, H)[FORGET_BLOCK].zero_()
    # cuDNN keeps the weights in one flat buffer; after writing views of them it must re-pack.
    if hasattr(m, "flatten_parameters"):
        m.flatten_parameters()
    return rnn


def _orthogonal(n: int, generator: Optional[torch.Generator]) -> torch.Tensor:
    """A random (n, n) orthogonal matrix (Haar: QR of a Gaussian, signs fixed by diag(R))."""
    a = torch.randn(n, n, generator=generator, dtype=torch.float64)
    q, r = torch.linalg.qr(a)
    return (q * torch.sign(torch.diagonal(r))).float()
