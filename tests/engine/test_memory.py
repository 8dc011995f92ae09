"""engine.training.memory: parameters counted without allocating them; sizes refused with the
estimate."""

from __future__ import annotations

import pytest
import torch

from engine.training import memory
from engine.families.lm.config import LMConfig
from engine.errors import EngineError
from engine.families.lm.model import CharLM


def test_parameter_count_on_the_meta_device_matches_the_real_model():
    cfg = LMConfig(model="lstm", hidden=48, layers=2, embed=16)
    real = sum(p.numel() for p in CharLM.from_config(cfg, 30).parameters())
    assert memory.parameter_count(lambda: CharLM.from_config(cfg, 30)) == real
    big = LMConfig(model="lstm", hidden=16384, layers=64)  # 550 GB of weights: instant
    assert memory.parameter_count(lambda: CharLM.from_config(big, 30)) > 10**11


def test_check_fits_states_the_estimate():
    memory.check_fits(1024, torch.device("cpu"), "a model", "make it smaller")
    with pytest.raises(EngineError, match=r"a model needs about 1,048,576.0 GB of memory, "
                                          r"more than the .* GB available \(cpu\); smaller"):
        memory.check_fits(2**50, torch.device("cpu"), "a model", "smaller")


def test_training_bytes_count_optimizer_slots():
    adam = memory.training_bytes(1000, "adam", 0)
    sgd = memory.training_bytes(1000, "sgd", 0)
    assert adam > sgd >= 4 * 1000 * 3  # weights, gradients, momentum at least


def test_config_limits_for_seed_and_threads():
    with pytest.raises(EngineError, match="seed"):
        LMConfig(seed=10**23).validate()
    with pytest.raises(EngineError, match="seed"):
        LMConfig(seed=-1).validate()
    with pytest.raises(EngineError, match="threads"):
        LMConfig(threads=100000).validate()


def test_counting_on_meta_skips_the_initialisers():
    """nn.Embedding's normal_ on a meta tensor imports torch._dynamo (1 s); the count must
    not pay it (a fresh process: this one may have imported it already)."""
    import subprocess
    import sys

    code = ("import sys, torch\n"
            "from engine.training.memory import parameter_count, meta_shapes\n"
            "from engine.families.lm.model import CharLM\n"
            "n = parameter_count(lambda: CharLM(80, 'gru', 64, 512, 2, tied=True))\n"
            "shapes = meta_shapes(lambda: CharLM(80, 'gru', 64, 512, 2))\n"
            "print(n, shapes['embedding.weight'].numel(), 'torch._dynamo' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    real = sum(p.numel() for p in CharLM(80, "gru", 64, 512, 2, tied=True).parameters())
    assert out == [str(real), str(80 * 64), "False"]
