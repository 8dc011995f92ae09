"""What the long-range probes look at: the gradient per position, the Jacobian picture, and
held-out sequences decoded for a person. Each runs in eval mode on a few fixed held-out
sequences and returns plain Python data for an event.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import Tensor

from engine.families.longrange.jacobian import recurrent_spectral_norms, state_jacobian_norms
from engine.families.longrange.model import LongRangeModel
from engine.families.longrange.tasks import COPY_COUNT
from engine.recurrent import eval_mode


def answer_loss(model: LongRangeModel, out: Tensor, y: Tensor) -> Tensor:
    """The loss on the answer the dependency decides, summed over the B sequences (each
    sequence's gradient is then its own, whatever B is). out (B, S, H).
    adding, recall: the loss at the last step (their only one); copy: the mean loss over
    the last 10 steps, where the symbols shown T + 10 steps earlier must come back."""
    if model.task.head == "every_class":
        logits = model.head(out[:, -COPY_COUNT:])  # (B, 10, C)
        return F.cross_entropy(logits.transpose(1, 2), y[:, -COPY_COUNT:],
                               reduction="sum") / COPY_COUNT
    last = model.head(out[:, -1])
    if model.task.head == "last_value":
        return F.mse_loss(last.squeeze(-1), y, reduction="sum")
    return F.cross_entropy(last, y, reduction="sum")


def gradient_per_position(model: LongRangeModel, x: Tensor, y: Tensor) -> list[list[float]]:
    """||dL/dh_t|| for every layer and position t (layers x S), mean over the sequences.

    L is `answer_loss`, so the row reads "how much does the state at t still matter for the
    answer at the end": BPTT multiplies dL/dh_T by one Jacobian dh_s/dh_{s-1} per step back,
    and the product fades (vanilla RNN) or holds (gated cells, IRNN) over the distance T.
    """
    with eval_mode(model), torch.enable_grad():
        u = model.rnn.unrolled(model.features(x).detach())
        loss = answer_loss(model, u.out, y)
        flat = [h for layer in u.states for h in layer]  # L*S tensors, each (B, H)
        # autograd.grad leaves the parameters' .grad (the trainer's) untouched.
        grads = torch.autograd.grad(loss, flat, allow_unused=True)
    g = torch.stack([torch.zeros_like(h) if gr is None else gr for h, gr in zip(flat, grads)])
    L, S = len(u.states), x.shape[1]
    return g.view(L, S, *g.shape[1:]).norm(dim=-1).mean(dim=-1).tolist()


def jacobian_picture(model: LongRangeModel, x: Tensor, seed: int) -> dict[str, Any]:
    """{"gains": layers x S RMS gains of dh_T/dh_t, "sigma_max": per layer, gate block ->
    largest singular value of W_hh} (engine/families/longrange/jacobian.py)."""
    gen = torch.Generator().manual_seed(seed)  # the Hutchinson vectors: reproducible
    with torch.no_grad():
        features = model.features(x)
    gains = state_jacobian_norms(model.rnn, features, probes=2, generator=gen)
    return {"gains": gains, "sigma_max": recurrent_spectral_norms(model.rnn)}


@torch.no_grad()
def decode_examples(model: LongRangeModel, x: Tensor, y: Tensor) -> dict[str, list]:
    """What mattered in each sequence, the target and the model's answer, as text."""
    with eval_mode(model):
        out, _ = model(x)
    name = model.task.name
    if name == "adding":
        rows = [_adding_row(xb, yb, ob) for xb, yb, ob in zip(x, y, out)]
    elif name == "recall":
        rows = [_recall_row(xb, yb, ob) for xb, yb, ob in zip(x, y, out)]
    else:
        rows = [_copy_row(xb, yb, ob) for xb, yb, ob in zip(x, y, out)]
    inputs, targets, outputs, correct = (list(col) for col in zip(*rows))
    return {"inputs": inputs, "targets": targets, "outputs": outputs, "correct": correct}


def _adding_row(x: Tensor, y: Tensor, out: Tensor) -> tuple[str, str, str, bool]:
    marked = torch.nonzero(x[:, 1]).flatten().tolist()  # the two marked positions
    shown = " + ".join(f"{x[t, 0].item():.2f}@t={t}" for t in marked)
    return shown, f"{y.item():.2f}", f"{out.item():.2f}", abs(out.item() - y.item()) < 0.1


def _key(label: int) -> str:
    return chr(ord("A") + label) if label < 26 else f"#{label}"


def _recall_row(x: Tensor, y: Tensor, out: Tensor) -> tuple[str, str, str, bool]:
    p = out.softmax(-1)
    guess = int(p.argmax())
    shown = f"key {_key(int(x[0]) - 1)} … {x.numel() - 2} distractors … ?"
    return shown, _key(int(y)), f"{_key(guess)} (p {p[guess].item():.2f})", guess == int(y)


def _copy_row(x: Tensor, y: Tensor, out: Tensor) -> tuple[str, str, str, bool]:
    want = y[-COPY_COUNT:]
    got = out[-COPY_COUNT:].argmax(-1)
    digits = lambda t: "".join(str(int(v)) for v in t)  # noqa: E731 - symbols are 1..8
    T = x.numel() - 2 * COPY_COUNT
    return (f"{digits(x[:COPY_COUNT])} … T={T} …", digits(want), digits(got),
            bool(torch.equal(want, got)))
