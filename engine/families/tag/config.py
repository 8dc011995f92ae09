"""`TagConfig`: a tagging run, one label per token (the shared fields are in RunConfig).

The defaults (a bidirectional LSTM 128 per direction over word embeddings 64 and a
character BiLSTM 2x32 per word, dropout 0.3, batches of 32 sentences, Adam 6e-3 with the
warmup-stable-decay schedule, one thread) were chosen by runs of 30 epochs on UD English GUM
(train on dev, UPOS on test): batch 16 at lr 2e-3 / 4e-3 reached 0.930 / 0.933, batch 32 at
lr 4e-3 / 6e-3 0.930 / 0.933 at ~10% more tokens/s; dropout 0.5 (0.932) and hidden 256
(0.932, 25% fewer tokens/s) did not help. benchmarks/tagging.py compares the defaults with
a bare PyTorch loop and prints the ablation table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from engine.config import RunConfig, check_choice, check_int, check_limit, check_range, \
    check_seed
from engine.errors import EngineError

FORMATS = ("auto", "conllu", "columns")
TAG_COLUMNS = ("upos", "xpos")


@dataclass
class TagConfig(RunConfig):
    FAMILY: ClassVar[str] = "tag"
    HEADLINE: ClassVar[tuple] = ("accuracy", True)
    REPORT_METRICS: ClassVar[tuple] = (("accuracy", "accuracy", "%"),
                                       ("accuracy_unseen", "unseen", "%"),
                                       ("span_f1", "span F1 (conlleval)", "%"))
    MODELS: ClassVar[tuple[str, ...]] = ("lstm", "gru", "rnn")
    DRY_RUN: ClassVar[dict] = {"char_embed": 8, "char_hidden": 8, "probe_sentences": 2}
    FIXED_ON_RESUME: ClassVar[tuple[str, ...]] = RunConfig.FIXED_ON_RESUME + (
        "bidirectional", "chars", "char_features", "char_embed", "char_hidden", "tag_column",
        "max_vocab", "min_count")
    LIVE_KEYS: ClassVar[tuple[str, ...]] = RunConfig.LIVE_KEYS + (
        "word_dropout", "eval_every", "sample_every")
    VIEW_KEYS: ClassVar[tuple[str, ...]] = ("eval_every", "sample_every")
    # --- model (shared fields with this family's defaults) ------------------------------
    model: str = "lstm"  # cell type: lstm | gru | rnn (vanilla)
    embed: int = 64  # word embedding size (with --chars: of each character)
    hidden: int = 128  # hidden units per direction
    layers: int = 1  # stacked recurrent layers over the sentence
    dropout: float = 0.3  # on the word vectors, between layers, before the tag softmax
    batch_size: int = 32  # sentences per optimizer step
    lr: float = 6e-3  # peak learning rate
    threads: int = 1  # CPU intra-op threads (0 = one per core); per-word ops are too small to share
    eval_every: int = 250  # tag the held-out file every N steps (and at the end)
    probe_every: int = 100  # gradients of one tag w.r.t. every position, each direction (0 = off)
    sample_every: int = 250  # re-tag the probe sentences every N steps (0 = off)
    # --- data -------------------------------------------------------------------------
    data: str = ""  # training file: CoNLL-U (.conllu) or token-and-tag columns (CoNLL-2003 style)
    val: str = ""  # held-out file tagged during training (default: a share of --data)
    test: str = ""  # test file, never trained or selected on: scored once, at the end
    val_fraction: float = 0.1  # without --val: share of the sentences of --data held out (seeded)
    test_fraction: float = 0.0  # without --test: share of --data held out as the test set
    format: str = "auto"  # tag file format: auto | conllu | columns
    tag_column: str = "upos"  # CoNLL-U tag column: upos | xpos
    max_len: int = 0  # cut sentences to this many tokens (chars with --chars); 0 = 250 (1000)
    chars: bool = False  # character-level tagging of raw text: one IOB2 tag per character
    data_seed: int = 12345  # seeds the held-out shares of --data
    # --- model ------------------------------------------------------------------------
    bidirectional: bool = True  # a second RNN reads right to left: each tag sees both contexts
    char_features: bool = True  # a character BiLSTM per word (Plank et al. 2016), for unseen words
    char_embed: int = 32  # character embedding size (char features)
    char_hidden: int = 32  # character BiLSTM units per direction (char features)
    word_dropout: float = 0.25  # training words seen once are read as <unk> with this probability
    max_vocab: int = 0  # most word types with their own embedding (0 = all); the rest are <unk>
    min_count: int = 1  # training words seen fewer times are <unk>
    # --- side jobs --------------------------------------------------------------------
    probe_sentences: int = 4  # held-out sentences re-tagged every sample_every steps

    def validate(self) -> "TagConfig":
        super().validate()
        if not self.data:
            raise EngineError("tagging needs a training file: --data FILE (CoNLL-U, or "
                              "token-and-tag columns with a blank line between sentences)")
        check_choice("format", self.format, FORMATS)
        check_choice("tag_column", self.tag_column, TAG_COLUMNS)
        for name in ("char_embed", "char_hidden", "min_count", "probe_sentences"):
            check_int(name, getattr(self, name), least=1)
        for name in ("max_len", "max_vocab"):
            check_int(name, getattr(self, name), least=0)
        for name, most in (("char_embed", 4096), ("char_hidden", 4096), ("layers", 16),
                           ("max_len", 100_000), ("probe_sentences", 50)):
            check_limit(name, getattr(self, name), most)
        if self.max_vocab and self.max_vocab < 3:
            raise EngineError(f"max_vocab must be 0 (all) or at least 3 (<pad>, <unk> and a "
                              f"word), got {self.max_vocab}")
        check_range("val_fraction", self.val_fraction, 0.0, 0.9, low_open=True, high_open=True)
        check_range("test_fraction", self.test_fraction, 0.0, 0.9, high_open=True)
        if self.val_fraction + self.test_fraction >= 0.95:
            raise EngineError(f"val_fraction + test_fraction leave no sentence to train on "
                              f"({self.val_fraction} + {self.test_fraction})")
        check_range("word_dropout", self.word_dropout, 0.0, 1.0, high_open=True)
        check_seed(self.data_seed)
        return self

    @property
    def uses_char_features(self) -> bool:
        """Character features of each word; not for character-level tagging (a character's
        characters are itself)."""
        return self.char_features and not self.chars

    def describe(self) -> str:
        bi = "bi" if self.bidirectional else ""
        extra = " · char features" if self.uses_char_features else ""
        return f"{bi}{self.model.upper()} {self.hidden}×{self.layers}{extra}"

    def data_label(self) -> str:
        conllu = self.format == "conllu" or (self.format == "auto" and
                                              self.data.lower().endswith(".conllu"))
        what = "character tags" if self.chars else \
            (self.tag_column.upper() if conllu else "tags")
        return f"{what} of {Path(self.data).name}"

    def short_name(self) -> str:
        return "tag"

    def data_args(self) -> dict:
        """The arguments of data.load_tag_data for this run."""
        return dict(data=self.data, val=self.val, test=self.test,
                    val_fraction=self.val_fraction, test_fraction=self.test_fraction,
                    seed=self.data_seed, fmt=self.format, tag_column=self.tag_column,
                    max_len=self.max_len or None, chars=self.chars)

    def preflight(self) -> None:
        from engine.families.tag.data import load_tag_data

        load_tag_data(**self.data_args())
