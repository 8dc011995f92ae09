"""End to end in tmux: `rnn-tui learn sequences` as a learner takes it, with the app's own
keys: the first check passes as the classifier trains, → moves on, two names typed at the
prompt pass the second step, q quits; the progress file says which steps are done."""

from __future__ import annotations

import json
import shlex
import sys
import time
from pathlib import Path

import pytest
from test_tmux import QUIT_S, STARTUP_S, TmuxApp

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]
PASSED = "✓ check passed"


class LessonApp(TmuxApp):
    """TmuxApp running `python -m rnn_tui learn CHAPTER` from this checkout, its progress in
    a state directory of its own."""

    def __init__(self, tmp_path: Path, chapter: str) -> None:
        super().__init__(tmp_path, 160, 48)
        self.state = tmp_path / "state"
        self.command = " ".join(["env", "-u", "COLUMNS", "-u", "LINES", "COLORTERM=truecolor",
                                 f"XDG_STATE_HOME={shlex.quote(str(self.state))}",
                                 f"PYTHONPATH={shlex.quote(str(ROOT))}",
                                 shlex.quote(sys.executable), "-m", "rnn_tui", "learn",
                                 chapter])

    def processes(self) -> list[str]:
        return []


def test_a_learner_takes_two_steps(tmp_path):
    app = LessonApp(tmp_path, "sequences")
    try:
        app.start()
        app.wait_screen(lambda t: "One RNN, one label" in t and PASSED in t, STARTUP_S,
                        "the first step's check")
        app.keys("Right")
        app.wait_screen(lambda t: "Any length in" in t and PASSED not in t, 10,
                        "the second step")
        for name in ("Li", "Vandermeulenbroek"):
            for key in ("p", name, "Enter"):  # (a pause after each: a busy app drops none)
                app.keys(key)
                time.sleep(1.0)
        app.wait_screen(lambda t: PASSED in t, 30, "the second step's check")
        app.keys("q")
        app.wait_screen(lambda t: app.pane_dead() or "the run is in" in t, QUIT_S + 10,
                        "the app to quit")
    finally:
        app.close()
    saved = json.loads((app.state / "rnn-tui" / "lessons.json").read_text())
    assert saved["chapters"]["sequences"]["done"] == ["many-to-one", "any-length"]
