"""Generation lengths have documented caps (issue 18): `sample --length` at most 100,000
tokens, a decoding at most 10,000 characters (`translate --max-len`, a checkpoint's own
limit), so a typo never runs for hours; each is one line and exit 2 before any output."""

from __future__ import annotations

import pytest
from cli_helpers import assert_clean_error, cli, edit_checkpoint, train_tiny

from engine.errors import EngineError
from engine.families.lm.config import MAX_SAMPLE_LENGTH, LMConfig
from engine.families.seq2seq.config import MAX_OUTPUT_LEN


@pytest.fixture(scope="module")
def s2s_run(tmp_path_factory):
    from cli_helpers import run_main

    out = tmp_path_factory.mktemp("s2s") / "run"
    assert run_main("run", "--task", "add", "--out", str(out), "--steps", "2", "--hidden",
                    "16", "--embed", "8", "--heldout", "20", "--device", "cpu") == 0
    return out


def test_sample_length_is_capped(capsys, small_corpus, tmp_path):
    run = tmp_path / "lm"
    train_tiny(capsys, small_corpus, run)
    code, out, err = cli(capsys, "sample", str(run), "--length", "10000000")
    assert_clean_error(code, out, err, "cap of 100,000 tokens")
    assert out == ""  # refused before anything was written
    with pytest.raises(EngineError, match="sample_length"):
        LMConfig(sample_length=MAX_SAMPLE_LENGTH + 1).validate()


def test_translate_max_len_and_a_checkpoints_own_limit_are_capped(capsys, s2s_run):
    code, out, err = cli(capsys, "translate", str(s2s_run), "12+34", "--max-len", "10000000")
    assert_clean_error(code, out, err, "cap of 10,000 characters")
    code, out, err = cli(capsys, "translate", str(s2s_run), "12+34", "--beam", "2",
                         "--max-len", "10000000")
    assert_clean_error(code, out, err, "cap of 10,000 characters")
    from engine.storage.state import load_run

    edit_checkpoint(s2s_run, meta={"max_target_len": 10**5})
    assert load_run(s2s_run).task.max_out == MAX_OUTPUT_LEN
    edit_checkpoint(s2s_run, meta={"max_target_len": 10**12})
    assert_clean_error(*cli(capsys, "translate", str(s2s_run), "12+34"),
                       "'max_target_len' must be a whole number from 0 to 100,000")
