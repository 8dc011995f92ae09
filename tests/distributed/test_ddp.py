"""Data-parallel training (engine/distributed.py) with the gloo backend on 2 CPU processes,
started with the environment torchrun gives its ranks (ranks.py), or by torchrun itself."""

from __future__ import annotations

import json
import signal
import time

import pytest
import torch
from cli_helpers import run_main
from ranks import WORKER, children, kill, spawn, torchrun, until, wait

from engine import checkpoint as ckpt

pytestmark = pytest.mark.slow

GOOD = ["a fine film", "great acting and a fine plot", "I loved it", "superb and moving",
        "a great story", "loved the music", "fine work", "moving and great"]
BAD = ["a dull film", "awful acting and a dull plot", "I hated it", "boring and slow",
       "an awful story", "hated the music", "dull work", "slow and boring"]

# Tiny models of each family; plain SGD (Adam's first step is about lr x sign(gradient),
# blind to the gradient's size) without dropout or clipping, and no side jobs mid-run.
COMMON = ["--device", "cpu", "--threads", "1", "--dropout", "0", "--optimizer", "sgd",
          "--momentum", "0", "--lr", "0.5", "--warmup-steps", "0", "--clip-mode", "off",
          "--eval-every", "1000", "--sample-every", "0", "--probe-every", "0"]
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
}


@pytest.fixture(scope="module")
def reviews(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("data") / "reviews.tsv"
    rows = [f"{t}\tpos" for t in GOOD] + [f"{t}\tneg" for t in BAD]
    path.write_text("".join(r + "\n" for r in rows * 3), encoding="utf-8")
    return str(path)


def family_args(name: str, reviews: str, batch: int) -> list[str]:
    return [a.format(reviews=reviews) for a in FAMILIES[name]] + COMMON + \
        ["--batch-size", str(batch)]


def weights(run_dir) -> dict[str, torch.Tensor]:
    return ckpt.load(run_dir).model


def largest_difference(a, b) -> float:
    return max(float((a[k] - b[k]).abs().max()) for k in a)


def events(run_dir) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("family", ["lm", "seq2seq", "classify", "tag", "longrange"])
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
