"""engine.storage.rundir: the lock, the --force swap and its recovery, its files."""

from __future__ import annotations

import json

import pytest

from engine.storage import checkpoint as ckpt
from engine.storage import identity, rundir
from engine.errors import EngineError
from engine.events import TrainStep


def old_run(path):
    path.mkdir()
    for name, text in (("config.json", "{}"), ("metrics.jsonl", '{"event": "start"}\n'),
                       ("checkpoint.safetensors", "old weights")):
        (path / name).write_text(text)
    identity.mark(path)  # written by rnn-tui: --force may replace it
    return {p.name: p.read_text() for p in path.iterdir()}


def contents(path):
    return {p.name: p.read_text() for p in path.iterdir() if p.is_file() and p.name != ".lock"}


def test_a_second_holder_is_refused_and_the_lock_ends_with_its_holder(tmp_path):
    first = rundir.RunDir.open(tmp_path / "run")
    with pytest.raises(EngineError, match="in use by another rnn-tui run"):
        rundir.RunDir.open(tmp_path / "run", force=True)
    with pytest.raises(EngineError, match="in use"):
        rundir.check_free(tmp_path / "run")
    first.close()
    rundir.RunDir.open(tmp_path / "run").close()


def test_force_swaps_only_at_commit_and_drops_the_old_run_at_the_first_checkpoint(tmp_path):
    path = tmp_path / "run"
    before = old_run(path)
    run = rundir.RunDir.open(path, force=True)
    assert contents(path) == before  # setup has not touched anything
    run.commit({"new": 1})
    assert json.loads((path / "config.json").read_text()) == {"new": 1}
    assert (path / ".replaced" / "checkpoint.safetensors").read_text() == "old weights"
    run.save_checkpoint(ckpt.CheckpointData(meta={"config": {}, "vocab": ["a"], "step": 1},
                                            model={}))
    assert not (path / ".replaced").exists()
    run.close()
    assert ckpt.load(path).meta["step"] == 1


def test_a_force_run_ending_without_a_checkpoint_gives_the_old_run_back(tmp_path):
    path = tmp_path / "run"
    before = old_run(path)
    run = rundir.RunDir.open(path, force=True)
    run.commit({"new": 1})
    run.write(TrainStep(step=1, epoch=0.0, train_loss=1.0, tokens_per_s=1.0, lr=1.0,
                        grad_norm=1.0, clipped=False, elapsed_s=1.0))
    run.close()
    assert contents(path) == before and not (path / ".replaced").exists()


@pytest.mark.parametrize("checkpointed", [False, True])
def test_a_killed_force_run_is_recovered_at_the_next_start(tmp_path, checkpointed):
    path = tmp_path / "run"
    before = old_run(path)
    run = rundir.RunDir.open(path, force=True)
    run.commit({"new": 1})
    if checkpointed:  # killed between its first checkpoint and dropping .replaced
        (path / "checkpoint.safetensors").write_text("new weights")
    run.lock.release()  # kill -9: no close()
    rundir.RunDir.open(path, resume=checkpointed, force=True).close()
    assert not (path / ".replaced").exists()
    if checkpointed:
        assert (path / "checkpoint.safetensors").read_text() == "new weights"
    else:
        assert contents(path) == before


def test_stale_checkpoint_temps_are_removed_when_the_directory_is_taken(tmp_path):
    path = tmp_path / "run"
    old_run(path)
    (path / ".checkpoint-abc.tmp").write_bytes(b"half")
    rundir.RunDir.open(path, force=True).close()
    assert not list(path.glob(".checkpoint-*"))


def test_a_full_disk_while_writing_metrics_is_an_engine_error(tmp_path, monkeypatch):
    run = rundir.RunDir.open(tmp_path / "run")
    run.commit({})

    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(run.writer._metrics, "write", full)
    with pytest.raises(EngineError, match="No space left on device"):
        run.write(TrainStep(step=1, epoch=0.0, train_loss=1.0, tokens_per_s=1.0, lr=1.0,
                            grad_norm=1.0, clipped=False, elapsed_s=1.0))
    run.close()


def test_empty_out_and_resume_without_out(tmp_path):
    with pytest.raises(EngineError, match="--out is empty"):
        rundir.out_path("")
    with pytest.raises(EngineError, match="--resume needs --out"):
        rundir.RunDir.open(None, resume=True)
    assert not rundir.RunDir.open(None).active


def test_without_flock_the_pid_file_decides(tmp_path, monkeypatch):
    """Where flock is missing (Windows, some network filesystems): a live pid in the lock
    file refuses, a dead one is stale and taken over."""
    import os
    import subprocess
    import sys

    monkeypatch.setattr(rundir, "fcntl", None)
    path = tmp_path / "run"
    path.mkdir()
    (path / ".lock").write_text(f"{os.getppid()}\n")  # alive: the process that started us
    with pytest.raises(EngineError, match=f"in use by another rnn-tui run \\(pid "
                                          f"{os.getppid()}\\)"):
        rundir.RunDir.open(path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    (path / ".lock").write_text(dead + "\n")
    run = rundir.RunDir.open(path)
    assert (path / ".lock").read_text().strip() == str(os.getpid())
    run.close()
