"""`Seq2SeqConfig`: one flat dataclass describing a seq2seq run, with a comment per field.

The defaults are tuned for the `dates` task on a 2-core CPU (>= 99% exact match on the
held-out set in about 5 minutes). `validate()` turns absurd values into an EngineError that
names the field, like `engine.config.TrainConfig`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, fields
from typing import Any

from engine.config import (MAX_THREADS, _choice, _coerce, _finite_positive, _limit,
                           _positive_int, check_seed)
from engine.errors import EngineError

TASKS = ("dates", "reverse", "sort", "add", "pairs")
ATTENTIONS = ("none", "bahdanau", "luong-dot", "luong-general")
CELLS = ("gru", "lstm", "rnn")
LR_SCHEDULES = ("wsd", "cosine", "constant")
DEVICES = ("auto", "cpu", "cuda", "mps")
LIVE_KEYS = ("teacher_forcing", "lr", "clip", "eval_every", "attention_every")
# What --resume cannot change: the saved weights belong to these values.
FIXED_ON_RESUME = ("task", "pairs", "cell", "embed", "hidden", "layers", "bidirectional",
                   "attention", "attn_size")


@dataclass
class Seq2SeqConfig:
    # --- data -------------------------------------------------------------------------
    task: str = "dates"  # dates | reverse | sort | add | pairs (a TSV file given as `pairs`)
    pairs: str = ""  # pairs task: TSV file, one `source<TAB>target` per line
    min_len: int = 0  # reverse/sort: shortest string; add: fewest digits (0 = task default)
    max_len: int = 0  # reverse/sort: longest string (default 30-50 / 10-20); add: most digits (5)
    heldout: int = 1000  # generated tasks: size of the fixed, seeded held-out set
    val_fraction: float = 0.1  # pairs task: share of the (shuffled) pairs held out
    max_pair_len: int = 200  # pairs task: skip pairs with a side longer than this
    data_seed: int = 12345  # seeds the held-out set (fixed across runs of the same task)
    # --- model ------------------------------------------------------------------------
    cell: str = "gru"  # encoder and decoder cell: gru | lstm | rnn
    embed: int = 32  # character embedding size (source and target have their own)
    hidden: int = 128  # decoder state size = encoder output size (hidden/2 per direction if bi)
    layers: int = 1  # stacked layers in the encoder and in the decoder
    bidirectional: bool = False  # read the source both ways (bridge: Linear + tanh)
    dropout: float = 0.0  # on embeddings and between layers
    attention: str = "bahdanau"  # none | bahdanau (additive) | luong-dot | luong-general
    attn_size: int = 128  # bahdanau only: size of the additive score's hidden layer
    # --- optimisation -----------------------------------------------------------------
    batch_size: int = 128  # examples per step
    lr: float = 3e-3  # Adam's peak learning rate
    lr_schedule: str = "wsd"  # wsd (flat, then linear decay at the end) | cosine | constant
    decay_fraction: float = 0.3  # wsd: share of the budget spent decaying to the floor
    lr_min_ratio: float = 0.05  # floor of the decay, as a fraction of lr
    warmup_steps: int = 50  # linear warmup from ~0 to lr
    clip: float = 1.0  # clip the global gradient norm to this (0 = off)
    teacher_forcing: float = 1.0  # probability that a decoder step is fed the true previous char
    teacher_forcing_final: float | None = None  # anneal the ratio linearly to this over the budget (None = constant)
    # --- budget -----------------------------------------------------------------------
    steps: int | None = None  # stop after this many optimizer steps
    minutes: float | None = None  # stop after this much wall-clock time (training + evals)
    # --- reproducibility and hardware -------------------------------------------------
    seed: int = 1337  # seeds torch (weights) and the stream of training examples
    device: str = "auto"  # auto | cpu | cuda | mps
    threads: int = 1  # CPU intra-op threads (0 = one per core); small step-by-step ops gain nothing from more
    # --- side jobs --------------------------------------------------------------------
    log_every: int = 10  # a train event every N steps
    eval_every: int = 250  # evaluate on the held-out set every N steps (and at the end)
    attention_every: int = 250  # attention of the probe examples every N steps (0 = off)
    probe_examples: int = 2  # held-out examples whose attention is logged
    probe_every: int = 250  # gradient per encoder position, ||dL/dh_j||, every N steps (0 = off)
    max_output_len: int = 0  # decoding limit in characters (0 = longest target seen + 10)
    checkpoint_every_s: float = 60.0  # save at most this many seconds apart (and at the end)

    def validate(self) -> "Seq2SeqConfig":
        _choice("task", self.task, TASKS)
        _choice("attention", self.attention, ATTENTIONS)
        _choice("cell", self.cell, CELLS)
        _choice("lr_schedule", self.lr_schedule, LR_SCHEDULES)
        _choice("device", self.device, DEVICES)
        if self.task == "pairs" and not self.pairs:
            raise EngineError("the pairs task needs a TSV file: --pairs FILE")
        for name in ("embed", "hidden", "layers", "attn_size", "batch_size", "heldout",
                     "log_every", "eval_every", "probe_examples", "max_pair_len"):
            _positive_int(name, getattr(self, name))
        for name in ("min_len", "max_len", "warmup_steps", "attention_every", "probe_every",
                     "threads", "max_output_len"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise EngineError(f"{name} must be a whole number >= 0, got {v!r}")
        for name, most in (("hidden", 8192), ("embed", 8192), ("attn_size", 8192),
                           ("layers", 16), ("batch_size", 65536), ("heldout", 1_000_000),
                           ("max_len", 2000), ("max_output_len", 10000),
                           ("max_pair_len", 10000), ("threads", MAX_THREADS)):
            _limit(name, getattr(self, name), most)
        check_seed(self.seed)
        check_seed(self.data_seed)
        if self.task == "add" and max(self.min_len, self.max_len) > 60:
            raise EngineError("add: at most 60 digits per operand")
        if self.min_len and self.max_len and self.min_len > self.max_len:
            raise EngineError(f"min_len ({self.min_len}) is larger than max_len "
                              f"({self.max_len})")
        if self.bidirectional and self.hidden % 2:
            raise EngineError(f"a bidirectional encoder splits hidden between its two "
                              f"directions: hidden must be even, got {self.hidden}")
        _finite_positive("lr", self.lr)
        if self.lr > 10:
            raise EngineError(f"lr must be at most 10, got {self.lr} (typical: 3e-3)")
        if not 0.0 <= self.dropout < 1.0:
            raise EngineError(f"dropout must be in [0, 1), got {self.dropout}")
        if not (isinstance(self.teacher_forcing, (int, float))
                and 0.0 <= self.teacher_forcing <= 1.0):
            raise EngineError(f"teacher_forcing must be in [0, 1], got {self.teacher_forcing!r}")
        final = self.teacher_forcing_final
        if final is not None and not (isinstance(final, (int, float)) and 0.0 <= final <= 1.0):
            raise EngineError(f"teacher_forcing_final must be in [0, 1], got {final!r}")
        if not 0.0 < self.val_fraction < 0.9:
            raise EngineError(f"val_fraction must be in (0, 0.9), got {self.val_fraction}")
        if not 0.0 < self.decay_fraction <= 1.0:
            raise EngineError(f"decay_fraction must be in (0, 1], got {self.decay_fraction}")
        if not 0.0 <= self.lr_min_ratio <= 1.0:
            raise EngineError(f"lr_min_ratio must be in [0, 1], got {self.lr_min_ratio}")
        if not (isinstance(self.clip, (int, float)) and math.isfinite(self.clip)
                and self.clip >= 0):
            raise EngineError(f"clip must be >= 0 (0 = off), got {self.clip!r}")
        if self.steps is not None:
            _positive_int("steps", self.steps)
        if self.minutes is not None:
            _finite_positive("minutes", self.minutes)
        if not (math.isfinite(self.checkpoint_every_s) and self.checkpoint_every_s > 0):
            raise EngineError(f"checkpoint_every_s must be > 0, got {self.checkpoint_every_s}")
        return self

    # engine.optim.scheduled_lr reads these two names
    @property
    def clip_mode(self) -> str:
        return "norm" if self.clip else "off"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "config") -> "Seq2SeqConfig":
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise EngineError(f"{source}: unknown key(s) {', '.join(unknown)}; "
                              f"is this a seq2seq run?")
        kwargs = {}
        for key, value in data.items():
            if str(known[key].type) == "bool":
                if not isinstance(value, bool):
                    raise EngineError(f"{source}: {key} must be true or false, got {value!r}")
                kwargs[key] = value
            else:
                kwargs[key] = _coerce(key, value, known[key].type, source)
        return cls(**kwargs)

    def replace(self, **changes: Any) -> "Seq2SeqConfig":
        return dataclasses.replace(self, **changes)


def teacher_forcing_at(cfg: Seq2SeqConfig, progress: float | None) -> float:
    """The teacher-forcing ratio at PROGRESS (share of the budget spent): constant, or
    annealed linearly from `teacher_forcing` to `teacher_forcing_final` over the budget
    (scheduled sampling, Bengio et al. 2015: the model learns to recover from its own
    mistakes)."""
    if cfg.teacher_forcing_final is None or progress is None:
        return cfg.teacher_forcing
    p = min(1.0, max(0.0, progress))
    return cfg.teacher_forcing + (cfg.teacher_forcing_final - cfg.teacher_forcing) * p
