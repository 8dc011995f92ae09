"""`OneToManyConfig`: a character model that writes a name for a given label (shared fields
in RunConfig).

Each training example is one labelled name, e.g. ("Bovena", "Bacisa"): the model reads the
label once - as its initial state (`--condition init`, the decks' one-to-many picture) or
also beside every character (`input`, the PyTorch tutorial's way) - and predicts the name
one character at a time, then the end. Defaults (GRU 128, batch 64, Adam 3e-3) were chosen
by short runs on the bundled `names` (20 invented languages): within a few hundred steps the
names it writes for a language carry that language's endings and letters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from engine.config import RunConfig, check_choice, check_int, check_limit, check_range, \
    check_seed

CONDITIONS = ("init", "input")


@dataclass
class OneToManyConfig(RunConfig):
    FAMILY: ClassVar[str] = "onetomany"
    MODELS: ClassVar[tuple[str, ...]] = ("lstm", "gru", "rnn")
    DRY_RUN: ClassVar[dict] = {"names_shown": 2}
    FIXED_ON_RESUME: ClassVar[tuple[str, ...]] = RunConfig.FIXED_ON_RESUME + (
        "data", "val_fraction", "data_seed", "condition", "label_embed")
    # "label" is live: the app's , and . pick the language the samples are written for.
    LIVE_KEYS: ClassVar[tuple[str, ...]] = RunConfig.LIVE_KEYS + ("label", "temperature")
    # --- model (shared fields with this family's defaults) ------------------------------
    embed: int = 32  # size of each character's learned vector
    hidden: int = 128  # hidden units per layer
    layers: int = 1  # stacked recurrent layers
    dropout: float = 0.1  # on the character embeddings and before the head
    batch_size: int = 64  # names per optimizer step
    warmup_steps: int = 20  # linear warmup from ~0 to lr
    threads: int = 1  # CPU intra-op threads: short names gain nothing from more
    eval_every: int = 100  # the held-out loss every N steps (and at the end)
    probe_every: int = 100  # ||dL/dh_t|| per character position every N steps (0 = off)
    sample_every: int = 100  # names for the chosen label every N steps (0 = off)
    # --- the data -----------------------------------------------------------------------
    data: str = "names"  # labelled names: a bundled set (names) or files as --task classify reads
    val_fraction: float = 0.1  # names held out per label (stratified)
    data_seed: int = 0  # seeds the held-out split
    # --- conditioning -------------------------------------------------------------------
    condition: str = "init"  # init: the label sets h_0 only | input: also beside every character
    label_embed: int = 16  # size of each label's learned vector
    label: str = ""  # the label the samples are written for ("": the largest class)
    temperature: float = 0.8  # sampling temperature of the samples
    names_shown: int = 8  # names written for the chosen label at each sample

    def validate(self) -> "OneToManyConfig":
        super().validate()
        check_choice("condition", self.condition, CONDITIONS)
        check_int("label_embed", self.label_embed, least=1)
        check_limit("label_embed", self.label_embed, 4096)
        check_int("names_shown", self.names_shown, least=1)
        check_limit("names_shown", self.names_shown, 100)
        check_range("val_fraction", self.val_fraction, 0.0, 1.0, low_open=True, high_open=True)
        check_range("temperature", self.temperature, 0.01, 10.0)
        check_seed(self.data_seed)
        return self

    def describe(self) -> str:
        return f"{self.model.upper()} {self.hidden}×{self.layers} · label → {self.condition}"

    def data_label(self) -> str:
        return self.data

    def short_name(self) -> str:
        return f"onetomany-{self.model}"

    def preflight(self) -> None:
        from engine.families.classify.config import data_path
        from engine.errors import EngineError

        if not data_path(self.data).exists():
            raise EngineError(f"data not found: {self.data} (a file, a directory of one file "
                              f"per label, or the bundled 'names')")
