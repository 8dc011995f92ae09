"""Files that are not what they claim (issue 18): a FIFO, a device, a link out of the run,
JSON nested 100,000 levels deep, a file too large. Every reader goes through engine.files,
so each is one line and exit 2 - never a hang, a traceback or memory running out."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from cli_helpers import assert_clean_error, cli, train_tiny

from engine import files
from engine.storage import metrics

pytestmark = pytest.mark.timeout(120)  # a FIFO opened for a blocking read would hang here

IOB = Path(__file__).resolve().parents[1] / "fixtures" / "tag" / "entities.iob"
DEEP = "[" * 100_000 + "]" * 100_000


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe.tsv"
    os.mkfifo(path)
    return path


@pytest.fixture
def lm_run(capsys, small_corpus, tmp_path):
    out = tmp_path / "lm"
    train_tiny(capsys, small_corpus, out)
    return out


def test_the_reader_refuses_what_is_not_a_regular_file(tmp_path, fifo):
    from engine.errors import EngineError

    for path, kind in ((fifo, "FIFO"), (Path("/dev/zero"), "character device"),
                       (tmp_path, "directory")):
        with pytest.raises(EngineError, match=kind):
            files.read_bytes(path, "file", 1 << 20)
    big = tmp_path / "big"
    big.write_bytes(b"x" * 2000)
    with pytest.raises(EngineError, match="limit is 1,000 bytes"):
        files.read_bytes(big, "file", 1000)
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "out").symlink_to(big)
    with pytest.raises(EngineError, match="symbolic link out of"):
        files.read_bytes(tmp_path / "run" / "out", "file", 1 << 20, inside=tmp_path / "run")
    with pytest.raises(ValueError, match="nested"):
        files.loads_json(DEEP)
    with pytest.raises(ValueError, match="nested more than 3"):
        files.loads_json('{"a": [[[1]]]}', depth=3)
    assert files.loads_json('{"a": [[1]]}', depth=3) == {"a": [[1]]}


@pytest.mark.parametrize("task", [["--task", "classify"], ["--task", "tag"],
                                  ["--task", "pairs", "--pairs"]])
def test_data_that_is_a_fifo_or_a_device_is_refused(capsys, fifo, task):
    flag = [] if task[-1] == "--pairs" else ["--data"]
    for data, kind in ((fifo, "FIFO"), ("/dev/null", "character device")):
        code, out, err = cli(capsys, "run", *task, *flag, str(data), "--steps", "1",
                             "--device", "cpu")
        assert_clean_error(code, out, err, kind)


def test_a_config_file_that_is_a_fifo(capsys, fifo):
    assert_clean_error(*cli(capsys, "run", "--config", str(fifo), "--steps", "1"), "FIFO")


def test_predict_file_that_is_a_fifo(capsys, tmp_path, fifo):
    out = tmp_path / "tag"
    code, _, err = cli(capsys, "run", "--task", "tag", "--data", str(IOB), "--steps", "2",
                       "--hidden", "8", "--embed", "8", "--char-embed", "4", "--char-hidden",
                       "4", "--batch-size", "4", "--device", "cpu", "--out", str(out))
    assert code == 0, err
    assert_clean_error(*cli(capsys, "predict", str(out), "--file", str(fifo)), "FIFO")


@pytest.mark.parametrize("target", ["fifo", "/dev/zero", "outside"])
def test_a_checkpoint_that_is_no_file_of_the_run(capsys, lm_run, tmp_path, target):
    ck = lm_run / "checkpoint.safetensors"
    if target == "fifo":
        ck.unlink()
        os.mkfifo(ck)
    elif target == "outside":
        ck.rename(tmp_path / "elsewhere.safetensors")
        ck.symlink_to(tmp_path / "elsewhere.safetensors")
    else:
        ck.unlink()
        ck.symlink_to(target)
    for args in (["sample", str(lm_run), "--length", "5"], ["open", str(lm_run)],
                 ["run", "--out", str(lm_run), "--resume", "--steps", "5"]):
        code, out, err = cli(capsys, *args)
        assert_clean_error(code, out, err, "checkpoint.safetensors")
        assert any(n in err for n in ("FIFO", "character device", "link out of")), err


def test_run_files_that_are_devices_or_fifos_do_not_hang_list_or_compare(capsys, lm_run,
                                                                         tmp_path):
    (lm_run / "metrics.jsonl").unlink()
    (lm_run / "metrics.jsonl").symlink_to("/dev/zero")
    code, out, err = cli(capsys, "runs", "list", str(tmp_path))
    assert code == 0 and "lm" in out and "cannot read" in out, out + err
    assert_clean_error(*cli(capsys, "compare", str(lm_run), "--table"), "symbolic link out of")
    (lm_run / "metrics.jsonl").unlink()
    os.mkfifo(lm_run / "metrics.jsonl")
    assert_clean_error(*cli(capsys, "compare", str(lm_run), "--table"), "FIFO")
    (lm_run / "metrics.jsonl").unlink()
    (lm_run / "metrics.jsonl").write_text("")
    (lm_run / "config.json").unlink()
    (lm_run / "config.json").symlink_to("/dev/zero")
    assert_clean_error(*cli(capsys, "compare", str(lm_run), "--table"), "config")


def test_json_nested_100000_levels_deep(capsys, small_corpus, lm_run, tmp_path):
    lines = (lm_run / "metrics.jsonl").read_text().splitlines()
    (lm_run / "metrics.jsonl").write_text("\n".join([lines[0], DEEP, *lines[1:]]) + "\n")
    (lm_run / "config.json").write_text(DEEP)
    code, out, err = cli(capsys, "runs", "list", str(tmp_path))
    assert code == 0 and "1 runs" in out and "Recursion" not in out + err, out + err
    code, out, err = cli(capsys, "compare", str(lm_run), "--table")
    assert code == 0 and "lm" in out, err
    code, out, err = cli(capsys, "runs", "prune", str(tmp_path), "--min-steps", "1")
    assert code == 0 and "nothing to prune" in out, err
    code, out, err = cli(capsys, "run", "--out", str(lm_run), "--resume", "--steps", "4",
                         "--corpus", str(small_corpus))
    assert code == 0, err
    # the checkpoint's own metadata nested that deep: one line
    from safetensors.torch import save_file
    import torch

    save_file({"model.w": torch.zeros(1)}, str(lm_run / "checkpoint.safetensors"),
              metadata={"rnn_tui": DEEP})
    for args in (["sample", str(lm_run)], ["run", "--out", str(lm_run), "--resume"]):
        assert_clean_error(*cli(capsys, *args), "corrupt")


def test_a_metrics_line_over_the_limit_is_skipped_not_held(lm_run, monkeypatch):
    monkeypatch.setattr(metrics, "MAX_LINE", 1000)
    with open(lm_run / "metrics.jsonl", "a") as fh:
        fh.write(json.dumps({"event": "eval", "step": 1, "x": "y" * 5000}) + "\n")
        fh.write(json.dumps({"event": "train", "step": 99}) + "\n")
    records = metrics.read_metrics(lm_run)
    assert records[-1] == {"event": "train", "step": 99}
    assert not any("x" in r for r in records)


@pytest.mark.parametrize("task", [["--task", "classify", "--data"], ["--task", "tag", "--data"],
                                  ["--corpus"]])
def test_the_app_refuses_a_fifo_before_its_screen_opens(capsys, fifo, monkeypatch, task):
    import rnn_tui.app

    monkeypatch.setattr(rnn_tui.app, "create_app", lambda *a, **k: pytest.fail("app opened"))
    code, out, err = cli(capsys, *task, str(fifo))
    assert_clean_error(code, out, err)
    assert "FIFO" in err or "neither a regular file nor a directory" in err, err
