"""The task-family interface: what one family (a language model, seq2seq, ...) gives the loop.

The training loop (engine/training/loop.py) is written once. It owns everything every family shares:
the budget, the optimizer and its schedule, clipping and its telemetry, the NaN guard, the
cadence of evaluations, probes and samples, checkpoints, exact resume, the thread-safe
controls. A `Task` owns the rest: its data, its model, its loss, its held-out metrics, its
baselines, what its probes look at, and the requests a user can make of it (sample a text,
translate a sentence). Optional abilities are *declared* (`requests`; the config's
LIVE_KEYS), never sniffed.

    task = LanguageModelTask(config)          # cheap: nothing loaded yet
    task.load_data()                          # corpus, split, vocabulary, batches
    model = task.build_model()
    batch = task.next_batch(step, progress)   # the family decides what a batch is
    outputs, loss = task.forward(model, batch)

Whether a family carries a hidden state from one batch to the next (the language model's
truncated BPTT) or starts each batch fresh (seq2seq) is its own business: `forward` keeps
whatever it needs on `self` and `state()` / `restore()` put it in the checkpoint.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Iterator

import torch

from engine.config import RunConfig
from engine.training.distributed import Shard
from engine.errors import EngineError
from engine.events import Baselines, Event
from engine.recurrent import eval_mode


@dataclass
class Evaluation:
    """What `Task.evaluate` found on the held-out data."""
    val_loss: float  # nats per token
    metrics: dict[str, Any] = field(default_factory=dict)  # by name, written to metrics.jsonl
    # The family's own events about this evaluation (a confusion matrix), yielded after it.
    events: list[Event] = field(default_factory=list)


@dataclass
class Prediction:
    """What a model says about one input, for `rnn-tui predict` (families with "predict"
    in their requests): a line for a person, and tab-separated columns for `--file`."""
    text: str  # the input
    line: str  # e.g. "positive (0.93) · negative (0.07)", or "The/DET cat/NOUN"
    columns: list[str] = field(default_factory=list)  # e.g. [text, label, p]


@dataclass
class Request:
    """A user's request of a running model (the app's prompt, `g`): its kind, one of the
    family's `requests`, and the family's arguments (prime, source, beam, ...)."""
    kind: str
    args: dict[str, Any] = field(default_factory=dict)


class Task(ABC):
    """One task family's side of a training run (see the module docstring)."""

    Config: ClassVar[type[RunConfig]]
    family: ClassVar[str]  # Config.FAMILY (set below): the registry name, meta["kind"]
    # What a user can ask of the model while it trains or once loaded: "sample",
    # "translate", ... (`request` answers them with events).
    requests: ClassVar[tuple[str, ...]] = ()
    # Config.HEADLINE and Config.REPORT_METRICS (set below: declared on the config, so that
    # listing runs needs no torch): the metric whose best value marks an evaluation as
    # `best` (None: the lowest val_loss), and the metrics a report line shows.
    headline: ClassVar[tuple[str, bool] | None] = None
    report_metrics: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    # What one token of the loss is ("nats/char").
    unit: ClassVar[str] = "char"
    # What a reported metric is, said once under the first line that shows it (BLEU's
    # sacrebleu signature): metric -> note.
    metric_notes: ClassVar[dict[str, str]] = {}
    # The headline value (val_loss when there is no headline) that counts as solved: a
    # race's default threshold for "time to solve" (None: no default).
    target: ClassVar[float | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "Config" in cls.__dict__:  # the family's name is written once, on its config,
            cls.family = cls.Config.FAMILY  # and so are what its numbers are
            cls.headline, cls.report_metrics = cls.Config.HEADLINE, cls.Config.REPORT_METRICS

    @classmethod
    def headline_of(cls, config: RunConfig) -> tuple[str, bool] | None:
        """The headline for this config (engine/config.py RunConfig.headline)."""
        return config.headline()

    @classmethod
    def unit_of(cls, config: RunConfig) -> str:
        """What one token of the loss is for this config (a family whose unit depends on
        its settings, characters or words, says so here): `unit` by default."""
        return cls.unit

    def __init__(self, config: RunConfig, saved_meta: dict[str, Any] | None = None) -> None:
        self.config = config  # the loop replaces it when a live hyperparameter changes
        self.saved_meta = saved_meta  # a checkpoint's metadata when resuming or loading
        self.device = torch.device("cpu")  # set by the loop before load_data
        # Set by the loop before load_data: this process's part of every batch under torchrun
        # (engine.training.distributed: batch_size is the global batch; take your share of it).
        self.shard = Shard()
        # Set by the loop: a no-argument callable that says the run was asked to stop. Long
        # jobs (evaluation, baselines, sampling) pass it on (engine.errors.check_cancel).
        self.cancel: Callable[[], bool] | None = None
        # Set by a command that reports progress (`rnn-tui eval`): called with the share of
        # a long job done (0..1); None: nobody is watching.
        self.progress: Callable[[float], None] | None = None

    @classmethod
    def loss_label(cls, config: RunConfig) -> str:
        """What the held-out loss is, for report lines: "nats/char", or "MSE"."""
        return f"nats/{cls.unit_of(config)}"

    # --- setup --------------------------------------------------------------------------

    @abstractmethod
    def load_data(self) -> None:
        """Read or generate the data and build the vocabulary (from `saved_meta` when a
        checkpoint is being resumed, so the ids stay the same)."""

    @abstractmethod
    def build_model(self) -> torch.nn.Module:
        """A new model for this config, on torch's current default device (the loop moves it;
        under `torch.device("meta")` it is built without memory, to check sizes). Needs the
        vocabulary: load_data or saved_meta."""

    @abstractmethod
    def summary(self) -> dict[str, int]:
        """{"vocab_size", "train_size", "val_size"} for the Started event."""

    def warnings(self) -> list[str]:
        """Problems with the data the run can live with (skipped lines, ...)."""
        return []

    def baselines(self) -> Baselines | None:
        """Reference models on the same split, computed once as a new run starts (the first
        side job: it may be cancelled)."""
        return None

    def activation_bytes(self) -> int:
        """What autograd keeps for one training step, for the memory estimate."""
        return 0

    def smaller_hint(self) -> str:
        """How to make a run that does not fit in memory smaller."""
        return "make it smaller (--hidden, --layers, --batch-size)"

    def check_saved(self, tensors: dict[str, torch.Tensor], where: str) -> None:
        """EngineError if the family's tensors of a checkpoint (a carried hidden state) do
        not fit its config; called before anything is built from it."""
        if tensors:
            raise EngineError(f"checkpoint {where}: unexpected saved state "
                              f"{sorted(tensors)[:3]}")

    # --- training -----------------------------------------------------------------------

    @abstractmethod
    def next_batch(self, step: int, progress: float | None) -> Any:
        """The batch of optimizer step `step` (0-based), on self.device. `progress` is the
        share of the budget spent (None without a budget), for scheduled choices."""

    @abstractmethod
    def forward(self, model: torch.nn.Module, batch: Any) -> tuple[Any, torch.Tensor]:
        """(outputs, mean loss in nats per token) of one batch, in training mode."""

    @abstractmethod
    def batch_tokens(self, batch: Any) -> int:
        """How many tokens the batch trained on (for tokens/s)."""

    def loss_weight(self, batch: Any) -> int | None:
        """What the batch's mean loss is a mean over (its examples, its real tokens): under
        torchrun the ranks' losses are weighted by it, so that their average is the global
        batch's mean. None: every rank's share weighs the same."""
        return None

    @torch.no_grad()
    def loss_now(self, model: torch.nn.Module, batch: Any) -> float:
        """The loss of the weights as they are now (after the last update) on the last
        batch, in eval mode: what a checkpoint written now would hold (engine.training.guard)."""
        with eval_mode(model):
            return float(self.forward(model, batch)[1])

    def epoch(self, step: int) -> float | None:
        """Fractional passes over the training data; None when examples are drawn afresh."""
        return None

    def train_extras(self, progress: float | None) -> dict[str, Any]:
        """The family's own numbers for the train event (e.g. the teacher-forcing ratio)."""
        return {}

    # --- side jobs ------------------------------------------------------------------------

    @abstractmethod
    def evaluate(self, model: torch.nn.Module) -> Evaluation:
        """Loss and metrics on the held-out data."""

    def gradient_probe(self, model: torch.nn.Module) -> list[list[float]] | None:
        """||dL/dh_t|| per layer and position (layers x positions), or None."""
        return None

    def probe_events(self, model: torch.nn.Module, step: int) -> list[Event]:
        """Other views inside the model at a probe step (e.g. gate activity)."""
        return []

    def sample(self, model: torch.nn.Module, step: int) -> list[Event]:
        """The model at work, every `sample_every` steps and at the end (a text sample,
        the probe examples decoded)."""
        return []

    def finish(self, model: torch.nn.Module, step: int) -> list[Event]:
        """Once, when a run ends on its budget, after the last evaluation (e.g. the scores
        on a test set that must not be looked at before)."""
        return []

    def request(self, model: torch.nn.Module, request: Request, step: int) -> list[Event]:
        """Answer a user's request (its kind is one of `requests`) with events, whoever asks:
        the app, a lesson, a command (`rnn-tui translate`)."""
        raise NotImplementedError(request.kind)

    def stream(self, model: torch.nn.Module, request: Request) -> Iterator[str]:
        """Answer a request whose answer is text written as it is made (`rnn-tui sample`: a
        language model's text, a one-to-many model's names): the pieces, in order. The
        request's args are the command's options; a family takes those it has. Bad options
        are refused (EngineError) before the first piece."""
        raise EngineError(f"a {self.family} model cannot {request.kind} as text")

    def predict(self, model: torch.nn.Module, texts: list[str],
                pretokenized: bool = False) -> list[Prediction]:
        """`rnn-tui predict`: the model's answer for each input (families that "predict");
        PRETOKENIZED: each text's tokens are already separated by spaces (a tagger's)."""
        raise EngineError(f"a {self.family} model does not predict labels")

    def evaluate_data(self, model: torch.nn.Module, spec: str | None) -> list[str]:
        """`rnn-tui eval`: evaluate a loaded model on `spec` (a corpus or data file of the
        family's kind) or, when None, on the run's own held-out data; the lines to print."""
        raise EngineError(f"`rnn-tui eval` is not available for {self.family} runs")

    # --- checkpoint -----------------------------------------------------------------------

    def state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        """(metadata, tensors) the family needs to continue exactly: the vocabulary, the
        data position, a carried hidden state. Metadata must be JSON-able."""
        return {}, {}

    def restore(self, meta: dict[str, Any], tensors: dict[str, torch.Tensor],
                step: int) -> None:
        """Continue from a checkpoint's `state()` at optimizer step `step`."""
