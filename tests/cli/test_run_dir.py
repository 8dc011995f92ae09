"""The run directory is never lost: --force swaps only after a full setup, one writer per
directory, checkpoint timing independent of the log cadence, leftovers of kills cleaned."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from cli_helpers import TINY, assert_clean_error, cli, files_of, train_tiny


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


FORCE_TRIGGERS = {  # what makes the new run fail, and what the error names
    "corpus typo": (lambda small, tmp: ["--corpus", str(tmp / "wp.tx")], "not found"),
    "cuda on a cpu box": (lambda small, tmp: ["--corpus", str(small), "--device", "cuda"],
                          "CUDA"),
    "bptt longer than the text": (lambda small, tmp: ["--corpus", str(small), "--bptt",
                                                      "50000"], "fewer than one batch"),
    "huge seed": (lambda small, tmp: ["--corpus", str(small), "--seed",
                                      "99999999999999999999999"], "seed"),
    "model too big for memory": (lambda small, tmp: ["--corpus", str(small), "--hidden",
                                                     "16384", "--layers", "64"], "GB"),
}


@pytest.mark.parametrize("trigger", sorted(FORCE_TRIGGERS))
def test_force_keeps_the_old_run_when_the_new_one_cannot_start(capsys, small_corpus, tmp_path,
                                                              trigger):
    if trigger.startswith("cuda") and _cuda():
        pytest.skip("this machine has CUDA")
    out = tmp_path / "keep"
    train_tiny(capsys, small_corpus, out)
    before = files_of(out)
    args, needle = FORCE_TRIGGERS[trigger]
    base = [a for a in TINY if a != "cuda"]
    code, stdout, err = cli(capsys, "run", "--out", str(out), "--force", "--steps", "3", *base,
                            *args(small_corpus, tmp_path))
    assert_clean_error(code, stdout, err, needle)
    assert files_of(out) == before  # checkpoint, config, metrics, samples: all still there


def test_force_refuses_a_checkpoint_path_that_is_a_directory(capsys, small_corpus, tmp_path):
    out = tmp_path / "keep"
    train_tiny(capsys, small_corpus, out)
    (out / "checkpoint.safetensors").unlink()
    (out / "checkpoint.safetensors").mkdir()
    (out / "checkpoint.safetensors" / "notes.txt").write_text("mine")
    before = files_of(out)
    assert_clean_error(*cli(capsys, "run", "--corpus", str(small_corpus), "--out", str(out),
                            "--force", "--steps", "2", *TINY), "not a file")
    assert files_of(out) == before


def test_force_replaces_the_old_run_once_the_new_one_has_a_checkpoint(capsys, small_corpus,
                                                                      tmp_path):
    out = tmp_path / "run"
    train_tiny(capsys, small_corpus, out, steps=6)
    train_tiny(capsys, small_corpus, out, "--force", "--lr", "0.002", steps=2)
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["event"] for r in records].count("start") == 1  # only the new run's history
    assert max(r.get("step", 0) for r in records) == 2
    assert json.loads((out / "config.json").read_text())["lr"] == 0.002
    assert not (out / ".replaced").exists()


# --- one writer per directory -------------------------------------------------------------

def _live_run(corpus, out, *extra) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "rnn_tui", "run", "--corpus", str(corpus),
                             "--out", str(out), "--steps", "1000000", "--log-every", "1",
                             *TINY, *extra], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env)


def _wait_for_training(out, proc, timeout=60.0) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        path = out / "metrics.jsonl"
        if path.exists() and '"event": "train"' in path.read_text():
            return
        time.sleep(0.1)
    raise AssertionError("the first run never started training")


def test_a_second_writer_is_refused_with_the_pid_of_the_first(capsys, small_corpus, tmp_path):
    out = tmp_path / "busy"
    proc = _live_run(small_corpus, out)
    try:
        _wait_for_training(out, proc)
        for args in (["run", "--corpus", str(small_corpus), "--out", str(out), "--force",
                      *TINY],
                     ["run", "--out", str(out), "--resume"],
                     ["run", "--task", "add", "--out", str(out), "--force",
                      "--threads", "1", "--device", "cpu"],
                     ["--corpus", str(small_corpus), "--out", str(out)]):  # the app
            code, stdout, err = cli(capsys, *args)
            assert_clean_error(code, stdout, err, "in use by another rnn-tui run",
                               f"pid {proc.pid}")
        assert proc.poll() is None  # the first run goes on, its metrics untouched
        text = (out / "metrics.jsonl").read_text()
        assert text.count('"event": "start"') == 1
    finally:
        proc.kill()
        proc.wait()
    # It died: its lock went with it, and the run is taken over.
    train_tiny(capsys, small_corpus, out, "--force", steps=2)


def test_a_stale_lock_file_of_a_dead_process_is_taken_over(capsys, small_corpus, tmp_path):
    out = tmp_path / "run"
    train_tiny(capsys, small_corpus, out)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    (out / ".lock").write_text(dead + "\n")
    code, _, err = cli(capsys, "run", "--out", str(out), "--resume", "--steps", "5")
    assert code == 0, err


# --- a kill -9 loses at most one interval, and leaves nothing behind ------------------------

def test_leftover_temp_files_of_a_killed_write_are_removed(capsys, small_corpus, tmp_path):
    out = tmp_path / "run"
    train_tiny(capsys, small_corpus, out)
    (out / ".checkpoint-k1ll3d.tmp").write_bytes(b"half a checkpoint")
    assert cli(capsys, "run", "--out", str(out), "--resume", "--steps", "4")[0] == 0
    assert not list(out.glob(".checkpoint-*.tmp"))


def test_empty_out_is_refused(capsys, small_corpus):
    assert_clean_error(*cli(capsys, "run", "--corpus", str(small_corpus), "--out", "",
                            "--steps", "2", *TINY), "--out is empty")
    assert_clean_error(*cli(capsys, "run", "--task", "add", "--out", " ",
                            "--steps", "2"), "--out is empty")


def test_a_failed_resume_leaves_config_and_metrics_as_they_were(capsys, small_corpus, tmp_path):
    out = tmp_path / "run"
    train_tiny(capsys, small_corpus, out, steps=6)
    before = files_of(out)
    # --batch-size cannot match the saved data position; --hidden cannot change at all
    for args, needle in ((["--batch-size", "4"], "batch_size"),
                         (["--hidden", "64"], "cannot change on --resume")):
        assert_clean_error(*cli(capsys, "run", "--out", str(out), "--resume", "--steps", "9",
                                *args), needle)
        assert files_of(out) == before


def test_resume_with_a_config_file_applies_it(capsys, small_corpus, tmp_path):
    out = tmp_path / "run"
    train_tiny(capsys, small_corpus, out)
    toml = tmp_path / "more.toml"
    toml.write_text("lr = 0.0005\nsteps = 5\n")
    code, stdout, err = cli(capsys, "run", "--out", str(out), "--resume", "--config", str(toml))
    assert code == 0, err
    saved = json.loads((out / "config.json").read_text())
    assert saved["lr"] == 0.0005 and saved["steps"] == 5  # honoured, not ignored
    code, stdout, err = cli(capsys, "run", "--out", str(out), "--resume", "--config", str(toml),
                            "--steps", "7")  # flags win over the file
    assert code == 0 and json.loads((out / "config.json").read_text())["steps"] == 7
    toml.write_text("model = 'rnn'\n")
    assert_clean_error(*cli(capsys, "run", "--out", str(out), "--resume", "--config",
                            str(toml)), "cannot change on --resume")
