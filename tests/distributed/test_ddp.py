"""Data-parallel training (engine/training/distributed.py) with the gloo backend on 2 CPU processes,
started with the environment torchrun gives its ranks (ranks.py), or by torchrun itself."""

from __future__ import annotations

import json
import signal
import time

import pytest
import torch
from cli_helpers import cli, run_main
from ranks import WORKER, children, kill, spawn, torchrun, until, wait

from engine.storage import checkpoint as ckpt

pytestmark = pytest.mark.slow

GOOD = ["a fine film", "great acting and a fine plot", "I loved it", "superb and moving",
        "a great story", "loved the music", "fine work", "moving and great"]
BAD = ["a dull film", "awful acting and a dull plot", "I hated it", "boring and slow",
       "an awful story", "hated the music", "dull work", "slow and boring"]

# Tiny models of each family; plain SGD (Adam's first step is about lr x sign(gradient),
# blind to the gradient's size) without dropout or clipping, and no side jobs mid-run.
COMMON = ["--device", "cpu", "--threads", "1", "--dropout", "0", "--optimizer", "sgd",
          "--momentum", "0", "--lr", "0.5", "--warmup-steps", "0", "--clip-mode", "off",
          "--eval-every", "1000", "--sample-every", "0", "--probe-every", "0",
          "--precision", "fp32"]  # bf16 rounds 1 x 8 and 2 x 4 differently: not the same step
FAMILIES = {
    "lm": ["--corpus", "sample_corpora/hello.txt", "--hidden", "32", "--embed", "16",
           "--bptt", "16", "--baseline-order", "2"],
    "seq2seq": ["--task", "reverse", "--hidden", "32", "--embed", "16", "--attn-size", "16",
                "--heldout", "20", "--max-len", "8"],
    "classify": ["--task", "classify", "--data", "{reviews}", "--hidden", "24", "--embed",
                 "16", "--val-fraction", "0.25"],
    "tag": ["--task", "tag", "--data", "tests/fixtures/tag/entities.iob", "--hidden", "16",
            "--embed", "16", "--char-embed", "8", "--char-hidden", "8", "--word-dropout", "0"],
    "longrange": ["--task", "adding", "--length", "20", "--hidden", "16", "--heldout", "64"],
    "onetomany": ["--task", "onetomany", "--hidden", "32"],
    # One example, or none: every rank takes the one process's step.
    "hello": ["--task", "hello"],
    "surface": ["--task", "surface"],
}
SPLIT = ["lm", "seq2seq", "classify", "tag", "longrange", "onetomany"]  # a share per rank


@pytest.fixture(scope="module")
def reviews(tmp_path_factory) -> str:
    return _reviews(tmp_path_factory.mktemp("data"))


def family_args(name: str, reviews: str, batch: int) -> list[str]:
    return [a.format(reviews=reviews) for a in FAMILIES[name]] + COMMON + \
        ["--batch-size", str(batch)]


def weights(run_dir) -> dict[str, torch.Tensor]:
    return ckpt.load(run_dir).model


def largest_difference(a, b) -> float:
    return max(float((a[k] - b[k]).abs().max()) for k in a)


def events(run_dir) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("family", SPLIT)
def test_one_step_of_two_ranks_equals_one_process_with_the_whole_batch(family, reviews,
                                                                       tmp_path):
    """--batch-size is the global batch: 2 ranks x 4 take the step 1 process x 8 takes."""
    for batch in (8, 4):
        code = run_main("run", *family_args(family, reviews, batch), "--steps", "1",
                        "--out", str(tmp_path / f"one-{batch}"))
        assert code == 0
    procs = spawn(["run", *family_args(family, reviews, 8), "--steps", "1", "--out",
                   str(tmp_path / "two")], tmp_path / "logs")
    results = wait(procs, tmp_path / "logs")
    assert [r[0] for r in results] == [0, 0], results
    whole, two = weights(tmp_path / "one-8"), weights(tmp_path / "two")
    assert largest_difference(whole, two) < 1e-5
    # The comparison can fail: half the batch on one process is another step.
    assert largest_difference(whole, weights(tmp_path / "one-4")) > 1e-4
    # Rank 0 alone printed, and config.json says how the batch was split.
    assert "x 2 processes (gloo), global batch 8 = 2 x 4" in results[0][1]
    assert results[1][1] == ""
    config = json.loads((tmp_path / "two" / "config.json").read_text())
    assert config["distributed"] == {"world_size": 2, "backend": "gloo", "global_batch": 8,
                                     "batch_per_rank": 4.0}


def rank_of(pid: int) -> int:
    from pathlib import Path

    env = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return int(next(e for e in env if e.startswith(b"RANK=")).split(b"=")[1])


def checkpoint_step(run_dir) -> int:
    return int(ckpt.load(run_dir).meta["step"])


@pytest.mark.parametrize("family", list(FAMILIES))
def test_a_rank_killed_with_sigkill_leaves_a_checkpoint_the_run_resumes_from(family, reviews,
                                                                            tmp_path):
    out = tmp_path / "run"
    args = ["run", *family_args(family, reviews, 8), "--steps", "100000", "--lr", "0.05",
            "--checkpoint-every-s", "0.3", "--out", str(out)]
    agent = torchrun(args, tmp_path / "logs")
    try:
        until(lambda: (out / ckpt.FILENAME).exists() and checkpoint_step(out) >= 2)
        ranks = {rank_of(pid): pid for pid in children(agent.pid)}
        kill(ranks[1])  # SIGKILL: no goodbye; torchrun stops the other rank
        assert agent.wait(timeout=120) != 0
    finally:
        if agent.poll() is None:
            agent.kill()
    saved = checkpoint_step(out)  # whole: the file is written atomically
    assert saved >= 2
    procs = spawn(["run", "--out", str(out), "--resume", "--steps", str(saved + 3)],
                  tmp_path / "resume")
    results = wait(procs, tmp_path / "resume")
    assert [r[0] for r in results] == [0, 0], results
    log = events(out)
    start = [e for e in log if e["event"] == "start"][-1]
    assert start["resumed"] and start["step"] == saved
    assert log[-1]["event"] == "end" and log[-1]["step"] == saved + 3
    assert checkpoint_step(out) == saved + 3


def test_resuming_with_the_same_ranks_is_exact_and_with_another_count_says_so(tmp_path):
    """Dropout on: each rank's RNG state is in the checkpoint. 2 ranks x 6 steps straight
    equal 3 steps, resume, 3 more; 2 -> 1 -> 2 processes go on, saying what changed."""
    args = ["run", "--corpus", "sample_corpora/hello.txt", "--hidden", "32", "--embed", "16",
            "--bptt", "16", "--batch-size", "8", "--baseline-order", "2", "--dropout", "0.3",
            "--device", "cpu", "--threads", "1", "--eval-every", "1000", "--sample-every",
            "0", "--probe-every", "0"]
    for name, steps in (("straight", [6]), ("resumed", [3, 6])):
        for i, n in enumerate(steps):
            more = ["--resume"] if i else []
            procs = spawn([*args, "--steps", str(n), "--out", str(tmp_path / name), *more],
                          tmp_path / f"logs-{name}-{i}")
            assert [r[0] for r in wait(procs, tmp_path / f"logs-{name}-{i}")] == [0, 0]
    assert largest_difference(weights(tmp_path / "straight"), weights(tmp_path / "resumed")) \
        == 0.0
    # 2 -> 1: the same batches (the hidden state of all 8 streams is in the file), other
    # dropout draws; then 1 -> 2.
    code = run_main("run", "--out", str(tmp_path / "resumed"), "--resume", "--steps", "8")
    assert code == 0
    warning = [e for e in events(tmp_path / "resumed") if e["event"] == "warning"][-1]
    assert "resumed with 1 process(es), the checkpoint was written by 2" in warning["message"]
    procs = spawn(["run", "--out", str(tmp_path / "resumed"), "--resume", "--steps", "10"],
                  tmp_path / "logs-back")
    results = wait(procs, tmp_path / "logs-back")
    assert [r[0] for r in results] == [0, 0], results
    assert "the checkpoint was written by 1" in results[0][1]
    assert checkpoint_step(tmp_path / "resumed") == 10


def test_sigint_on_rank_1_stops_both_ranks_with_a_checkpoint(tmp_path):
    out = tmp_path / "run"
    procs = spawn(["run", *family_args("lm", "", 8), "--steps", "100000", "--lr", "0.05",
                   "--log-every", "1", "--out", str(out)], tmp_path / "logs")
    try:
        until(lambda: (out / "metrics.jsonl").exists() and
              sum(e["event"] == "train" for e in events(out)) >= 3)
    except AssertionError:
        [p.kill() for p in procs]
        raise
    procs[1].send_signal(signal.SIGINT)
    t0 = time.monotonic()
    results = wait(procs, tmp_path / "logs", timeout=60)
    assert time.monotonic() - t0 < 30  # seconds, on a loaded 2-core machine
    assert [r[0] for r in results] == [130, 130], results
    end = events(out)[-1]
    assert end["event"] == "end" and end["reason"] == "stopped"
    assert checkpoint_step(out) == end["step"]
    assert "interrupted at step" in results[0][2] and "interrupted" not in results[1][2]


def test_a_nan_on_one_rank_stops_both_with_the_same_last_good_checkpoint(tmp_path):
    out = tmp_path / "run"
    procs = spawn(["run", *family_args("lm", "", 8), "--steps", "1000", "--lr", "0.05",
                   "--log-every", "1", "--checkpoint-every-s", "0.001", "--out", str(out)],
                  tmp_path / "logs", script=WORKER, env={"NAN_RANK": "1", "NAN_STEP": "5"})
    results = wait(procs, tmp_path / "logs")
    assert [r[0] for r in results] == [3, 3], results
    said = [next(line for line in r[2].splitlines() if "last good checkpoint" in line)
            for r in results]
    assert said == ["rank 0: diverged at step 6, last good checkpoint 5",
                    "rank 1: diverged at step 6, last good checkpoint 5"]
    assert checkpoint_step(out) == 5
    assert "the last good checkpoint (step 5" in results[0][2]
    assert events(out)[-1]["reason"] == "diverged"


def test_nproc_launches_through_torchrun_and_the_side_jobs_use_the_bare_model(tmp_path,
                                                                           capsys):
    """`rnn-tui run --nproc 2`: torch's launcher, rank 0's output alone; the probes (a
    backward pass of their own), samples and evaluations run on rank 0 between DDP steps,
    and the last evaluation is what one process says of the saved weights."""
    import os
    import subprocess
    import sys

    from ranks import ROOT

    out = tmp_path / "run"
    args = [a for a in family_args("lm", "", 8) if a not in ()]
    args[args.index("--probe-every") + 1] = "2"
    args[args.index("--sample-every") + 1] = "3"
    args[args.index("--eval-every") + 1] = "3"
    done = subprocess.run([sys.executable, "-m", "rnn_tui", "run", "--nproc", "2", *args,
                           "--steps", "6", "--log-every", "1", "--out", str(out)],
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("training:") == 1 and "x 2 processes (gloo)" in done.stdout
    names = [e["event"] for e in events(out)]
    assert names.count("probe") == 3 and names.count("gates") == 3
    assert names.count("eval") == 2 and names.count("sample") == 2
    assert names[-1] == "end" and checkpoint_step(out) == 6
    assert "module." not in " ".join(weights(out))
    evals = [e for e in events(out) if e["event"] == "eval"]
    code, said, err = cli(capsys, "eval", str(out), "--last")
    assert code == 0, err
    assert said.startswith(f"{evals[-1]['val_loss']:.4f} nats/char"), (said, evals)
    best = [e for e in evals if e["best"]][-1]  # rank 0 kept it alone (no collective)
    code, said, err = cli(capsys, "eval", str(out))
    assert code == 0 and f"the best model: step {best['step']}" in err, err
    assert said.startswith(f"{best['val_loss']:.4f} nats/char"), (said, best)


def test_the_time_budget_ends_every_rank_on_the_same_step(tmp_path):
    """Each rank's clock differs (rank 0 also evaluates); the run's is the slowest rank's,
    agreed every step, so both stop together (a rank that went on alone would wait for the
    other in its next collective until the test's timeout)."""
    out = tmp_path / "run"
    procs = spawn(["run", *family_args("classify", _reviews(tmp_path), 8), "--minutes",
                   "0.1", "--eval-every", "7", "--out", str(out)], tmp_path / "logs")
    results = wait(procs, tmp_path / "logs", timeout=120)
    assert [r[0] for r in results] == [0, 0], results
    end = events(out)[-1]
    assert end["reason"] == "time" and checkpoint_step(out) == end["step"] > 7


def _reviews(folder) -> str:
    path = folder / "reviews.tsv"
    rows = [f"{t}\tpos" for t in GOOD] + [f"{t}\tneg" for t in BAD]
    path.write_text("".join(r + "\n" for r in rows * 3), encoding="utf-8")
    return str(path)


def test_ctrl_c_in_the_terminal_of_nproc_stops_every_rank_with_a_checkpoint(tmp_path):
    """A terminal's Ctrl+C reaches the launcher and every rank, and the launcher passes it on
    to the ranks once more: one stop, not a second Ctrl+C (which would abort unsaved)."""
    import os
    import subprocess
    import sys

    from ranks import ROOT

    out = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "rnn_tui", "run", "--nproc", "2",
                             *family_args("lm", "", 8), "--steps", "100000", "--lr", "0.05",
                             "--log-every", "1", "--out", str(out)],
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)  # its own process group: a terminal's
    try:
        until(lambda: (out / "metrics.jsonl").exists() and
              sum(e["event"] == "train" for e in events(out)) >= 2)
        os.killpg(proc.pid, signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted at step" in err
    end = events(out)[-1]
    assert end["reason"] == "stopped" and checkpoint_step(out) == end["step"]
