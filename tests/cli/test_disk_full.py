"""A full disk: one clear line and exit code 2, and the run directory still loads.

Needs a small tmpfs: mounting one takes root (CI runs as root); elsewhere the tests skip."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from cli_helpers import TINY, assert_clean_error, cli

SMALL_LSTM = ["--model", "lstm", "--hidden", "64", "--layers", "2"]  # a ~0.7 MB checkpoint


@pytest.fixture
def small_disk(tmp_path):
    """A freshly mounted 1 MB tmpfs."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                         capture_output=True, text=True)
    if res.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {res.stderr.strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_checkpoint_that_does_not_fit(capsys, small_corpus, small_disk, tmp_path):
    """The first checkpoint fits; the second needs room for its temp file beside the first
    and does not: the first survives whole, and the run resumes from it elsewhere."""
    from engine.storage.checkpoint import load
    from engine.storage.metrics import read_metrics

    out = small_disk / "run"
    code, stdout, err = cli(capsys, "run", "--corpus", str(small_corpus), "--out", str(out),
                            "--steps", "50", "--checkpoint-every-s", "1e-9", *TINY,
                            *SMALL_LSTM)
    assert_clean_error(code, stdout, err, "No space left on device", "unchanged")
    assert len(err.strip().splitlines()) == 1
    saved = load(out)
    assert saved.meta["step"] >= 1
    assert read_metrics(out) and json.loads((out / "config.json").read_text())
    assert not list(out.glob(".checkpoint-*.tmp"))
    elsewhere = tmp_path / "copy"
    shutil.copytree(out, elsewhere, ignore=shutil.ignore_patterns(".lock"))
    code, stdout, err = cli(capsys, "run", "--out", str(elsewhere), "--resume", "--steps",
                            str(saved.meta["step"] + 2), "--checkpoint-every-s", "60")
    assert code == 0, err


def test_metrics_that_do_not_fit(capsys, small_corpus, small_disk):
    filler = small_disk / "filler"
    free = shutil.disk_usage(small_disk).free
    filler.write_bytes(b"\0" * (free - 16384))  # 4 pages: config.json, samples, some metrics
    out = small_disk / "run"
    code, stdout, err = cli(capsys, "run", "--corpus", str(small_corpus), "--out", str(out),
                            "--steps", "200", "--log-every", "1", *TINY)
    assert_clean_error(code, stdout, err, "No space left on device")
    assert len(err.strip().splitlines()) == 1
    from engine.storage.metrics import read_metrics

    assert any(r["event"] == "train" for r in read_metrics(out))  # it failed mid-run
