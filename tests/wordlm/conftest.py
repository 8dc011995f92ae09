"""Fixtures of the word-level tests (one torch thread each: tests/conftest.py)."""

from __future__ import annotations

import pytest

SENTENCES = ["The cat sat on the mat.", "A dog ran to the house, and it was late.",
             "The old king spoke to the queen.", "My friend looked at a tree!",
             "The bird walked past the river; it was cold.", "Don't look at the dog."]


@pytest.fixture
def word_corpus(tmp_path):
    """Raw English text of a few hundred lines (words and punctuation)."""
    import random

    rng = random.Random(0)
    path = tmp_path / "words.txt"
    path.write_text("\n".join(rng.choice(SENTENCES) for _ in range(600)) + "\n",
                    encoding="utf-8")
    return path


@pytest.fixture
def word_config(word_corpus):
    """A tiny word LM that trains a dozen steps in well under a second."""
    from engine.families.lm.config import LMConfig

    return LMConfig(tokens="word", corpus=str(word_corpus), model="lstm", hidden=24, embed=16,
                    layers=2, batch_size=4, bptt=12, dropout=0.0, optimizer="adam", lr=1e-2,
                    warmup_steps=0, clip=1.0,
                    log_every=1, eval_every=6, probe_every=3, sample_every=6,
                    sample_length=12, baseline_order=3, threads=1, device="cpu")
