"""`Seq2SeqConfig`: an encoder-decoder run on a task (the shared fields are in RunConfig).

The defaults are tuned for the `dates` task on a 2-core CPU (>= 99% exact match on the
held-out set in about a minute). `validate()` turns absurd values into an EngineError that
names the field, with the shared validators of engine.config.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from engine.config import RunConfig, check_choice, check_int, check_limit, check_range, \
    check_seed
from engine.errors import EngineError

TASKS = ("dates", "reverse", "sort", "add", "pairs")
ATTENTIONS = ("none", "bahdanau", "luong-dot", "luong-general")
MAX_OUTPUT_LEN = 10_000  # characters one decoding may write (translate --max-len, a checkpoint)


@dataclass
class Seq2SeqConfig(RunConfig):
    FAMILY: ClassVar[str] = "seq2seq"
    HEADLINE: ClassVar[tuple] = ("exact_match", True)
    REPORT_METRICS: ClassVar[tuple] = (("token_accuracy", "token acc", "%"),
                                       ("exact_match", "exact", "%"), ("bleu", "BLEU", "%"),
                                       ("chrf", "chrF", "%"))
    MODELS: ClassVar[tuple[str, ...]] = ("lstm", "gru", "rnn")
    DRY_RUN: ClassVar[dict] = {"heldout": 20, "attn_size": 16, "probe_examples": 1}
    FIXED_ON_RESUME: ClassVar[tuple[str, ...]] = RunConfig.FIXED_ON_RESUME + ("task", "pairs", "bidirectional", "attention", "attn_size")
    LIVE_KEYS: ClassVar[tuple[str, ...]] = RunConfig.LIVE_KEYS + (
        "teacher_forcing", "eval_every", "sample_every")
    VIEW_KEYS: ClassVar[tuple[str, ...]] = ("eval_every", "sample_every")
    # --- model (shared fields with this family's defaults) ------------------------------
    embed: int = 32  # character embedding size (source and target have their own)
    hidden: int = 128  # decoder state size = encoder output size (hidden/2 per direction if bi)
    layers: int = 1  # stacked layers in the encoder and in the decoder
    dropout: float = 0.0  # on embeddings and between layers
    batch_size: int = 128  # examples per step
    threads: int = 1  # CPU intra-op threads (0 = one per core); small step-by-step ops gain nothing from more
    eval_every: int = 250  # evaluate on the held-out set every N steps (and at the end)
    probe_every: int = 250  # gradient per encoder position, ||dL/dh_j||, every N steps (0 = off)
    sample_every: int = 250  # decode the probe examples (their attention) every N steps (0 = off)
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
    bidirectional: bool = False  # read the source both ways (bridge: Linear + tanh)
    attention: str = "bahdanau"  # none | bahdanau (additive) | luong-dot | luong-general
    attn_size: int = 128  # bahdanau only: size of the additive score's hidden layer
    # --- teacher forcing --------------------------------------------------------------
    teacher_forcing: float = 1.0  # probability that a decoder step is fed the true previous char
    teacher_forcing_final: float | None = None  # anneal the ratio linearly to this over the budget (None = constant)
    # --- side jobs --------------------------------------------------------------------
    probe_examples: int = 2  # held-out examples decoded (with their attention) every sample_every steps
    max_output_len: int = 0  # decoding limit in characters (0 = longest target seen + 10)

    def validate(self) -> "Seq2SeqConfig":
        super().validate()
        check_choice("task", self.task, TASKS)
        check_choice("attention", self.attention, ATTENTIONS)
        if self.task == "pairs" and not self.pairs:
            raise EngineError("the pairs task needs a TSV file: --pairs FILE")
        for name in ("attn_size", "heldout", "probe_examples", "max_pair_len"):
            check_int(name, getattr(self, name), least=1)
        for name in ("min_len", "max_len", "max_output_len"):
            check_int(name, getattr(self, name), least=0)
        for name, most in (("hidden", 8192), ("embed", 8192), ("attn_size", 8192),
                           ("layers", 16), ("heldout", 1_000_000), ("max_len", 2000),
                           ("max_output_len", MAX_OUTPUT_LEN), ("max_pair_len", 10000)):
            check_limit(name, getattr(self, name), most)
        if self.task == "add" and max(self.min_len, self.max_len) > 60:
            raise EngineError("add: at most 60 digits per operand")
        if self.min_len and self.max_len and self.min_len > self.max_len:
            raise EngineError(f"min_len ({self.min_len}) is larger than max_len "
                              f"({self.max_len})")
        if self.bidirectional and self.hidden % 2:
            raise EngineError(f"a bidirectional encoder splits hidden between its two "
                              f"directions: hidden must be even, got {self.hidden}")
        check_seed(self.data_seed)
        check_range("teacher_forcing", self.teacher_forcing, 0.0, 1.0)
        if self.teacher_forcing_final is not None:
            check_range("teacher_forcing_final", self.teacher_forcing_final, 0.0, 1.0)
        check_range("val_fraction", self.val_fraction, 0.0, 0.9, low_open=True,
                    high_open=True)
        return self

    def describe(self) -> str:
        bi = "bi" if self.bidirectional else ""
        return f"{bi}{self.model.upper()} {self.hidden}×{self.layers} · {self.attention}"

    def data_label(self) -> str:
        return f"pairs from {self.pairs}" if self.task == "pairs" else self.task

    def short_name(self) -> str:
        return self.task

    def preflight(self) -> None:
        if self.task == "pairs":
            from engine.families.seq2seq.tasks import read_pairs

            read_pairs(self.pairs, self.max_pair_len)

    @classmethod
    def migrate(cls, data: dict[str, Any]) -> dict[str, Any]:
        """Configs written before the families shared one config: `cell` is now `model`,
        `attention_every` is `sample_every`, and `clip: 0` (off) is `clip_mode: off`."""
        if "cell" in data:
            data.setdefault("model", data.pop("cell"))
        if "attention_every" in data:
            data.setdefault("sample_every", data.pop("attention_every"))
        if "clip_mode" not in data and data.get("clip") == 0:
            data["clip_mode"], data["clip"] = "off", 1.0
        return data
