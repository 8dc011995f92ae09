"""Plain-data events that the trainer yields, one small dataclass each.

The trainer (`engine.trainer.Trainer.events()`) is a lazy generator of these; the headless CLI
writes them to `metrics.jsonl` and the Textual app turns them into widget updates. They hold
only Python floats, ints, strings and lists, never tensors, so they are cheap to pass between
threads and to serialise. `to_dict()` adds the `event` field used in metrics.jsonl.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar


@dataclass
class Event:
    name: ClassVar[str] = "event"

    def to_dict(self) -> dict[str, Any]:
        return {"event": self.name, **dataclasses.asdict(self)}


@dataclass
class Started(Event):
    """Training is about to begin (or resume)."""
    name: ClassVar[str] = "start"
    config: dict[str, Any]
    device: str  # e.g. "cpu (2 threads)" or "cuda:0 (NVIDIA H100)"
    vocab_size: int
    parameters: int  # trainable parameter count
    train_chars: int
    val_chars: int
    step: int  # 0 for a new run, >0 when resumed
    resumed: bool = False


@dataclass
class Baselines(Event):
    """Count-based reference losses on the same validation split, in nats per character."""
    name: ClassVar[str] = "baselines"
    uniform: float
    unigram: float
    ngram: float  # interpolated Kneser-Ney
    ngram_order: int


@dataclass
class TrainStep(Event):
    """One optimizer step (emitted every `log_every` steps; values averaged since the last)."""
    name: ClassVar[str] = "train"
    step: int
    epoch: float  # fractional passes over the training text
    train_loss: float  # nats/char, mean over the steps since the last event
    tokens_per_s: float
    lr: float
    grad_norm: float  # global L2 norm before clipping, last step
    clipped: bool  # whether the last step was clipped
    elapsed_s: float  # training wall time (excludes eval, sampling, checkpoints)


@dataclass
class Eval(Event):
    """A full pass over the validation text with the hidden state carried."""
    name: ClassVar[str] = "eval"
    step: int
    val_loss: float  # nats/char
    bits_per_char: float
    perplexity: float
    best: bool  # the lowest val_loss so far


@dataclass
class Probe(Event):
    """The vanishing/exploding-gradient picture at one step.

    grad_norms[layer][t] = ||dL_T / dh_t||: the gradient of the loss at the LAST timestep of a
    window with respect to the hidden state of `layer` at timestep t (mean over the probe
    sequences). Read left to right, it fades for a vanilla RNN and survives in an LSTM.
    """
    name: ClassVar[str] = "probe"
    step: int
    grad_norms: list[list[float]]  # layers x T
    global_norm: float  # global gradient norm before clipping (last step)
    clipped_norm: float  # after clipping
    clip_fraction: float  # share of steps clipped since the previous probe


@dataclass
class Gates(Event):
    """Gate activations on a probe text (LSTM/GRU), for the gates-and-states view.

    gates[gate_name][layer] is a list over timesteps of the mean activation across units;
    saturation[gate_name][layer][t] is the share of units < 0.1 or > 0.9.
    hidden[layer] is the T x H matrix of hidden states, for the "which neuron" view.
    """
    name: ClassVar[str] = "gates"
    step: int
    text: str
    gates: dict[str, list[list[float]]]
    saturation: dict[str, list[list[float]]]
    hidden: list[list[list[float]]]


@dataclass
class Sample(Event):
    """Text written by the model, with the probability it gave each character."""
    name: ClassVar[str] = "sample"
    step: int
    prime: str
    text: str  # the generated continuation (without the prime)
    probs: list[float]  # probability of each generated character when it was drawn
    temperature: float


@dataclass
class Checkpoint(Event):
    name: ClassVar[str] = "checkpoint"
    step: int
    path: str
    reason: str  # "interval" | "end" | "interrupt" | "request" | "best"


@dataclass
class HParamChange(Event):
    """A hyperparameter changed during the run (marked on the loss curve)."""
    name: ClassVar[str] = "hparam"
    step: int
    key: str
    old: Any
    new: Any


@dataclass
class Warning(Event):  # noqa: A001 - the event is called "warning" in metrics.jsonl
    name: ClassVar[str] = "warning"
    step: int
    message: str


@dataclass
class Finished(Event):
    """Training stopped. reason: "steps" | "time" | "stopped" | "diverged"."""
    name: ClassVar[str] = "end"
    step: int
    reason: str
    message: str = ""
    best_val_loss: float | None = None


ALL_EVENTS = (Started, Baselines, TrainStep, Eval, Probe, Gates, Sample, Checkpoint,
              HParamChange, Warning, Finished)
