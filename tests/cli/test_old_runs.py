"""Run directories written before the task families shared one loop still work: they open
(their history and config), sample or translate, evaluate and resume.

The fixtures in tests/fixtures/old_runs were written by rnn-tui at commit e85b118 (their
checkpoint.safetensors kept as checkpoint.fixture, so no checkpoint is tracked by git) (a GRU
language model on tiny.txt; a seq2seq model on the reverse task) with:
    rnn-tui run --corpus tiny.txt --out lm-v0 --steps 6 --hidden 16 --embed 8 --layers 1
        --batch-size 4 --bptt 16 --eval-every 3 --sample-every 3 --sample-length 10
        --probe-every 3 --baseline-order 2 --threads 1 --device cpu --model gru
    rnn-tui run --task reverse --min-len 3 --max-len 6 --heldout 20 --hidden 16 --embed 8
        --attn-size 8 --batch-size 8 --steps 6 --eval-every 3 --attention-every 3
        --probe-every 3 --out seq2seq-v0 --device cpu
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cli_helpers import cli
from engine import events as ev
from engine.storage.checkpoint import load
from engine.storage.header import read_meta
from engine.storage.state import checkpoint_config
from rnn_tui.app.history import load_history

OLD = Path(__file__).resolve().parents[1] / "fixtures" / "old_runs"


@pytest.fixture
def old_run(tmp_path):
    def copy(name: str) -> Path:
        shutil.copy(OLD / "tiny.txt", tmp_path / "tiny.txt")
        run = Path(shutil.copytree(OLD / name, tmp_path / name))
        (run / "checkpoint.fixture").rename(run / "checkpoint.safetensors")
        return run
    return copy


def steps_of(run: Path) -> list[int]:
    lines = (run / "metrics.jsonl").read_text().splitlines()
    return [r["step"] for r in map(json.loads, lines) if r["event"] == "train"]


def test_an_old_language_model_opens_samples_evaluates_and_resumes(capsys, old_run):
    run = old_run("lm-v0")
    cfg = checkpoint_config(load(run), str(run))  # what `rnn-tui open` builds the app from
    assert cfg.FAMILY == "lm" and cfg.model == "gru" and cfg.hidden == 16
    h = load_history(run)
    assert h.train_x[-1] == 6 and h.val_x == [3, 6]
    assert list(h.baselines.losses) == ["uniform", "unigram", "KN 2-gram"]  # old schema
    assert isinstance(h.last_eval, ev.Eval) and "bits_per_char" in h.last_eval.metrics
    assert any(e.name == "sample" for e in h.family_events)

    code, out, err = cli(capsys, "sample", str(run), "--length", "12", "--seed", "3")
    assert code == 0 and len(out) == 13, err
    code, out, err = cli(capsys, "eval", str(run), "--corpus", str(run.parent / "tiny.txt"))
    assert code == 0 and "nats/char" in out, err
    code, out, err = cli(capsys, "run", "--out", str(run), "--resume", "--steps", "8",
                         "--corpus", str(run.parent / "tiny.txt"))
    assert code == 0 and "resuming at step 6" in out, err
    assert steps_of(run) == [6, 8]  # (logged every 10 steps, and at the end)


def test_an_old_seq2seq_run_opens_translates_and_resumes(capsys, old_run):
    run = old_run("seq2seq-v0")
    cfg = checkpoint_config(load(run), str(run))
    assert cfg.FAMILY == "seq2seq" and cfg.model == "gru"  # its `cell` is now `model`
    assert cfg.sample_every == 3 and cfg.clip_mode == "norm"  # (attention_every, clip)
    h = load_history(run)
    assert h.last_eval.metrics["exact_match"] is not None
    assert any(e.name == "attention" for e in h.family_events)

    code, out, err = cli(capsys, "translate", str(run), "abcd", "--beam", "2")
    assert code == 0 and "beam (k=2)" in out, err
    code, out, err = cli(capsys, "run", "--out", str(run), "--resume", "--steps", "8")
    assert code == 0 and "resuming at step 6" in out, err
    assert steps_of(run) == [6, 8]  # (logged every 10 steps, and at the end)
    meta = read_meta(run / "checkpoint.safetensors")  # its old best_exact is the family's best metric now
    assert meta["best_metric"] is not None and "best_exact" not in meta
