"""`rnn-tui --help` answers fast: importing the CLI imports only what building its commands
needs (benchmarks/first_frame.py times it), and the options' help text is read from the
config classes' sources without parsing whole modules."""

from __future__ import annotations

import inspect
import subprocess
import sys
from dataclasses import fields

import pytest

from engine import families
from engine.config import RunConfig
from rnn_tui.cli import options

# What a command imports when it runs, never the CLI itself (each costs tens of ms).
NOT_AT_IMPORT = ("torch", "numpy", "textual", "asyncio", "http.client", "urllib.request",
                 "engine.lessons.schema", "rich.markdown")


def test_importing_the_cli_leaves_the_commands_modules_for_the_commands():
    probe = subprocess.run([sys.executable, "-c", "import sys, rnn_tui.cli; print(' '.join("
                            f"m for m in {NOT_AT_IMPORT!r} if m in sys.modules))"],
                           capture_output=True, text=True)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == ""


@pytest.mark.parametrize("cls", [RunConfig] + [f.config_class() for f in families.FAMILIES],
                         ids=lambda c: c.__name__)
def test_field_help_reads_each_class_as_its_full_source_does(cls):
    full = {m.group(1): m.group(2).strip()
            for m in options.FIELD_COMMENT.finditer(inspect.getsource(cls))}
    assert options.class_source(cls).startswith(f"class {cls.__name__}")
    mine = {m.group(1): m.group(2).strip()
            for m in options.FIELD_COMMENT.finditer(options.class_source(cls))}
    assert mine == full


def test_every_config_field_has_its_help():
    for cls in [RunConfig] + [f.config_class() for f in families.FAMILIES]:
        assert {f.name for f in fields(cls)} <= set(options.field_help(cls)), cls.__name__
