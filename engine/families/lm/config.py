"""`LMConfig`: a language model run over characters or words (shared fields: RunConfig).

Characters (the default) keep the defaults tuned for a 10-minute run on 2 CPU cores (GRU
512x2, batch 32x100, Adam 3e-3 with warmup-stable-decay, dropout 0.1: the sweep is in
benchmarks/results/README.md). `--tokens word` reads words instead and changes the defaults
of the fields listed in CHAR_DEFAULTS to WORD_DEFAULTS (and FFNN_DEFAULTS on top for
`--model ffnn`), chosen by short runs for words (benchmarks/results/README.md, "Word-level
language models"). A value given by the user always wins: those fields default to None
here and __post_init__ fills in what the token kind (and the model) calls for.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

from engine.config import RunConfig, check_choice, check_int, check_limit, check_positive, \
    check_range
from engine.errors import EngineError

NONLINEARITIES = ("tanh", "relu")
TOKENS = ("char", "word")
TOKENIZERS = ("auto", "whitespace", "word")
EOS_MODES = ("line", "paragraph")
SOFTMAXES = ("full", "adaptive")
MAX_SAMPLE_LENGTH = 100_000  # tokens in one sample (sample --length, sample_length): ~1 min
RECURRENT = ("lstm", "gru", "rnn")  # the models with a hidden state (probes, gates)

# The defaults of the "per tokens" fields. CHAR_DEFAULTS are the values every character run
# had before words existed; WORD_DEFAULTS were picked by short runs on WikiText-2 and War
# and Peace (see the module docstring); FFNN_DEFAULTS apply on top for the feed-forward LM.
CHAR_DEFAULTS: dict[str, Any] = dict(
    model="gru", embed=64, hidden=512, layers=2, dropout=0.1, batch_size=32, bptt=100,
    optimizer="adam", lr=3e-3, momentum=0.9, clip=1.0, tied=False, softmax="full",
    sample_length=200, baseline_order=5, precision="auto")
WORD_DEFAULTS: dict[str, Any] = dict(
    model="lstm", embed=256, hidden=256, layers=2, dropout=0.5, batch_size=20, bptt=35,
    optimizer="sgd", lr=20.0, momentum=0.0, clip=0.25, tied=True, softmax="full",
    sample_length=60, baseline_order=4, precision="fp32")
FFNN_DEFAULTS: dict[str, Any] = dict(embed=128, hidden=256, dropout=0.3, tied=False,
                                     precision="fp32")


@dataclass
class LMConfig(RunConfig):
    FAMILY: ClassVar[str] = "lm"
    # A word model's bits and perplexity are per word of the corpus (whitespace words +
    # <eos>, as the literature counts them), the loss per token; when the tokenizer splits
    # words ("don't." -> don't .) the per-token perplexity is shown beside.
    REPORT_METRICS: ClassVar[tuple] = (("bits_per_char", "bits/char", ".3f"),
                                       ("bits_per_word", "bits/word", ".3f"),
                                       ("perplexity", "ppl", ".2f"),
                                       ("token_perplexity", "ppl/token", ".2f"))
    MODELS: ClassVar[tuple[str, ...]] = RECURRENT + ("ffnn",)
    DRY_RUN: ClassVar[dict] = {"bptt": 16, "sample_length": 40, "baseline_order": 3}
    FIXED_ON_RESUME: ClassVar[tuple[str, ...]] = RunConfig.FIXED_ON_RESUME + (
        "nonlinearity", "tokens", "tokenizer", "lower", "eos", "tied", "softmax", "window",
        "direct")
    LIVE_KEYS: ClassVar[tuple[str, ...]] = RunConfig.LIVE_KEYS + ("bptt", "temperature")
    VIEW_KEYS: ClassVar[tuple[str, ...]] = ("temperature",)
    # --- shared fields whose default depends on the tokens (per tokens) ----------------
    model: str | None = None  # per tokens
    embed: int | None = None  # per tokens
    hidden: int | None = None  # per tokens
    layers: int | None = None  # per tokens
    dropout: float | None = None  # per tokens
    batch_size: int | None = None  # per tokens
    optimizer: str | None = None  # per tokens
    lr: float | None = None  # per tokens
    momentum: float | None = None  # per tokens
    clip: float | None = None  # per tokens
    precision: str | None = None  # per tokens (chars: auto, bf16 where native; words: fp32)
    # --- data -------------------------------------------------------------------------
    corpus: str = "prose"  # a text file, a directory of .txt files, or a bundled name
    tokens: str = "char"  # char | word (words: LSTM 256x2 tied, dropout 0.5, SGD lr 20, clip 0.25, batch 20x35 unless set)
    val_fraction: float = 0.1  # the last fraction of the text is held out for validation
    val: str | None = None  # a validation file of its own (e.g. WikiText's valid.txt) instead
    test: str | None = None  # a test file, evaluated by `rnn-tui eval` and the ladder
    test_fraction: float = 0.0  # words: hold out the very last fraction as a test split
    tokenizer: str = "auto"  # words: whitespace (pre-tokenised) | word (raw text) | auto
    lower: bool = False  # words: lower-case the text first
    eos: str = "line"  # words: an <eos> token after every line | paragraph (blank-line separated)
    min_count: int = 1  # words: rarer training words become <unk>
    max_vocab: int = 0  # words: keep only the N most frequent (0 = no cap); the rest are <unk>
    # --- model ------------------------------------------------------------------------
    nonlinearity: str = "tanh"  # vanilla RNN only: tanh | relu
    tied: bool | None = None  # output layer shares the embedding matrix (Press & Wolf 2017; words: on)
    softmax: str | None = None  # full | adaptive (Grave et al. 2017: cheaper for a large vocabulary)
    window: int = 4  # ffnn: previous words it reads (n-1 of its n-gram)
    direct: bool = False  # ffnn: direct connections W3 x from the words to the output
    # --- optimisation -----------------------------------------------------------------
    bptt: int | None = None  # truncated-BPTT window: timesteps per step (words: 35)
    # --- side jobs --------------------------------------------------------------------
    probe_batch: int = 8  # sequences used by the probe (it runs the unrolled cells)
    sample_length: int | None = None  # tokens per sample (words: 60)
    temperature: float = 0.8  # sampling temperature for the periodic samples
    baseline_order: int | None = None  # Kneser-Ney n-gram baseline order, 0 = none (words: 4)
    reference: str | None = None  # a ladder result (ladder.json or its dir) drawn as lines

    def __post_init__(self) -> None:
        defaults = WORD_DEFAULTS if self.tokens == "word" else CHAR_DEFAULTS
        if self.model == "ffnn":
            defaults = {**defaults, **FFNN_DEFAULTS}
        filled = [name for name in defaults if getattr(self, name) is None]
        for name in filled:
            setattr(self, name, defaults[name])
        # Remembered (not a field: never saved) so that replace(tokens="word") or
        # replace(model="ffnn") gives those fields the new kind's defaults again.
        self._defaulted = frozenset(filled)

    def replace(self, **changes: Any) -> "LMConfig":
        unset = {name: None for name in self._defaulted if name not in changes}
        return dataclasses.replace(self, **unset, **changes)

    def validate(self) -> "LMConfig":
        check_choice("tokens", self.tokens, TOKENS)
        super().validate()
        check_choice("nonlinearity", self.nonlinearity, NONLINEARITIES)
        check_choice("tokenizer", self.tokenizer, TOKENIZERS)
        check_choice("eos", self.eos, EOS_MODES)
        check_choice("softmax", self.softmax, SOFTMAXES)
        for name in ("bptt", "sample_length", "probe_batch", "min_count", "window"):
            check_int(name, getattr(self, name), least=1)
        for name in ("baseline_order", "max_vocab"):
            check_int(name, getattr(self, name), least=0)
        check_limit("bptt", self.bptt, 100000)
        check_limit("sample_length", self.sample_length or 0, MAX_SAMPLE_LENGTH)
        check_limit("baseline_order", self.baseline_order, 12)
        check_limit("window", self.window, 15)
        check_positive("temperature", self.temperature)
        check_range("val_fraction", self.val_fraction, 0.0, 0.9, low_open=True,
                    high_open=True)
        check_range("test_fraction", self.test_fraction, 0.0, 0.5, high_open=True)
        if self.max_vocab and self.max_vocab < 3:
            raise EngineError(f"max_vocab must be 0 (no cap) or at least 3 (<unk>, <eos> and "
                              f"a word), got {self.max_vocab}")
        self._check_combinations()
        return self

    def _check_combinations(self) -> None:
        if self.tokens == "char":
            given = [name for name, default in (("tokenizer", "auto"), ("eos", "line"),
                                                ("min_count", 1), ("max_vocab", 0),
                                                ("test_fraction", 0.0), ("lower", False))
                     if getattr(self, name) != default]
            if given:
                flags = ", ".join("--" + n.replace("_", "-") for n in given)
                raise EngineError(f"{flags}: only for word models (add --tokens word)")
        if self.model == "ffnn" and self.tied:
            raise EngineError("--tied is for the recurrent models; the feed-forward LM "
                              "(--model ffnn) has its own output layer")
        if self.tied and self.softmax == "adaptive":
            raise EngineError("--tied and --softmax adaptive cannot be combined (the "
                              "adaptive softmax has its own output matrices): pick one")

    @property
    def recurrent(self) -> bool:
        """Whether the model carries a hidden state (the probes and gates need one)."""
        return self.model in RECURRENT

    def describe(self) -> str:
        if self.model == "ffnn":
            return f"FFNN {self.window}-{self.tokens} window, {self.hidden} tanh"
        tied = " tied" if self.tied else ""
        return f"{self.model.upper()} {self.hidden}×{self.layers}{tied}"

    def data_label(self) -> str:
        return self.corpus if self.tokens == "char" else f"{self.corpus} (words)"

    def preflight(self) -> None:
        from engine.data.corpus import load_corpus

        for spec in (self.corpus, self.val, self.test):
            if spec is not None:
                load_corpus(spec)
