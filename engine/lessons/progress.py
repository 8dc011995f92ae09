"""A learner's progress through the chapters, kept across restarts.

One JSON file in the XDG state directory ($XDG_STATE_HOME/rnn-tui/lessons.json, else
~/.local/state/rnn-tui/lessons.json): per chapter key, the ids of the finished steps and the
step last open. A finished step stays finished (only `reset` forgets). The file is replaced
atomically; a damaged one is kept aside as lessons.json.bad and progress starts afresh.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "rnn-tui"


class Progress:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or state_dir() / "lessons.json"
        self.data: dict[str, Any] = self._load()

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and isinstance(data.get("chapters"), dict):
                return data
        except FileNotFoundError:
            return {"chapters": {}}
        except (OSError, ValueError):
            pass
        try:  # damaged: keep it aside, start afresh (nothing is lost)
            self.path.replace(self.path.with_name(self.path.name + ".bad"))
        except OSError:
            pass
        return {"chapters": {}}

    def _chapter(self, key: str) -> dict[str, Any]:
        entry = self.data["chapters"].setdefault(key, {})
        if not isinstance(entry.get("done"), list):
            entry["done"] = []
        return entry

    def done(self, key: str) -> set[str]:
        return set(self._chapter(key)["done"])

    def finish(self, key: str, step_id: str) -> None:
        entry = self._chapter(key)
        if step_id not in entry["done"]:
            entry["done"].append(step_id)
            self.save()

    def position(self, key: str) -> int:
        value = self._chapter(key).get("at", 0)
        return value if isinstance(value, int) and value >= 0 else 0

    def move(self, key: str, index: int) -> None:
        self._chapter(key)["at"] = index
        self.save()

    def reset(self, key: str | None = None) -> None:
        """Forget one chapter's progress, or (None) everything."""
        if key is None:
            self.data = {"chapters": {}}
        else:
            self.data["chapters"].pop(key, None)
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".lessons-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(self.data, fh, indent=1, sort_keys=True)
        os.replace(tmp, self.path)
