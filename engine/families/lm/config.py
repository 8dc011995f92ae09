"""`LMConfig`: a character-level language model run (the shared fields are in RunConfig).

The defaults (GRU 512x2, batch 32x100, Adam 3e-3 with warmup-stable-decay, dropout 0.1) were
tuned for a 10-minute run on 2 CPU cores: benchmarks/results/README.md has the sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from engine.config import RunConfig, check_choice, check_int, check_limit, check_positive, \
    check_range

NONLINEARITIES = ("tanh", "relu")


@dataclass
class LMConfig(RunConfig):
    FAMILY: ClassVar[str] = "lm"
    MODELS: ClassVar[tuple[str, ...]] = ("lstm", "gru", "rnn")
    DRY_RUN: ClassVar[dict] = {"bptt": 16, "sample_length": 40, "baseline_order": 3}
    FIXED_ON_RESUME: ClassVar[tuple[str, ...]] = RunConfig.FIXED_ON_RESUME + ("nonlinearity",)
    LIVE_KEYS: ClassVar[tuple[str, ...]] = RunConfig.LIVE_KEYS + ("bptt", "temperature")
    # --- data -------------------------------------------------------------------------
    corpus: str = "prose"  # a text file, a directory of .txt files, or a bundled name
    val_fraction: float = 0.1  # the last fraction of the text is held out for validation
    # --- model ------------------------------------------------------------------------
    nonlinearity: str = "tanh"  # vanilla RNN only: tanh | relu
    # --- optimisation -----------------------------------------------------------------
    batch_size: int = 32  # B contiguous streams, each carrying its hidden state forward
    bptt: int = 100  # truncated-BPTT window: timesteps per step, state detached between
    # --- side jobs --------------------------------------------------------------------
    probe_batch: int = 8  # sequences used by the probe (it runs the unrolled cells)
    sample_length: int = 200  # characters per sample
    temperature: float = 0.8  # sampling temperature for the periodic samples
    baseline_order: int = 5  # Kneser-Ney n-gram baseline order (0 = skip the baselines)

    def validate(self) -> "LMConfig":
        super().validate()
        check_choice("nonlinearity", self.nonlinearity, NONLINEARITIES)
        for name in ("bptt", "sample_length", "probe_batch"):
            check_int(name, getattr(self, name), least=1)
        check_int("baseline_order", self.baseline_order, least=0)
        check_limit("bptt", self.bptt, 100000)
        check_limit("baseline_order", self.baseline_order, 12)
        check_positive("temperature", self.temperature)
        check_range("val_fraction", self.val_fraction, 0.0, 0.9, low_open=True,
                    high_open=True)
        return self

    def data_label(self) -> str:
        return self.corpus

    def preflight(self) -> None:
        from engine.corpus import load_corpus

        load_corpus(self.corpus)
