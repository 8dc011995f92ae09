"""Reading a file rnn-tui did not just write itself: the one way every reader opens one (and
`replace_text`, the atomic write of a run's small text files that those readers read back).

    data = read_bytes(path, "corpus", limit=MB)               # a whole file, bounded
    with open_regular(run / "metrics.jsonl", "metrics", inside=run) as fh:
        for raw in lines(fh, MAX_LINE): ...                   # a long file, line by line
    obj = loads_json(text, "config", MAX_DEPTH)               # JSON, nesting bounded
    replace_text(run / "config.json", text)                   # written whole or not at all

A path from the user or from a run directory may be anything: a FIFO (opening it for reading
blocks until a writer comes), a device (/dev/zero never ends), a symlink out of the run
directory, a directory. `open_regular` opens without blocking (O_NONBLOCK), then checks with
fstat on the opened descriptor - so a file swapped between a check and the open is caught -
that it is a regular file of at most `limit` bytes; anything else is an EngineError naming
the file and what it is. JSON is parsed by the C decoder, whose recursion on a file nested
100,000 levels deep would be a RecursionError: `loads_json` turns that and anything deeper than
`depth` into a ValueError, so every caller's "not valid JSON" path handles it.
"""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from engine.errors import EngineError

MAX_DEPTH = 64  # no file rnn-tui writes nests deeper than ~6 levels
KIND = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
        (stat.S_ISDIR, "a directory"))


def what_is(mode: int) -> str:
    return next((name for test, name in KIND if test(mode)), "not a regular file")


def is_regular(path: Path) -> bool:
    """A regular file at PATH itself (a symlink is not one)."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def check_inside(path: Path, inside: Path, what: str) -> None:
    """A symlink whose target leaves INSIDE (the run directory) is refused."""
    if os.path.islink(path):
        target = os.path.realpath(path)
        root = os.path.realpath(inside)
        if os.path.commonpath([target, root]) != root:
            raise EngineError(f"{what} {path} is a symbolic link out of {inside} (to "
                              f"{target}): refused")


def open_regular(path: str | Path, what: str, limit: int | None = None,
                 inside: str | Path | None = None) -> BinaryIO:
    """PATH opened for binary reading, once known to be a regular file (of at most LIMIT
    bytes; inside INSIDE when given); else an EngineError naming it. A missing file raises
    FileNotFoundError (callers say what that means for them)."""
    path = Path(path)
    if inside is not None:
        check_inside(path, Path(inside), what)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)
                     | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise EngineError(f"{what} {path} is a directory, not a file") from None
    except OSError as exc:
        raise EngineError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise EngineError(f"{what} {path} is {what_is(info.st_mode)}, not a regular "
                              f"file: refused")
        if limit is not None and info.st_size > limit:
            raise EngineError(f"{what} {path} is {_size(info.st_size)}; the limit is "
                              f"{_size(limit)}")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)  # a regular file: plain reads from here
    except BaseException:
        os.close(fd)
        raise
    return io.open(fd, "rb", closefd=True)


def read_bytes(path: str | Path, what: str, limit: int,
               inside: str | Path | None = None) -> bytes:
    """The whole of a regular file of at most LIMIT bytes (see open_regular)."""
    with open_regular(path, what, limit, inside) as fh:
        try:
            data = fh.read(limit + 1)  # a file growing while read stops at the limit too
        except OSError as exc:
            raise EngineError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise EngineError(f"{what} {path} is over the limit of {_size(limit)}")
    return data


def lines(fh: BinaryIO, max_line: int) -> Iterator[bytes | None]:
    """The lines of FH without their newline; a line longer than MAX_LINE bytes is skipped
    (read past in chunks, never held whole) and yields None in its place."""
    while True:
        raw = fh.readline(max_line + 1)
        if not raw:
            return
        if len(raw) > max_line and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = fh.readline(1 << 20)
            yield None
            continue
        yield raw.rstrip(b"\r\n")


def loads_json(text: str | bytes, what: str = "JSON", depth: int = MAX_DEPTH) -> Any:
    """json.loads, with nesting deeper than DEPTH a ValueError (never a RecursionError)."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError(f"{what} is nested too deeply") from None
    if nesting(value, depth) > depth:
        raise ValueError(f"{what} is nested more than {depth} levels deep")
    return value


def nesting(value: Any, limit: int) -> int:
    """The nesting depth of a parsed JSON value (iterative; stops once over LIMIT)."""
    deepest, todo = 0, [(value, 0)]
    while todo:
        item, level = todo.pop()
        if isinstance(item, (dict, list)):
            level += 1
            deepest = max(deepest, level)
            if deepest > limit:
                return deepest
            todo.extend((v, level) for v in (item.values() if isinstance(item, dict)
                                             else item))
    return deepest


def replace_text(path: Path, text: str) -> None:
    """Write PATH atomically through .NAME.tmp (a link left at that name is removed, never
    written through): a kill mid-write leaves the old file."""
    tmp = path.parent / f".{path.name}.tmp"
    tmp.unlink(missing_ok=True)
    with open(tmp, "x", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def _size(n: int) -> str:
    return f"{n >> 20} MB" if n >= 1 << 20 else f"{n:,} bytes"
