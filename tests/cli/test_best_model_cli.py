"""The best model (best.safetensors) from the command line: which model answers, said on
stderr after the answer; --last; a corrupt or foreign best model is one line and exit 2
while --last still works; the runs list counts it and prune removes it."""

from __future__ import annotations

import pytest
import torch
from cli_helpers import assert_clean_error, cli, train_tiny

from engine.storage.header import BEST, CHECKPOINT


@pytest.fixture
def lm_run(capsys, small_corpus, tmp_path):
    out = tmp_path / "lm"
    train_tiny(capsys, small_corpus, out, steps=4)
    assert (out / BEST).is_file() and (out / CHECKPOINT).is_file()
    return out


def test_inference_says_which_model_answered(capsys, lm_run, small_corpus):
    code, out, err = cli(capsys, "sample", str(lm_run), "--length", "5", "--seed", "1")
    assert code == 0 and out.strip(), err
    assert err.strip() == "(the best model: step 4, by val_loss; --last: the latest " \
                          "checkpoint, step 4)"
    code, out_last, err = cli(capsys, "sample", str(lm_run), "--length", "5", "--seed", "1",
                              "--last")
    assert code == 0 and err.strip() == "(the model of checkpoint.safetensors: step 4)", err
    assert out_last == out  # step 4 is both here: the same weights
    code, out, err = cli(capsys, "eval", str(lm_run), "--corpus", str(small_corpus))
    assert code == 0 and "the best model: step 4" in err.splitlines()[-1], err
    (lm_run / BEST).unlink()  # a run that kept none (yet): its latest
    code, out, err = cli(capsys, "sample", str(lm_run), "--length", "5")
    assert code == 0 and "(the model of checkpoint.safetensors: step 4)" in err, err


@pytest.mark.parametrize("damage", ["truncated", "garbage", "pickle", "foreign", "NaN"])
def test_a_damaged_best_model_is_one_line_and_last_still_answers(capsys, lm_run,
                                                                  small_corpus, damage):
    from safetensors.torch import save_file

    from engine.storage import checkpoint as ckpt

    path = lm_run / BEST
    needle = {"truncated": "corrupt or truncated", "garbage": "corrupt",
              "pickle": "corrupt", "foreign": "not an rnn-tui checkpoint",
              "NaN": "non-finite weights"}[damage]
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:200])
    elif damage == "garbage":
        path.write_bytes(b"\xff" * 300)
    elif damage == "pickle":
        torch.save({"w": torch.zeros(2)}, path)
    elif damage == "foreign":
        save_file({"w": torch.zeros(2)}, str(path))
    else:
        saved = ckpt.load(lm_run, BEST)
        saved.model["head.bias"][0] = float("nan")
        ckpt.save(path, saved)
    for args in (["sample", str(lm_run)], ["eval", str(lm_run), "--corpus", str(small_corpus)],
                 ["score", str(lm_run), "the cat"], ["open", str(lm_run)]):
        code, out, err = cli(capsys, *args)
        assert_clean_error(code, out, err, BEST, needle)
        assert len(err.strip().splitlines()) == 1 and out == "", err
    code, out, err = cli(capsys, "sample", str(lm_run), "--length", "5", "--last")
    assert code == 0 and out.strip(), err
    code, out, err = cli(capsys, "run", "--out", str(lm_run), "--resume", "--steps", "6")
    assert code == 0, err  # resume never reads it


def test_runs_list_counts_it_and_prune_removes_it(capsys, lm_run, tmp_path):
    from engine.storage.removal import own_size

    size, _ = own_size(lm_run)
    assert size >= (lm_run / BEST).stat().st_size + (lm_run / CHECKPOINT).stat().st_size
    code, out, err = cli(capsys, "runs", "prune", str(tmp_path), "--min-steps", "100", "--yes")
    assert code == 0 and "removed 1 runs" in out, out + err
    assert not lm_run.exists()
