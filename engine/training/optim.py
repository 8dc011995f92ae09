"""Optimizer, learning-rate schedule and gradient clipping."""

from __future__ import annotations

import math

import torch

from engine.config import RunConfig


def build_optimizer(params, cfg: RunConfig) -> torch.optim.Optimizer:
    if cfg.optimizer == "adam":
        # AdamW: decoupled weight decay (identical to Adam when weight_decay = 0).
        return torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    if cfg.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=cfg.lr, momentum=cfg.momentum,
                                   weight_decay=cfg.weight_decay)
    return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum,
                           weight_decay=cfg.weight_decay)


def scheduled_lr(cfg: RunConfig, base_lr: float, step: int, progress: float | None) -> float:
    """Linear warmup, then the schedule over the budget, down to lr_min_ratio * base_lr.

    progress is the fraction of the budget spent (steps or minutes, whichever is further
    along), or None when the run has no budget (the app): then the rate stays at base_lr.

    wsd (warmup-stable-decay): flat at base_lr, then linear decay over the last
    decay_fraction of the budget. A 10-minute CPU run is far from converged, so a rate that
    stays high for most of it learns faster than cosine, and the final anneal still buys
    the drop in loss that decaying the rate gives.
    """
    if cfg.warmup_steps and step < cfg.warmup_steps:
        return base_lr * (step + 1) / cfg.warmup_steps
    if cfg.lr_schedule == "constant" or progress is None:
        return base_lr
    p = min(max(progress, 0.0), 1.0)
    floor = cfg.lr_min_ratio
    if cfg.lr_schedule == "wsd":
        start = 1.0 - cfg.decay_fraction
        if p <= start:
            return base_lr
        return base_lr * (1.0 - (1.0 - floor) * (p - start) / cfg.decay_fraction)
    return base_lr * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * p)))


def clip_gradients(params: list[torch.Tensor], mode: str, threshold: float) -> torch.Tensor:
    """Clip in place and return the global L2 gradient norm *before* clipping (a tensor).

    Why clip: an exploding gradient (||dL/dh|| growing through the recurrence) makes one
    update throw the weights far away; rescaling the whole gradient to at most `threshold`
    keeps its direction and bounds the step. Clipping by value caps each entry instead.
    """
    if mode == "norm":
        return torch.nn.utils.clip_grad_norm_(params, threshold)
    norm = torch.nn.utils.clip_grad_norm_(params, float("inf"))  # measure only
    if mode == "value":
        torch.nn.utils.clip_grad_value_(params, threshold)
    return norm
