"""The rough error surface as a task family: two gradient-descent paths on one cliff.

Each optimizer step moves both paths (engine/families/surface/model.py); the task records
where they were, their losses and their gradient norms, so the paths can be drawn on the
surface and resumed exactly (`state` / `restore`). The surface itself is computed once per
run, on the config's grid, and sent with the first probe (and on request: "surface").
"""

from __future__ import annotations

import math
from typing import Any

import torch

from engine.errors import EngineError
from engine.events import Event
from engine.families.surface.config import SurfaceConfig
from engine.families.surface.events import Paths, Surface
from engine.task import Evaluation, Request, Task


class SurfaceTask(Task):
    Config = SurfaceConfig
    unit = "path"
    requests = ("surface",)

    def __init__(self, config: SurfaceConfig, saved_meta: dict[str, Any] | None = None):
        super().__init__(config, saved_meta)
        self.model = None  # the model this task built: its paths are read from it
        # Per path (0 unclipped, 1 clipped): positions (w, b), the loss there, and the
        # gradient norm of each step before clipping; index k = after k steps.
        self.points: list[list[list[float]]] = [[], []]
        self.losses: list[list[float]] = [[], []]
        self.norms: list[list[float]] = [[], []]
        self.surface_sent = False

    @classmethod
    def loss_label(cls, config: SurfaceConfig) -> str:
        return "(h_T − target)², the two paths summed"

    # --- setup --------------------------------------------------------------------------

    def load_data(self) -> None:
        """Nothing to read: the surface is a function of the config alone."""

    def build_model(self) -> torch.nn.Module:
        from engine.families.surface.model import SurfaceModel

        c = self.config
        self.model = SurfaceModel(c.w_start, c.b_start, c.timesteps, c.h0, c.target, c.clip)
        return self.model

    def summary(self) -> dict[str, int]:
        return {"vocab_size": 0, "train_size": 1, "val_size": 1}

    # --- training -----------------------------------------------------------------------

    def next_batch(self, step: int, progress: float | None) -> None:
        return None  # no data: the loss is a function of the parameters alone

    def forward(self, model, batch) -> tuple[Any, torch.Tensor]:
        model.threshold = self.config.clip  # a live setting ([ and ] in the app)
        losses, total = model()
        if torch.is_grad_enabled() and model.training:  # a training step, not loss_now
            self._record(model, losses)
        return losses, total

    def _record(self, model, losses: torch.Tensor) -> None:
        """Before step k's update: the position and loss of each path after k-1 steps, and
        the norms of step k-1 (its backward has run by now)."""
        if self.points[0]:
            for i in (0, 1):
                self.norms[i].append(model.last_norms[i])
        for i, p in enumerate((model.unclipped, model.clipped)):
            self.points[i].append([float(v) for v in p.detach()])
            self.losses[i].append(float(losses[i].detach()))

    def batch_tokens(self, batch) -> int:
        return 1

    # --- side jobs ------------------------------------------------------------------------

    def _now(self, model) -> tuple[list[list[list[float]]], list[list[float]],
                                   list[list[float]]]:
        """The recorded paths with where each is now (after the last update) appended."""
        with torch.no_grad():
            losses = model.losses().tolist()
        points = [self.points[i] + [[float(v) for v in p.detach()]]
                  for i, p in enumerate((model.unclipped, model.clipped))]
        norms = [self.norms[i] + ([model.last_norms[i]] if self.points[0] else [])
                 for i in (0, 1)]
        return points, [self.losses[i] + [losses[i]] for i in (0, 1)], norms

    def gradient_probe(self, model) -> list[list[float]]:
        """||dL/dh_t|| over the T steps of the recurrence, one row per path (unclipped,
        clipped): how much h_t still matters for the loss at T. Near the cliff it grows
        backwards in time (|w tanh'| > 1 along the way): the exploding gradient."""
        from engine.families.surface.grid import unit_states

        c = self.config
        rows = []
        for p in (model.unclipped, model.clipped):
            theta = p.detach().clone().requires_grad_(True)
            with torch.enable_grad():
                hs = unit_states(theta[0], theta[1], c.timesteps, c.h0)
                loss = (hs[-1] - c.target) ** 2
                grads = torch.autograd.grad(loss, hs)
            rows.append([float(g.abs()) for g in grads])
        return rows

    def paths(self, model, step: int) -> Paths:
        points, losses, norms = self._now(model)
        longest = [max((math.dist(a, b) for a, b in zip(p, p[1:])), default=0.0)
                   for p in points]
        jump = self.config.jump
        return Paths(step=step, unclipped=points[0], clipped=points[1],
                     losses_unclipped=losses[0], losses_clipped=losses[1],
                     norms_unclipped=norms[0], norms_clipped=norms[1],
                     threshold=self.config.clip, jump=jump, loss_unclipped=losses[0][-1],
                     loss_clipped=losses[1][-1], largest_step_unclipped=longest[0],
                     largest_step_clipped=longest[1],
                     max_grad_norm=max(norms[0] + norms[1], default=0.0),
                     jumped=longest[0] > jump, jumped_clipped=longest[1] > jump)

    def surface(self, step: int) -> Surface:
        from engine.families.surface.grid import loss_grid

        c = self.config
        w = torch.linspace(c.w_min, c.w_max, c.grid_w, dtype=torch.float64)
        b = torch.linspace(c.b_min, c.b_max, c.grid_b, dtype=torch.float64)
        grid = loss_grid(w, b, c.timesteps, c.h0, c.target)
        return Surface(step=step, w=w.tolist(), b=b.tolist(), loss=grid.tolist(),
                       timesteps=c.timesteps, h0=c.h0, target=c.target)

    def evaluate(self, model) -> Evaluation:
        """The loss the loop minimises (both paths summed) and each path's by name."""
        p = self.paths(model, 0)
        return Evaluation(p.loss_unclipped + p.loss_clipped, {
            "loss_unclipped": p.loss_unclipped, "loss_clipped": p.loss_clipped,
            "max_grad_norm": p.max_grad_norm, "jumped": float(p.jumped),
            "largest_step_unclipped": p.largest_step_unclipped,
            "largest_step_clipped": p.largest_step_clipped})

    def probe_events(self, model, step: int) -> list[Event]:
        out: list[Event] = []
        if not self.surface_sent:
            self.surface_sent = True
            out.append(self.surface(step))
        return out + [self.paths(model, step)]

    def request(self, model, request: Request, step: int) -> list[Event]:
        return [self.surface(step), self.paths(model, step)]

    def evaluate_data(self, model, spec: str | None) -> list[str]:
        if spec is not None:
            raise EngineError("the error surface has no data: leave --corpus out")
        p = self.paths(model, 0)
        return [f"unclipped loss {p.loss_unclipped:.4f} · clipped loss {p.loss_clipped:.4f}"]

    # --- checkpoint -----------------------------------------------------------------------

    def state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        last = self.model.last_norms if self.model is not None else [0.0, 0.0]
        return {"points": self.points, "losses": self.losses, "norms": self.norms,
                "last_norms": list(last)}, {}

    def restore(self, meta: dict[str, Any], tensors: dict[str, torch.Tensor],
                step: int) -> None:
        self.points = meta.get("points", [[], []])
        self.losses = meta.get("losses", [[], []])
        self.norms = meta.get("norms", [[], []])
        if self.model is not None:  # the norms of the step before the checkpoint
            self.model.last_norms = list(meta.get("last_norms", [0.0, 0.0]))
