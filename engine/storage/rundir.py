"""The run directory: what a training run leaves on disk, shared by every trainer and the app.

    DIR/rnn-tui-run.json         the marker: {"format": "rnn-tui-run", "version": 1, "id": ...}
    DIR/config.json              the resolved config (after defaults, TOML and flags)
    DIR/metrics.jsonl            one JSON object per event, with an "event" field
    DIR/samples.txt              the samples taken during training, with a header each
    DIR/checkpoint.safetensors   the latest checkpoint (see engine.storage.checkpoint)
    DIR/.lock                    pid of the process writing DIR (held with an advisory flock)
    DIR/.replaced/               the run a --force run replaces, until its first checkpoint

A trainer holds its directory with a `RunDir` from setup to its end:

    run = RunDir.open(out_dir, resume, force)  # lock, recover, check: the old run untouched
    ...                                        # corpus, device, memory estimate, model, restore
    run.commit(config, resumed_step)           # only now: old run set aside, config.json
    run.write(event); run.save_checkpoint(data)  # the first checkpoint drops the old run
    run.close()                                # no checkpoint of its own? the old run is back

So a typo in --corpus with --force loses nothing, a second writer is refused with the pid
of the first, and a --force run killed before its first checkpoint gives the old run back at
the next start.

What a run is (the marker's content, runs from before markers) is engine/storage/identity.py's,
which `check_usable` and `commit` ask; reading metrics.jsonl back is engine/storage/metrics.py's;
deleting a run (only the files listed above) is engine/storage/removal.py's.
"""

from __future__ import annotations

import errno
import json
import math
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import events as ev
from engine.errors import EngineError
from engine.files import is_regular, loads_json, read_bytes, replace_text, what_is
from engine.storage.header import CHECKPOINT
from engine.storage.identity import MARKER, mark, read_marker, signature
from engine.storage.metrics import METRICS, truncate_metrics

if TYPE_CHECKING:  # pragma: no cover
    from engine.storage import checkpoint as ckpt

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, the pid file alone
    fcntl = None  # type: ignore[assignment]

CONFIG = "config.json"
OWN_FILES = (CONFIG, METRICS, "samples.txt", CHECKPOINT)
LOCK, ASIDE = ".lock", ".replaced"
MAX_CONFIG = 16 << 20  # bytes of config.json read at most


def out_path(out_dir: str | Path | None) -> Path | None:
    """--out as a Path (None: keep nothing on disk); an empty --out is refused."""
    if out_dir is None:
        return None
    if not str(out_dir).strip():
        raise EngineError("--out is empty: give the run directory a name (or leave --out out "
                          "to keep nothing on disk)")
    return Path(out_dir)


def check_usable(path: Path, resume: bool, force: bool) -> None:
    """Refuse a directory the run cannot use (no side effects; the app checks before its
    screen opens)."""
    if path.exists() and not path.is_dir():
        raise EngineError(f"--out {path} exists and is not a directory")
    saved = path / CHECKPOINT
    if saved.exists() and not saved.is_file():
        raise EngineError(f"{saved} is {what_is(saved.stat().st_mode)}, not a file; move it "
                          f"out of the way first")
    if resume:
        if not saved.is_file():
            raise EngineError(f"cannot resume: no {CHECKPOINT} in {path}")
    elif _holds_run(path) and not force:
        raise EngineError(f"output directory {path} already exists and is not empty; "
                          f"use --resume to continue that run or --force to start over")
    elif _holds_run(path) and signature(path) is None:
        raise EngineError(f"--force replaces only an rnn-tui run, and {path} holds files "
                          f"rnn-tui did not write; choose a new or empty directory")


def check_free(path: Path | None) -> None:
    """EngineError if a live process holds PATH's lock."""
    if path is not None and path.is_dir():
        lock = DirLock(path)
        lock.acquire()
        lock.release()


def holder(path: Path) -> int | None:
    """The pid of the live process holding PATH's lock (-1 if it cannot be read), found
    without taking the lock or writing anything; None when the run is free."""
    try:
        fd = os.open(Path(path) / LOCK, os.O_RDONLY | os.O_NONBLOCK
                     | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return _read_pid(fd) or -1
            except OSError:  # no flock here: the pid alone says
                pass
            else:
                fcntl.flock(fd, fcntl.LOCK_UN)
                return None
        pid = _read_pid(fd)
        return pid if _alive(pid) else None
    finally:
        os.close(fd)


class RunDir:
    """One trainer's hold on its run directory (path None: a run that keeps nothing)."""

    def __init__(self, path: Path | None):
        self.path = path
        self.lock = DirLock(path) if path is not None else None
        self.writer: RunWriter | None = None
        self.replace = False  # a --force run over an existing one: set it aside at commit
        self.aside = False  # the old run's files are in .replaced/

    @property
    def active(self) -> bool:
        return self.path is not None

    @classmethod
    def open(cls, out_dir: str | Path | None, resume: bool = False,
             force: bool = False) -> "RunDir":
        run = cls(out_path(out_dir))
        path = run.path
        if path is None:
            if resume:
                raise EngineError("--resume needs --out DIR (the run to continue)")
            return run
        if path.exists() and not path.is_dir():
            raise EngineError(f"--out {path} exists and is not a directory")
        fresh_lock = not os.path.lexists(path / LOCK)
        try:
            path.mkdir(parents=True, exist_ok=True)
            run.lock.acquire()
        except OSError as exc:
            raise EngineError(f"cannot write to output directory {path}: "
                              f"{exc.strerror or exc}") from None
        try:
            from engine.storage import checkpoint as ckpt  # (torch: the trainer's thread)

            _recover(path)
            ckpt.remove_stale_temps(path)
            check_usable(path, resume, force)
        except BaseException:
            run.close()
            if fresh_lock:  # a refused directory is left as it was
                (path / LOCK).unlink(missing_ok=True)
            raise
        run.replace = force and not resume and _holds_run(path)
        return run

    def commit(self, config: dict[str, Any], resumed_step: int | None = None) -> None:
        """Setup succeeded: set a replaced run aside, drop metrics logged after the resumed
        checkpoint, write config.json and start appending events."""
        if self.path is None:
            return
        try:
            if self.replace:
                (self.path / ASIDE).mkdir()
                for name in OWN_FILES:
                    if (self.path / name).exists():
                        os.replace(self.path / name, self.path / ASIDE / name)
                self.aside = True
            if resumed_step is not None:
                truncate_metrics(self.path, resumed_step)
            if read_marker(self.path) is None:  # a new run, or one from before markers
                mark(self.path)
            self.writer = RunWriter(self.path)
            self.writer.write_config(config)
        except OSError as exc:
            raise EngineError(f"cannot write to run directory {self.path}: "
                              f"{exc.strerror or exc}") from None

    def write(self, event: ev.Event) -> None:
        if self.writer is None:
            return
        try:
            self.writer.write(event)
        except OSError as exc:  # ENOSPC: the checkpoint on disk is still whole
            raise EngineError(f"cannot write to {self.path / METRICS}: "
                              f"{exc.strerror or exc}; the last checkpoint is unchanged") from None

    def save_checkpoint(self, data: "ckpt.CheckpointData") -> Path:
        from engine.storage import checkpoint as ckpt

        path = ckpt.save(self.path / CHECKPOINT, data)
        if self.aside:  # the new run has a checkpoint of its own: the old one may go
            drop_aside(self.path)
            self.aside = False
        return path

    def close(self) -> None:
        """Stop writing; if this run replaced another and never checkpointed, put the other
        back; release the lock."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None
        if self.aside:
            try:
                _restore_aside(self.path)
            except OSError:
                pass  # left in .replaced/: the next start restores it (_recover)
            self.aside = False
        if self.lock is not None:
            self.lock.release()


def _holds_run(path: Path) -> bool:
    return path.is_dir() and any(p.name not in (LOCK, ASIDE, MARKER) for p in path.iterdir())


def _recover(path: Path) -> None:
    """A .replaced/ left by a killed --force run: stale if that run checkpointed, else the
    run to give back."""
    if not (path / ASIDE).is_dir():
        return
    if (path / CHECKPOINT).is_file():
        drop_aside(path)
    else:
        _restore_aside(path)


def _restore_aside(path: Path) -> None:
    for name in OWN_FILES:
        if (path / ASIDE / name).exists():
            os.replace(path / ASIDE / name, path / name)
        else:
            (path / name).unlink(missing_ok=True)
    drop_aside(path)


def drop_aside(path: Path) -> None:
    """Remove .replaced/: the files rnn-tui put there, then the folder if that emptied it."""
    aside = path / ASIDE
    if aside.is_symlink() or not aside.is_dir():
        return
    for name in OWN_FILES:
        if is_regular(aside / name):
            (aside / name).unlink(missing_ok=True)
    try:
        aside.rmdir()
    except OSError:  # something else in it: kept
        pass


class DirLock:
    """An advisory lock (fcntl.flock) on DIR/.lock, which holds the owner's pid. The kernel
    drops a flock when its process dies, so the lock of a killed run is simply taken over;
    where flock is missing, a pid that is no longer alive counts as stale."""

    def __init__(self, folder: Path):
        self.file = folder / LOCK
        self.fd: int | None = None

    def acquire(self) -> None:
        # O_NOFOLLOW: a .lock planted as a link to another file is refused, never truncated
        fd = os.open(self.file, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        try:
            if fcntl is None:
                raise OSError(errno.ENOLCK, "no flock")
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # a live process holds it
            self._refuse(fd)
        except OSError:  # no flock here (Windows, some network filesystems): the pid alone
            if _alive(_read_pid(fd)):
                self._refuse(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self.fd = fd

    def _refuse(self, fd: int) -> None:
        owner = _read_pid(fd)
        os.close(fd)
        who = "this process" if owner == os.getpid() else f"pid {owner or 'unknown'}"
        raise EngineError(f"run directory {self.file.parent} is in use by another rnn-tui run "
                          f"({who}); wait for it to finish or stop it first")

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the file drops the flock
            self.fd = None


def _read_pid(fd: int) -> int | None:
    try:
        return int(os.pread(fd, 32, 0).decode().strip() or 0) or None
    except (OSError, ValueError):
        return None


def _alive(pid: int | None) -> bool:
    if not pid or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RunWriter:
    """Appends events to metrics.jsonl (flushed per line, so a kill loses nothing written)."""

    def __init__(self, out_dir: Path):
        self.dir = out_dir
        self._metrics = open(out_dir / METRICS, "a", encoding="utf-8")

    def write_config(self, config: dict[str, Any]) -> None:
        replace_text(self.dir / CONFIG, json.dumps(config, indent=2) + "\n")

    def write(self, event: ev.Event) -> None:
        # The wall time of each row: what TensorBoard and a spreadsheet plot against.
        row = {**event.to_dict(), ev.WALL_TIME: round(time.time(), 3)}
        self._metrics.write(json.dumps(_finite(row)) + "\n")
        self._metrics.flush()
        text = event.text_log()
        if text is not None:
            with open(self.dir / "samples.txt", "a", encoding="utf-8") as fh:
                fh.write(text)

    def close(self) -> None:
        try:
            self._metrics.close()
        except OSError:  # the unflushed rest of a line that did not fit on a full disk
            pass


def read_config(run: str | Path) -> dict[str, Any] | None:
    """A run's config.json as a table; None when it has none or it is not a JSON object. A
    config.json that is not a regular file in the run (a FIFO, /dev/zero, a link out) or is
    over MAX_CONFIG bytes: EngineError."""
    path = Path(run) / CONFIG
    try:
        data = loads_json(read_bytes(path, "config", MAX_CONFIG, inside=run).decode("utf-8"),
                          "config.json", 16)
    except (FileNotFoundError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _finite(obj: Any) -> Any:
    """JSON has no NaN/inf: write them as null so every line stays valid JSON."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj
