"""The divergence guard, shared by the trainers: is the model, now, one worth checkpointing?

An exploding gradient can wreck the weights in one update while the losses logged so far
look fine. Measured (`rnn-tui run --corpus prose --model rnn --nonlinearity relu --optimizer
sgd --momentum 0.99 --lr 10 --clip-mode off --hidden 32 --batch-size 8 --bptt 32`): training
losses 4.5, 4.7, 5.0 at steps 12-14, then 2.5e18 at step 15 - the update of step 14 was the
explosion: a checkpoint of step 14 evaluated to NaN and, resumed with lr 0.01 and clipping,
diverged again at once. So the trainers test what they would save: the loss of the weights as they are now
on the last batch (a forward pass per checkpoint) must be finite and at most FACTOR x the
running training loss (or SLACK nats above it, for a loss near zero), and every weight
finite. After a NaN, the file on disk is the last good one, and the message names its step.
"""

from __future__ import annotations

import math

# Exploding on purpose (`--explode`, the app's x key): no clipping and a huge plain-SGD step.
# SGD, because Adam divides each step by the gradient's running RMS: its updates stay about
# lr in size however large the gradient, so the loss jumps but nothing overflows (measured on
# the adding problem at T = 100, lr 0.1-10, no clipping: no NaN for any of the four cells in
# 200 steps). With SGD (momentum 0.9) at lr 10 every cell reaches NaN within ~10 steps.
EXPLODE = {"optimizer": "sgd", "clip_mode": "off", "lr": 10.0}

FACTOR = 3.0  # a loss above 3x its running average is an explosion, not noise
SLACK = 1.0  # nats: near zero, 3x is too tight (0.01 -> 0.05 is no explosion)
DECAY = 0.9  # running average: weight of the past


class DivergenceGuard:
    """Running average of the healthy training losses; the step and loss of the last
    checkpoint kept. `uniform` (ln V, the loss of a model that knows nothing) stands in for
    the average before the first loss is seen."""

    def __init__(self, uniform: float, average: float | None = None):
        self.uniform = uniform
        self.average = average if average is not None and math.isfinite(average) else None
        self.kept_step: int | None = None
        self.kept_loss: float | None = None

    def limit(self) -> float:
        ref = self.uniform if self.average is None else self.average
        return max(FACTOR * ref, ref + SLACK)

    def observe(self, loss: float) -> bool:
        """Note a training loss; False (and not averaged in) if it is NaN, inf or exploding."""
        if not math.isfinite(loss) or loss > self.limit():
            return False
        self.average = loss if self.average is None else \
            DECAY * self.average + (1 - DECAY) * loss
        return True

    def fit_to_keep(self, loss: float | None, params) -> bool:
        """Whether a checkpoint may be written now (loss None: no step trained yet)."""
        healthy = True if loss is None else self.observe(loss)
        return healthy and weights_finite(params)

    def kept(self, step: int, loss: float | None) -> None:
        self.kept_step, self.kept_loss = step, loss

    def where(self) -> str:
        """Which checkpoint is on disk, for the divergence message."""
        if self.kept_step is None:
            return "no checkpoint was written"
        loss = f", train loss {self.kept_loss:.3f}" if self.kept_loss is not None else ""
        return f"the last good checkpoint (step {self.kept_step}{loss}) was kept"

    def refusal(self, step: int, loss: float | None) -> str:
        """Why a checkpoint asked for (end, interrupt, request) was not written."""
        shown = "" if loss is None else f" (training loss {loss:.4g}, limit {self.limit():.3g})"
        return (f"no checkpoint at step {step}: the model is diverging{shown}; "
                f"{self.where()}")


def weights_finite(params) -> bool:
    import torch  # here, not at the top: the app imports EXPLODE on its UI thread

    return all(bool(torch.isfinite(p).all()) for p in params)


def diverged_message(step: int, loss: float, norm: float, advice: str,
                     guard: DivergenceGuard, last_logged: float = 0.0) -> str:
    """LAST_LOGGED: the gradient norm of the last train line, said too when NORM is not
    finite (or 0: no step since the last log), so the explosion's size is on record."""
    shown = f"{norm:.3g}"
    if last_logged and (not math.isfinite(norm) or not norm):
        shown += f"; the last logged {last_logged:.3g}"
    return (f"training diverged at step {step}: the loss became {loss} (gradient norm "
            f"{shown}). This is an exploding gradient: {advice}; {guard.where()}.")
