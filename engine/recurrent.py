"""Two implementations of one recurrent layer stack over ONE parameter layout.

`Recurrent.forward` is the fused path (nn.LSTM / nn.GRU / nn.RNN: cuDNN on a GPU, a fused
C++ kernel on a CPU) used for training. `Recurrent.unrolled` is the textbook cell written
from the lecture equations with a Python loop over time, reading the *same* tensors
(`self.fused.weight_ih_l{k}` ...), so it can record every gate and hidden state and a probe
can take gradients with respect to each h_t. `Recurrent.step` advances one timestep for
sampling. The tests check that all three agree to 1e-5 in float64.

PyTorch's parameter layout (per layer k, and per direction with the `_reverse` suffix):
    weight_ih_l{k}  (G*H, in)   in = input_size for k = 0, else D*H (both directions' outputs)
    weight_hh_l{k}  (G*H, H)
    bias_ih_l{k}, bias_hh_l{k}  (G*H,)
with G = 4 gates for LSTM stacked as [i | f | g | o], 3 for GRU as [r | z | n], 1 for RNN.
Hidden state: (L*D, B, H), row k*D + d is layer k, direction d (0 forward, 1 reverse);
an LSTM carries the pair (h, c), both in that shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from engine.errors import EngineError

Hidden = Union[Tensor, tuple[Tensor, Tensor]]

GATE_NAMES: dict[str, tuple[str, ...]] = {
    "lstm": ("input", "forget", "cell", "output"),
    "gru": ("reset", "update", "candidate"),
    "rnn": (),
}
# Gates whose values come out of a tanh (in [-1, 1]) rather than a sigmoid (in [0, 1]).
TANH_GATES = frozenset({"cell", "candidate"})
_FUSED = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}


@dataclass
class Unrolled:
    """What the textbook path returns."""
    out: Tensor  # (B, T, D*H): top layer's hidden state at every t (as the fused `out`)
    h_n: Hidden  # final state, same format as the fused path: (L*D, B, H) or (h, c)
    # states[layer][t] is (B, D*H). For D = 1 it IS the h_t tensor the recurrence consumed,
    # so d loss / d states[l][t] is the full gradient (through time and up the stack). For
    # D = 2 it is cat(h_fwd_t, h_bwd_t), which only carries the path through the layer output.
    states: list[list[Tensor]]
    gates: dict[str, list[Tensor]] = field(default_factory=dict)  # name -> per layer (B, T, H)
    # by_direction[layer][d][t] is (B, H): the h_t each direction's recurrence consumed, so
    # d loss / d by_direction[l][d][t] is the full gradient also when D = 2 (for D = 1 the
    # list [states[l]]). With `lengths`, a step past a sequence's end holds its state.
    by_direction: list[list[list[Tensor]]] = field(default_factory=list)


def detach_hidden(h: Optional[Hidden]) -> Optional[Hidden]:
    """Cut the graph behind a carried hidden state (tensor or LSTM (h, c) tuple).

    Truncated BPTT: the state's *value* flows on into the next window (the model keeps its
    memory of the text so far), but backprop stops at the window edge. Without the detach
    every step would backprop through the whole history: O(steps) time and memory.
    A state computed under bf16/fp16 autocast (--precision) is carried in float32, so the
    float32 evaluation and gradient probes can read it (and rounding does not accumulate
    from window to window).
    """
    if h is None:
        return None
    if isinstance(h, tuple):
        return tuple(_carried(t) for t in h)  # type: ignore[return-value]
    return _carried(h)


def _carried(t: Tensor) -> Tensor:
    t = t.detach()
    return t.float() if t.dtype in (torch.bfloat16, torch.float16) else t


class eval_mode:  # noqa: N801 - used as a context manager, like torch.no_grad
    """Put a module in eval mode for a block, then restore whatever mode it was in."""

    def __init__(self, model: nn.Module) -> None:
        self.model, self.was_training = model, model.training

    def __enter__(self) -> None:
        self.model.eval()

    def __exit__(self, *exc: object) -> None:
        self.model.train(self.was_training)


class Recurrent(nn.Module):
    def __init__(self, cell: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 dropout: float = 0.0, bidirectional: bool = False,
                 nonlinearity: str = "tanh") -> None:
        super().__init__()
        if cell not in _FUSED:
            raise EngineError(f"unknown model {cell!r}; choose one of: lstm, gru, rnn")
        if nonlinearity not in ("tanh", "relu"):
            raise EngineError(f"unknown nonlinearity {nonlinearity!r}; choose tanh or relu")
        if min(input_size, hidden_size, num_layers) < 1:
            raise EngineError("input size, hidden size and layers must all be >= 1")
        if not 0.0 <= dropout < 1.0:
            raise EngineError(f"dropout must be in [0, 1), got {dropout}")
        self.cell, self.nonlinearity = cell, nonlinearity
        self.hidden_size, self.num_layers, self.dropout = hidden_size, num_layers, dropout
        self.num_directions = 2 if bidirectional else 1
        extra = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
        # Dropout acts only *between* layers; nn.LSTM warns if given it with one layer.
        self.fused = _FUSED[cell](input_size, hidden_size, num_layers, bias=True,
                                  batch_first=True, bidirectional=bidirectional,
                                  dropout=dropout if num_layers > 1 else 0.0, **extra)

    @property
    def gate_names(self) -> tuple[str, ...]:
        return GATE_NAMES[self.cell]

    def init_hidden(self, batch: int, device: Optional[torch.device] = None) -> Hidden:
        """Zeros in the fused format: (L*D, B, H), or an (h, c) pair for an LSTM."""
        w = self.fused.weight_hh_l0
        shape = (self.num_layers * self.num_directions, batch, self.hidden_size)
        z = lambda: torch.zeros(shape, dtype=w.dtype, device=device or w.device)  # noqa: E731
        return (z(), z()) if self.cell == "lstm" else z()

    # --- fast path ------------------------------------------------------------------------

    def forward(self, x: Tensor, h0: Optional[Hidden] = None) -> tuple[Tensor, Hidden]:
        """x (B, T, in) -> out (B, T, D*H), h_n. One fused kernel over the whole sequence."""
        return self.fused(x, h0)

    # --- textbook path --------------------------------------------------------------------

    def _weights(self, layer: int, reverse: bool) -> tuple[Tensor, Tensor, Tensor, Tensor]:
        sfx = f"_l{layer}" + ("_reverse" if reverse else "")
        return tuple(getattr(self.fused, n + sfx)  # type: ignore[return-value]
                     for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))

    def _scan(self, x: Tensor, layer: int, reverse: bool, h: Tensor, c: Optional[Tensor],
              record: bool, mask: Optional[Tensor] = None
              ) -> tuple[list[Tensor], Tensor, Optional[Tensor], list[tuple]]:
        """One layer, one direction, over time. x (B, T, in); h, c (B, H); mask (B, T) bool.

        Returns hs (list over t in the ORIGINAL time order of (B, H)), the final h and c,
        and per-t gate tuples (empty unless `record`). Where mask[:, t] is False (padding)
        the state is held, not updated: the forward scan ends on each sequence's last real
        step and the reverse scan starts on it from h0, exactly as packed sequences do.
        """
        w_ih, w_hh, b_ih, b_hh = self._weights(layer, reverse)
        # The input half W_ih x_t + b_ih of every gate does not depend on h, so do it for all
        # t in ONE matmul: (B, T, in) @ (in, G*H) -> (B, T, G*H).
        xw = F.linear(x, w_ih, b_ih)
        # unbind gives T views whose backward is a single stack: O(T). Indexing xw[:, t]
        # inside the loop would backprop T full-size (B, T, G*H) zero-padded grads: O(T^2).
        steps = xw.unbind(1)
        keep = mask.unsqueeze(-1).unbind(1) if mask is not None else [None] * len(steps)
        if reverse:
            steps, keep = steps[::-1], keep[::-1]
        hs: list[Tensor] = []
        gates: list[tuple] = []
        for xw_t, m_t in zip(steps, keep):  # xw_t (B, G*H), m_t (B, 1) or None
            hw = F.linear(h, w_hh, b_hh)  # W_hh h_{t-1} + b_hh: (B, G*H)
            h_prev, c_prev = h, c
            if self.cell == "lstm":
                h, c, g = _lstm_cell(xw_t, hw, c)
            elif self.cell == "gru":
                h, g = _gru_cell(xw_t, hw, h)
            else:
                # Vanilla RNN:  h_t = tanh(W x_t + U h_{t-1} + b)   (or relu); b = b_ih + b_hh
                a = xw_t + hw
                h, g = (a.tanh() if self.nonlinearity == "tanh" else a.relu()), ()
            if m_t is not None:  # padding: keep the old state (no gradient to the new one)
                h = torch.where(m_t, h, h_prev)
                c = torch.where(m_t, c, c_prev) if c is not None else None
            hs.append(h)
            if record:
                gates.append(g)
        if reverse:
            hs.reverse()
            gates.reverse()
        return hs, h, c, gates

    def unrolled(self, x: Tensor, h0: Optional[Hidden] = None, record_gates: bool = False,
                 lengths: Optional[Tensor] = None) -> Unrolled:
        """The same function as `forward`, one timestep at a time from the equations.

        lengths (B,) long, optional: sequence b is real for t < lengths[b] and padding after,
        which gives what `forward` gives on the packed batch: out is 0 at padding, h_n is
        each direction's state after its last real step. (Gates at padding are left as
        computed: ignore them.)"""
        B, T, _ = x.shape
        mask = None
        if lengths is not None:  # (B, T): True on real steps
            mask = torch.arange(T, device=x.device)[None, :] < lengths.to(x.device)[:, None]
        D, L, lstm = self.num_directions, self.num_layers, self.cell == "lstm"
        if h0 is None:
            h0 = self.init_hidden(B, x.device)
        hh, cc = h0 if lstm else (h0, None)  # each (L*D, B, H)
        states: list[list[Tensor]] = []
        by_direction: list[list[list[Tensor]]] = []
        h_last: list[Tensor] = []
        c_last: list[Tensor] = []
        gates: dict[str, list[Tensor]] = {n: [] for n in self.gate_names} if record_gates else {}
        layer_in = x
        for k in range(L):
            dir_hs = []
            for d in range(D):
                i = k * D + d
                hs, h, c, g = self._scan(layer_in, k, d == 1, hh[i],
                                         cc[i] if lstm else None, record_gates and d == 0,
                                         mask)
                dir_hs.append(hs)
                h_last.append(h)
                c_last.append(c)
                for name, per_t in zip(self.gate_names, zip(*g)):  # forward direction only
                    gates[name].append(torch.stack(per_t, 1))  # (B, T, H)
            layer_states = dir_hs[0] if D == 1 else [torch.cat(p, 1) for p in zip(*dir_hs)]
            states.append(layer_states)
            by_direction.append(dir_hs)
            out = torch.stack(layer_states, 1)  # (B, T, D*H)
            if mask is not None:  # zeros at padding, like pad_packed_sequence
                out = out * mask.unsqueeze(-1).to(out.dtype)
            # Like the fused module: dropout on every layer's output except the last, and
            # only in training mode (the top layer's dropout is the caller's business).
            layer_in = F.dropout(out, self.dropout, self.training) if k < L - 1 else out
        h_n: Hidden = torch.stack(h_last)  # (L*D, B, H)
        if lstm:
            h_n = (h_n, torch.stack(c_last))  # type: ignore[arg-type]
        return Unrolled(out, h_n, states, gates, by_direction)

    # --- one step, for sampling -----------------------------------------------------------

    def step(self, x_t: Tensor, h: Optional[Hidden] = None) -> tuple[Tensor, Hidden]:
        """x_t (B, in) -> out_t (B, H), new hidden. Unidirectional only.

        Uses ATen's single-step cells (one fused op per layer) on the same weights: far less
        overhead per character than calling the fused sequence module with T = 1.
        """
        if self.num_directions != 1:
            raise ValueError("step() needs a unidirectional Recurrent (a reverse pass needs "
                             "the future)")
        lstm = self.cell == "lstm"
        if h is None:
            h = self.init_hidden(x_t.shape[0], x_t.device)
        hh, cc = h if lstm else (h, None)  # (L, B, H)
        new_h, new_c = [], []
        inp = x_t
        # nn.RNNBase keeps its weights in one list, 4 per layer and direction in the order of
        # _weights(): slicing it skips four getattr calls per layer and token.
        flat = self.fused._flat_weights
        for k in range(self.num_layers):
            w = flat[4 * k:4 * k + 4]
            if lstm:
                hk, ck = torch.lstm_cell(inp, (hh[k], cc[k]), *w)
                new_c.append(ck)
            elif self.cell == "gru":
                hk = torch.gru_cell(inp, hh[k], *w)
            elif self.nonlinearity == "relu":
                hk = torch.rnn_relu_cell(inp, hh[k], *w)
            else:
                hk = torch.rnn_tanh_cell(inp, hh[k], *w)
            new_h.append(hk)
            inp = F.dropout(hk, self.dropout, self.training) if k < self.num_layers - 1 else hk
        h_new: Hidden = torch.stack(new_h)
        if lstm:
            h_new = (h_new, torch.stack(new_c))  # type: ignore[arg-type]
        return inp, h_new


# --- the cells, straight from the equations -------------------------------------------------
# xw_t = W_i* x_t + b_i* (precomputed for all t), hw = W_h* h_{t-1} + b_h*; both (B, G*H).

def _lstm_cell(xw_t: Tensor, hw: Tensor, c: Tensor) -> tuple[Tensor, Tensor, tuple]:
    i, f, g, o = (xw_t + hw).chunk(4, dim=1)  # pre-activations, each (B, H)
    i = torch.sigmoid(i)  # input gate   i_t = σ(W_ii x_t + W_hi h_{t-1} + b_i)
    f = torch.sigmoid(f)  # forget gate  f_t = σ(W_if x_t + W_hf h_{t-1} + b_f)
    g = torch.tanh(g)  # candidate       g_t = tanh(W_ig x_t + W_hg h_{t-1} + b_g)
    o = torch.sigmoid(o)  # output gate  o_t = σ(W_io x_t + W_ho h_{t-1} + b_o)
    # c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t : additive memory path; dc_t/dc_{t-1} = f_t (no
    # matrix product, no squashing), which is why LSTM gradients survive long spans.
    c = f * c + i * g
    h = o * torch.tanh(c)  # h_t = o_t ⊙ tanh(c_t)
    return h, c, (i, f, g, o)


def _gru_cell(xw_t: Tensor, hw: Tensor, h: Tensor) -> tuple[Tensor, tuple]:
    xr, xz, xn = xw_t.chunk(3, dim=1)  # (B, H) each
    hr, hz, hn = hw.chunk(3, dim=1)
    r = torch.sigmoid(xr + hr)  # reset gate   r_t = σ(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)
    z = torch.sigmoid(xz + hz)  # update gate  z_t = σ(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)
    # candidate  n_t = tanh(W_in x_t + b_in + r_t ⊙ (W_hn h_{t-1} + b_hn))
    # (PyTorch/cuDNN apply r AFTER the matmul; Cho et al. write W_hn (r_t ⊙ h_{t-1}).)
    n = torch.tanh(xn + r * hn)
    # h_t = (1 - z_t) ⊙ n_t + z_t ⊙ h_{t-1}.
    # The lecture form h_t = z ⊙ h~ + (1 - z) ⊙ h_{t-1} is the same cell with z and 1 - z
    # swapped: PyTorch's z is the share of the OLD state kept (z -> 1 copies h_{t-1}
    # through, the GRU's gradient highway).
    h = (1 - z) * n + z * h
    return h, (r, z, n)
