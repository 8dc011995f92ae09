"""Listing runs never imports torch: `rnn-tui runs list`, `rnn-tui compare --table`, the
runs list's best metric (rnn_tui/workspace.py) and the app's runs screen read configs,
metrics and checkpoint headers only. torch takes seconds to import, and the runs screen is
drawn on the UI thread.

The runs listed are the old-run fixtures (a language model and a seq2seq model, whose best
exact match is its family's headline metric), in a fresh process that says where torch was
imported from if anything imports it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OLD = ROOT / "tests" / "fixtures" / "old_runs"

CHILD = r"""
import sys, traceback

first = []

class Watch:  # records where torch was first imported from
    def find_spec(self, name, path=None, target=None):
        if name == "torch" and "torch" not in sys.modules and not first:
            first.append("".join(traceback.format_stack(limit=25)))
        return None

sys.meta_path.insert(0, Watch())
runs = sys.argv[1]

from rnn_tui.cli import app
for args in (["runs", "list", runs], ["compare", "--table", runs + "/lm-v0", runs + "/seq2seq-v0"]):
    code = app(args=args, standalone_mode=False)
    assert not code, (args, code)

from rnn_tui.workspace import scan
best = {r.name: r.best for r in scan(runs)}
assert best["seq2seq-v0"].startswith("exact_match ") and best["lm-v0"].startswith("val "), best

from textual.app import App
from textual.widgets import DataTable
from rnn_tui.app.runs import RunsScreen

class Host(App):
    def on_mount(self):
        self.push_screen(RunsScreen(runs))

async def look(pilot):
    for _ in range(200):
        await pilot.pause(0.05)
        if pilot.app.screen.query_one(DataTable).row_count == 2:
            break
    assert pilot.app.screen.query_one(DataTable).row_count == 2
    pilot.app.exit()

Host().run(headless=True, size=(120, 30), auto_pilot=look)
assert "torch" not in sys.modules and not first, "torch imported from:\n" + "".join(first)
print("no torch")
"""


@pytest.mark.timeout(120)
def test_listing_and_comparing_runs_imports_no_torch(tmp_path):
    runs = tmp_path / "runs"
    for name in ("lm-v0", "seq2seq-v0"):
        run = Path(shutil.copytree(OLD / name, runs / name))
        (run / "checkpoint.fixture").rename(run / "checkpoint.safetensors")
    res = subprocess.run([sys.executable, "-c", CHILD, str(runs)], capture_output=True,
                         text=True, cwd=tmp_path,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                              "HOME": str(tmp_path)})
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.strip().endswith("no torch"), res.stdout[-2000:]
    assert "lm-v0" in res.stdout and "seq2seq-v0" in res.stdout
