"""Checkpoints: atomic, code-free, and clear about corrupt or foreign files."""

from __future__ import annotations

import pytest
import torch

from engine import checkpoint as ckpt
from engine.errors import EngineError


def sample_data():
    return ckpt.CheckpointData(meta={"config": {}, "vocab": ["a"], "step": 3},
                               model={"w": torch.randn(3, 4)},
                               optim={"0.exp_avg": torch.zeros(3)})


def test_round_trip(tmp_path):
    data = sample_data()
    ckpt.save(tmp_path / ckpt.FILENAME, data)
    back = ckpt.load(tmp_path)
    assert torch.equal(back.model["w"], data.model["w"])
    assert back.meta["step"] == 3 and back.meta["format"] == ckpt.FORMAT
    assert not [p for p in tmp_path.iterdir() if p.name != ckpt.FILENAME]  # no temp left


def test_truncated_file(tmp_path):
    path = ckpt.save(tmp_path / ckpt.FILENAME, sample_data())
    path.write_bytes(path.read_bytes()[:50])
    with pytest.raises(EngineError, match="corrupt or truncated"):
        ckpt.load(path)


def test_garbage_and_pickle_files(tmp_path):
    (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 100)
    with pytest.raises(EngineError, match="corrupt"):
        ckpt.load(tmp_path / "junk.safetensors")
    torch.save({"w": torch.zeros(2)}, tmp_path / "pickle.safetensors")  # a pickle in disguise
    with pytest.raises(EngineError, match="corrupt"):
        ckpt.load(tmp_path / "pickle.safetensors")


def test_foreign_safetensors_file(tmp_path):
    from safetensors.torch import save_file

    save_file({"w": torch.zeros(2)}, str(tmp_path / "other.safetensors"))
    with pytest.raises(EngineError, match="not an rnn-tui checkpoint"):
        ckpt.load(tmp_path / "other.safetensors")


def test_missing(tmp_path):
    with pytest.raises(EngineError, match="no checkpoint"):
        ckpt.load(tmp_path / "nope.safetensors")


def test_failed_write_keeps_previous(tmp_path, monkeypatch):
    path = ckpt.save(tmp_path / ckpt.FILENAME, sample_data())
    before = path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(ckpt.os, "replace", boom)
    with pytest.raises(OSError):
        ckpt.save(path, sample_data())
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [ckpt.FILENAME]
