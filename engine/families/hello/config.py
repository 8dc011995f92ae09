"""`HelloConfig`: the "hello" network of the CS286 / AI504 slides (shared fields in RunConfig).

One training sequence, the word itself: inputs word[:-1] ("hell"), targets word[1:] ("ello"),
every optimizer step on that one sequence. The defaults (a vanilla RNN with 3 hidden units,
Adam at 0.1, no warmup) spell "hello" within a few dozen steps, so a learner can press `n`
(one optimizer step) until it does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from engine.config import RunConfig, check_limit
from engine.errors import EngineError

MAX_WORD = 32  # every timestep is drawn on screen: a longer word does not fit


@dataclass
class HelloConfig(RunConfig):
    FAMILY: ClassVar[str] = "hello"
    REPORT_METRICS: ClassVar[tuple] = (("accuracy", "next char right", "%"),
                                       ("spells", "spells it", "%"))
    MODELS: ClassVar[tuple[str, ...]] = ("rnn", "gru", "lstm")
    CELLS: ClassVar[tuple[str, ...]] = ("rnn", "gru", "lstm")
    DRY_RUN: ClassVar[dict] = {"hidden": 3}
    FIXED_ON_RESUME: ClassVar[tuple[str, ...]] = RunConfig.FIXED_ON_RESUME + ("word",)
    # --- model (shared fields with this family's defaults) ------------------------------
    model: str = "rnn"  # cell: rnn (the slide's tanh RNN) | gru | lstm
    embed: int = 4  # unused: x_t is the one-hot vector of the character, as on the slide
    hidden: int = 3  # hidden units (the slide draws 3)
    layers: int = 1  # stacked recurrent layers
    dropout: float = 0.0  # between stacked layers only
    # --- optimisation -------------------------------------------------------------------
    batch_size: int = 1  # one sequence: the word
    lr: float = 0.1  # Adam's rate: a few dozen steps to spell the word
    lr_schedule: str = "constant"  # constant | wsd | cosine
    warmup_steps: int = 0  # linear warmup steps from ~0 to lr
    threads: int = 1  # CPU intra-op threads: a 3-unit RNN gains nothing from more
    steps: int | None = 300  # stop after this many optimizer steps
    # --- side jobs ----------------------------------------------------------------------
    eval_every: int = 10  # score the word (loss, accuracy, greedy decoding) every N steps
    probe_every: int = 10  # the unrolled picture and dL/dh_t every N steps (0 = off)
    sample_every: int = 0  # (the unrolled picture already shows the greedy decoding)
    # --- the task -----------------------------------------------------------------------
    word: str = "hello"  # the training sequence: inputs word[:-1], targets word[1:]

    def validate(self) -> "HelloConfig":
        super().validate()
        if not isinstance(self.word, str) or len(self.word) < 2:
            raise EngineError(f"word must have at least 2 characters, got {self.word!r}")
        check_limit("word length", len(self.word), MAX_WORD)
        if not self.word.isprintable():
            raise EngineError(f"word must be printable characters, got {self.word!r}")
        check_limit("hidden (for the hello view)", self.hidden, 64)
        return self

    def vocab(self) -> list[str]:
        """The characters of the word in order of first appearance: h, e, l, o."""
        return list(dict.fromkeys(self.word))

    def describe(self) -> str:
        return f"{self.model.upper()} {self.hidden}×{self.layers}"

    def data_label(self) -> str:
        return f'"{self.word}"'

    def short_name(self) -> str:
        return f"hello-{self.model}"

    def dry_run(self) -> "HelloConfig":
        return self.replace(steps=3, minutes=None, eval_every=3, log_every=1, probe_every=2,
                            sample_every=0)
