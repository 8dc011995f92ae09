"""Labelled names as character ids, with the boundary id 0 at both ends.

    "Bacisa" of label k  ->  x = [0, B, a, c, i, s, a]      (what the model reads)
                             y = [B, a, c, i, s, a, 0]      (what it must predict; 0 = the end)

The files are read (and split, stratified by label) by the classifier's reader
(engine/families/classify/data.py), so every layout it takes works here too.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from engine.errors import EngineError

BOUNDARY = "\n"  # id 0: the start (as an input) and the end (as a target) of every name
PAD = -100  # targets past a name's end: ignored by the loss
MAX_NAME = 40  # characters; longer texts are cut (names are short)


@dataclass
class NameData:
    vocab: list[str]  # id -> character; vocab[0] is BOUNDARY
    labels: list[str]  # label id -> name
    train: list[tuple[list[int], int]]  # (character ids, label id)
    val: list[tuple[list[int], int]]
    counts: list[int]  # training names per label
    source: str


def encode(text: str, index: dict[str, int]) -> list[int]:
    return [index[c] for c in text[:MAX_NAME] if c in index]


def load_names(cfg) -> NameData:
    from engine.families.classify.config import data_path
    from engine.families.classify.data import load_labelled

    found = load_labelled(data_path(cfg.data), val_fraction=cfg.val_fraction,
                          seed=cfg.data_seed)
    chars = sorted({c for text, _ in found.train for c in text[:MAX_NAME]} - {BOUNDARY})
    vocab = [BOUNDARY, *chars]
    index = {c: i for i, c in enumerate(vocab)}
    train = [(encode(t, index), y) for t, y in found.train if t]
    val = [(encode(t, index), y) for t, y in found.val if encode(t, index)]
    if not train or not val:
        raise EngineError(f"{cfg.data}: no names to train on or to hold out")
    counts = [0] * len(found.classes)
    for _, y in train:
        counts[y] += 1
    return NameData(vocab, list(found.classes), train, val, counts, found.source)


def batch(examples: list[tuple[list[int], int]], device: torch.device
          ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """x (B, S) inputs, y (B, S) targets (PAD after the end), labels (B,); S = longest + 1."""
    S = max(len(ids) for ids, _ in examples) + 1
    x = torch.zeros(len(examples), S, dtype=torch.long)
    y = torch.full((len(examples), S), PAD, dtype=torch.long)
    for i, (ids, _) in enumerate(examples):
        n = len(ids)
        x[i, 1:n + 1] = torch.tensor(ids, dtype=torch.long)
        y[i, :n] = torch.tensor(ids, dtype=torch.long)
        y[i, n] = 0  # the end
    labels = torch.tensor([lab for _, lab in examples], dtype=torch.long)
    return x.to(device), y.to(device), labels.to(device)
