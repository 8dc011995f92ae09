"""Fixtures of the tagging tests: one torch thread (the two cores are shared), the small IOB
file written for the tests, a small CoNLL-U file, and a tiny tagging config."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

IOB = Path(__file__).resolve().parents[1] / "fixtures" / "tag" / "entities.iob"
WORDS = ["the", "a", "cat", "dog", "sat", "ran", "on", "under", "mat", "log", "big", "red"]
POS = {"the": "DET", "a": "DET", "cat": "NOUN", "dog": "NOUN", "sat": "VERB",
       "ran": "VERB", "on": "ADP", "under": "ADP", "mat": "NOUN", "log": "NOUN",
       "big": "ADJ", "red": "ADJ"}


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


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


def tiny_tag(**changes):
    """A TagConfig that trains in a few hundredths of a second per step."""
    from engine.families.tag.config import TagConfig

    base = dict(embed=16, hidden=16, char_embed=8, char_hidden=8, batch_size=8, lr=1e-2,
                warmup_steps=0, dropout=0.0, log_every=1, eval_every=10, probe_every=5,
                sample_every=10, probe_sentences=2, threads=1, device="cpu")
    base.update(changes)
    return TagConfig(**base)
