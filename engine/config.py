"""`RunConfig`: the fields every task family shares, one comment per field, and validators.

A family's config (engine/families/<name>/config.py) subclasses `RunConfig`, adds its own
fields and may give a shared field another default by declaring it again (dataclasses keep
the field where the base put it). Every field is a CLI flag (`--batch-size 32`) and a TOML
key (`batch_size = 32`); the comment after a field is its `--help` text.

`validate()` turns absurd values into an `EngineError` naming the field; the `check_*`
helpers below are public so that each family validates its own fields the same way.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from dataclasses import dataclass, fields
from typing import Any, ClassVar

from engine.errors import EngineError

OPTIMIZERS = ("adam", "sgd", "rmsprop")
CLIP_MODES = ("norm", "value", "off")
LR_SCHEDULES = ("wsd", "cosine", "constant")
DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("fp32", "bf16", "fp16", "auto")  # engine/training/precision.py says what each means
MAX_THREADS = 1024  # torch.set_num_threads(100000) is a segmentation fault, not an error
MAX_SEED = 2**63 - 1  # torch.manual_seed overflows above this


@dataclass
class RunConfig:
    FAMILY: ClassVar[str] = ""  # the registry name of the family this config belongs to
    MODELS: ClassVar[tuple[str, ...]] = ("lstm", "gru", "rnn")  # choices for `model`
    CELLS: ClassVar[tuple[str, ...]] = ("lstm", "gru", "rnn")  # what the app's `m` cycles
    DRY_RUN: ClassVar[dict[str, Any]] = {}  # the family's own settings for --dry-run
    BUNDLED_DATA: ClassVar[dict[str, Any]] = {}  # --data NAME -> the bundled path it means
    # Fields that may change while the run trains (set_hparam); a family adds its own.
    # A new optimizer starts with a fresh state (the app's explode key switches to sgd).
    LIVE_KEYS: ClassVar[tuple[str, ...]] = ("lr", "clip", "clip_mode", "optimizer")
    # Live fields that change what is shown or sampled, not the training: the loss chart
    # marks changes of the other live fields only.
    VIEW_KEYS: ClassVar[tuple[str, ...]] = ()
    # Fields --resume cannot change: the saved weights and optimizer state are for them.
    FIXED_ON_RESUME: ClassVar[tuple[str, ...]] = ("model", "embed", "hidden", "layers",
                                                  "optimizer")
    # What the run's held-out numbers are, readable without torch (the runs list, compare);
    # the family's Task has them from here (engine/task.py). HEADLINE: the metric whose best
    # value marks an evaluation as `best`, and whether higher is better; None: the lowest
    # val_loss (a family whose headline depends on its settings overrides `headline()`).
    HEADLINE: ClassVar[tuple[str, bool] | None] = None
    # The metrics a report line shows: (metric, label, format), format "%" for a share
    # shown as a percentage.
    REPORT_METRICS: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    # --- model ------------------------------------------------------------------------
    model: str = "gru"  # cell type: lstm | gru | rnn (vanilla); the long-range lab adds irnn
    embed: int = 64  # embedding size of each input token
    hidden: int = 512  # hidden units per layer
    layers: int = 2  # stacked recurrent layers
    dropout: float = 0.1  # dropout on the embeddings, between layers, before the head
    # --- optimisation -----------------------------------------------------------------
    batch_size: int = 32  # sequences per optimizer step
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
    threads: int = 0  # CPU intra-op threads; 0 = auto: the idle cores, adapted to the load as it trains
    precision: str = "fp32"  # fp32 | bf16 (autocast; weights, loss, optimizer stay fp32) | fp16 (CUDA) | auto (engine/training/precision.py)
    # --- schedule of side jobs ----------------------------------------------------------
    log_every: int = 10  # emit a train event every N steps (the app wants 1)
    eval_every: int = 200  # evaluate on the held-out data every N steps (and at the end)
    probe_every: int = 100  # gradient-per-position probe every N steps (0 = off)
    sample_every: int = 500  # show the model at work (a sample, decoded examples) every N steps (0 = off)
    first_look_at: int = 0  # early looks at steps f, 4f, 10f: probe and sample, and evaluate from 4f (0 = no; the app: 5)
    checkpoint_every_s: float = 60.0  # save at most this many seconds apart (and at the end)

    # --- checks -------------------------------------------------------------------------

    def validate(self) -> "RunConfig":
        """Raise EngineError naming the first field whose value makes no sense."""
        check_choice("model", self.model, self.MODELS)
        check_choice("optimizer", self.optimizer, OPTIMIZERS)
        check_choice("clip_mode", self.clip_mode, CLIP_MODES)
        check_choice("lr_schedule", self.lr_schedule, LR_SCHEDULES)
        check_choice("device", self.device, DEVICES)
        check_choice("precision", self.precision, PRECISIONS)
        for name in ("embed", "hidden", "layers", "batch_size", "log_every", "eval_every"):
            check_int(name, getattr(self, name), least=1)
        for name in ("warmup_steps", "probe_every", "sample_every", "first_look_at", "threads"):
            check_int(name, getattr(self, name), least=0)
        for name, most in (("hidden", 16384), ("embed", 16384), ("layers", 64),
                           ("batch_size", 65536), ("threads", MAX_THREADS)):
            check_limit(name, getattr(self, name), most)
        check_seed(self.seed)
        check_positive("lr", self.lr)
        if self.lr > 100:  # (plain SGD on word LMs uses 20: word_language_model's default)
            raise EngineError(f"lr must be at most 100, got {self.lr} (typical: 1e-3 for "
                              f"adam)")
        check_range("dropout", self.dropout, 0.0, 1.0, high_open=True)
        check_range("decay_fraction", self.decay_fraction, 0.0, 1.0, low_open=True)
        check_range("lr_min_ratio", self.lr_min_ratio, 0.0, 1.0)
        check_range("momentum", self.momentum, 0.0, 1.0, high_open=True)
        if not (_number(self.weight_decay) and self.weight_decay >= 0):
            raise EngineError(f"weight_decay must be >= 0, got {self.weight_decay!r}")
        if self.clip_mode != "off" and not (_number(self.clip) and self.clip > 0):
            raise EngineError(f"clip must be a finite number > 0, got {self.clip!r} (to turn "
                              f"clipping off: --clip-mode off)")
        if self.steps is not None:
            check_int("steps", self.steps, least=1)
        if self.minutes is not None:
            check_positive("minutes", self.minutes)
        check_positive("checkpoint_every_s", self.checkpoint_every_s)
        return self

    # --- conversions --------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def migrate(cls, data: dict[str, Any]) -> dict[str, Any]:
        """Rename keys written by older versions of rnn-tui (a family overrides this)."""
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "config") -> "RunConfig":
        """Build from a plain dict (TOML, JSON), refusing unknown keys and wrong types."""
        if not isinstance(data, dict):
            raise EngineError(f"{source}: expected a table of settings, got {type(data).__name__}")
        data = cls.migrate(dict(data))
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise EngineError(f"{source}: unknown key(s) {', '.join(unknown)}; "
                              f"known keys: {', '.join(known)}")
        hints = typing.get_type_hints(cls)
        return cls(**{key: coerce(key, value, hints[key], source) for key, value in data.items()})

    def first_looks(self) -> tuple[int, ...]:
        """The early steps a watched run is looked at before its cadence takes over (5, 20
        and 50 in the app: a sample within seconds, a first held-out loss within a minute)."""
        f = self.first_look_at
        return (f, 4 * f, 10 * f) if f else ()

    def replace(self, **changes: Any) -> "RunConfig":
        return dataclasses.replace(self, **changes)

    def describe(self) -> str:
        """The model in a few words, for the status bar and the logs: 'GRU 512×2'."""
        return f"{self.model.upper()} {self.hidden}×{self.layers}"

    def headline(self) -> tuple[str, bool] | None:
        """This run's headline metric (HEADLINE): the one definition of "best" for the
        report, the app, `runs list`, compare and races."""
        return self.HEADLINE

    def loss_name(self) -> str:
        """What the loss is when it is not a log-likelihood in nats ("MSE"): then nats, bits
        and perplexity mean nothing and it is shown as it is. "" for a cross-entropy."""
        return ""

    def data_label(self) -> str:
        """What the run trains on, in a word or two ('prose', 'dates')."""
        return self.FAMILY

    def preflight(self) -> None:
        """Check, without torch, that the run's data can be read (the app does this before
        its screen opens, so a typo is one line and exit code 2, not a dialog)."""

    def short_name(self) -> str:
        """One word for run directory names: the cell ('gru'), or the task ('dates')."""
        return self.model

    def dry_run(self) -> "RunConfig":
        """A tiny version of this run for 3 steps (`--dry-run`): every side job runs once."""
        return self.replace(hidden=32, layers=min(self.layers, 2), embed=16, batch_size=4,
                            steps=3, minutes=None, eval_every=3, log_every=1, probe_every=2,
                            sample_every=3, **self.DRY_RUN)


def with_overrides(config: RunConfig, overrides: dict[str, Any], what: str) -> RunConfig:
    """config.replace(**overrides), refusing options the config's family does not have."""
    names = {f.name for f in dataclasses.fields(config)}
    foreign = sorted(k for k in overrides if k not in names)
    if foreign:
        flags = ", ".join("--" + k.replace("_", "-") for k in foreign)
        raise EngineError(f"{flags}: not an option of {what}")
    return config.replace(**overrides)


MAX_TOML = 1 << 20  # bytes: a config file is a few hundred


def load_toml(path: str, tables: tuple[str, ...] = ()) -> dict[str, Any]:
    """Read a TOML file into a dict; a missing or malformed file is an EngineError. The
    settings may be top-level keys, one table ([train], or one named in `tables`), or both
    (the table's settings win)."""
    try:
        import tomllib  # type: ignore[import-not-found]
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    from engine.files import read_bytes

    try:
        data = tomllib.loads(read_bytes(path, "config file", MAX_TOML).decode("utf-8"))
    except FileNotFoundError:
        raise EngineError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise EngineError(f"config file {path} is not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:  # TOML is UTF-8 by definition
        raise EngineError(f"config file {path} is not UTF-8 text (bad byte at offset "
                          f"{exc.start}); save it as UTF-8") from None
    named = [n for n in ("train", *tables) if isinstance(data.get(n), dict)]
    if len(named) > 1:
        raise EngineError(f"config file {path} has the tables {', '.join(f'[{n}]' for n in named)}"
                          f": give one (or top-level keys)")
    if named:  # the table's settings over the top-level ones
        table = data.pop(named[0])
        return {**data, **table}
    return data


def resumed_config(cls: type, saved: Any, overrides: dict[str, Any],
                   source: str = "checkpoint") -> Any:
    """The config of a run continued with --resume: the checkpoint's, with the options given
    again (flags, a --config file) on top. A field in the family's FIXED_ON_RESUME (the
    architecture, the optimizer) cannot change: the saved weights and optimizer state belong
    to its old value. An option the family does not have is refused by name."""
    cfg = cls.from_dict(saved, source=source)
    try:
        cfg.validate()
    except EngineError as exc:  # an edited file: say which
        raise EngineError(f"{source}: {exc}") from None
    if not overrides:
        return cfg
    hints = typing.get_type_hints(cls)  # TOML values typed like the fields (1 -> 1.0)
    overrides = {k: coerce(k, v, hints[k], "--resume") if k in hints else v
                 for k, v in overrides.items()}
    for key in cls.FIXED_ON_RESUME:
        if key in overrides and overrides[key] != getattr(cfg, key):
            raise EngineError(f"--{key.replace('_', '-')} {overrides[key]} cannot change on "
                              f"--resume: the run was trained with {key} = "
                              f"{getattr(cfg, key)!r}; start a new run (--force) instead")
    return with_overrides(cfg, overrides, f"a {cls.FAMILY} run").validate()


def saved_config(meta: dict[str, Any], source: str,
                 overrides: dict[str, Any] | None = None) -> Any:
    """The validated config of a checkpoint's metadata (engine/storage/header.read_meta), of
    the family it names (meta["kind"]; checkpoints older than the families have none: they
    are the default family's), with --resume's `overrides` on top."""
    from engine import families

    family = families.get(meta.get("kind", families.DEFAULT))
    return resumed_config(family.config_class(), meta["config"], overrides or {},
                          source=source)


# --- validators, shared by every family's config --------------------------------------

def check_seed(seed: Any) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise EngineError(f"seed must be a whole number from 0 to 2**63-1, got {seed!r}")


def _number(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, float)) \
        and math.isfinite(value)


def check_choice(name: str, value: Any, options: tuple[str, ...]) -> None:
    if value not in options:
        raise EngineError(f"unknown {name} {value!r}; choose one of: {', '.join(options)}")


def check_int(name: str, value: Any, least: int = 0) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise EngineError(f"{name} must be a whole number >= {least}, got {value!r}")


def check_limit(name: str, value: int, most: int) -> None:
    if value > most:
        raise EngineError(f"{name} = {value} is absurdly large (at most {most})")


def check_positive(name: str, value: Any) -> None:
    if not _number(value) or value <= 0:
        raise EngineError(f"{name} must be a finite number > 0, got {value!r}")


def check_range(name: str, value: Any, low: float, high: float, low_open: bool = False,
                high_open: bool = False) -> None:
    """low <= value <= high, with either end open when asked."""
    ok = _number(value) and (value > low if low_open else value >= low) \
        and (value < high if high_open else value <= high)
    if not ok:
        interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
        raise EngineError(f"{name} must be in {interval}, got {value!r}")


def coerce(key: str, value: Any, annotation: Any, source: str) -> Any:
    """Check a TOML/JSON value against a field's type: bool, int, float, str, or X | None."""
    args = typing.get_args(annotation)
    optional = type(None) in args
    base = next((a for a in args if a is not type(None)), annotation) if args else annotation
    if value is None and optional:
        return None
    if base is bool:
        if not isinstance(value, bool):
            raise EngineError(f"{source}: {key} must be true or false, got {value!r}")
        return value
    if base is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise EngineError(f"{source}: {key} must be a whole number, got {value!r}")
        return value
    if base is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise EngineError(f"{source}: {key} must be a number, got {value!r}")
        return float(value)
    if base is str and not isinstance(value, str):
        raise EngineError(f"{source}: {key} must be a string, got {value!r}")
    return value
