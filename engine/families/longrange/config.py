"""`LongRangeConfig`: a run of the vanishing-gradient lab (the shared fields are in RunConfig).

The defaults (hidden 128, batch 50, Adam 3e-3 at a constant rate, clip 1.0, the chrono init
for an LSTM) let the gated cells solve the adding problem at T = 100 in 600-900 steps, well
within 3 minutes on 2 cores; benchmarks/results/longrange/README.md has the measurements.
`validate()` turns absurd values into an EngineError that names the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from engine.config import RunConfig, check_choice, check_int, check_limit, check_seed
from engine.errors import EngineError

# Defined here, not beside the generators and initialisers (tasks.py, weight_init.py, which
# import them): listing the options for --help must not import torch.
TASKS = ("adding", "copy", "recall")
MAX_LENGTH = 5000  # beyond this one held-out set of 1000 sequences alone is GBs of activations
INITS = ("default", "identity", "orthogonal")  # W_hh schemes (weight_init.py)
INIT_CHOICES = ("auto", *INITS)


@dataclass
class LongRangeConfig(RunConfig):
    FAMILY: ClassVar[str] = "longrange"
    # The headline metric per task (name, higher is better; None: the held-out loss).
    HEADLINES: ClassVar[dict] = {"adding": ("mse", False), "copy": None,
                                 "recall": ("accuracy", True)}
    REPORT_METRICS: ClassVar[tuple] = (("accuracy", "accuracy", "%"), ("copied", "copied", "%"))
    MODELS: ClassVar[tuple[str, ...]] = ("rnn", "irnn", "gru", "lstm")
    CELLS: ClassVar[tuple[str, ...]] = MODELS  # the app's `m`: rnn → irnn → gru → lstm
    DRY_RUN: ClassVar[dict] = {"length": 10, "heldout": 20, "probe_batch": 2}
    FIXED_ON_RESUME: ClassVar[tuple[str, ...]] = RunConfig.FIXED_ON_RESUME + (
        "task", "length", "keys", "distractors")
    # --- model (shared fields with this family's defaults) ------------------------------
    model: str = "lstm"  # cell: rnn (tanh) | irnn (ReLU, identity W_hh: Le et al. 2015) | gru | lstm
    embed: int = 16  # token embedding size (copy, recall); adding feeds its 2 features as they are
    hidden: int = 128  # hidden units per layer
    layers: int = 1  # stacked recurrent layers
    dropout: float = 0.0  # between stacked layers only
    # --- optimisation -------------------------------------------------------------------
    batch_size: int = 50  # fresh sequences per optimizer step
    lr_schedule: str = "constant"  # constant | wsd | cosine (the measurements used constant)
    warmup_steps: int = 0  # linear warmup steps from ~0 to lr
    threads: int = 1  # CPU intra-op threads (0 = one per core); small recurrent ops gain nothing from more
    # --- side jobs ----------------------------------------------------------------------
    eval_every: int = 100  # score the fixed held-out set every N steps (and at the end)
    probe_every: int = 100  # gradient per position and the Jacobian picture every N steps (0 = off)
    sample_every: int = 500  # show held-out examples with the model's answers every N steps (0 = off)
    # --- the task -----------------------------------------------------------------------
    task: str = "adding"  # adding | copy | recall
    length: int = 100  # T: the distance the one dependency spans
    heldout: int = 1000  # sequences in the fixed, seeded held-out set
    data_seed: int = 0  # seeds the held-out set (the same for every run of a task and T)
    keys: int = 4  # recall: how many keys (classes) can open a sequence
    distractors: int = 16  # recall: distinct filler words between the key and the query
    lures: bool = False  # recall: filler may contain keys too, so "the last key seen" fails
    # --- initialisation -----------------------------------------------------------------
    init: str = "auto"  # W_hh init: auto (identity for irnn, else default) | default | identity | orthogonal
    forget_bias: float | None = None  # LSTM: the forget gate's starting bias (e.g. 1.0; needs --no-chrono)
    chrono: bool = True  # LSTM: chrono init of the gate biases, time scales up to T (Tallec & Ollivier 2018)
    # --- probes -------------------------------------------------------------------------
    probe_batch: int = 8  # held-out sequences the gradient and Jacobian probes run on

    def validate(self) -> "LongRangeConfig":
        super().validate()
        check_choice("task", self.task, TASKS)
        check_choice("init", self.init, INIT_CHOICES)
        for name in ("length", "heldout", "keys", "distractors", "probe_batch"):
            check_int(name, getattr(self, name), least=1)
        for name, most in (("length", MAX_LENGTH), ("heldout", 100_000), ("keys", 1000),
                           ("distractors", 10_000), ("probe_batch", 1000)):
            check_limit(name, getattr(self, name), most)
        least = {"adding": 2, "copy": 1, "recall": 1}[self.task]
        if self.length < least:
            raise EngineError(f"length for the {self.task} task must be >= {least}, got "
                              f"{self.length}")
        if self.task == "recall" and self.keys < 2:
            raise EngineError(f"the recall task needs keys >= 2, got {self.keys}")
        check_seed(self.data_seed)
        if self.forget_bias is not None:
            if self.model != "lstm":
                raise EngineError(f"--forget-bias needs an LSTM (a {self.model} has no "
                                  f"forget gate)")
            if self.chrono:
                raise EngineError("--forget-bias replaces the chrono init: add --no-chrono")
            if not -100 <= self.forget_bias <= 100:
                raise EngineError(f"forget_bias must be in [-100, 100], got "
                                  f"{self.forget_bias}")
        return self

    def headline(self) -> tuple[str, bool] | None:
        return self.HEADLINES.get(self.task)

    def describe(self) -> str:
        init = "" if self.init == "auto" else f" · {self.init} init"
        return f"{self.model.upper()} {self.hidden}×{self.layers}{init}"

    def loss_name(self) -> str:
        return "MSE" if self.task == "adding" else ""  # a regression: its loss is no nats

    def data_label(self) -> str:
        return f"{self.task} T={self.length}"

    def short_name(self) -> str:
        return f"{self.task}{self.length}-{self.model}"
