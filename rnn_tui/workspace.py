"""Where the app keeps its runs, and what a directory of runs holds.

One launch of the app is one session, and its runs live side by side in one directory -
the run it started with, and one more for every reset, cell, task or attention switch:

    runs/20250114-093012/1-gru/
    runs/20250114-093012/2-lstm/     (after `m`)

With `--out DIR` the first run is DIR and the later ones are its siblings DIR-2, DIR-3, ...
`scan(root)` lists the run directories under a root (a session, or all of runs/) with what
the runs screen and `rnn-tui runs list` show; `rename` and `delete` refuse a run another
process (or this one) is training. What a run is and what deleting one removes (only the
files rnn-tui wrote) is engine/storage/identity.py's `is_run` and engine/storage/removal.py's
`remove_run`. Nothing here imports torch or Textual (tests/cli/test_runs_without_torch.py).
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine import events as ev
from engine import families
from engine.errors import EngineError
from engine.storage import header
from engine.storage.identity import is_run
from engine.storage.header import CHECKPOINT
from engine.storage.metrics import METRICS
from engine.storage.removal import check_removable, own_size, remove_run
from engine.storage.rundir import holder, read_config
from rnn_tui.app.history import read_events

DEFAULT_ROOT = "runs"
SESSION = re.compile(r"\d{8}-\d{6}(-\d+)?")  # a launch's folder: Workspace.session


class Workspace:
    """The run directories of one launch of the app (see the module docstring)."""

    def __init__(self, root: str | Path = DEFAULT_ROOT, first: str | None = None,
                 session: str | None = None) -> None:
        self.root = Path(root)
        self.first = first  # --out: the first run's directory, the later ones beside it
        self.session = unused(self.root / (session or time.strftime("%Y%m%d-%H%M%S")))
        self.count = 0

    def next_dir(self, config: Any) -> Path:
        """The directory of the next run of this launch."""
        self.count += 1
        if self.first is not None:
            return Path(self.first) if self.count == 1 else sibling(self.first)
        return unused(self.session / f"{self.count}-{config.short_name()}")

    @property
    def runs_root(self) -> Path:
        """Where the runs screen looks: all sessions (or --out's parent)."""
        return Path(self.first).parent if self.first is not None else self.root


def sibling(path: str | Path) -> Path:
    """PATH-2, PATH-3, ...: the first that does not exist."""
    base = str(path).rstrip("/\\") or str(path)
    k = 2
    while os.path.exists(f"{base}-{k}"):
        k += 1
    return Path(f"{base}-{k}")


def unused(path: Path) -> Path:
    return sibling(path) if path.exists() else path


# --- what is in a directory of runs ---------------------------------------------------------


@dataclass
class RunInfo:
    """One run directory, as the runs screen and `runs list` show it."""

    path: Path
    name: str  # relative to the root it was found under
    family: str
    model: str  # "GRU 512×2"
    data: str  # the corpus or the task
    steps: int  # the checkpoint's step (else the last logged one)
    best: str  # "val 1.523" or "exact_match 99.50%"; "–" before the first evaluation
    size: int  # bytes on disk
    modified: float  # seconds since the epoch, of the newest file
    checkpoint: bool
    in_use: int | None = None  # pid of a process training it now
    config: dict[str, Any] = field(default_factory=dict, repr=False)
    problem: str = ""  # why its config or history cannot be read ("": they can)

    def config_object(self) -> Any:
        """The run's config as its family's dataclass (to open it)."""
        return families.get(self.family).config_class().from_dict(self.config,
                                                                  source=str(self.path))


def run_dirs(root: Path, depth: int = 3) -> list[Path]:
    """Run directories under ROOT (ROOT itself if it is one), at most `depth` levels down;
    symbolic links and hidden folders are not followed."""
    root = Path(root)
    if is_run(root):
        return [root]
    if depth <= 0 or root.is_symlink() or not root.is_dir():
        return []
    found: list[Path] = []
    try:
        children = sorted(root.iterdir())
    except OSError:  # unreadable: nothing found there
        return []
    for child in children:
        if not child.name.startswith(".") and not child.is_symlink() and child.is_dir():
            found += run_dirs(child, depth - 1)
    return found


def scan(root: str | Path) -> list[RunInfo]:
    """Every run under ROOT, newest first; one whose config or history cannot be read is
    listed with its problem (and 0 steps unless its checkpoint says)."""
    root = Path(root)
    infos = []
    for path in run_dirs(root):
        try:
            infos.append(describe(path, root))
        except (EngineError, OSError, ValueError) as exc:
            infos.append(unreadable(path, root, str(exc)))
    return sorted(infos, key=lambda r: r.modified, reverse=True)


def describe(path: Path, root: Path | None = None,
             events: list[ev.Event] | None = None) -> RunInfo:
    """What the runs list shows of the run in `path` (`events`: its metrics, when read)."""
    if events is None:
        events = read_events(path) if os.path.lexists(path / METRICS) else []
    started = next((e for e in events if isinstance(e, ev.Started)), None)
    meta = _checkpoint_meta(path)
    # A run logged before the families names none: its checkpoint does (meta["kind"], as
    # engine.config.saved_config reads it), else it is the default family's.
    family = (started.family if started is not None else "") or meta.get("kind") or \
        families.DEFAULT
    if not isinstance(family, str):
        raise EngineError(f"its start event names no family ({str(family)[:40]})")
    config = read_config(path) or (started.config if started is not None else None) or {}
    cfg = families.get(family).config_class().from_dict(config, source=str(path))
    steps = _checkpoint_step(meta)
    if steps is None:
        steps = max((int(e.step) for e in events if isinstance(e, ev.TrainStep)), default=0)
    size, modified = own_size(path)
    return RunInfo(path=path, name=_name(path, root), family=family, model=cfg.describe(),
                   data=cfg.data_label(), steps=steps,
                   best=best_metric(family, events, cfg),
                   size=size, modified=modified, checkpoint=(path / CHECKPOINT).is_file(),
                   in_use=holder(path), config=config)


def unreadable(path: Path, root: Path | None, problem: str) -> RunInfo:
    """A run whose config or history cannot be read: listed, with why."""
    size, modified = own_size(path)
    return RunInfo(path=path, name=_name(path, root), family="?", model="?", data="?",
                   steps=_checkpoint_step(_checkpoint_meta(path)) or 0, best="–", size=size,
                   modified=modified,
                   checkpoint=(path / CHECKPOINT).is_file(), in_use=holder(path),
                   problem=problem)


def _name(path: Path, root: Path | None) -> str:
    name = str(path.relative_to(root)) if root is not None and path != root else path.name
    return name or path.name


def best_metric(family: str, events: list[ev.Event], config=None) -> str:
    """The family's headline (for CONFIG) at its best evaluation (else the lowest held-out
    loss): the same best as the report's and the app's. Read from the family's config class
    (engine/config.py HEADLINE), never its Task: listing runs imports no torch."""
    evals = [e for e in events if isinstance(e, ev.Eval)
             and isinstance(e.val_loss, (int, float))]
    if not evals:
        return "–"
    cls = families.get(family).config_class()
    headline = cls.HEADLINE if config is None else config.headline()
    if headline:
        key, higher = headline
        values = [e.metrics[key] for e in evals if isinstance(e.metrics.get(key), (int, float))]
        if values:
            fmt = next((f for k, _label, f in cls.REPORT_METRICS if k == key), ".4g")
            value = max(values) if higher else min(values)
            return f"{key} " + (f"{100 * value:.2f}%" if fmt == "%" else format(value, fmt))
    return f"val {min(e.val_loss for e in evals):.3f}"


def _checkpoint_meta(path: Path) -> dict[str, Any]:
    """The checkpoint's metadata, from its header (read without its tensors); {}: none."""
    meta = header.read_meta(path / CHECKPOINT) if not (path / CHECKPOINT).is_symlink() else None
    return meta if isinstance(meta, dict) else {}


def _checkpoint_step(meta: dict[str, Any]) -> int | None:
    """The step the checkpoint's metadata says it holds."""
    step = meta.get("step")
    return step if isinstance(step, int) and not isinstance(step, bool) and step >= 0 else None


# --- changing runs ------------------------------------------------------------------------


def check_not_in_use(path: Path) -> None:
    pid = holder(path)
    if pid is not None:
        who = "this app" if pid == os.getpid() else f"pid {pid}"
        raise EngineError(f"{path} is being trained ({who}): stop it first")


def rename(path: Path, new_name: str) -> Path:
    """Rename a run directory in place (same parent); refused while it trains."""
    new_name = new_name.strip()
    if not new_name or "/" in new_name or "\\" in new_name or new_name in (".", ".."):
        raise EngineError(f"{new_name!r} is not a name for a run directory (no slashes)")
    if not is_run(path):
        raise EngineError(f"{path} is not a run directory")
    check_not_in_use(path)
    target = path.parent / new_name
    if target.exists():
        raise EngineError(f"{target} exists already")
    path.rename(target)
    return target


def delete(path: Path) -> tuple[int, list[str]]:
    """Delete what rnn-tui wrote in a run directory (engine.storage.removal.remove_run: the folder goes
    only if nothing else is in it): (bytes freed, the names kept because rnn-tui did not write
    them). An emptied session folder goes too."""
    check_not_in_use(path)
    try:
        freed, kept = remove_run(path)
    except OSError as exc:  # a read-only folder, ...
        raise EngineError(f"cannot delete {path}: {exc.strerror or exc}") from None
    parent = path.parent
    try:
        if SESSION.fullmatch(parent.name) and not any(parent.iterdir()):
            check_removable(parent)
            parent.rmdir()
    except (OSError, EngineError):
        pass
    return freed, kept


def kept_note(kept: list[str]) -> str:
    """What a delete left behind, in words ("" when the folder went)."""
    if not kept:
        return ""
    shown = ", ".join(kept[:3]) + (", ..." if len(kept) > 3 else "")
    return f"; kept {len(kept)} entries rnn-tui did not write ({shown}) and the folder"


def human_size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"
