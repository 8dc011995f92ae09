"""The app's two modes and what differs between them, in one place.

    lm       a character-level language model (`engine.config.TrainConfig`, `engine.trainer`)
    seq2seq  an encoder-decoder on a task (`engine.seq2seq.Seq2SeqConfig`, its trainer)

The mode is the type of the app's config. Both modes share the loss and gradient panels,
the status bar and most keys; the language model adds samples and gates, seq2seq adds
translations and the attention grid. Nothing here imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from engine import config as lm_config
from engine.seq2seq import config as s2s_config

LM, SEQ2SEQ = "lm", "seq2seq"

# Live hyperparameters the app shows and changes, per mode (the trainers' set_hparam keys).
LIVE_HPARAMS = {LM: ("lr", "clip", "clip_mode", "bptt", "temperature"),
                SEQ2SEQ: ("lr", "clip", "teacher_forcing")}
CELL_ORDER = {LM: lm_config.CELLS, SEQ2SEQ: s2s_config.CELLS}
PANELS = {LM: (("loss-panel", "Loss"), ("grad-panel", "Gradients"),
               ("samples-panel", "Samples"), ("gates-panel", "Gates")),
          SEQ2SEQ: (("loss-panel", "Loss"), ("grad-panel", "Gradients"),
                    ("translate-panel", "Translations"), ("attention-panel", "Attention"))}

# Key actions that only mean something in one mode (hidden from the footer, the help and
# the palette in the other).
_ONLY = {"temperature": LM, "bptt": LM, "unit": LM,
         "teacher_forcing": SEQ2SEQ, "beam": SEQ2SEQ, "attention_kind": SEQ2SEQ,
         "example": SEQ2SEQ}


def mode_of(config: Any) -> str:
    return SEQ2SEQ if isinstance(config, s2s_config.Seq2SeqConfig) else LM


def applies(action: str, mode: str) -> bool:
    """Whether key action `action` (name without arguments) has a meaning in `mode`."""
    return _ONLY.get(action.split("(")[0], mode) == mode


def live_hparams(config: Any) -> dict[str, Any]:
    return {k: getattr(config, k) for k in LIVE_HPARAMS[mode_of(config)]}


def cell_of(config: Any) -> str:
    return config.cell if mode_of(config) == SEQ2SEQ else config.model


def with_cell(config: Any, cell: str) -> Any:
    return config.replace(cell=cell) if mode_of(config) == SEQ2SEQ else config.replace(model=cell)


def describe_model(config: Any) -> str:
    """'GRU 512×2' or 'biGRU 128×1 · bahdanau'."""
    if mode_of(config) == LM:
        return f"{config.model.upper()} {config.hidden}×{config.layers}"
    bi = "bi" if config.bidirectional else ""
    return f"{bi}{config.cell.upper()} {config.hidden}×{config.layers} · {config.attention}"


@dataclass(frozen=True)
class Choice:
    """One entry of the mode picker: a label and how to make its config from the current
    configs of both modes (so each mode keeps the user's settings across switches)."""
    key: str
    label: str
    make: Callable[[Any, Any], Any]  # (lm config, seq2seq config) -> config


def choices(lm: Any, s2s: Any) -> list[Choice]:
    """The modes the picker offers: the language model on its corpus, each seq2seq task."""
    out = [Choice("lm", f"Language model · character-level, corpus {lm.corpus!r}",
                  lambda a, b: a)]
    blurbs = {"dates": "date normalisation: 'March 3, 2021' → 2021-03-03",
              "reverse": "string reversal (30-50 characters)",
              "sort": "sort the characters of a string",
              "add": "addition: '123+45' → 168"}
    for task, blurb in blurbs.items():
        out.append(Choice(task, f"Seq2seq · {blurb}", _task(task)))
    if s2s.pairs:
        out.append(Choice("pairs", f"Seq2seq · sentence pairs from {s2s.pairs}",
                          _task("pairs")))
    return out


def _task(task: str) -> Callable[[Any, Any], Any]:
    def make(lm: Any, s2s: Any) -> Any:
        if s2s.task == task:
            return s2s
        # Task-specific lengths do not carry over from one task to another.
        return s2s.replace(task=task, min_len=0, max_len=0)
    return make


def default_configs(config: Any) -> tuple[Any, Any]:
    """(lm config, seq2seq config): the given one, and the other mode's defaults on the
    same device (thread counts differ on purpose: each config has its own default)."""
    if mode_of(config) == LM:
        return config, s2s_config.Seq2SeqConfig(device=config.device)
    return lm_config.TrainConfig(device=config.device), config
