"""Shared fixtures: small corpora and a tiny, fast training config."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# Tests of these folders train many tiny models: one intra-op torch thread each. On the
# machine's two shared cores, two threads under other load made a 0.1 s loop 20 s
# (measured-facts.md).
ONE_THREAD_DIRS = ("classify", "tag", "wordlm")


@pytest.fixture(autouse=True)
def one_torch_thread(request):
    if request.node.path.parent.name not in ONE_THREAD_DIRS:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """~6 KB of repetitive text a tiny model learns in a few dozen steps."""
    lines = ["the cat sat on the mat.", "the dog sat on the log.", "a cat and a dog met.",
             "hello world, hello again."]
    path = tmp_path / "small.txt"
    path.write_text("\n".join(lines * 60) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def tiny_config(small_corpus: Path):
    """A LMConfig that trains in well under a second per dozen steps on 2 cores."""
    from engine.families.lm.config import LMConfig

    return LMConfig(corpus=str(small_corpus), model="lstm", hidden=32, embed=16, layers=2, batch_size=8,
                       bptt=32, dropout=0.0, lr=1e-2, warmup_steps=0, log_every=1,
                       eval_every=10, probe_every=5, sample_every=10, sample_length=30,
                       baseline_order=3, threads=1, device="cpu",
                       precision="fp32")  # the same arithmetic on every CI machine
