"""`rnn-tui learn --list / --reset` and a chapter that does not exist."""

from __future__ import annotations

from engine.lessons.progress import Progress
from rnn_tui import lessons
from tests.cli_helpers import cli


def test_list_shows_progress_and_reset_forgets_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    Progress().finish("gradients", "vanish-predict")
    code, out, err = cli(capsys, "learn", "--list")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == len(lessons.names())
    assert any("gradients" in line and " 1/5" in line for line in lines)
    code, out, err = cli(capsys, "learn", "--reset", "gradients")
    assert code == 0 and Progress().done("gradients") == set()


def test_an_unknown_chapter_is_one_line_and_exit_2(capsys):
    code, out, err = cli(capsys, "learn", "--validate", "no-such-chapter")
    assert code == 2 and "no chapter 'no-such-chapter'" in err and "Traceback" not in err
