"""Ctrl+C saves a checkpoint and exits cleanly; SIGKILL loses at most one interval."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ARGS = ["--hidden", "64", "--embed", "16", "--batch-size", "8", "--bptt", "64",
        "--baseline-order", "2", "--threads", "1", "--device", "cpu", "--eval-every", "1000",
        "--log-every", "1"]


def start(corpus: Path, out: Path, *extra: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "rnn_tui", "run", "--corpus", str(corpus),
                             "--out", str(out), *ARGS, *extra], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def wait_for(predicate, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def train_steps(out: Path) -> int:
    path = out / "metrics.jsonl"
    return path.read_text().count('"event": "train"') if path.exists() else 0


def test_ctrl_c_saves_and_exits_cleanly(small_corpus, tmp_path):
    out = tmp_path / "run"
    proc = start(small_corpus, out, "--steps", "100000")
    try:
        assert wait_for(lambda: train_steps(out) >= 3), "training never started"
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stdout + stderr
    assert "--resume" in stderr
    assert (out / "checkpoint.safetensors").is_file()
    # and the run continues from there
    res = subprocess.run([sys.executable, "-m", "rnn_tui", "run", "--out", str(out), "--resume",
                          "--steps", "200000", "--minutes", "0.02"], capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert "resuming at step" in res.stdout


def test_sigkill_loses_at_most_one_interval(small_corpus, tmp_path):
    out = tmp_path / "run"
    proc = start(small_corpus, out, "--steps", "100000", "--checkpoint-every-s", "0.3")
    try:
        assert wait_for(lambda: (out / "checkpoint.safetensors").exists()
                        and train_steps(out) >= 20), "no checkpoint written"
        time.sleep(0.5)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        proc.kill()
    from engine.checkpoint import load

    saved = load(out)  # whatever moment the kill hit, the file is whole
    logged = train_steps(out)
    assert saved.meta["step"] > 0 and logged - saved.meta["step"] < 200
    res = subprocess.run([sys.executable, "-m", "rnn_tui", "run", "--out", str(out), "--resume",
                          "--steps", str(saved.meta["step"] + 3)], capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 0, res.stderr
