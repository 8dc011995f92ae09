"""Data of the tagging tests that test modules import (a module of its own: the name
`conftest` is every test folder's, so importing from it finds whichever came first)."""

from __future__ import annotations

from pathlib import Path

IOB = Path(__file__).resolve().parents[1] / "fixtures" / "tag" / "entities.iob"


def tiny_tag(**changes):
    """A TagConfig that trains in a few hundredths of a second per step."""
    from engine.families.tag.config import TagConfig

    base = dict(embed=16, hidden=16, char_embed=8, char_hidden=8, batch_size=8, lr=1e-2,
                warmup_steps=0, dropout=0.0, log_every=1, eval_every=10, probe_every=5,
                sample_every=10, probe_sentences=2, threads=1, device="cpu")
    base.update(changes)
    return TagConfig(**base)
