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
    from engine.storage.checkpoint import load

    saved = load(out)  # whatever moment the kill hit, the file is whole
    logged = train_steps(out)
    assert saved.meta["step"] > 0 and logged - saved.meta["step"] < 200
    res = subprocess.run([sys.executable, "-m", "rnn_tui", "run", "--out", str(out), "--resume",
                          "--steps", str(saved.meta["step"] + 3)], capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 0, res.stderr


# --- a stop is honoured within seconds, even inside a long evaluation, baseline or sample ---

def big_corpus(path: Path, chars: int) -> Path:
    """One long line of words (no newline at all): the shape that made evaluation slow."""
    import random

    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota"]
    rng = random.Random(0)
    block = " ".join(rng.choice(words) for _ in range(20000)) + " "
    path.write_text((block * (chars // len(block) + 1))[:chars], encoding="utf-8")
    return path


class Watched:
    """A CLI subprocess whose stdout and stderr are collected by threads as they come."""

    def __init__(self, *args: str):
        import threading

        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "-m", "rnn_tui", *args],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, env=env)
        self.out: list[str] = []
        self.err: list[str] = []
        self.threads = [threading.Thread(target=self._read, args=(s, b), daemon=True)
                        for s, b in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))]
        for t in self.threads:
            t.start()

    @staticmethod
    def _read(stream, buf):
        while chunk := stream.read(1):
            buf.append(chunk)

    def text(self) -> str:
        return "".join(self.out) + "".join(self.err)

    def stop_within(self, seconds: float) -> tuple[int, float]:
        """SIGTERM; (exit code, seconds it took to exit)."""
        t0 = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=seconds + 20)
        finally:
            self.proc.kill()
        for t in self.threads:
            t.join(timeout=5)
        return self.proc.returncode, time.monotonic() - t0


PROMPT_S = 3.0  # "within a second or two", plus a loaded 2-core machine


@pytest.mark.slow
def test_sigterm_during_the_final_validation_pass(tmp_path):
    corpus = big_corpus(tmp_path / "line.txt", 1_000_000)  # 500k validation chars: ~10 s
    out = tmp_path / "run"
    w = Watched("run", "--corpus", str(corpus), "--out", str(out), "--val-fraction", "0.5",
                "--steps", "3", "--eval-every", "1000", "--baseline-order", "0", "--hidden",
                "256", "--batch-size", "4", "--bptt", "16", "--log-every", "1", "--threads",
                "1", "--device", "cpu", "--checkpoint-every-s", "1000")
    assert wait_for(lambda: train_steps(out) >= 3), w.text()
    time.sleep(0.5)  # now inside the final evaluation
    code, took = w.stop_within(PROMPT_S)
    assert code == 130 and took < PROMPT_S, (code, took, w.text())
    assert "Traceback" not in w.text() and "interrupted at step 3" in w.text()
    from engine.storage.checkpoint import load

    assert load(out).meta["step"] == 3


@pytest.mark.slow
def test_sigterm_during_the_baselines_of_a_run(tmp_path):
    corpus = big_corpus(tmp_path / "line.txt", 4_000_000)  # an 8-gram on 3.6M chars: ~12 s
    out = tmp_path / "run"
    w = Watched("run", "--corpus", str(corpus), "--out", str(out), "--baseline-order", "8",
                "--hidden", "32", "--steps", "5", "--threads", "1", "--device", "cpu")
    assert wait_for(lambda: "training:" in w.text(), 60), w.text()  # baselines come next
    time.sleep(0.5)
    code, took = w.stop_within(PROMPT_S)
    assert code == 130 and took < PROMPT_S, (code, took, w.text())
    assert "before the first step" in w.text() and "Traceback" not in w.text()


@pytest.mark.slow
def test_sigterm_during_the_baseline_command(tmp_path):
    corpus = big_corpus(tmp_path / "line.txt", 4_000_000)
    w = Watched("baseline", "--corpus", str(corpus), "--order", "8")
    assert wait_for(lambda: "counting" in w.text(), 60), w.text()
    time.sleep(0.5)
    code, took = w.stop_within(PROMPT_S)
    assert code == 130 and took < PROMPT_S, (code, took, w.text())
    assert "Traceback" not in w.text()


@pytest.mark.slow
def test_sigterm_during_sampling(capsys, small_corpus, tmp_path):
    from cli_helpers import cli

    out = tmp_path / "run"
    assert cli(capsys, "run", "--corpus", str(small_corpus), "--out", str(out), "--steps", "2",
               *ARGS)[0] == 0
    w = Watched("sample", str(out), "--length", "100000")
    assert wait_for(lambda: len(w.out) > 200, 60), w.text()
    code, took = w.stop_within(PROMPT_S)
    assert code == 130 and took < PROMPT_S, (code, took, w.text())
    assert "Traceback" not in w.text()


# --- kill -9 at random moments, again and again ----------------------------------------

@pytest.mark.slow
def test_kill_9_loop_never_breaks_the_run_directory(small_corpus, tmp_path):
    """20 kills at random moments (during start-up, training, checkpoint writes, the metrics
    rewrite of a resume...), resuming after each: the directory always loads, and the
    checkpoint is never more than one interval (plus a step) behind what was logged."""
    import json
    import random

    from engine.storage.checkpoint import load
    from engine.storage.metrics import read_metrics

    interval = 0.4
    out = tmp_path / "run"
    proc = start(small_corpus, out, "--steps", "1000000", "--checkpoint-every-s", str(interval))
    try:
        assert wait_for(lambda: (out / "checkpoint.safetensors").exists()), "no checkpoint"
    finally:
        proc.kill()
        proc.wait()
    rng = random.Random(8)
    last_step = 0
    for _ in range(20):
        proc = subprocess.Popen([sys.executable, "-m", "rnn_tui", "run", "--out", str(out),
                                 "--resume"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        time.sleep(rng.uniform(0.2, 3.0))
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
        assert "Traceback" not in err, err
        saved = load(out)  # always whole
        json.loads((out / "config.json").read_text())
        assert saved.meta["step"] >= last_step  # never goes back
        last_step = saved.meta["step"]
        train = [r for r in read_metrics(out) if r["event"] == "train"]
        logged = [r for r in train if r["step"] > saved.meta["step"]]
        if logged:  # what the kill lost: at most one interval of training
            assert logged[-1]["elapsed_s"] - saved.meta["elapsed"] <= interval + 0.5
    res = subprocess.run([sys.executable, "-m", "rnn_tui", "run", "--out", str(out), "--resume",
                          "--steps", str(last_step + 3)], capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 0, res.stderr
    steps = [r["step"] for r in read_metrics(out) if r["event"] == "train"]
    assert steps == list(range(1, last_step + 4))  # one continuous history
    assert not list(out.glob(".checkpoint-*.tmp"))  # leftovers of killed writes removed


@pytest.mark.slow
@pytest.mark.parametrize("wait_steps", [0, 2])  # 0: in the baselines; 2: in an evaluation
def test_sigterm_with_5000_classes(tmp_path, wait_steps):
    """Issue 18: 17 s with 5,000 classes (the per-class matrix was 5,000 x 5,000, and the
    Naive Bayes baseline never looked at the stop)."""
    import random

    rng = random.Random(0)
    data = tmp_path / "many.tsv"
    data.write_text("".join(" ".join(f"w{rng.randrange(2000)}" for _ in range(8)) + f"\tc{c}\n"
                            for c in range(5000) for _ in range(4)))
    out = tmp_path / "run"
    w = Watched("run", "--task", "classify", "--data", str(data), "--steps", "400",
                "--eval-every", "1", "--log-every", "1", "--hidden", "32", "--embed", "16",
                "--threads", "1", "--device", "cpu", "--out", str(out))
    assert wait_for(lambda: train_steps(out) >= wait_steps
                    and (wait_steps or "training:" in w.text()), 120), w.text()
    time.sleep(0.3)
    code, took = w.stop_within(PROMPT_S)
    assert code == 130 and took < PROMPT_S, (code, took, w.text())
    assert (out / "metrics.jsonl").stat().st_size < 5_000_000  # 75 MB an evaluation before
