"""One flat dataclass that describes a training run, with a comment per field.

Every field can be set from the CLI (`--batch-size 32`) or from a TOML file (`batch_size = 32`).
`validate()` turns absurd values into an `EngineError` with a message that names the field.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, fields
from typing import Any

from engine.errors import EngineError

CELLS = ("lstm", "gru", "rnn")
NONLINEARITIES = ("tanh", "relu")
OPTIMIZERS = ("adam", "sgd", "rmsprop")
CLIP_MODES = ("norm", "value", "off")
LR_SCHEDULES = ("wsd", "cosine", "constant")
DEVICES = ("auto", "cpu", "cuda", "mps")
# What --resume cannot change: the saved weights and optimizer state are for these values.
FIXED_ON_RESUME = ("model", "nonlinearity", "embed", "hidden", "layers", "optimizer")
MAX_THREADS = 1024  # torch.set_num_threads(100000) is a segmentation fault, not an error
MAX_SEED = 2**63 - 1  # torch.manual_seed overflows above this


@dataclass
class TrainConfig:
    # --- data -------------------------------------------------------------------------
    corpus: str = "prose"  # a text file, a directory of .txt files, or a bundled name
    val_fraction: float = 0.1  # the last fraction of the text is held out for validation
    # --- model ------------------------------------------------------------------------
    model: str = "gru"  # cell type: lstm | gru | rnn (vanilla); gru learns fastest on CPU
    nonlinearity: str = "tanh"  # vanilla RNN only: tanh | relu
    embed: int = 64  # character embedding size
    hidden: int = 512  # hidden units per layer
    layers: int = 2  # stacked recurrent layers
    dropout: float = 0.1  # dropout on the embeddings, between layers, before the head
    # --- optimisation -----------------------------------------------------------------
    batch_size: int = 32  # B contiguous streams, each carrying its hidden state forward
    bptt: int = 100  # truncated-BPTT window: timesteps per step, state detached between
    optimizer: str = "adam"  # adam | sgd | rmsprop
    lr: float = 3e-3  # peak learning rate
    lr_schedule: str = "wsd"  # wsd (flat, then linear decay at the end) | cosine | constant
    decay_fraction: float = 0.3  # wsd: share of the budget spent decaying to the floor
    lr_min_ratio: float = 0.05  # floor of the decay, as a fraction of lr
    warmup_steps: int = 50  # linear warmup from ~0 to lr
    weight_decay: float = 0.0  # L2 / decoupled (AdamW-style for adam) weight decay
    momentum: float = 0.9  # sgd and rmsprop only
    clip_mode: str = "norm"  # norm (global L2 norm) | value (elementwise) | off
    clip: float = 1.0  # threshold for clip_mode
    # --- budget -----------------------------------------------------------------------
    steps: int | None = None  # stop after this many optimizer steps
    minutes: float | None = None  # stop after this much wall-clock training time
    # --- reproducibility and hardware -------------------------------------------------
    seed: int = 1337  # seeds torch (weights, dropout, sampling) for a reproducible run
    device: str = "auto"  # auto (cuda, then mps, then cpu) | cpu | cuda | mps
    threads: int = 0  # CPU intra-op threads; 0 = one per physical core
    # --- schedule of side jobs ----------------------------------------------------------
    log_every: int = 10  # emit a train event every N steps (the app wants 1)
    eval_every: int = 200  # full validation pass every N steps (and at the end)
    probe_every: int = 100  # gradient-per-timestep probe every N steps (0 = off)
    probe_batch: int = 8  # sequences used by the probe (it runs the unrolled cells)
    sample_every: int = 500  # write a sample every N steps (0 = off)
    sample_length: int = 200  # characters per sample
    temperature: float = 0.8  # sampling temperature for the periodic samples
    checkpoint_every_s: float = 60.0  # save at most this many seconds apart (and at the end)
    baseline_order: int = 5  # Kneser-Ney n-gram baseline order (0 = skip the baselines)

    def validate(self) -> "TrainConfig":
        """Raise EngineError naming the first field whose value makes no sense."""
        _choice("model", self.model, CELLS)
        _choice("nonlinearity", self.nonlinearity, NONLINEARITIES)
        _choice("optimizer", self.optimizer, OPTIMIZERS)
        _choice("clip_mode", self.clip_mode, CLIP_MODES)
        _choice("lr_schedule", self.lr_schedule, LR_SCHEDULES)
        _choice("device", self.device, DEVICES)
        for name in ("embed", "hidden", "layers", "batch_size", "bptt", "sample_length",
                     "probe_batch", "log_every", "eval_every"):
            _positive_int(name, getattr(self, name))
        for name in ("warmup_steps", "probe_every", "sample_every", "threads",
                     "baseline_order"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 0:
                raise EngineError(f"{name} must be a whole number >= 0, got {v!r}")
        _limit("hidden", self.hidden, 16384)
        _limit("embed", self.embed, 16384)
        _limit("layers", self.layers, 64)
        _limit("batch_size", self.batch_size, 65536)
        _limit("bptt", self.bptt, 100000)
        _limit("baseline_order", self.baseline_order, 12)
        _limit("threads", self.threads, MAX_THREADS)
        check_seed(self.seed)
        _finite_positive("lr", self.lr)
        _finite_positive("temperature", self.temperature)
        if self.lr > 10:
            raise EngineError(f"lr must be at most 10, got {self.lr} (typical: 1e-3 for adam)")
        if not 0.0 <= self.dropout < 1.0:
            raise EngineError(f"dropout must be in [0, 1), got {self.dropout}")
        if not 0.0 < self.val_fraction < 0.9:
            raise EngineError(f"val_fraction must be in (0, 0.9), got {self.val_fraction}")
        if not 0.0 < self.decay_fraction <= 1.0:
            raise EngineError(f"decay_fraction must be in (0, 1], got {self.decay_fraction}")
        if not 0.0 <= self.lr_min_ratio <= 1.0:
            raise EngineError(f"lr_min_ratio must be in [0, 1], got {self.lr_min_ratio}")
        if not (math.isfinite(self.weight_decay) and self.weight_decay >= 0):
            raise EngineError(f"weight_decay must be >= 0, got {self.weight_decay}")
        if not (math.isfinite(self.momentum) and 0 <= self.momentum < 1):
            raise EngineError(f"momentum must be in [0, 1), got {self.momentum}")
        if self.clip_mode != "off":
            _finite_positive("clip", self.clip)
        if self.steps is not None:
            _positive_int("steps", self.steps)
        if self.minutes is not None:
            _finite_positive("minutes", self.minutes)
        if not (math.isfinite(self.checkpoint_every_s) and self.checkpoint_every_s > 0):
            raise EngineError(f"checkpoint_every_s must be > 0, got {self.checkpoint_every_s}")
        return self

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "config") -> "TrainConfig":
        """Build from a plain dict (TOML, JSON), refusing unknown keys and wrong types."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise EngineError(f"{source}: unknown key(s) {', '.join(unknown)}; "
                              f"known keys: {', '.join(known)}")
        kwargs = {}
        for key, value in data.items():
            kwargs[key] = _coerce(key, value, known[key].type, source)
        return cls(**kwargs)

    def replace(self, **changes: Any) -> "TrainConfig":
        return dataclasses.replace(self, **changes)


def load_toml(path: str) -> dict[str, Any]:
    """Read a TOML file into a dict; a missing or malformed file is an EngineError."""
    try:
        import tomllib  # type: ignore[import-not-found]
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise EngineError(f"config file not found: {path}") from None
    except OSError as exc:
        raise EngineError(f"cannot read config file {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise EngineError(f"config file {path} is not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:  # TOML is UTF-8 by definition
        raise EngineError(f"config file {path} is not UTF-8 text (bad byte at offset "
                          f"{exc.start}); save it as UTF-8") from None
    # Allow either top-level keys or a [train] table.
    if set(data) == {"train"} and isinstance(data["train"], dict):
        data = data["train"]
    return data


def resumed_config(cls: type, saved: Any, overrides: dict[str, Any], fixed: tuple[str, ...],
                   source: str = "checkpoint") -> Any:
    """The config of a run continued with --resume: the checkpoint's, with the options given
    again (flags, a --config file) on top. A field in FIXED (the architecture, the optimizer)
    cannot change: the saved weights and optimizer state belong to its old value."""
    cfg = cls.from_dict(saved, source=source)
    try:
        cfg.validate()
    except EngineError as exc:  # an edited file: say which
        raise EngineError(f"{source}: {exc}") from None
    for key in fixed:
        if key in overrides and overrides[key] != getattr(cfg, key):
            raise EngineError(f"--{key.replace('_', '-')} {overrides[key]} cannot change on "
                              f"--resume: the run was trained with {key} = "
                              f"{getattr(cfg, key)!r}; start a new run (--force) instead")
    return cfg.replace(**overrides).validate()


def check_seed(seed: Any) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise EngineError(f"seed must be a whole number from 0 to 2**63-1, got {seed!r}")


# --- helpers -------------------------------------------------------------------------

def _coerce(key: str, value: Any, annotation: Any, source: str) -> Any:
    """Check a TOML value against the field's annotation (a string under __future__)."""
    ann = str(annotation)
    optional = "None" in ann
    if value is None and optional:
        return None
    if "int" in ann and "float" not in ann:
        if isinstance(value, bool) or not isinstance(value, int):
            raise EngineError(f"{source}: {key} must be a whole number, got {value!r}")
        return value
    if "float" in ann:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise EngineError(f"{source}: {key} must be a number, got {value!r}")
        return float(value)
    if "str" in ann:
        if not isinstance(value, str):
            raise EngineError(f"{source}: {key} must be a string, got {value!r}")
        return value
    return value


def _choice(name: str, value: str, options: tuple[str, ...]) -> None:
    if value not in options:
        raise EngineError(f"unknown {name} {value!r}; choose one of: {', '.join(options)}")


def _positive_int(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise EngineError(f"{name} must be a whole number >= 1, got {value!r}")


def _limit(name: str, value: int, most: int) -> None:
    if value > most:
        raise EngineError(f"{name} = {value} is absurdly large (at most {most})")


def _finite_positive(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value) or value <= 0:
        raise EngineError(f"{name} must be a finite number > 0, got {value!r}")
