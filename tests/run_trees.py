"""Folder trees for the deletion tests (issue 18): a real run to copy, somebody's project, a
mixed workspace, and the comparison of a tree before and after a delete."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from cli_helpers import TINY, run_main

from engine.storage import identity, rundir


def tree(folder: Path) -> dict[str, bytes | str]:
    """Every entry below FOLDER: a file's bytes, a link's target, "dir" for a folder."""
    out: dict[str, bytes | str] = {}
    for dirpath, dirnames, filenames in os.walk(folder):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            rel = str(p.relative_to(folder))
            out[rel] = (f"-> {os.readlink(p)}" if p.is_symlink() else
                        "dir" if p.is_dir() else p.read_bytes())
    return out


def make_real_run(folder: Path) -> Path:
    """One short real run (3 steps) in FOLDER/run, copied wherever a test needs one."""
    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / "corpus.txt"
    corpus.write_text(("the quick brown fox jumps over the lazy dog. " * 200))
    code = run_main("run", "--corpus", str(corpus), "--out", str(folder / "run"), "--steps",
                    "3", *TINY)
    assert code == 0
    assert identity.read_marker(folder / "run") is not None
    return folder / "run"


def copy_run(real_run: Path, where: Path) -> Path:
    shutil.copytree(real_run, where)
    (where / ".lock").unlink(missing_ok=True)
    return where


def project(path: Path) -> Path:
    """Somebody's project folder that happens to hold a config.json and a metrics.jsonl."""
    (path / "src").mkdir(parents=True)
    (path / "config.json").write_text("{}")
    (path / "metrics.jsonl").write_text('{"loss": 1}\n')
    (path / "thesis.tex").write_text("precious")
    (path / "src" / "main.py").write_text("print('hi')")
    return path


def mixed(ws: Path, real_run: Path) -> Path:
    """A workspace: a project, another tool's logs, JSON with comments, a list, two real runs
    (one with the user's notes in it), a link to a run and a link to the project."""
    project(ws / "proj")
    (ws / "logs").mkdir()
    (ws / "logs" / "metrics.jsonl").write_text('{"event": "start", "step": 0}\n')
    (ws / "logs" / "notes.txt").write_text("keep")
    for name, text in (("commented", "// hi\n{}"), ("listed", "[1, 2]")):
        (ws / name).mkdir()
        (ws / name / "config.json").write_text(text)
    copy_run(real_run, ws / "runs" / "a")
    copy_run(real_run, ws / "runs" / "b")
    (ws / "runs" / "b" / "notes.md").write_text("my notes on run b")
    (ws / "runs" / "b" / "plots").mkdir()
    (ws / "runs" / "b" / "plots" / "loss.png").write_bytes(b"png")
    outside = copy_run(real_run, ws.parent / f"{ws.name}-outside-run")
    (ws / "link-to-run").symlink_to(outside, target_is_directory=True)
    (ws / "link-to-proj").symlink_to(ws / "proj", target_is_directory=True)
    return ws


def only_rnn_tui_files_went(before: dict, after: dict, runs: list[str]) -> None:
    """AFTER is BEFORE less the files rnn-tui wrote in RUNS (and a run folder left empty)."""
    own = set(rundir.OWN_FILES) | {identity.MARKER, rundir.LOCK}
    for rel, value in before.items():
        parts = Path(rel).parts
        in_run = any(Path(rel).parent == Path(r) for r in runs)
        if in_run and parts[-1] in own:
            assert rel not in after, rel
        elif rel in runs and not any(k.startswith(rel + "/") for k in after):
            assert rel not in after  # the run folder went: nothing else was in it
        else:
            assert after.get(rel) == value, rel
