"""Plain-data events that the training loop yields, one small dataclass each.

The loop (`engine.training.loop.Trainer.events()`) is a lazy generator of these; the headless CLI
writes them to `metrics.jsonl` and the Textual app turns them into widget updates. They hold
only Python floats, ints, strings, lists and dicts, never tensors, so they are cheap to pass
between threads and to serialise.

The common events are defined here; a family defines its own (a sample, an attention grid)
in its events module and registers them with `@register`. `to_dict()` adds the `event`
field of metrics.jsonl, and `from_record()` reads a row back by that name alone. Families
report their own numbers through two open dicts, written as top-level keys of the row:
`TrainStep.extras` (e.g. teacher_forcing) and `Eval.metrics` (exact_match, accuracy, ...).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

EVENTS: dict[str, type["Event"]] = {}  # metrics.jsonl "event" name -> class
WALL_TIME = "wall_time"  # metrics.jsonl: when the row was written (Unix seconds), not a field
NOT_FIELDS = ("event", WALL_TIME)  # keys of a row that are about the row, not the event


def register(cls: type["Event"]) -> type["Event"]:
    """Class decorator: make `cls` readable back from metrics.jsonl by its name."""
    EVENTS[cls.name] = cls
    return cls


@dataclass
class Event:
    name: ClassVar[str] = "event"
    OPEN: ClassVar[str | None] = None  # a dict field whose keys are written at top level
    KEEP_IN_HISTORY: ClassVar[int] = 3  # a family event: how many a reopened run shows
    # A family event that is a picture of one number per position and layer (a race's
    # panels can show it instead of the gradient probe): what the number is; see rows().
    PICTURE: ClassVar[str | None] = None
    # List fields that are histories per position (e.g. a row per layer): exported as one
    # scalar per index (rnn_tui/export); other lists are pictures and are not scalars.
    SERIES: ClassVar[tuple[str, ...]] = ()
    HPARAMS: ClassVar[str | None] = None  # a dict field that is the run's config (exported
    # as hyperparameters, not as scalars)

    def __getattr__(self, key: str) -> Any:
        """The OPEN dict's entries read as attributes: eval.exact_match, train.teacher_forcing."""
        if self.OPEN and not key.startswith("_"):
            values = self.__dict__.get(self.OPEN) or {}
            if key in values:
                return values[key]
        raise AttributeError(key)

    def to_dict(self) -> dict[str, Any]:
        record = {"event": self.name, **dataclasses.asdict(self)}
        if self.OPEN:
            record.update(record.pop(self.OPEN) or {})
        return record

    def rows(self) -> list[list[float]]:
        """A PICTURE event's numbers: layers x positions."""
        raise NotImplementedError

    def summary(self) -> str | None:
        """A family event in one line (or a few) for the headless log; None: not shown."""
        return None

    def text_log(self) -> str | None:
        """What the run directory's samples.txt keeps of this event (None: nothing)."""
        return None

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "Event":
        """Rebuild from a metrics.jsonl row (extra keys go to the OPEN dict, if any)."""
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in record.items() if k in names}
        if cls.OPEN:
            kwargs[cls.OPEN] = {k: v for k, v in record.items()
                                if k not in names and k not in NOT_FIELDS}
        return cls(**kwargs)


def from_record(record: Any) -> Event | None:
    """One metrics.jsonl row back to its event; None for an unknown or malformed row."""
    cls = EVENTS.get(record.get("event")) if isinstance(record, dict) else None
    if cls is None:
        return None
    try:
        return cls.from_record(record)
    except (TypeError, ValueError):
        return None


@register
@dataclass
class Started(Event):
    """Training is about to begin (or resume)."""
    name: ClassVar[str] = "start"
    HPARAMS: ClassVar[str] = "config"
    config: dict[str, Any]
    device: str  # e.g. "cpu (2 threads)" or "cuda (NVIDIA H100)"
    vocab_size: int
    parameters: int  # trainable parameter count
    train_chars: int  # size of the training data in the family's units (chars, tokens)
    val_chars: int  # size of the held-out data, same units
    step: int  # 0 for a new run, >0 when resumed
    resumed: bool = False
    family: str = ""  # the task family (engine/families registry name); "" in runs logged
    # before there were families (their family is engine.families.DEFAULT)


@register
@dataclass
class Opened(Event):
    """A run's checkpoint loaded for use, not training (`rnn-tui open DIR`): its model
    answers requests at once, and nothing is written to the run until it continues (then
    it resumes in place, with Started). Never in metrics.jsonl: opening writes nothing."""
    name: ClassVar[str] = "opened"
    step: int
    config: dict[str, Any]
    device: str
    parameters: int
    elapsed_s: float = 0.0  # the run's active time so far
    spent: str | None = None  # "steps" or "time" when its budget is used up (else None)


@register
@dataclass
class Baselines(Event):
    """Reference models fitted on the same split, computed before training. `losses` are
    their held-out losses in nats per token, drawn as lines on the loss chart in this order
    (a language model: uniform, unigram, the Kneser-Ney n-gram); `metrics` holds a
    baseline's other numbers by its name (e.g. a classifier's majority-class accuracy)."""
    name: ClassVar[str] = "baselines"
    losses: dict[str, float]
    metrics: dict[str, dict[str, Any]] = field(default_factory=dict)


@register
@dataclass
class TrainStep(Event):
    """One optimizer step (emitted every `log_every` steps; values averaged since the last)."""
    name: ClassVar[str] = "train"
    OPEN: ClassVar[str] = "extras"
    step: int
    epoch: float | None  # fractional passes over the training data (None: drawn afresh)
    train_loss: float  # nats per token, mean over the steps since the last event
    tokens_per_s: float
    lr: float
    grad_norm: float  # global L2 norm before clipping, last step
    clipped: bool  # whether the last step was clipped
    elapsed_s: float  # active time: training and side jobs, excluding pauses
    extras: dict[str, Any] = field(default_factory=dict)  # the family's own numbers
    threads: int | None = None  # CPU threads in use when the engine picks them (--threads 0)


@register
@dataclass
class Eval(Event):
    """An evaluation on the held-out data. `metrics` holds the family's numbers by name
    (bits_per_char and perplexity for a language model; exact_match, token_accuracy, ...);
    `best` is the best headline metric so far (the lowest val_loss unless the family names
    another)."""
    name: ClassVar[str] = "eval"
    OPEN: ClassVar[str] = "metrics"
    step: int
    val_loss: float  # nats per token
    best: bool
    metrics: dict[str, Any] = field(default_factory=dict)


@register
@dataclass
class Probe(Event):
    """The vanishing/exploding-gradient picture at one step.

    grad_norms[layer][t] = ||dL / dh_t||: the gradient of the loss with respect to the
    hidden state of `layer` at position t (mean over the probe sequences). For a language
    model L is the loss at the LAST timestep of a window, so the row reads "how much does
    the state at t still matter for the prediction at T": it fades for a vanilla RNN.
    """
    name: ClassVar[str] = "probe"
    SERIES: ClassVar[tuple[str, ...]] = ("grad_norms",)
    step: int
    grad_norms: list[list[float]]  # layers x positions
    global_norm: float  # global gradient norm before clipping (last step)
    clipped_norm: float  # after clipping
    clip_fraction: float  # share of steps clipped since the previous probe


@register
@dataclass
class Checkpoint(Event):
    name: ClassVar[str] = "checkpoint"
    step: int
    path: str
    reason: str  # "interval" | "end" | "interrupt" | "request"


@register
@dataclass
class HParamChange(Event):
    """A hyperparameter changed during the run (marked on the loss curve)."""
    name: ClassVar[str] = "hparam"
    step: int
    key: str
    old: Any
    new: Any


@register
@dataclass
class Warning(Event):  # noqa: A001 - the event is called "warning" in metrics.jsonl
    name: ClassVar[str] = "warning"
    step: int
    message: str


@register
@dataclass
class Finished(Event):
    """Training stopped. reason: "steps" | "time" | "stopped" | "diverged".
    `best_metric` is the best value of the family's headline (`best_metric_name`, e.g.
    "accuracy"; None: the headline is the held-out loss, `best_val_loss`): the same "best"
    that marks an Eval, that `runs list` and compare show."""
    name: ClassVar[str] = "end"
    step: int
    reason: str
    message: str = ""
    best_val_loss: float | None = None
    best_metric: float | None = None
    best_metric_name: str | None = None
