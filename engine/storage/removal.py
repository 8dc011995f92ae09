"""Deleting a run: only the files rnn-tui wrote, never a tree, never through a symlink.

`remove_run` (`rnn-tui runs prune`, the runs screen's delete) first refuses what must never
be deleted (`check_removable`): a symlink, the current directory or one of its parents, a
home directory, a filesystem root or mount point - and a folder that is not a run
(engine/storage/identity.py's `signature`). Then, holding the run's lock (a run being trained is
refused), it unlinks the regular files rnn-tui wrote there (`written_files`: the files of
engine/storage/rundir.py's layout, the marker, the lock, the temp files of killed atomic writes
and of checkpoint saves, and .replaced/'s copies of a run a --force run set aside) and removes
the directory only if that left it empty; anything else is kept and named. `own_size` is what
those files weigh, for the runs list.
"""

from __future__ import annotations

import os
from pathlib import Path

from engine.errors import EngineError
from engine.files import is_regular
from engine.storage import header
from engine.storage.identity import MARKER, signature
from engine.storage.metrics import METRICS
from engine.storage.rundir import ASIDE, LOCK, OWN_FILES, DirLock, drop_aside

TEMPS = (".config.json.tmp", f".{METRICS}.tmp", f".{MARKER}.tmp")  # killed atomic writes


def written_files(path: Path) -> list[Path]:
    """The files rnn-tui wrote in run directory PATH that are there (regular files only)."""
    found = [path / name for name in (*OWN_FILES, MARKER, LOCK, *TEMPS)
             if is_regular(path / name)] + header.stale_temps(path)
    aside = path / ASIDE
    if aside.is_dir() and not aside.is_symlink():
        found += [aside / name for name in OWN_FILES if is_regular(aside / name)]
    return found


def check_removable(path: Path) -> None:
    """EngineError unless PATH may hold a run to delete: not a symlink, not the current
    directory or one of its parents, a home directory, a filesystem root or mount point."""
    if path.is_symlink():
        raise EngineError(f"{path} is a symbolic link: not followed, not deleted")
    real = Path(os.path.realpath(path))
    cwd = Path(os.path.realpath(os.getcwd()))
    if real == cwd or real in cwd.parents:
        raise EngineError(f"{path} is the current directory or one of its parents: "
                          f"not deleted")
    if real.parent == real or os.path.ismount(real):
        raise EngineError(f"{path} is a filesystem root or mount point: not deleted")
    if real in _homes():
        raise EngineError(f"{path} is a home directory: not deleted")


def _homes() -> set[Path]:
    homes = {Path(os.path.realpath(os.path.expanduser("~")))}
    try:
        import pwd

        homes |= {Path(os.path.realpath(p.pw_dir)) for p in pwd.getpwall() if p.pw_dir}
    except (ImportError, OSError):
        pass
    return homes


def remove_run(path: str | Path) -> tuple[int, list[str]]:
    """Delete what rnn-tui wrote in run directory PATH (see the module docstring), holding
    its lock (a run being trained is refused); the directory goes only if that emptied it.
    (bytes freed, the names of the entries kept because rnn-tui did not write them)."""
    path = Path(path)
    check_removable(path)
    if signature(path) is None:
        raise EngineError(f"{path} is not a run directory (rnn-tui wrote no run there): not deleted")
    lock = DirLock(path)
    lock.acquire()
    freed = 0
    try:
        for file in written_files(path):
            freed += file.lstat().st_size
            file.unlink(missing_ok=True)
        if (path / ASIDE).is_dir() and not (path / ASIDE).is_symlink():
            drop_aside(path)
    finally:
        lock.release()
    kept = sorted(p.name for p in path.iterdir())
    if not kept:
        path.rmdir()
    return freed, kept


def own_size(path: Path) -> tuple[int, float]:
    """(bytes, newest mtime) of the files rnn-tui wrote in run directory PATH."""
    stats = [p.lstat() for p in written_files(path) if p.name != LOCK]
    return sum(s.st_size for s in stats), max((s.st_mtime for s in stats), default=0.0)
