"""Everything a run holds while it trains, how it is built, saved and restored.

`build_state` is the setup half of the loop, the same for every family: the run directory
(locked first, written only once everything else succeeded, so a failed setup leaves an old
run as it was, even with --force), device and threads, seed, the family's task (data,
vocabulary), the memory estimate, the model, the optimizer - or all of that restored from a
checkpoint for `--resume`, whose metadata `checkpoint_config` checks first. `snapshot_state`
turns it back into a checkpoint; `load_run` rebuilds a trained model for sample / translate /
eval / open, from a run directory or from what `read_run` read of one (`rnn-tui open` reads
and checks it once, before the app opens). (The baselines are the loop's first side job, so
a stop during them is honoured.)
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from engine.storage import checkpoint as ckpt
from engine import families
from engine.config import RunConfig, saved_config
from engine.errors import EngineError
from engine.training.distributed import World
from engine.training.guard import DivergenceGuard
from engine.training.precision import Precision
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
    run: Any  # engine.storage.rundir.RunDir: lock, metrics, checkpoints (path None: nothing kept)
    guard: DivergenceGuard
    world: World = field(default_factory=World)  # this rank of the run (World(): alone)
    train_model: Any = None  # what forward/backward run through: DDP over `model`, or it
    keeps: bool = False  # the run keeps checkpoints (rank 0 writes them; every rank helps)
    notes: list = field(default_factory=list)  # warnings of the setup (a changed world)
    threads: int = 1  # torch's intra-op threads at the start (CPU)
    tuner: Any = None  # engine.training.threads.ThreadTuner with --threads 0 on a CPU, else None
    # --precision: the training step's autocast (and fp16's loss scaler); fp32 does nothing
    precision: Precision = field(default_factory=lambda: Precision("fp32", "cpu"))
    baselines_due: bool = False  # a new run: the baselines are the first side job
    step: int = 0
    elapsed: float = 0.0  # active seconds: training + side jobs, excluding pauses
    train_time: float = 0.0  # optimizer-step seconds since the last train event
    tokens: int = 0  # tokens since the last train event
    lr: float = 0.0
    last_batch: Any = None  # the latest step's batch: a checkpoint tests the model on it
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


def build_state(config: RunConfig | None, out_dir: Path | None, resume: bool, force: bool,
                overrides: dict[str, Any]) -> RunState:
    """Everything a run needs (see the module docstring). `config` is None when resuming:
    the checkpoint has it, with `overrides` (the flags given again) on top."""
    from engine.storage import rundir
    from engine.training.distributed import world

    # Under torchrun only rank 0 opens the directory (lock, recovery); the others read the
    # checkpoint once it has, and a failure anywhere stops every rank (World.together).
    w = world()
    with w.together():
        run = rundir.RunDir.open(out_dir, resume=resume, force=force) if w.main else \
            rundir.RunDir.open(None)
    try:
        with w.together():
            st = _build(config, run, resume, overrides, w, out_dir)
            run.commit({**st.config.to_dict(), **w.summary(st.config.batch_size)},
                       st.step if resume else None)
    except BaseException:
        run.close()
        raise
    return st


def _build(config: RunConfig | None, run, resume: bool, overrides: dict[str, Any], w,
           out_dir: Path | None) -> RunState:
    from engine.training.device import (configure_threads, describe, resolve_device,
                                        set_threads, thread_tuner)
    from engine.training.optim import build_optimizer

    saved = None
    if resume:
        saved = ckpt.load(out_dir)  # (rank 0's run.path; the others open no RunDir)
        config = checkpoint_config(saved, str(out_dir), overrides)
    elif config is None:
        raise EngineError("a new run needs a config")
    # (a new run's config was validated by the Trainer that owns it)
    device = w.device(resolve_device(config.device))
    threads = w.threads(config.threads)  # a rank: its share of the cores (torchrun's)
    if threads is None:
        threads = configure_threads(config.threads)
    else:
        set_threads(threads)
    torch.manual_seed(config.seed)

    task = families.of_config(config).task_class()(config, saved.meta if saved else None)
    task.device = device
    task.shard = w.shard  # this rank's part of every batch (all of it alone)
    task.load_data()
    check_memory(task, device, training=True, ranks=w.size)
    model = task.build_model().to(device)
    if w.rank:  # its own dropout noise (DDP gives every rank rank 0's initial weights)
        torch.manual_seed(config.seed + 7919 * w.rank)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = build_optimizer(params, config)
    tuner = None if w.active else thread_tuner(config.threads, device, threads)
    precision = Precision.build(config.precision, device)
    st = RunState(config=config, task=task, device=device,
                  device_name=w.describe(describe(device, threads, auto=tuner is not None,
                                                  precision=precision.name),
                                         config.batch_size),
                  model=model, optimizer=optimizer, params=params, run=run,
                  guard=DivergenceGuard(math.log(max(2, task.summary()["vocab_size"]))),
                  threads=threads, tuner=tuner, precision=precision, world=w,
                  train_model=w.wrap(model, device), keeps=out_dir is not None)
    if saved:
        restore_state(st, saved)
    else:
        st.baselines_due = True
    return st


def checkpoint_config(saved: ckpt.CheckpointData, where: str,
                      overrides: dict[str, Any] | None = None) -> RunConfig:
    """A run's config from its checkpoint (with --resume's changes), checked against the
    tensors it came with - the family's own ones, and the weights' shapes, built on torch's
    meta device (nothing allocated) - before anything real is built from it."""
    from engine.training.memory import meta_shapes

    config = saved_config(saved.meta, f"checkpoint {where}", overrides)
    family = families.of_config(config)
    # The tensors were saved with the checkpoint's own config (a changed --batch-size is
    # refused later, by name, when the data position is restored).
    as_saved = family.task_class()(family.config_class().from_dict(saved.meta["config"]),
                                   saved.meta)
    as_saved.check_saved(saved.hidden, where)
    ckpt.check_shapes(saved.model, meta_shapes(as_saved.build_model), "its own config")
    return config


def check_memory(task: Task, device: torch.device, training: bool, ranks: int = 1) -> None:
    """Refuse, with the estimate, a model the device cannot hold (engine.training.memory).
    Under torchrun each of the `ranks` processes holds the activations of its share of
    the batch only."""
    from engine.training import memory

    cfg = task.config
    params = memory.parameter_count(task.build_model)
    what = f"a {cfg.describe()} ({params:,} parameters)"
    if not training:
        need = 8 * params  # the loaded tensors and the model
    else:
        share = -(-task.activation_bytes() // ranks)  # this process's activations
        need = memory.training_bytes(params, cfg.optimizer, share)
        what += f" trained at batch {cfg.batch_size}" + (f" / {ranks} processes" if ranks > 1
                                                         else "")
    memory.check_fits(need, device, what, task.smaller_hint())


def snapshot_state(st: RunState, train_loss: float | None = None) -> ckpt.CheckpointData:
    optim, groups = ckpt.optimizer_to_flat(st.optimizer)
    task_meta, task_tensors = st.task.state()
    rng = {"cpu": torch.get_rng_state()}
    if st.device.type == "cuda":
        rng["cuda"] = torch.cuda.get_rng_state(st.device)
    rng = st.world.gather_rng(rng)  # every rank's, under torchrun
    meta = {
        "kind": st.task.family, "config": st.config.to_dict(), "step": st.step,
        "world_size": st.world.size,
        "elapsed": st.elapsed, "best_val": st.best_val, "best_metric": st.best_metric,
        "optimizer_groups": groups, "last_eval_step": st.last_eval_step,
        "train_loss": train_loss, **task_meta,
    }
    return ckpt.CheckpointData(meta=meta, model=st.model.state_dict(), optim=optim,
                               hidden=task_tensors, rng=rng)


def restore_state(st: RunState, saved: ckpt.CheckpointData) -> None:
    meta = saved.meta
    ckpt.load_weights(st.model, saved.model)
    ckpt.optimizer_from_flat(st.optimizer, saved.optim, meta.get("optimizer_groups", []))
    cpu, cuda = st.world.own_rng(saved.rng, "cpu"), st.world.own_rng(saved.rng, "cuda")
    if cpu is not None:
        torch.set_rng_state(cpu)
    if cuda is not None and st.device.type == "cuda":
        torch.cuda.set_rng_state(cuda, st.device)
    was = int(meta.get("world_size") or 1)
    if was != st.world.size:
        st.notes.append(f"resumed with {st.world.size} process(es), the checkpoint was written "
                        f"by {was}: the batches are the same (--batch-size is the global "
                        f"batch) but the random draws (dropout, ...) now differ from the "
                        f"uninterrupted run, which this no longer repeats exactly")
    st.step = int(meta["step"])
    st.elapsed = float(meta.get("elapsed") or 0.0)
    st.last_checkpoint_at = st.elapsed
    st.last_checkpoint_step = st.step
    st.best_val = meta.get("best_val")
    st.best_metric = meta.get("best_metric")
    st.last_eval_step = meta.get("last_eval_step")
    st.guard = DivergenceGuard(st.guard.uniform, meta.get("train_loss"))
    st.guard.kept(st.step, meta.get("train_loss"))
    st.task.restore(meta, saved.hidden, st.step)


@dataclass
class SavedRun:
    """A run directory's checkpoint, read, and its config, checked against it: the one way a
    saved run's config is made. `rnn-tui open` reads it before the app opens (a bad
    checkpoint is one line, not a dialog) and hands it on, so the opened run is not read
    and checked again (engine/storage/opened.py)."""
    path: Path
    checkpoint: ckpt.CheckpointData
    config: RunConfig


def read_run(run_dir: str | Path) -> SavedRun:
    """The checkpoint in `run_dir` and its checked config (EngineError: why not)."""
    saved = ckpt.load(run_dir)
    return SavedRun(Path(run_dir), saved, checkpoint_config(saved, str(run_dir)))


@dataclass
class LoadedRun:
    """A trained model back from its run directory, for sample / translate / eval / open."""
    family: families.Family
    config: RunConfig
    task: Task  # built from the checkpoint's metadata (vocabulary); no data loaded
    model: torch.nn.Module  # in eval mode, on the asked-for device
    meta: dict[str, Any]


def load_run(run_dir: str | Path | SavedRun, device: str = "cpu") -> LoadedRun:
    """The trained model of a run directory (or of a SavedRun already read from one)."""
    from engine.storage import identity
    from engine.training.device import configure_threads, resolve_device

    read = run_dir if isinstance(run_dir, SavedRun) else read_run(run_dir)
    saved, config = read.checkpoint, read.config
    identity.adopt(read.path)  # a run from before markers: its first open writes one
    # The run's --threads; 0: the cores idle now (2 threads beside a busy core made a
    # held-out evaluation 10x slower than 1 thread).
    configure_threads(config.threads)
    family = families.of_config(config)
    task = family.task_class()(config, saved.meta)
    task.device = resolve_device(device)
    check_memory(task, task.device, training=False)
    model = task.build_model()
    ckpt.load_weights(model, saved.model, "its own config")
    return LoadedRun(family, config, task, model.to(task.device).eval(), saved.meta)
