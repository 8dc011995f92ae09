"""`ClassifyConfig`: a many-to-one classifier run on labelled text (the shared fields are in
RunConfig).

The defaults (GRU 128 reading left to right, the last state pooled, embedding 64, dropout
0.3, batch 32, Adam 3e-3, clip 1.0; tokens chosen from the data) were chosen by short runs
on 1 thread: on the bundled `names` (20 unbalanced classes, character level) the held-out
accuracy peaks inside 3 minutes on 2 cores; on the sentiment sentences (word level) they
match the bare PyTorch loop of benchmarks/classify_bare.py at its speed. Bidirectional
reading and attention pooling are there to try (`--bidirectional`, `--pooling attention`);
both cost speed (a bidirectional GRU trains at ~0.6x the tokens/s).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from engine.config import RunConfig, check_choice, check_int, check_limit, check_range, \
    check_seed
from engine.data.corpus import SAMPLE_DIR
from engine.errors import EngineError

TOKENS = ("auto", "char", "word")
POOLINGS = ("last", "mean", "max", "attention")
EXPLAIN = ("auto", "occlusion", "gradient_x_input", "attention")
NONLINEARITIES = ("tanh", "relu")
BUNDLED = {"names": SAMPLE_DIR / "names"}  # --data NAME for the labelled sets that ship


def data_path(spec: str) -> Path:
    """A --data value as a path: a file or directory that exists, else a bundled name."""
    path = Path(spec).expanduser()
    if path.exists() or spec not in BUNDLED:
        return path
    return BUNDLED[spec]


@dataclass
class ClassifyConfig(RunConfig):
    FAMILY: ClassVar[str] = "classify"
    HEADLINE: ClassVar[tuple] = ("accuracy", True)
    REPORT_METRICS: ClassVar[tuple] = (("accuracy", "accuracy", "%"),
                                       ("macro_f1", "macro-F1", "%"))
    MODELS: ClassVar[tuple[str, ...]] = ("lstm", "gru", "rnn")
    DRY_RUN: ClassVar[dict] = {"probe_batch": 2, "log_errors": 3, "attn_size": 8}
    BUNDLED_DATA: ClassVar[dict] = BUNDLED
    # The vocabulary, the classes and the split are the checkpoint's; so is the architecture.
    FIXED_ON_RESUME: ClassVar[tuple[str, ...]] = RunConfig.FIXED_ON_RESUME + (
        "data", "val", "val_fraction", "data_seed", "text_column", "label_column", "header",
        "tokens", "lower", "min_count", "max_vocab", "max_tokens", "bidirectional", "pooling",
        "attn_size", "nonlinearity")
    LIVE_KEYS: ClassVar[tuple[str, ...]] = RunConfig.LIVE_KEYS + ("explain",)
    VIEW_KEYS: ClassVar[tuple[str, ...]] = ("explain",)
    # --- model (shared fields with this family's defaults) ------------------------------
    embed: int = 64  # size of each token's learned vector
    hidden: int = 128  # hidden units per layer and direction (bidirectional pools 2x this)
    layers: int = 1  # stacked recurrent layers
    dropout: float = 0.3  # on the embeddings, between layers and on the pooled vector
    batch_size: int = 32  # texts per optimizer step (similar lengths batched together)
    lr: float = 3e-3  # peak learning rate
    warmup_steps: int = 30  # linear warmup from ~0 to lr
    threads: int = 1  # CPU intra-op threads (0 = one per core); small recurrent steps gain nothing from more
    eval_every: int = 100  # evaluate on the held-out set every N steps (and at the end)
    probe_every: int = 100  # gradient per input position, ||dL/dh_t||, every N steps (0 = off)
    sample_every: int = 2000  # log the misclassified held-out examples every N steps (0 = off)
    # --- data -------------------------------------------------------------------------
    data: str = "names"  # labelled data: a TSV/CSV file, a directory of them, a directory of one file per class, or `names`
    val: str = ""  # a separate held-out file (default: a stratified share of --data)
    test: str = ""  # a test file, evaluated once at the end of the run
    val_fraction: float = 0.2  # without --val: share of every class held out (stratified)
    data_seed: int = 0  # seeds the stratified held-out split (fixed across runs)
    text_column: str = ""  # the text column: a 0-based number or a header name (default: detected)
    label_column: str = ""  # the label column: a number or a header name (default: detected)
    header: str = "auto"  # auto | yes | no: whether the table's first row names its columns
    # --- tokens -----------------------------------------------------------------------
    tokens: str = "auto"  # auto (words when most texts have 3+ words, else characters) | char | word
    lower: bool = True  # lower-case the text before splitting it into tokens
    min_count: int = 1  # tokens seen fewer times in training are read as <unk>
    max_vocab: int = 30000  # keep at most this many tokens (the most frequent); the rest are <unk>
    max_tokens: int = 400  # read at most this many tokens of a text (longer ones are cut, with a warning)
    # --- model ------------------------------------------------------------------------
    bidirectional: bool = False  # a second RNN reads right to left; the head sees [h→; h←]
    pooling: str = "last"  # last (the final state) | mean | max | attention over the states
    attn_size: int = 64  # width of the attention scorer (pooling attention only)
    nonlinearity: str = "tanh"  # vanilla RNN only: tanh | relu
    # --- side jobs --------------------------------------------------------------------
    explain: str = "auto"  # token influence for typed text: auto (attention if pooled so, else occlusion) | occlusion | gradient_x_input | attention
    probe_batch: int = 8  # held-out texts the gradient probe runs on (the unrolled cells)
    log_errors: int = 8  # misclassified held-out examples logged (most confident first)

    def validate(self) -> "ClassifyConfig":
        super().validate()
        for name, options in (("tokens", TOKENS), ("pooling", POOLINGS), ("explain", EXPLAIN),
                              ("nonlinearity", NONLINEARITIES),
                              ("header", ("auto", "yes", "no"))):
            check_choice(name, getattr(self, name), options)
        if not self.data:
            raise EngineError("classification needs labelled data: --data PATH (a TSV/CSV "
                              "file or a directory of one file per class)")
        for name in ("min_count", "max_vocab", "max_tokens", "attn_size", "probe_batch"):
            check_int(name, getattr(self, name), least=1)
        check_int("log_errors", self.log_errors, least=0)
        for name, most in (("max_vocab", 10_000_000), ("max_tokens", 100_000),
                           ("attn_size", 8192), ("probe_batch", 1024),
                           ("log_errors", 1000)):
            check_limit(name, getattr(self, name), most)
        check_range("val_fraction", self.val_fraction, 0.0, 0.9, low_open=True,
                    high_open=True)
        check_seed(self.data_seed)
        if self.explain == "attention" and self.pooling != "attention":
            raise EngineError("explain attention needs --pooling attention (the weights it "
                              "shows); use occlusion or gradient_x_input")
        return self

    def columns(self) -> dict[str, Any]:
        """The table options as data.load_labelled takes them."""
        def col(value: str) -> Any:
            return None if not value else int(value) if value.strip().isdigit() else value
        return {"text_column": col(self.text_column), "label_column": col(self.label_column),
                "header": {"auto": None, "yes": True, "no": False}[self.header]}

    def explain_method(self) -> str:
        if self.explain != "auto":
            return self.explain
        return "attention" if self.pooling == "attention" else "occlusion"

    def describe(self) -> str:
        bi = "bi" if self.bidirectional else ""
        return f"{bi}{self.model.upper()} {self.hidden}×{self.layers} · {self.pooling}"

    def data_label(self) -> str:
        return Path(self.data).name or self.data

    def short_name(self) -> str:
        return f"classify-{Path(self.data).stem or 'data'}"

    def preflight(self) -> None:
        from engine.families.classify.data import load_for_run

        load_for_run(self)
