"""Bad input for `rnn-tui export` (and `report`, which reads runs the same way): not a run,
a run still being written, a half-written last line, an output that cannot be written. One
line on stderr, exit code 2, and nothing left behind (no file, no temporary)."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from engine.storage.rundir import DirLock
from tests.cli_helpers import assert_clean_error, cli

OLD_RUN = Path(__file__).resolve().parents[1] / "fixtures" / "old_runs" / "lm-v0"


@pytest.fixture
def run(tmp_path) -> Path:
    """A finished run written before rows had a wall time (rnn-tui's first format)."""
    path = tmp_path / "lm-v0"
    shutil.copytree(OLD_RUN, path)
    return path


def export(capsys, *args):
    return cli(capsys, "export", *map(str, args))


def assert_refused(capsys, args, *needles, folder: Path):
    before = sorted(p.name for p in folder.iterdir())
    code, out, err = export(capsys, *args)
    assert_clean_error(code, out, err, *needles)
    assert len(err.strip().splitlines()) == 1, err
    assert sorted(p.name for p in folder.iterdir()) == before  # nothing partial left


def test_an_old_run_exports_with_the_file_time_as_wall_time(capsys, run, tmp_path):
    out = tmp_path / "old.csv"
    code, _, err = export(capsys, run, "--format", "csv", "--out", out)
    assert code == 0, err
    lines = out.read_text().splitlines()
    assert lines[0] == "run,tag,step,wall_time,value" and len(lines) > 10
    mtime = (run / "metrics.jsonl").stat().st_mtime
    assert {float(line.split(",")[3]) for line in lines[1:]} == {mtime}


def test_not_a_run(capsys, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_refused(capsys, [empty, "--format", "csv", "--out", tmp_path / "x.csv"],
                   "not an rnn-tui run", folder=tmp_path)
    assert_refused(capsys, [tmp_path / "nowhere", "--format", "csv", "--out",
                            tmp_path / "x.csv"], "not a directory", folder=tmp_path)


def test_a_run_still_being_written(capsys, run, tmp_path):
    lock = DirLock(run)
    lock.acquire()  # as a training process holds it
    try:
        assert_refused(capsys, [run, "--format", "json", "--out", tmp_path / "x.json"],
                       "still being written", folder=tmp_path)
    finally:
        lock.release()
    assert export(capsys, run, "--format", "json", "--out", tmp_path / "x.json")[0] == 0


def test_a_half_written_last_line(capsys, run, tmp_path):
    metrics = run / "metrics.jsonl"
    whole = metrics.read_text()
    metrics.write_text(whole + json.dumps({"event": "train", "step": 99})[:15])
    assert_refused(capsys, [run, "--format", "csv", "--out", tmp_path / "x.csv"],
                   "half-written line", folder=tmp_path)


@pytest.mark.parametrize("fmt", ["csv", "json", "tensorboard"])
def test_an_output_that_cannot_be_written(capsys, run, tmp_path, fmt):
    assert_refused(capsys, [run, "--format", fmt, "--out", tmp_path / "missing" / "x"],
                   "does not exist", folder=tmp_path)
    # /proc refuses new files even to root: the temporary cannot be made
    code, out, err = export(capsys, run, "--format", fmt, "--out", "/proc/rnn-tui-export")
    assert_clean_error(code, out, err, "cannot write")


def test_a_log_directory_that_is_not_empty_and_a_bad_format(capsys, run, tmp_path):
    logdir = tmp_path / "tb"
    logdir.mkdir()
    (logdir / "other-run").mkdir()
    assert_refused(capsys, [run, "--format", "tensorboard", "--out", logdir],
                   "not empty", folder=tmp_path)
    assert_refused(capsys, [run, "--format", "xlsx", "--out", tmp_path / "x"],
                   "choose one of csv, json, tensorboard", folder=tmp_path)


def test_without_the_optional_libraries_one_line_names_the_extra(capsys, run, tmp_path,
                                                                monkeypatch):
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # as if not installed
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert_refused(capsys, [run, "--format", "tensorboard", "--out", tmp_path / "tb"],
                   "pip install 'rnn-tui[tensorboard]'", folder=tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = cli(capsys, "report", str(run), "--out", str(tmp_path / "r.html"))
    assert_clean_error(code, out, err, "pip install 'rnn-tui[report]'")
    code, out, err = cli(capsys, "run", "--corpus", "hello", "--dry-run", "--out",
                         str(tmp_path / "new-run"), "--tensorboard", str(tmp_path / "tb"))
    assert_clean_error(code, out, err, "pip install 'rnn-tui[tensorboard]'")
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no run was started


def test_a_folder_of_runs_stands_for_its_runs(capsys, run, tmp_path):
    race = tmp_path / "race"
    race.mkdir()
    for name in ("gru", "lstm"):
        shutil.copytree(run, race / name)
    out = tmp_path / "race.csv"
    assert export(capsys, race, "--format", "csv", "--out", out)[0] == 0
    assert {line.split(",")[0] for line in out.read_text().splitlines()[1:]} == {"gru", "lstm"}
