"""Three synthetic tasks with ONE dependency across a settable distance T, and their baselines.

    adding  (Le, Jaitly & Hinton 2015; Arjovsky et al. 2016)  x (B, T, 2) float, y (B,) float
        each step carries [value ~ U[0, 1], marker]; exactly two markers are 1, one uniformly
        in the first half [0, T//2) and one in the second half [T//2, T). Target: the sum of
        the two marked values, read at the last step. Metric: mse.
    copy    (Arjovsky, Shah & Bengio 2016)                     x, y (B, T + 20) long
        10 symbols from {1..8}, T - 1 blanks (0), the delimiter (9), 10 blanks; the target is
        blank for T + 10 steps, then the 10 symbols. Loss and metric: cross-entropy in nats per
        step, averaged over all T + 20 steps (the paper's convention). Metric: loss.
    recall  (the slides' "Jane walked into the room ... Jane said hi to ___")  x (B, T + 2) long
        a key token (one of `keys`) at t = 0, T distractor tokens, a query token; the label is
        which key opened the sequence, read at the last step. Metric: accuracy.

Each task draws training batches from a seeded stream and has a FIXED held-out set: it depends
only on the task, T and `heldout_seed`, never on the training seed, so runs with different
seeds are scored on the same sequences. Overlap between the two is negligible rather than
excluded: adding is real-valued, copy has 8^10 ~ 1e9 symbol strings, recall has
distractors^T orderings.

Baselines (in the metric's units, `baseline`; in the training loss's units, `baseline_loss`):
    adding  always predict 1 = E[sum]: MSE = Var(u1 + u2) = 2 * (1/12) = 1/6 ~ 0.1667.
            Le et al. (2015) quote "around 0.1767"; 1/6 is the exact figure, and is what a
            Monte-Carlo estimate gives (tests/longrange). Arjovsky et al. (2016) give 0.167.
    copy    no memory: predict blank for the first T + 10 steps (exactly right) and a uniform
            guess over the 8 symbols for the last 10: 10 ln 8 / (T + 20) nats per step.
    recall  chance: accuracy 1 / keys (cross-entropy ln keys).
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from typing import Iterator

import torch
import torch.nn.functional as F
from torch import Tensor

from engine.errors import EngineError
from engine.families.longrange.config import MAX_LENGTH, TASKS  # noqa: F401 (re-exported)

# copy-memory alphabet: 0 blank, 1..8 the symbols, 9 the delimiter ("now repeat them").
COPY_BLANK, COPY_DELIM, COPY_SYMBOLS, COPY_COUNT = 0, 9, 8, 10


@dataclass
class Task:
    """What a model and a training loop need to know about a task; subclasses draw the data."""
    name: str
    length: int  # T, the distance the dependency spans
    heldout_size: int = 1000  # sequences in the fixed held-out set
    heldout_seed: int = 0  # the held-out set depends on this (and T), not the training seed
    # Filled in by each subclass:
    vocab_size: int = 0  # token ids in [0, vocab_size) as inputs; 0: real-valued features
    input_features: int = 0  # features per step when vocab_size == 0
    n_outputs: int = 1  # regression outputs or classes
    head: str = "last_value"  # last_value | last_class | every_class
    metric: str = "mse"  # mse | accuracy | loss (nats per step)
    higher_is_better: bool = False

    def sample(self, n: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        raise NotImplementedError

    @property
    def baseline(self) -> float:
        raise NotImplementedError

    @property
    def baseline_loss(self) -> float:
        return self.baseline  # the same number unless the metric is not the loss

    @property
    def seq_len(self) -> int:
        return self.length  # steps fed to the model

    def generator(self, part: str, seed: int) -> torch.Generator:
        """A torch.Generator per (task, part, seed): 'train' and 'heldout' never share one."""
        key = f"longrange|{self.name}|{part}|{seed}".encode()
        return torch.Generator().manual_seed(zlib.crc32(key))

    def heldout(self) -> tuple[Tensor, Tensor]:
        """The fixed held-out set: (x, y) for `heldout_size` sequences (same every call)."""
        # T is part of the stream: the same heldout_seed at another T is another set.
        return self.sample(self.heldout_size, self.generator(f"heldout|T={self.length}",
                                                             self.heldout_seed))

    def batches(self, batch_size: int, seed: int = 0) -> Iterator[tuple[Tensor, Tensor]]:
        """An endless stream of fresh training batches, reproducible from `seed`."""
        if batch_size < 1:
            raise EngineError(f"batch size must be >= 1, got {batch_size}")
        gen = self.generator("train", seed)
        while True:
            yield self.sample(batch_size, gen)

    def score(self, outputs: Tensor, y: Tensor) -> float:
        """The task's metric for model outputs (the model's `forward` format) against y."""
        if self.metric == "mse":
            return F.mse_loss(outputs.float(), y.float()).item()
        if self.metric == "accuracy":
            return (outputs.argmax(-1) == y).float().mean().item()
        return F.cross_entropy(outputs.flatten(0, 1).float(), y.flatten()).item()


def _check_length(name: str, length: int, least: int) -> None:
    if not least <= length <= MAX_LENGTH:
        raise EngineError(f"--length for the {name} task must be in [{least}, {MAX_LENGTH}], "
                          f"got {length}")


@dataclass
class AddingTask(Task):
    name: str = "adding"
    length: int = 100
    input_features: int = 2  # [value, marker]

    def __post_init__(self) -> None:
        _check_length(self.name, self.length, 2)

    @property
    def baseline(self) -> float:
        return 1.0 / 6.0  # predict 1: E[(u1 + u2 - 1)^2] = Var(u1 + u2) = 2/12

    def sample(self, n: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        """x (n, T, 2) float32 [value, marker], y (n,) float32 the sum of the marked values."""
        T, half = self.length, self.length // 2
        values = torch.rand(n, T, generator=gen)
        first = torch.randint(0, half, (n,), generator=gen)  # one marker in [0, T//2)
        second = torch.randint(half, T, (n,), generator=gen)  # one in [T//2, T)
        rows = torch.arange(n)
        marks = torch.zeros(n, T)
        marks[rows, first] = 1.0
        marks[rows, second] = 1.0
        y = values[rows, first] + values[rows, second]
        return torch.stack([values, marks], dim=-1), y


@dataclass
class CopyTask(Task):
    name: str = "copy"
    length: int = 100
    vocab_size: int = COPY_DELIM + 1  # blank, 8 symbols, delimiter
    n_outputs: int = COPY_SYMBOLS + 1  # blank or a symbol (the delimiter is never a target)
    head: str = "every_class"
    metric: str = "loss"

    def __post_init__(self) -> None:
        _check_length(self.name, self.length, 1)

    @property
    def seq_len(self) -> int:
        return self.length + 2 * COPY_COUNT

    @property
    def baseline(self) -> float:
        return COPY_COUNT * math.log(COPY_SYMBOLS) / self.seq_len  # 10 ln 8 / (T + 20)

    def sample(self, n: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        """x, y (n, T + 20) long. x: symbols, T-1 blanks, delimiter, 10 blanks."""
        T, K = self.length, COPY_COUNT
        symbols = torch.randint(1, COPY_SYMBOLS + 1, (n, K), generator=gen)
        x = torch.full((n, T + 2 * K), COPY_BLANK, dtype=torch.long)
        x[:, :K] = symbols
        x[:, K + T - 1] = COPY_DELIM  # after T - 1 blanks: the last input step before output
        y = torch.full_like(x, COPY_BLANK)
        y[:, K + T:] = symbols  # symbol i is due T + 10 steps after it was shown
        return x, y


@dataclass
class RecallTask(Task):
    """Token ids: 0 the query ("___"), 1..keys the keys, then the distractor words."""
    name: str = "recall"
    length: int = 100
    keys: int = 4  # classes: which key opened the sequence (the "Jane" or "cat(s)" token)
    distractors: int = 16  # distinct filler words
    lures: bool = False  # True: filler also contains keys, so "the last key seen" fails
    head: str = "last_class"
    metric: str = "accuracy"
    higher_is_better: bool = True

    def __post_init__(self) -> None:
        _check_length(self.name, self.length, 1)
        if self.keys < 2 or self.distractors < 1:
            raise EngineError("the recall task needs >= 2 keys and >= 1 distractor word")
        self.vocab_size = 1 + self.keys + self.distractors
        self.n_outputs = self.keys

    @property
    def seq_len(self) -> int:
        return self.length + 2

    @property
    def baseline(self) -> float:
        return 1.0 / self.keys

    @property
    def baseline_loss(self) -> float:
        return math.log(self.keys)

    def sample(self, n: int, gen: torch.Generator) -> tuple[Tensor, Tensor]:
        """x (n, T + 2) long: key, T distractors, query; y (n,) long in [0, keys)."""
        y = torch.randint(0, self.keys, (n,), generator=gen)
        low = 1 if self.lures else 1 + self.keys
        filler = torch.randint(low, self.vocab_size, (n, self.length), generator=gen)
        query = torch.zeros(n, 1, dtype=torch.long)
        return torch.cat([(y + 1).view(n, 1), filler, query], dim=1), y


def make_task(name: str, length: int, **options) -> Task:
    """The task called `name` at distance `length` (options: heldout_size, heldout_seed, and
    keys / distractors / lures for recall)."""
    classes = {"adding": AddingTask, "copy": CopyTask, "recall": RecallTask}
    if name not in classes:
        raise EngineError(f"unknown task {name!r}; choose one of: {', '.join(TASKS)}")
    try:
        return classes[name](length=length, **options)
    except TypeError as e:  # an option this task does not have
        raise EngineError(f"the {name} task: {e}") from None
