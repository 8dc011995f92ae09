"""Everything a run holds while it trains, how it is built, saved and restored.

`build_state` is the setup half of the loop, the same for every family: run directory,
device and threads, seed, the family's task (data, vocabulary, model), the optimizer - or all
of that restored from a checkpoint for `--resume`. `snapshot_state` turns it back into a
checkpoint; `load_run` rebuilds a trained model for sample / translate / eval / open.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from engine import checkpoint as ckpt
from engine import families
from engine.config import RunConfig, with_overrides
from engine.errors import EngineError
from engine.task import Task


class StepAccumulator:
    """Sums of loss and clipping over a log interval, kept as device tensors (no sync)."""

    def __init__(self):
        self.reset()

    def reset(self) -> None:
        self.loss_sum, self.clipped_sum, self.n = 0.0, 0.0, 0
        self.norm = torch.zeros(())
        self.clipped_last = torch.zeros((), dtype=torch.bool)

    def add(self, loss: torch.Tensor, norm: torch.Tensor, clip: float | bool) -> None:
        self.loss_sum = self.loss_sum + loss
        self.norm = norm
        self.clipped_last = norm > clip if clip else torch.zeros((), dtype=torch.bool)
        self.clipped_sum = self.clipped_sum + self.clipped_last
        self.n += 1

    def read(self) -> "StepStats":
        n = max(self.n, 1)
        stats = StepStats(loss=float(self.loss_sum) / n, grad_norm=float(self.norm),
                          clipped_last=bool(self.clipped_last), clipped=float(self.clipped_sum),
                          steps=self.n)
        self.reset()
        return stats


@dataclass
class StepStats:
    loss: float
    grad_norm: float
    clipped_last: bool
    clipped: float  # steps clipped in the interval
    steps: int


class ClipWindow:
    """Log-interval stats since the last probe: the share of steps that were clipped."""

    def __init__(self):
        self.items: deque[StepStats] = deque(maxlen=1000)

    def append(self, stats: StepStats) -> None:
        self.items.append(stats)

    def clipped_share(self) -> float:
        steps = sum(s.steps for s in self.items)
        share = sum(s.clipped for s in self.items) / steps if steps else 0.0
        last = self.items[-1] if self.items else None
        self.items.clear()
        if last:
            self.items.append(last)  # keep the latest norm for the next probe
            self.items[-1] = StepStats(last.loss, last.grad_norm, last.clipped_last, 0.0, 0)
        return share

    def last_norm(self) -> float:
        return self.items[-1].grad_norm if self.items else 0.0


@dataclass
class RunState:
    config: RunConfig
    task: Task
    device: torch.device
    device_name: str
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    params: list
    out_dir: Path | None
    writer: Any
    baselines: Any = None  # the Baselines event of a new run (None when resumed)
    step: int = 0
    elapsed: float = 0.0  # active seconds: training + side jobs, excluding pauses
    train_time: float = 0.0  # optimizer-step seconds since the last train event
    tokens: int = 0  # tokens since the last train event
    lr: float = 0.0
    best_val: float | None = None  # the lowest held-out loss so far
    best_metric: float | None = None  # the best headline metric so far (the task says which)
    last_eval_step: int | None = None
    last_sample_step: int | None = None
    last_checkpoint_at: float = 0.0
    last_checkpoint_step: int | None = None
    diverged: bool = False
    diverged_at: tuple = ()
    acc: StepAccumulator = field(default_factory=StepAccumulator)
    clip_window: ClipWindow = field(default_factory=ClipWindow)


def resolve_config(config: RunConfig | None, saved: ckpt.CheckpointData | None,
                   overrides: dict[str, Any]) -> RunConfig:
    """The config of a new run, or of a resumed one: its checkpoint's, with the flags given
    again on the command line (`overrides`) on top."""
    if saved is None:
        if config is None:
            raise EngineError("a new run needs a config")
        return config.validate()
    family = families.get(saved.meta.get("kind", families.DEFAULT))
    cls = family.config_class()
    base = cls.from_dict(saved.meta["config"], source="checkpoint")
    return with_overrides(base, overrides, f"a {family.name} run").validate()


def build_state(config: RunConfig | None, out_dir: Path | None, resume: bool, force: bool,
                overrides: dict[str, Any]) -> RunState:
    from engine import rundir
    from engine.device import configure_threads, describe, resolve_device
    from engine.optim import build_optimizer

    saved = None
    if resume:
        if out_dir is None:
            raise EngineError("--resume needs --out DIR (the run to continue)")
        rundir.prepare(out_dir, resume=True)
        saved = ckpt.load(out_dir / ckpt.FILENAME)
    elif out_dir is not None:
        rundir.prepare(out_dir, resume=False, force=force)
    config = resolve_config(config, saved, overrides)
    device = resolve_device(config.device)
    threads = configure_threads(config.threads)
    torch.manual_seed(config.seed)

    task = families.of_config(config).task_class()(config, saved.meta if saved else None)
    task.device = device
    task.load_data()
    model = task.build_model()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = build_optimizer(params, config)

    writer = None
    if out_dir is not None:
        if saved:
            rundir.truncate_metrics(out_dir, int(saved.meta["step"]))
        writer = rundir.RunWriter(out_dir)
        writer.write_config(config.to_dict())
    st = RunState(config=config, task=task, device=device,
                  device_name=describe(device, threads), model=model, optimizer=optimizer,
                  params=params, out_dir=out_dir, writer=writer)
    if saved:
        restore_state(st, saved)
    else:
        st.baselines = task.baselines()
    return st


def snapshot_state(st: RunState) -> ckpt.CheckpointData:
    optim, groups = ckpt.optimizer_to_flat(st.optimizer)
    task_meta, task_tensors = st.task.state()
    rng = {"cpu": torch.get_rng_state()}
    if st.device.type == "cuda":
        rng["cuda"] = torch.cuda.get_rng_state(st.device)
    meta = {
        "kind": st.task.family, "config": st.config.to_dict(), "step": st.step,
        "elapsed": st.elapsed, "best_val": st.best_val, "best_metric": st.best_metric,
        "optimizer_groups": groups, "last_eval_step": st.last_eval_step, **task_meta,
    }
    return ckpt.CheckpointData(meta=meta, model=st.model.state_dict(), optim=optim,
                               hidden=task_tensors, rng=rng)


def restore_state(st: RunState, saved: ckpt.CheckpointData) -> None:
    meta = saved.meta
    ckpt.load_weights(st.model, saved.model)
    ckpt.optimizer_from_flat(st.optimizer, saved.optim, meta.get("optimizer_groups", []))
    if "cpu" in saved.rng:
        torch.set_rng_state(saved.rng["cpu"])
    if "cuda" in saved.rng and st.device.type == "cuda":
        torch.cuda.set_rng_state(saved.rng["cuda"], st.device)
    st.step = int(meta["step"])
    st.elapsed = float(meta.get("elapsed", 0.0))
    st.last_checkpoint_at = st.elapsed
    st.last_checkpoint_step = st.step
    st.best_val = meta.get("best_val")
    st.best_metric = meta.get("best_metric", meta.get("best_exact"))  # (older seq2seq runs)
    st.last_eval_step = meta.get("last_eval_step")
    st.task.restore(meta, saved.hidden, st.step)


@dataclass
class LoadedRun:
    """A trained model back from its run directory, for sample / translate / eval / open."""
    family: families.Family
    config: RunConfig
    task: Task  # built from the checkpoint's metadata (vocabulary); no data loaded
    model: torch.nn.Module  # in eval mode, on the asked-for device
    meta: dict[str, Any]


def load_run(run_dir: str | Path, device: str = "cpu") -> LoadedRun:
    from engine.device import resolve_device

    saved = ckpt.load(run_dir)
    family = families.get(saved.meta.get("kind", families.DEFAULT))
    config = family.config_class().from_dict(saved.meta["config"], source="checkpoint")
    task = family.task_class()(config, saved.meta)
    task.device = resolve_device(device)
    model = task.build_model()
    ckpt.load_weights(model, saved.model, "its own config")
    return LoadedRun(family, config, task, model.to(task.device).eval(), saved.meta)
