"""How the UI and the CLI write numbers for people. No Textual here: the headless commands
use it too."""

from __future__ import annotations


def fmt_duration(seconds: float, hours: bool = False) -> str:
    """A duration as a clock, whole seconds: 0:05, 12:05, 1:02:05. With hours=True the hours
    are always written (0:00:05), so a status bar's width does not jump at the first hour."""
    s = int(max(0.0, seconds))
    h, m = divmod(s // 60, 60)
    return f"{h}:{m:02d}:{s % 60:02d}" if h or hours else f"{m}:{s % 60:02d}"
