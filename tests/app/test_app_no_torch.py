"""Building and drawing the app never imports torch on the UI thread: only the training
worker does (rnn_tui/app/__init__.py EngineFactory). torch takes seconds to import, and the
first frame would wait for it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHILD = r"""
import sys, threading
from engine import families
from rnn_tui.app import create_app

class Watch:  # records the thread that first imports torch
    def find_spec(self, name, path=None, target=None):
        if name == "torch" and "torch" not in sys.modules:
            if threading.current_thread() is threading.main_thread():
                raise AssertionError("torch imported on the UI thread")
        return None

sys.meta_path.insert(0, Watch())

async def look(pilot):
    app = pilot.app
    while not app.main_screen.is_mounted:
        await pilot.pause(0.01)
    await pilot.press("o")  # the runs screen lists runs/ (reads their checkpoints' headers)
    await pilot.pause(0.2)
    app.exit()

for family in families.FAMILIES:
    app = create_app(family.config_class()(), autostart=False)  # the real engine's factory
    app.run(headless=True, size=(160, 48), auto_pilot=look)
    assert app.return_code in (0, None), family.name
print("no torch")
"""


@pytest.mark.timeout(180)
def test_the_app_draws_every_view_without_importing_torch_on_its_thread(tmp_path):
    res = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                         cwd=tmp_path, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                                            "HOME": str(tmp_path)})
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.strip().endswith("no torch")
