"""Fixtures of the tagging tests (one torch thread each: tests/conftest.py): the small IOB
file written for the tests, a small CoNLL-U file, and a tiny tagging config."""

from __future__ import annotations

from pathlib import Path

import pytest

from tag_data import IOB

WORDS = ["the", "a", "cat", "dog", "sat", "ran", "on", "under", "mat", "log", "big", "red"]
POS = {"the": "DET", "a": "DET", "cat": "NOUN", "dog": "NOUN", "sat": "VERB",
       "ran": "VERB", "on": "ADP", "under": "ADP", "mat": "NOUN", "log": "NOUN",
       "big": "ADJ", "red": "ADJ"}


@pytest.fixture
def iob_file() -> Path:
    return IOB


def conllu_sentence(words: list[str]) -> str:
    rows = [f"# text = {' '.join(words)}"]
    rows += ["\t".join([str(i), w, w, POS[w], "_", "_", "0", "dep", "_", "_"])
             for i, w in enumerate(words, 1)]
    return "\n".join(rows) + "\n\n"


@pytest.fixture
def small_conllu(tmp_path: Path) -> Path:
    """40 sentences of a toy grammar (DET (ADJ) NOUN VERB ADP DET NOUN .), as CoNLL-U."""
    import random

    rng = random.Random(3)
    out = []
    for _ in range(40):
        s = [rng.choice(["the", "a"])] + ([rng.choice(["big", "red"])] if rng.random() < .5
                                          else [])
        s += [rng.choice(["cat", "dog"]), rng.choice(["sat", "ran"]),
              rng.choice(["on", "under"]), rng.choice(["the", "a"]),
              rng.choice(["mat", "log"])]
        out.append(conllu_sentence(s))
    path = tmp_path / "toy.conllu"
    path.write_text("".join(out), encoding="utf-8")
    return path
