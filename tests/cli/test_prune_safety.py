"""Deleting runs removes only what rnn-tui wrote (issue 18): `runs prune --yes` and the runs
screen's delete over a project folder, the current directory, a mixed workspace and a
home-like folder keep every file rnn-tui did not write (the tree is compared before and
after); only folders with rnn-tui's marker (or, from before markers, its checkpoint or start
event) are runs; the old fixtures are still listed, migrated and prunable."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from cli_helpers import assert_clean_error, cli
from run_trees import copy_run, make_real_run, mixed, only_rnn_tui_files_went, project, tree

from engine.storage import identity
from engine.errors import EngineError
from rnn_tui.workspace import delete

OLD = Path(__file__).resolve().parents[1] / "fixtures" / "old_runs"


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    return make_real_run(tmp_path_factory.mktemp("real"))


def test_prune_keeps_a_mixed_workspace_except_the_runs_files(capsys, tmp_path, real_run):
    ws = mixed(tmp_path / "ws", real_run)
    before, outside = tree(ws), tree(tmp_path / "ws-outside-run")
    code, out, err = cli(capsys, "runs", "list", str(ws))
    assert code == 0 and "runs/a" in out and "runs/b" in out and "2 runs" in out, out + err
    code, out, err = cli(capsys, "runs", "prune", str(ws), "--min-steps", "100")
    assert code == 0 and out.count("would remove") == 2 and "proj" not in out, out
    assert tree(ws) == before
    code, out, err = cli(capsys, "runs", "prune", str(ws), "--min-steps", "100", "--yes")
    assert code == 0 and "removed 2 runs" in out and "kept 2 entries" in out, out + err
    after = tree(ws)
    only_rnn_tui_files_went(before, after, ["runs/a", "runs/b"])
    assert not (ws / "runs" / "a").exists()
    assert sorted(p.name for p in (ws / "runs" / "b").iterdir()) == ["notes.md", "plots"]
    assert tree(tmp_path / "ws-outside-run") == outside  # the link was not followed


def test_prune_of_a_project_folder_and_of_the_current_directory(capsys, tmp_path, real_run,
                                                               monkeypatch):
    proj = project(tmp_path / "myproject")
    before = tree(proj)
    code, out, _ = cli(capsys, "runs", "prune", str(proj), "--yes", "--min-steps", "100")
    assert code == 0 and "nothing to prune" in out and tree(proj) == before
    monkeypatch.chdir(proj)
    code, out, _ = cli(capsys, "runs", "prune", ".", "--yes", "--min-steps", "100")
    assert code == 0 and "nothing to prune" in out and tree(proj) == before
    # the current directory IS a run (with the user's files in it): refused, nothing goes
    here = copy_run(real_run, tmp_path / "here")
    (here / "README.md").write_text("mine")
    before = tree(here)
    monkeypatch.chdir(here)
    for root in (".", str(here), str(here.parent)):
        code, out, err = cli(capsys, "runs", "prune", root, "--yes", "--min-steps", "100")
        assert_clean_error(code, out, err, "current directory")
        assert tree(here) == before
    monkeypatch.chdir(here / ".." / "myproject")
    with pytest.raises(EngineError, match="current directory"):
        delete(Path(".."))  # an ancestor


def test_a_home_directory_is_never_deleted_only_runs_below_it(capsys, tmp_path, real_run,
                                                             monkeypatch):
    home = copy_run(real_run, tmp_path / "home")  # a home that looks like a run
    (home / ".bashrc").write_text("export X=1")
    (home / "Documents").mkdir()
    (home / "Documents" / "cv.pdf").write_bytes(b"%PDF")
    copy_run(real_run, home / "runs" / "old")
    monkeypatch.setenv("HOME", str(home))
    before = tree(home)
    code, out, err = cli(capsys, "runs", "prune", str(home), "--yes", "--min-steps", "100")
    assert_clean_error(code, out, err, "home directory")
    assert tree(home) == before  # the root given is a run itself, so nothing below is looked at
    code, out, err = cli(capsys, "runs", "prune", str(home / "runs"), "--yes",
                         "--min-steps", "100")
    assert code == 0, err
    only_rnn_tui_files_went(before, tree(home), ["runs/old"])
    assert (home / ".bashrc").is_file() and (home / "Documents" / "cv.pdf").is_file()


def test_only_a_marked_or_old_rnn_tui_folder_is_a_run(tmp_path, real_run):
    assert identity.signature(real_run) == "run"
    for name, files in (("empty-config", {"config.json": "{}"}),
                        ("other-metrics", {"metrics.jsonl": '{"loss": 1}\n'}),
                        ("bad-marker", {identity.MARKER: '{"format": "rnn-tui-run"}'}),
                        ("fake-ckpt", {"checkpoint.safetensors": "not one"})):
        (tmp_path / name).mkdir()
        for f, text in files.items():
            (tmp_path / name / f).write_text(text)
        assert identity.signature(tmp_path / name) is None, name
    (tmp_path / "link").symlink_to(real_run, target_is_directory=True)
    assert identity.signature(tmp_path / "link") is None
    with pytest.raises(EngineError, match="symbolic link"):
        delete(tmp_path / "link")
    with pytest.raises(EngineError, match="not a run directory"):
        delete(tmp_path / "empty-config")
    assert (tmp_path / "empty-config" / "config.json").is_file()


def test_a_planted_link_in_a_run_is_never_followed(tmp_path, real_run):
    run = copy_run(real_run, tmp_path / "r")
    precious = tmp_path / "precious.txt"
    precious.write_text("keep")
    (run / "samples.txt").unlink()
    (run / "samples.txt").symlink_to(precious)
    (run / ".replaced").mkdir()
    (run / ".replaced" / "config.json").symlink_to(precious)
    delete(run)
    assert precious.read_text() == "keep"
    assert sorted(p.name for p in run.iterdir()) == [".replaced", "samples.txt"]


def test_a_run_that_cannot_be_deleted_is_one_line_and_the_rest_go_on(capsys, tmp_path,
                                                                     real_run, monkeypatch):
    copy_run(real_run, tmp_path / "ws" / "a")
    copy_run(real_run, tmp_path / "ws" / "b")
    real_unlink = Path.unlink

    def read_only(self, *args, **kwargs):
        if self.parent.name == "a":
            raise PermissionError(13, "Permission denied")
        return real_unlink(self, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", read_only)
    code, out, err = cli(capsys, "runs", "prune", str(tmp_path / "ws"), "--yes",
                         "--min-steps", "100")
    assert_clean_error(code, out, err, "Permission denied", "1 run(s) not removed")
    assert (tmp_path / "ws" / "a").is_dir() and not (tmp_path / "ws" / "b").exists()


def test_force_replaces_only_a_run_and_keeps_the_users_files(capsys, tmp_path, real_run):
    proj = project(tmp_path / "proj")
    before = tree(proj)
    code, out, err = cli(capsys, "run", "--corpus", "hello", "--out", str(proj), "--force",
                         "--steps", "1", "--device", "cpu")
    assert_clean_error(code, out, err, "--force replaces only an rnn-tui run")
    assert tree(proj) == before
    run = copy_run(real_run, tmp_path / "r")
    (run / "notes.md").write_text("mine")
    corpus = json.loads((run / "config.json").read_text())["corpus"]
    code, out, err = cli(capsys, "run", "--corpus", corpus, "--out", str(run), "--force",
                         "--steps", "2", "--hidden", "16", "--embed", "8", "--batch-size", "4",
                         "--bptt", "16", "--baseline-order", "0", "--threads", "1",
                         "--device", "cpu")
    assert code == 0, err
    assert (run / "notes.md").read_text() == "mine" and not (run / ".replaced").exists()


def test_the_old_runs_are_listed_migrated_at_first_open_and_prunable(capsys, tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    shutil.copy(OLD / "tiny.txt", ws / "tiny.txt")
    for name in ("lm-v0", "seq2seq-v0"):
        shutil.copytree(OLD / name, ws / name)
        (ws / name / "checkpoint.fixture").rename(ws / name / "checkpoint.safetensors")
    assert [identity.signature(ws / n) for n in ("lm-v0", "seq2seq-v0")] == ["legacy"] * 2
    code, out, _ = cli(capsys, "runs", "list", str(ws))
    assert code == 0 and "lm-v0" in out and "seq2seq-v0" in out and "2 runs" in out
    code, out, err = cli(capsys, "sample", str(ws / "lm-v0"), "--length", "5")
    assert code == 0, err
    assert identity.signature(ws / "lm-v0") == "run"  # migrated: its marker written
    assert identity.signature(ws / "seq2seq-v0") == "legacy"
    code, out, err = cli(capsys, "runs", "prune", str(ws), "--min-steps", "100", "--yes")
    assert code == 0 and "removed 2 runs" in out, out + err
    assert sorted(p.name for p in ws.iterdir()) == ["tiny.txt"]


def test_a_deeply_nested_tree_and_deep_checkpoint_metadata(capsys, tmp_path, real_run):
    ws = tmp_path / "ws"
    deep = ws.joinpath(*["d"] * 400)
    deep.mkdir(parents=True)
    shutil.copy(real_run / "checkpoint.safetensors", deep / "checkpoint.safetensors")
    from safetensors.torch import save_file
    import torch

    nested = copy_run(real_run, ws / "nested-meta")
    save_file({"model.w": torch.zeros(1)}, str(nested / "checkpoint.safetensors"),
              metadata={"rnn_tui": "[" * 100_000 + "]" * 100_000})
    before = tree(ws)
    code, out, err = cli(capsys, "runs", "prune", str(ws), "--min-steps", "100", "--yes")
    assert code == 0 and "Traceback" not in err and "removed 1 runs" in out, out + err
    only_rnn_tui_files_went(before, tree(ws), ["nested-meta"])
    assert (deep / "checkpoint.safetensors").is_file()  # 400 levels down: not looked at
