"""Everything a run holds while it trains, how it is built, saved and restored.

`build_state` is the setup half of the trainer: run directory (locked), device and threads,
seed, corpus and split, vocabulary, batcher, memory estimate, model, optimizer - or all of that
restored from a checkpoint for `--resume`, whose metadata `checkpoint_config` checks first.
`snapshot_state` turns it back into a checkpoint. (The baselines are the trainer's first side
job, so that a stop during them is honoured.)
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from engine import checkpoint as ckpt
from engine.config import FIXED_ON_RESUME, TrainConfig, resumed_config
from engine.errors import EngineError
from engine.guard import DivergenceGuard

PROBE_TEXT_CHARS = 96  # characters of validation text shown in the gates view
CELL_WIDTH = {"lstm": 6, "gru": 5, "rnn": 2}  # values per hidden unit autograd keeps per step


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
    config: TrainConfig
    device: torch.device
    device_name: str
    vocab: Any
    train_ids: torch.Tensor
    val_ids: torch.Tensor
    batcher: Any
    model: torch.nn.Module
    optimizer: torch.optim.Optimizer
    params: list
    run: Any  # engine.rundir.RunDir: lock, metrics, checkpoints (path None: nothing kept)
    guard: DivergenceGuard
    probe_text: str
    baseline_texts: tuple[str, str] | None = None  # (train, val) while baselines are due
    hidden: Any = None
    step: int = 0
    elapsed: float = 0.0  # active seconds: training + side jobs, excluding pauses
    train_time: float = 0.0  # optimizer-step seconds since the last train event
    tokens: int = 0  # tokens since the last train event
    lr: float = 0.0
    last_batch: Any = None  # (x, y, hidden) of the latest step: checkpoints test on it
    best_val: float | None = None
    last_eval_step: int | None = None
    last_checkpoint_at: float = 0.0
    last_checkpoint_step: int | None = None
    probe_input: Any = None
    diverged: bool = False
    diverged_at: tuple = ()
    acc: StepAccumulator = field(default_factory=StepAccumulator)
    clip_window: ClipWindow = field(default_factory=ClipWindow)


def build_state(config: TrainConfig, out_dir: Path | None, resume: bool, force: bool,
                overrides: dict[str, Any]) -> RunState:
    """Everything a run needs. The run directory is locked first but written only once all
    else succeeded (corpus, device, memory estimate, model, restored checkpoint), so a failed
    setup leaves an old run as it was, even with --force."""
    from engine import rundir

    run = rundir.RunDir.open(out_dir, resume=resume, force=force)
    try:
        st = _build(config, run, resume, overrides)
        run.commit(st.config.to_dict(), st.step if resume else None)
    except BaseException:
        run.close()
        raise
    return st


def _build(config: TrainConfig, run, resume: bool, overrides: dict[str, Any]) -> RunState:
    from engine.corpus import load_corpus
    from engine.data import StreamBatcher, Vocab, split_text
    from engine.device import configure_threads, describe, resolve_device
    from engine.lm import CharLM
    from engine.optim import build_optimizer

    saved = None
    if resume:
        saved = ckpt.load(run.path / ckpt.FILENAME)
        config = checkpoint_config(saved, str(run.path), overrides)
    device = resolve_device(config.device)
    threads = configure_threads(config.threads)
    torch.manual_seed(config.seed)

    corpus = load_corpus(config.corpus)
    train_text, val_text = split_text(corpus.text, config.val_fraction)
    vocab = Vocab.from_list(saved.meta["vocab"]) if saved else Vocab.from_text(corpus.text)
    if saved:
        unknown = sorted(set(corpus.text) - set(vocab.chars))
        if unknown:
            raise EngineError(f"the corpus has characters the checkpoint's vocabulary lacks "
                              f"({''.join(unknown[:10])!r}): resume on the corpus it was "
                              f"trained on")
    train_ids = vocab.encode_tensor(train_text)
    val_ids = vocab.encode_tensor(val_text)
    batcher = StreamBatcher(train_ids, config.batch_size, config.bptt)
    check_memory(config, len(vocab), device, training=True)
    model = CharLM.from_config(config, len(vocab)).to(device)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = build_optimizer(params, config)
    st = RunState(config=config, device=device, device_name=describe(device, threads),
                  vocab=vocab, train_ids=train_ids, val_ids=val_ids, batcher=batcher,
                  model=model, optimizer=optimizer, params=params, run=run,
                  guard=DivergenceGuard(math.log(len(vocab))),
                  probe_text=val_text[:PROBE_TEXT_CHARS])
    if saved:
        restore_state(st, saved)
    elif config.baseline_order:
        st.baseline_texts = (train_text, val_text)
    return st


def checkpoint_config(saved: ckpt.CheckpointData, where: str,
                      overrides: dict[str, Any] | None = None) -> TrainConfig:
    """A language model's config from its checkpoint (with --resume's changes), checked
    against the tensors it came with before anything is built from it."""
    if saved.meta.get("kind") == "seq2seq":
        raise EngineError(f"{where} is a seq2seq run: use `rnn-tui translate {where} TEXT`, "
                          f"or `rnn-tui seq2seq run --out {where} --resume` to train it on")
    config = resumed_config(TrainConfig, saved.meta["config"], overrides or {},
                            FIXED_ON_RESUME, source=f"checkpoint {where}")
    if saved.hidden:  # the B streams' carried state: (layers, B, H), two of them for an LSTM
        cfg = TrainConfig.from_dict(saved.meta["config"])
        want = (cfg.layers, cfg.batch_size, cfg.hidden)
        parts = [saved.hidden.get(str(i)) for i in range(2 if cfg.model == "lstm" else 1)]
        if len(saved.hidden) != len(parts) or any(
                t is None or tuple(t.shape) != want or not t.is_floating_point() for t in parts):
            raise EngineError(f"checkpoint {where}: the saved hidden state does not fit its "
                              f"config ({len(parts)} float tensor(s) of shape {want} expected, "
                              f"found {[tuple(t.shape) for t in saved.hidden.values()]})")
    from engine.lm import CharLM
    from engine.memory import meta_shapes

    vocab_size = len(saved.meta["vocab"])  # the weights against the config, nothing allocated
    ckpt.check_shapes(saved.model, meta_shapes(lambda: CharLM.from_config(config, vocab_size)),
                      "its own config")
    return config


def check_memory(config: TrainConfig, vocab_size: int, device: torch.device,
                 training: bool) -> None:
    """Refuse, with the estimate, a model the device cannot hold (engine.memory)."""
    from engine import memory
    from engine.lm import CharLM

    params = memory.parameter_count(lambda: CharLM.from_config(config, vocab_size))
    what = f"a {config.model} of {config.hidden}x{config.layers} ({params:,} parameters)"
    if not training:
        need = 8 * params  # the loaded tensors and the model
    else:
        # Per position autograd keeps the embedding, each layer's gates and states, logits.
        width = config.embed + config.layers * config.hidden * CELL_WIDTH[config.model] \
            + 3 * vocab_size
        need = memory.training_bytes(params, config.optimizer, memory.activation_bytes(
            config.batch_size, config.bptt, width))
        what += f" trained at batch {config.batch_size} x bptt {config.bptt}"
    memory.check_fits(need, device, what, "make it smaller (--hidden, --layers, --batch-size, "
                                          "--bptt)")


def snapshot_state(st: RunState, train_loss: float | None = None) -> ckpt.CheckpointData:
    from engine.checkpoint import optimizer_to_flat

    optim, groups = optimizer_to_flat(st.optimizer)
    hidden = {}
    if st.hidden is not None:
        parts = st.hidden if isinstance(st.hidden, tuple) else (st.hidden,)
        hidden = {str(i): h for i, h in enumerate(parts)}
    rng = {"cpu": torch.get_rng_state()}
    if st.device.type == "cuda":
        rng["cuda"] = torch.cuda.get_rng_state(st.device)
    meta = {
        "config": st.config.to_dict(), "vocab": st.vocab.to_list(), "step": st.step,
        "elapsed": st.elapsed, "best_val": st.best_val, "data": st.batcher.state_dict(),
        "optimizer_groups": groups, "last_eval_step": st.last_eval_step,
        "train_loss": train_loss,
    }
    return ckpt.CheckpointData(meta=meta, model=st.model.state_dict(), optim=optim,
                               hidden=hidden, rng=rng)


def restore_state(st: RunState, saved: ckpt.CheckpointData) -> None:
    from engine.checkpoint import optimizer_from_flat

    ckpt.load_weights(st.model, saved.model)
    optimizer_from_flat(st.optimizer, saved.optim, saved.meta.get("optimizer_groups", []))
    if saved.hidden:
        parts = tuple(saved.hidden[str(i)].to(st.device) for i in range(len(saved.hidden)))
        st.hidden = parts if len(parts) > 1 else parts[0]
    if "cpu" in saved.rng:
        torch.set_rng_state(saved.rng["cpu"])
    if "cuda" in saved.rng and st.device.type == "cuda":
        torch.cuda.set_rng_state(saved.rng["cuda"], st.device)
    st.batcher.load_state_dict(saved.meta["data"])
    st.step = int(saved.meta["step"])
    st.elapsed = float(saved.meta.get("elapsed", 0.0))
    st.last_checkpoint_at = st.elapsed
    st.last_checkpoint_step = st.step
    st.best_val = saved.meta.get("best_val")
    st.last_eval_step = saved.meta.get("last_eval_step")
    st.guard = DivergenceGuard(st.guard.uniform, saved.meta.get("train_loss"))
    st.guard.kept(st.step, saved.meta.get("train_loss"))


def load_model(run_dir: str | Path, device: str = "cpu"):
    """(model, vocab, config, meta) from a run directory or checkpoint file, for sample/eval."""
    from engine.data import Vocab
    from engine.device import resolve_device
    from engine.lm import CharLM

    saved = ckpt.load(run_dir)
    config = checkpoint_config(saved, str(run_dir))
    vocab = Vocab.from_list(saved.meta["vocab"])
    dev = resolve_device(device)
    check_memory(config, len(vocab), dev, training=False)
    model = CharLM.from_config(config, len(vocab))
    ckpt.load_weights(model, saved.model, "its own config")
    return model.to(dev).eval(), vocab, config, saved.meta
