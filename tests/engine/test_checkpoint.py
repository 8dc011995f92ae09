"""Checkpoints: atomic, code-free, and clear about corrupt or foreign files."""

from __future__ import annotations

import pytest
import torch

from engine.storage import checkpoint as ckpt
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
    with pytest.raises(EngineError, match="cannot write checkpoint .*disk full.*unchanged"):
        ckpt.save(path, sample_data())
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == [ckpt.FILENAME]


@pytest.mark.parametrize("meta,needle", [
    ({"vocab": "abc"}, "'vocab' must be"),
    ({"vocab": ["a", "a"]}, "'vocab' must be"),
    ({"step": "3"}, "'step' must be"),
    ({"step": -1}, "'step' must be"),
    ({"step": True}, "'step' must be"),
    ({"elapsed": float("nan")}, "'elapsed' must be"),
    ({"config": []}, "'config' must be"),
    ({"data": {"pos": "x"}}, "'data' must be"),
    ({"optimizer_groups": [1]}, "'optimizer_groups' must be"),
    ({"last_eval_step": 1.5}, "'last_eval_step' must be"),
])
def test_edited_metadata_is_named(tmp_path, meta, needle):
    data = sample_data()
    data.meta.update(meta)
    ckpt.save(tmp_path / ckpt.FILENAME, data)
    with pytest.raises(EngineError, match=needle):
        ckpt.load(tmp_path)


def test_tensors_that_cannot_be_used(tmp_path):
    data = sample_data()
    data.rng["cpu"] = torch.zeros(3, dtype=torch.uint8)
    ckpt.save(tmp_path / ckpt.FILENAME, data)
    with pytest.raises(EngineError, match="RNG state"):
        ckpt.load(tmp_path)
    data = sample_data()
    data.model["w"][1, 2] = float("nan")
    ckpt.save(tmp_path / ckpt.FILENAME, data)
    with pytest.raises(EngineError, match=r"non-finite weights \(NaN or inf in w\)"):
        ckpt.load(tmp_path)


def test_weights_of_another_model_name_the_tensor_and_both_shapes():
    model = torch.nn.Linear(4, 3)
    with pytest.raises(EngineError, match=r"model.weight has shape \(3, 5\) in the checkpoint "
                                          r"but \(3, 4\) in the model"):
        ckpt.load_weights(model, {"weight": torch.zeros(3, 5), "bias": torch.zeros(3)})
    with pytest.raises(EngineError, match=r"1 missing \(first: model.bias\) and 1 unexpected "
                                          r"\(first: model.extra\)"):
        ckpt.load_weights(model, {"weight": torch.zeros(3, 4), "extra": torch.zeros(1)})


def test_optimizer_state_of_another_shape_is_refused():
    p = torch.nn.Parameter(torch.zeros(3, 4))
    opt = torch.optim.Adam([p])
    p.grad = torch.ones(3, 4)
    opt.step()
    flat, groups = ckpt.optimizer_to_flat(opt)
    flat["0.exp_avg"] = torch.zeros(2)
    with pytest.raises(EngineError, match=r"optim.0.exp_avg has shape \(2,\)"):
        ckpt.optimizer_from_flat(torch.optim.Adam([p]), flat, groups)


def test_a_language_model_checkpoint_needs_a_character_vocabulary():
    """(Word vocabularies are valid checkpoint metadata; a character LM's are single chars.)"""
    from engine.families.lm.config import LMConfig
    from engine.families.lm.task import LanguageModelTask

    with pytest.raises(EngineError, match="'vocab' must be a list of distinct single"):
        LanguageModelTask(LMConfig(), {"vocab": ["ab"], "step": 0})
