"""The run workspace (rnn_tui/workspace.py), `rnn-tui runs list/prune`, `rnn-tui compare
--table`, and the PNG converter of screenshots (rnn_tui/app/svg_to_png.py)."""

from __future__ import annotations

import shutil

import pytest
from cli_helpers import assert_clean_error, cli, train_tiny

from engine.errors import EngineError
from engine.families.lm.config import LMConfig
from engine.storage.rundir import DirLock, holder
from rnn_tui.app import svg_to_png as screenshot
from rnn_tui.workspace import Workspace, delete, describe, rename, scan, sibling


def test_one_launch_is_one_session_directory(tmp_path):
    ws = Workspace(root=tmp_path / "runs", session="s1")
    first = ws.next_dir(LMConfig(model="gru"))
    first.mkdir(parents=True)
    second = ws.next_dir(LMConfig(model="lstm"))
    assert first == tmp_path / "runs" / "s1" / "1-gru"
    assert second == tmp_path / "runs" / "s1" / "2-lstm"
    (tmp_path / "runs" / "s1").mkdir(exist_ok=True)
    assert Workspace(root=tmp_path / "runs", session="s1").session.name == "s1-2"
    out = Workspace(first=str(tmp_path / "mine"))
    assert out.next_dir(LMConfig()) == tmp_path / "mine"
    (tmp_path / "mine").mkdir()
    assert out.next_dir(LMConfig()) == tmp_path / "mine-2" == sibling(tmp_path / "mine")
    assert out.runs_root == tmp_path


def test_runs_list_and_describe(capsys, small_corpus, tmp_path):
    root = tmp_path / "runs"
    train_tiny(capsys, small_corpus, root / "s" / "1-lstm", "--model", "lstm", steps=5)
    train_tiny(capsys, small_corpus, root / "s" / "2-gru", steps=3)
    info = describe(root / "s" / "1-lstm", root)
    assert (info.name, info.family, info.steps, info.checkpoint) == ("s/1-lstm", "lm", 5, True)
    assert info.model == "LSTM 32×2" and info.best.startswith("val ") and info.size > 0
    assert info.in_use is None
    code, out, _ = cli(capsys, "runs", "list", str(root))
    assert code == 0 and "s/1-lstm" in out and "s/2-gru" in out and "2 runs" in out
    header, *lines = out.splitlines()[:3]  # columns line up under their header
    assert header.split()[:3] == ["run", "family", "model"]
    assert len({line.index("lm") for line in lines} | {header.index("family")}) == 1
    assert len({line.index("val ") for line in lines} | {header.index("best")}) == 1


def test_runs_prune_says_first_then_deletes(capsys, small_corpus, tmp_path):
    root = tmp_path / "runs"
    train_tiny(capsys, small_corpus, root / "s" / "short", steps=3)
    train_tiny(capsys, small_corpus, root / "s" / "long", steps=6)
    code, out, _ = cli(capsys, "runs", "prune", str(root), "--min-steps", "5")
    assert code == 0 and "would remove" in out and "short" in out and "long" not in out
    assert (root / "s" / "short").is_dir()
    code, out, _ = cli(capsys, "runs", "prune", str(root), "--min-steps", "5", "--yes")
    assert code == 0 and not (root / "s" / "short").exists() and (root / "s" / "long").is_dir()
    assert_clean_error(*cli(capsys, "runs", "list", str(tmp_path / "nope")), "not a directory")


def test_a_run_in_use_cannot_be_renamed_or_deleted(capsys, small_corpus, tmp_path):
    run = tmp_path / "r"
    train_tiny(capsys, small_corpus, run, steps=3)
    lock = DirLock(run)
    lock.acquire()
    try:
        assert holder(run) is not None
        for change in (lambda: rename(run, "x"), lambda: delete(run)):
            with pytest.raises(EngineError, match="being trained"):
                change()
    finally:
        lock.release()
    assert holder(run) is None
    with pytest.raises(EngineError, match="no slashes"):
        rename(run, "a/b")
    renamed = rename(run, "kept")
    assert renamed.is_dir() and scan(tmp_path)[0].name == "kept"
    with pytest.raises(EngineError, match="not a run directory"):
        delete(tmp_path / "empty" if (tmp_path / "empty").mkdir() is None else tmp_path)
    assert delete(renamed)[0] > 0 and not renamed.exists()


def test_compare_table(capsys, small_corpus, tmp_path):
    train_tiny(capsys, small_corpus, tmp_path / "a", "--model", "lstm", steps=3)
    train_tiny(capsys, small_corpus, tmp_path / "b", steps=4)
    code, out, _ = cli(capsys, "compare", str(tmp_path / "a"), str(tmp_path / "b"), "--table")
    assert code == 0 and "LSTM 32×2" in out and "GRU 32×2" in out
    assert out.index("model") < out.index("embed")  # the difference first
    assert_clean_error(*cli(capsys, "compare", str(tmp_path), "--table"), "no metrics.jsonl")
    assert_clean_error(*cli(capsys, "compare", str(tmp_path / "a"), "--by", "x", "--table"),
                       "choose step or time")


SVG = ('<svg class="rich-terminal" viewBox="0 0 100.5 50" xmlns="http://www.w3.org/2000/svg">'
       '<style>.terminal-matrix { font-family: Fira Code, monospace; }</style>'
       '<text class="terminal-r1" x="12.2" y="20" textLength="48.8" '
       'clip-path="url(#l0)">&#160;a⣿b</text></svg>')


def test_an_svg_rewritten_for_rsvg_has_one_glyph_per_cell():
    fixed = screenshot.faithful_svg(SVG)
    assert 'xml:space="preserve"' in fixed and "DejaVu Sans Mono" in fixed
    assert fixed.count("<text ") == 3  # the leading space draws nothing
    assert 'x="24.4"' in fixed and 'x="36.6"' in fixed and 'x="48.8"' in fixed
    assert screenshot.svg_size(SVG) == (101, 50)


def test_no_converter_keeps_the_svg_alone(tmp_path, monkeypatch):
    monkeypatch.setattr(screenshot.shutil, "which", lambda name: None)
    svg = tmp_path / "s.svg"
    svg.write_text(SVG)
    assert screenshot.converter() is None and screenshot.to_png(svg) is None


@pytest.mark.skipif(screenshot.converter() is None, reason="no Chromium or rsvg-convert")
def test_a_converter_writes_the_png(tmp_path):
    svg = tmp_path / "s.svg"
    shutil.copy("tests/app/__snapshots__/test_app_snapshots/test_help.svg", svg)
    png = screenshot.to_png(svg)
    assert png == tmp_path / "s.png" and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
