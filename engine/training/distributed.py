"""Data-parallel training over N processes (ranks) with torch.distributed, one voice per run.

    torchrun --nproc-per-node 2 -m rnn_tui run --corpus prose --batch-size 32 --out runs/x
    rnn-tui run --nproc 2 ...        # the same, launched through torch.distributed.run

torchrun starts N copies of the command with RANK, WORLD_SIZE, LOCAL_RANK (and
LOCAL_WORLD_SIZE, MASTER_ADDR/PORT) in their environment; `world()` joins them into one
process group: gloo for CPU tensors, and NCCL for CUDA ones when CUDA is there (one GPU per
local rank). Each rank holds the same model; DistributedDataParallel averages the gradients
in backward, so the replicas stay equal after every step.

**--batch-size is the global batch.** Every rank builds the same global batch (the families'
seeded plans do not depend on N) and trains on its `Shard` of it: the language model's
contiguous block of batch_size / N streams, with their own carried hidden state, or every
N-th example of a whole-sequence batch (length-bucketed, so the shards are alike). Every
rank thus takes the same number of steps (no hang at an uneven last batch), and 2 ranks x
B/2 take the same step as 1 process x B: the loss of each rank is weighted by its share of
the global batch's tokens (`scale_loss`) before DDP's average.

**One voice.** Anything that decides what happens next is agreed by a collective, so every
rank takes the same branch: the clock and the stop flags (`agree`, twice per step: a
Ctrl+C or SIGTERM on any rank stops all, the wall-clock budget ends on the same step), the
logged loss (`mean`: the NaN guard sees the same NaN everywhere), the checkpoint guard's
loss. Rank 0 alone writes the run directory and runs the side jobs (baselines, evaluation,
probes, samples: an evaluation on rank 0 is a single-process evaluation of the same
weights); the others wait in the next collective. Checkpoints gather what is per rank (the
LM's hidden state rows, each rank's RNG state) so that the file does not depend on N.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Iterator, Sequence

import torch

from engine.errors import EngineError

# A rank waits in a collective while rank 0 runs a side job (the baselines on a large
# corpus, a long evaluation): the default 10-30 minutes could cut a slow one short.
TIMEOUT = timedelta(hours=2)


def launched() -> bool:
    """Whether this process is one of torchrun's workers (it sets these for each)."""
    return "WORLD_SIZE" in os.environ and "RANK" in os.environ and "LOCAL_RANK" in os.environ


@dataclass(frozen=True)
class Shard:
    """A rank's share of every global batch (rank 0 of 1: all of it)."""
    rank: int = 0
    size: int = 1

    def rows(self, n: int) -> slice:
        """The contiguous block of n rows (the LM's streams) this rank trains on."""
        if n % self.size:
            raise EngineError(f"--batch-size {n} does not split over {self.size} processes: "
                              f"make it a multiple of {self.size}")
        per = n // self.size
        return slice(self.rank * per, (self.rank + 1) * per)

    def take(self, items: Sequence) -> Sequence:
        """Every size-th item from this rank's: a length-sorted batch gives each rank texts
        of alike lengths. A batch smaller than the world (an epoch's last) gives a rank
        with nothing its last item again, so that every rank steps."""
        mine = items[self.rank::self.size]
        return mine if len(mine) else items[-1:]

    def gather(self, t: torch.Tensor, dim: int) -> torch.Tensor:
        """Every rank's `rows` block of t, concatenated along dim (a collective: call on
        every rank); t itself alone."""
        if self.size == 1:
            return t
        import torch.distributed as dist

        parts = [torch.empty_like(t) for _ in range(self.size)]
        dist.all_gather(parts, t.contiguous())
        return torch.cat(parts, dim)

    def part(self, t: torch.Tensor, dim: int) -> torch.Tensor:
        """This rank's block of rows of a gathered t (the inverse of gather)."""
        rows = self.rows(t.shape[dim])
        return t.narrow(dim, rows.start, rows.stop - rows.start)


@dataclass
class World:
    """The processes of one run: which one this is, and the collectives the loop uses.
    World() is a single process: every method is then free and does nothing."""
    rank: int = 0
    size: int = 1
    local_rank: int = 0
    local_size: int = 1
    backend: str = ""  # "" alone; "gloo", or "cpu:gloo,cuda:nccl"

    @property
    def active(self) -> bool:
        return bool(self.backend)

    @property
    def main(self) -> bool:
        """Rank 0: writes the run directory, prints, runs the side jobs."""
        return self.rank == 0

    @property
    def shard(self) -> Shard:
        return Shard(self.rank, self.size)

    def describe(self, device: str, batch_size: int) -> str:
        """The Started event's device line: ranks, backend and how the batch is split."""
        if not self.active:
            return device
        if batch_size < self.size:
            return (f"{device} x {self.size} processes ({self.backend}), batch {batch_size}: "
                    f"too small to split, every rank takes it")
        per = batch_size / self.size
        per = int(per) if per == int(per) else round(per, 1)
        return (f"{device} x {self.size} processes ({self.backend}), global batch "
                f"{batch_size} = {self.size} x {per}")

    def summary(self, batch_size: int) -> dict[str, Any]:
        """What config.json says about the ranks (nothing alone)."""
        if not self.active:
            return {}
        return {"distributed": {"world_size": self.size, "backend": self.backend,
                                "global_batch": batch_size,
                                "batch_per_rank": batch_size / self.size}}

    # --- setup ----------------------------------------------------------------------------

    def device(self, device: torch.device) -> torch.device:
        """The rank's own device: cuda:LOCAL_RANK (set as current) for CUDA."""
        if not self.active or device.type == "cpu":
            return device
        if device.type == "cuda":
            if self.local_rank >= torch.cuda.device_count():
                raise EngineError(f"local rank {self.local_rank} has no GPU: this machine has "
                                  f"{torch.cuda.device_count()}; start at most that many "
                                  f"processes per node (--nproc-per-node)")
            torch.cuda.set_device(self.local_rank)
            return torch.device("cuda", self.local_rank)
        raise EngineError(f"--device {device.type} cannot train with several processes; "
                          f"use cpu or cuda")

    def threads(self, asked: int) -> int | None:
        """A rank's CPU threads: --threads when given, else what torchrun left
        (OMP_NUM_THREADS, 1 by default: N ranks x all cores would oversubscribe them).
        None alone: the engine's own choice (engine.device)."""
        if not self.active:
            return None
        return asked if asked > 0 else torch.get_num_threads()

    def wrap(self, model: torch.nn.Module, device: torch.device) -> torch.nn.Module:
        """The model DDP trains (the bare one alone). cuDNN's RNN weights are made one
        contiguous chunk first, or every step warns and copies them."""
        if not self.active:
            return model
        for m in model.modules():
            if isinstance(m, torch.nn.RNNBase):
                m.flatten_parameters()
        ids = [device.index] if device.type == "cuda" else None
        # Every family's model uses all its parameters in every step (checked for each
        # family, the adaptive softmax and the FFNN too), so DDP need not search the graph
        # for unused ones (find_unused_parameters: an extra traversal per step). A model
        # that skipped one would fail on its next step with DDP's message naming it.
        return Replicas(model, device_ids=ids)

    # --- collectives (every rank calls them at the same point) ----------------------------

    @contextmanager
    def together(self) -> Iterator[None]:
        """A setup step every rank must pass: a rank that fails raises its own error, and
        the others `PeerFailed` instead of waiting for it in the next collective."""
        try:
            yield
        except BaseException:
            self.all_ok(failed=True)
            raise
        if not self.all_ok(failed=False):
            raise PeerFailed("another process of this run failed (it said why)")

    def all_ok(self, failed: bool) -> bool:
        """Whether no rank failed (setup: a rank that failed raises its own error, the
        others `PeerFailed`)."""
        if not self.active:
            return not failed
        flag = torch.tensor([1.0 if failed else 0.0])
        _all_reduce(flag, "max")
        return flag.item() == 0

    def agree(self, elapsed: float, stop: bool, spent: bool) -> tuple[float, bool, bool]:
        """The run's clock (the slowest rank's), and whether any rank was asked to stop or
        to finish: one voice for the budget and for Ctrl+C / SIGTERM on any rank."""
        if not self.active:
            return elapsed, stop, spent
        t = torch.tensor([elapsed, float(stop), float(spent)], dtype=torch.float64)
        _all_reduce(t, "max")
        return t[0].item(), bool(t[1].item()), bool(t[2].item())

    def mean(self, value: float) -> float:
        """The ranks' mean of a number (NaN when any rank's is)."""
        if not self.active:
            return value
        t = torch.tensor([value], dtype=torch.float64)
        _all_reduce(t, "sum")
        return t.item() / self.size

    def total(self, value: float) -> float:
        """The ranks' sum of a number (the tokens of the interval: the run's tokens/s)."""
        if not self.active:
            return value
        t = torch.tensor([float(value)], dtype=torch.float64)
        _all_reduce(t, "sum")
        return t.item()

    def scale_loss(self, loss: torch.Tensor, weight: int | None) -> torch.Tensor:
        """The loss DDP averages: this rank's mean loss times its share of the global
        batch's weight (tokens or examples), times N - so that the average over ranks is
        the mean over the whole global batch, as one process would compute it. weight
        None: the shards are equal (the LM's streams)."""
        if not self.active or weight is None:
            return loss
        total = torch.tensor([float(weight)], dtype=torch.float64)
        _all_reduce(total, "sum")
        return loss * (weight * self.size / max(total.item(), 1.0))

    def gather_rng(self, rng: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Every rank's RNG states for the checkpoint: rank 0's as "cpu" / "cuda", rank r's
        as "cpu.r" / "cuda.r"."""
        if not self.active:
            return rng
        import torch.distributed as dist

        every: list = [None] * self.size
        dist.all_gather_object(every, rng)
        out = dict(every[0])
        for r, theirs in enumerate(every[1:], start=1):
            out.update({f"{k}.{r}": v for k, v in theirs.items()})
        return out

    def own_rng(self, saved: dict[str, torch.Tensor], key: str) -> torch.Tensor | None:
        """This rank's RNG state `key` ("cpu", "cuda") in a checkpoint, None if it has none
        (it was written by fewer ranks)."""
        return saved.get(key if self.rank == 0 else f"{key}.{self.rank}")


class PeerFailed(EngineError):
    """Another rank failed (it printed why); this one stops quietly."""


class Replicas(torch.nn.parallel.DistributedDataParallel):
    """DDP that lets the tasks call the bare model's own methods (init_hidden, read, ...)
    on it; training goes through DDP's forward, where the gradient hooks are armed."""

    def __getattr__(self, name: str) -> Any:
        try:
            return super().__getattr__(name)
        except AttributeError:
            if name == "module":
                raise
            return getattr(self.module, name)

    def __setattr__(self, name: str, value: Any) -> None:
        """A setting the bare model has (a family's live knob, `model.threshold = ...`)
        goes to it; DDP's own attributes stay DDP's."""
        module = self.__dict__.get("_modules", {}).get("module")
        if module is not None and name not in self.__dict__ and hasattr(module, name) \
                and not hasattr(type(self), name):
            setattr(module, name, value)
        else:
            super().__setattr__(name, value)


def _all_reduce(t: torch.Tensor, op: str) -> None:
    import torch.distributed as dist

    dist.all_reduce(t, op=dist.ReduceOp.MAX if op == "max" else dist.ReduceOp.SUM)


# --- the process group ------------------------------------------------------------------

_WORLD: World | None = None


def world() -> World:
    """This process's World: joins torchrun's process group on the first call (gloo for
    CPU tensors; NCCL too for CUDA ones when CUDA is there), World() when not launched."""
    global _WORLD
    if _WORLD is None:
        _WORLD = _join() if launched() else World()
    return _WORLD


def _join() -> World:
    import torch.distributed as dist

    env = os.environ
    rank, size = int(env["RANK"]), int(env["WORLD_SIZE"])
    local_rank = int(env["LOCAL_RANK"])
    local_size = int(env.get("LOCAL_WORLD_SIZE", size))
    cuda = torch.cuda.is_available() and dist.is_nccl_available()
    backend = "cpu:gloo,cuda:nccl" if cuda else "gloo"
    if not dist.is_initialized():
        try:
            dist.init_process_group(backend=backend, timeout=TIMEOUT)
        except (RuntimeError, ValueError) as exc:  # a rendezvous that never completes, ...
            raise EngineError(f"cannot join the other processes of this run: "
                              f"{str(exc).splitlines()[0]}") from None
    return World(rank, size, local_rank, local_size, backend)


def leave() -> None:
    """Leave the process group (at the end of a run)."""
    global _WORLD
    if _WORLD is not None and _WORLD.active:
        import torch.distributed as dist

        if dist.is_initialized():
            try:  # every rank done first (rank 0 writes the last checkpoint after the
                # others' last step): a rank tearing its connections down early has aborted
                # the other's gloo threads at exit ("terminate called without an active
                # exception")
                dist.barrier()
            except Exception:  # noqa: BLE001 - a rank that died: nothing left to wait for
                pass
            dist.destroy_process_group()
    _WORLD = None


# --- launching --------------------------------------------------------------------------

def launch(args: list[str], nproc: int) -> int:
    """`rnn-tui run --nproc N ARGS`: N ranks of `python -m rnn_tui run ARGS` on this
    machine through torch's own launcher (what `torchrun --standalone` does); the exit
    code of the run (the first failed rank's, 130 when interrupted)."""
    from torch.distributed import run as torchrun
    from torch.distributed.elastic.multiprocessing.api import SignalException
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError

    if nproc < 1:
        raise EngineError(f"--nproc must be 1 or more, got {nproc}")
    # Each rank its share of the cores (torchrun would say 1 thread each, with a warning).
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, cores // nproc)))
    parsed = torchrun.parse_args(["--standalone", "--nproc-per-node", str(nproc),
                                  "--module", "rnn_tui", "run", *args])
    try:
        torchrun.run(parsed)
    except ChildFailedError as exc:
        code = exc.get_first_failure()[1].exitcode
        return 128 - code if code < 0 else code  # killed by a signal: 128 + its number
    except SignalException:
        return 130
    return 0
