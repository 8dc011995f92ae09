"""End to end in tmux, the second day: a run that used its budget, quit (the terminal says
where it is and how to reopen it), `rnn-tui open` it, sample at once, continue it in place
with a new budget. Runs this checkout's code (`python -m rnn_tui`, PYTHONPATH = the repo)."""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from pathlib import Path

import pytest
from test_tmux import ARGS, QUIT_S, STARTUP_S, TmuxApp

pytestmark = [pytest.mark.slow, pytest.mark.timeout(400)]

ROOT = Path(__file__).resolve().parents[2]


class CheckoutApp(TmuxApp):
    """TmuxApp running `python -m rnn_tui ARGS` from this checkout."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        super().__init__(tmp_path, 160, 48)
        self.command = " ".join(["env", "-u", "COLUMNS", "-u", "LINES", "COLORTERM=truecolor",
                                 f"PYTHONPATH={shlex.quote(str(ROOT))}",
                                 shlex.quote(sys.executable), "-m", "rnn_tui",
                                 *map(shlex.quote, args)])

    def processes(self) -> list[str]:
        return []  # (the parent test's pgrep pattern is for the installed command)


def samples_panel(text: str) -> str:
    """The bottom-left quarter of a 160x48 screen: the Samples panel."""
    return "\n".join(line[:80] for line in text.splitlines()[25:46])


def test_quit_says_where_then_open_samples_and_continues(tmp_path):
    run_dir = tmp_path / "run"
    app = CheckoutApp(tmp_path, *ARGS, "--steps", "12", "--out", str(run_dir))
    try:
        app.start()
        app.wait_screen(lambda t: "■ finished" in t, STARTUP_S + 60, "the 12-step budget")
        app.keys("q")
        app.wait_exit(QUIT_S)
        assert f"rnn-tui open {run_dir}" in app.screen()  # where, and how to reopen it
    finally:
        app.close()
    before = (run_dir / "metrics.jsonl").read_bytes()

    app = CheckoutApp(tmp_path, "open", str(run_dir))
    try:
        app.start()
        app.wait_screen(lambda t: "◆ opened" in t and "step 12 · T=" in t, STARTUP_S,
                        "the opened run and its model's sample")
        shown = samples_panel(app.screen())
        app.keys("g")
        app.wait_screen(lambda t: samples_panel(t) != shown, 60, "a new sample")
        assert (run_dir / "metrics.jsonl").read_bytes() == before  # nothing written
        app.keys("Space")  # the budget is spent: the app asks for more
        app.wait_screen(lambda t: "for how long" in t, 30, "the budget question")
        app.keys("C-u")  # (one key a call: sent together, the 8 was lost)
        time.sleep(0.5)
        app.keys("8")
        time.sleep(0.5)
        app.keys("Enter")
        app.wait_screen(lambda t: "■ finished" in t and "step 20" in t, 120,
                        "the 8 more steps")
        app.keys("q")
        app.wait_exit(QUIT_S)
    finally:
        app.close()
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    steps = [r["step"] for r in rows if r["event"] == "train"]
    assert steps == list(range(1, 21))  # the same run, the step counting on, once each
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"] and os.path.isdir(run_dir)
