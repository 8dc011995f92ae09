"""`rnn-tui corpus download NAME`: fetch a public corpus once, verify it, keep it in the cache.

Every registry entry pins a sha256 and a size, so a changed or truncated upstream file is
refused instead of silently changing every number measured on it. The file is written to a
temporary name in the cache directory and renamed into place only after the checksum
matched (an atomic rename on one filesystem), so the cache never holds a half file.

A server that stops sending does not hang the command: connecting and every read time out
after TIMEOUT_S, a download that receives fewer than STALL_BYTES in any STALL_S seconds is
stopped as stalled (a server trickling one byte every two seconds never times a read out),
and the whole download has DEADLINE_S. Each is one line naming the source; nothing is kept.

Cache directory: $RNN_TUI_CACHE/corpora, else $XDG_CACHE_HOME/rnn-tui/corpora, else
~/.cache/rnn-tui/corpora. $RNN_TUI_MIRROR (a base URL) replaces the upstream host:
NAME is then fetched from MIRROR/NAME.txt (tests point it at a local HTTP server).

The network and hashing modules are imported by a download, not with this module: listing the corpora
(and `rnn-tui --help`, through the configs) should not pay for an HTTP client.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from engine.errors import EngineError

_CHUNK = 1 << 16
TIMEOUT_S = 30  # connect, and each read: the socket's timeout
STALL_S, STALL_BYTES = 30, 16 << 10  # fewer bytes than this in any STALL_S seconds: stalled
DEADLINE_S = 15 * 60  # the whole download (1.1 MB at the slowest pace STALL allows: ~35 min)


@dataclass(frozen=True)
class Remote:
    url: str
    sha256: str
    size: int  # bytes
    description: str


REGISTRY: dict[str, Remote] = {
    # sha256 and size as published by several independent loaders of this exact file.
    "tiny-shakespeare": Remote(
        url="https://raw.githubusercontent.com/karpathy/char-rnn/master/data/"
            "tinyshakespeare/input.txt",
        sha256="86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
        size=1_115_394,
        description="40,000 lines of Shakespeare plays (Karpathy's char-rnn), 1.1 MB",
    ),
}

Progress = Callable[[int, "int | None"], None]  # (bytes so far, total bytes or None)


def cache_dir() -> Path:
    """The directory downloaded corpora live in (not created here)."""
    root = os.environ.get("RNN_TUI_CACHE")
    if root:
        return Path(root).expanduser() / "corpora"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "rnn-tui" / "corpora"


def available() -> list[tuple[str, str, int]]:
    """(name, description, size in bytes) of every corpus `download` knows."""
    return [(name, r.description, r.size) for name, r in sorted(REGISTRY.items())]


def cached_path(name: str, cache: Path | None = None) -> Path | None:
    """Where NAME lives in the cache, or None if it has not been downloaded."""
    path = (cache or cache_dir()) / f"{name}.txt"
    return path if path.is_file() else None


def verify(name: str, path: Path) -> bool:
    """True if the file at PATH has the registry's size and sha256 for NAME."""
    remote = _remote(name)
    try:
        if path.stat().st_size != remote.size:
            return False
        return _sha256_file(path) == remote.sha256
    except OSError:
        return False


def download(name: str, cache_dir: Path | str | None = None, url: str | None = None,
             progress: Progress | None = None) -> Path:
    """Return the path of the verified corpus NAME, downloading it only if needed."""
    remote = _remote(name)
    folder = Path(cache_dir) if cache_dir is not None else _default_cache()
    target = folder / f"{name}.txt"
    if target.is_file() and verify(name, target):
        return target  # cache hit: no network at all
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EngineError(f"cannot create cache directory {folder}: {exc.strerror}") from None
    source = url or _mirror_url(name) or remote.url
    tmp = _fetch_to_temp(source, folder, remote, progress)
    try:
        _check(name, source, tmp, remote)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)  # after a good rename the temp name no longer exists
    return target


# --- helpers -------------------------------------------------------------------------

def _default_cache() -> Path:
    # download()'s parameter is also called cache_dir and shadows the function there.
    return cache_dir()


def _remote(name: str) -> Remote:
    if name not in REGISTRY:
        raise EngineError(f"unknown corpus {name!r} to download; "
                          f"available: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name]


def _mirror_url(name: str) -> str | None:
    base = os.environ.get("RNN_TUI_MIRROR")
    return f"{base.rstrip('/')}/{name}.txt" if base else None


def _fetch_to_temp(source: str, folder: Path, remote: Remote,
                   progress: Progress | None) -> Path:
    """Stream SOURCE into a temp file inside FOLDER (same filesystem as the target)."""
    import http.client
    import tempfile

    fd, name = tempfile.mkstemp(prefix=".download-", suffix=".part", dir=folder)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out, _open(source) as resp:
            total = _content_length(resp)
            done, pace = 0, _Pace(source)
            # read1: what one recv brings (read(n) would wait for n bytes of a trickle)
            while chunk := resp.read1(_CHUNK):
                done += len(chunk)
                pace.check(done)
                # A server sending far more than the pinned size is not this corpus.
                if done > remote.size * 2:
                    raise EngineError(f"download from {source} is larger than expected "
                                      f"({remote.size:,} bytes); refusing it")
                out.write(chunk)
                if progress:
                    progress(done, total)
    except TimeoutError:
        tmp.unlink(missing_ok=True)
        raise EngineError(f"download from {source} stalled: nothing received for "
                          f"{TIMEOUT_S} s; nothing was saved, try again later") from None
    except (OSError, http.client.HTTPException) as exc:
        tmp.unlink(missing_ok=True)
        raise EngineError(f"download from {source} broke off: {exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _open(source: str):
    if not source.startswith(("http://", "https://")):
        raise EngineError(f"download URL must start with http:// or https://, got {source!r}")
    import urllib.error
    import urllib.request

    request = urllib.request.Request(source, headers={"User-Agent": "rnn-tui"})
    try:
        return urllib.request.urlopen(request, timeout=TIMEOUT_S)  # noqa: S310 - checked
    except urllib.error.HTTPError as exc:
        raise EngineError(f"download failed: HTTP {exc.code} {exc.reason} for {source}") from None
    except urllib.error.URLError as exc:
        raise EngineError(f"cannot reach {source}: {exc.reason}") from None
    except (TimeoutError, OSError) as exc:
        raise EngineError(f"cannot reach {source}: {exc}") from None


class _Pace:
    """Stops a download that is stalled (under STALL_BYTES in the last STALL_S seconds) or
    past DEADLINE_S, with one line."""

    def __init__(self, source: str):
        self.source, self.start = source, time.monotonic()
        self.mark, self.mark_bytes = self.start, 0

    def check(self, done: int) -> None:
        now = time.monotonic()
        if now - self.start > DEADLINE_S:
            raise EngineError(f"download from {self.source} took over {DEADLINE_S} s "
                              f"({done:,} bytes so far); nothing was saved, try again later")
        if now - self.mark >= STALL_S:
            if done - self.mark_bytes < STALL_BYTES:
                raise EngineError(f"download from {self.source} stalled: "
                                  f"{done - self.mark_bytes:,} bytes in the last "
                                  f"{now - self.mark:.0f} s; nothing was saved, try again later")
            self.mark, self.mark_bytes = now, done


def _content_length(resp) -> int | None:
    value = resp.headers.get("Content-Length")
    return int(value) if value and value.isdigit() else None


def _check(name: str, source: str, tmp: Path, remote: Remote) -> None:
    size = tmp.stat().st_size
    if size != remote.size:
        raise EngineError(f"download of {name} from {source} has {size:,} bytes, "
                          f"expected {remote.size:,}; nothing was saved")
    digest = _sha256_file(tmp)
    if digest != remote.sha256:
        raise EngineError(f"download of {name} from {source} has sha256 {digest[:16]}..., "
                          f"expected {remote.sha256[:16]}...; nothing was saved")


def _sha256_file(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
