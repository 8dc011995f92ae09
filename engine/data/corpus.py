"""Turn a `--corpus` spec into one checked, normalised string of text.

A spec is, in this order of precedence:
  * a bundled name ("hello", "prose", "code", "structured", "stdlib") or the name of a
    corpus fetched with `rnn-tui corpus download`, unless it looks like a path
    (contains a slash or starts with "."), so `--corpus code` always means the bundled one
    and `--corpus ./code` a local folder;
  * a UTF-8 text file (UTF-16 is recognised and refused with the command that converts it);
  * a directory: every non-hidden file below it, recursively, in sorted path order,
    joined with "\n". Files that are not text (a NUL byte anywhere, or not valid UTF-8) are
    skipped and counted in `Corpus.source`; a directory with no text file is refused.

Anything a model could not sensibly train on (missing, empty, binary, undecodable, a few
characters) is an EngineError with one line saying what is wrong and where.
"""

from __future__ import annotations

import functools
import os
import sysconfig
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from engine.data import download
from engine.errors import EngineError
from engine.files import read_bytes

MIN_CHARS = 100  # below this there is nothing to split into train and validation
MAX_BYTES = 512 * 1024 * 1024  # refuse before reading something that cannot fit in RAM
STDLIB_CAP = 4 * 1024 * 1024  # the "stdlib" corpus stops after this many characters


def _sample_dir() -> Path:
    """The folder of the bundled corpora wherever rnn-tui is installed: the `sample_corpora`
    package (sample_corpora/__init__.py says why a package). Wheels install unzipped, so
    importlib.resources gives a real folder, which --data and the loaders need (a zipped
    install would give a path that does not exist: "bundled corpus file ... is missing")."""
    return Path(str(resources.files("sample_corpora")))


SAMPLE_DIR = _sample_dir()
BUNDLED_FILES = {
    "hello": "the word hello and a few look-alikes, repeated: a toy a tiny model learns fast",
    "prose": "English prose from the docstrings and comments of the Python standard library",
    "code": "Python source: a selection of standard-library modules",
    "structured": "generated CSV rows, JSON lines and log lines with fixed formats",
}
STDLIB_DESCRIPTION = "all Python standard-library source of this interpreter (built on use)"
# Directories of the standard library whose text is tests, vendored packages or data.
_STDLIB_SKIP = {"test", "tests", "idle_test", "site-packages", "dist-packages",
                "__pycache__", "lib2to3", "turtledemo", "ensurepip", "pydoc_data"}


@dataclass(frozen=True)
class Corpus:
    name: str  # short name for titles and run directories
    text: str  # normalised: "\n" line endings, no BOM
    source: str  # where it came from, for the user ("file /x/y.txt", "3 files in /x")


def load_corpus(spec: str) -> Corpus:
    """Load SPEC (a bundled name, a file or a directory) or raise EngineError."""
    spec = str(spec).strip()
    if not spec:
        raise EngineError("no corpus given; " + _names_hint())
    looks_like_path = "/" in spec or os.sep in spec or spec.startswith(".")
    if not looks_like_path and _is_name(spec):
        return _check_length(_load_named(spec))
    path = Path(spec).expanduser()
    if path.is_dir():
        return _check_length(_load_dir(path))
    if path.is_file():
        return _check_length(_load_file(path))
    if path.exists():
        raise EngineError(f"corpus {spec} is neither a regular file nor a directory")
    raise EngineError(f"corpus not found: {spec}; {_names_hint()}")


def list_bundled() -> list[tuple[str, str, int | None, str]]:
    """(name, description, size in bytes or None when not known yet, where it is read from:
    a file, a folder, or "" before a download) of every named corpus."""
    rows: list[tuple[str, str, int | None, str]] = []
    for name, description in BUNDLED_FILES.items():
        path = SAMPLE_DIR / f"{name}.txt"
        rows.append((name, description, path.stat().st_size if path.is_file() else None,
                     str(path)))
    rows.append(("stdlib", STDLIB_DESCRIPTION, None, sysconfig.get_paths()["stdlib"]))
    for name, description, size in download.available():
        cached = download.cached_path(name)
        note = "" if cached else f" (not downloaded: rnn-tui corpus download {name})"
        rows.append((name, description + note, size if cached else None, str(cached or "")))
    return rows


def read_text(path: str | Path, what: str, limit: int = MAX_BYTES) -> str:
    """The one reader of a user's text file (a corpus, a tag file, a pairs file, predict's
    --file): a regular file of at most LIMIT bytes (a FIFO, a device, a directory refused,
    engine.files), UTF-8 text, normalised (decode_text)."""
    try:
        data = read_bytes(path, what, limit)
    except FileNotFoundError:
        raise EngineError(f"{what} not found, cannot read {path}") from None
    return decode_text(data, str(path), what)


def decode_text(data: bytes, where: str, what: str = "corpus") -> str:
    """Check raw bytes are text and return them decoded and normalised."""
    if not data.strip():
        raise EngineError(f"{what} {where} is empty")
    utf16 = utf16_problem(data, f"{what} {where}")
    if utf16:
        raise EngineError(utf16)
    problem = _binary_reason(data)
    if problem:
        raise EngineError(f"{what} {where} looks like a binary file ({problem}), not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EngineError(f"{what} {where} is not valid UTF-8: bad byte "
                          f"0x{data[exc.start]:02x} at byte offset {exc.start}") from None
    return normalise(text)


def utf16_problem(data: bytes, what: str) -> str:
    """A message naming the conversion if DATA is UTF-16 text, else "". UTF-16 starts with
    a byte-order mark, or (mostly-ASCII text without one) has a NUL in every other byte."""
    head = data[:4096]
    halves = (head[0::2].count(0), head[1::2].count(0))
    bom = head[:2] in (b"\xff\xfe", b"\xfe\xff")
    if not bom and not (len(head) >= 16 and max(halves) > 0.3 * len(head) / 2
                        and min(halves) == 0):
        return ""
    return (f"{what} is UTF-16 text, not UTF-8; convert it first, e.g. "
            f"`iconv -f UTF-16 -t UTF-8 FILE > FILE.utf8.txt`")


def normalise(text: str) -> str:
    # One line-ending convention, so a Windows file does not teach the model "\r".
    text = text.removeprefix("\ufeff")
    return text.replace("\r\n", "\n").replace("\r", "\n")


# --- named corpora -------------------------------------------------------------------

def _names() -> list[str]:
    return [*BUNDLED_FILES, "stdlib", *(n for n, _, _ in download.available())]


def _is_name(spec: str) -> bool:
    return spec in BUNDLED_FILES or spec == "stdlib" or spec in download.REGISTRY


def _names_hint() -> str:
    return f"bundled names are: {', '.join(_names())}"


def _load_named(name: str) -> Corpus:
    if name == "stdlib":
        text, count = _stdlib_text()
        return Corpus("stdlib", text, f"{count} standard-library .py files")
    if name in BUNDLED_FILES:
        path = SAMPLE_DIR / f"{name}.txt"
        if not path.is_file():
            raise EngineError(f"bundled corpus file {path} is missing; reinstall rnn-tui "
                              f"or run python sample_corpora/make_corpora.py")
        return Corpus(name, decode_text(_read(path), name), f"bundled {path.name}")
    path = download.cached_path(name)
    if path is None:
        raise EngineError(f"corpus {name} is not downloaded yet; "
                          f"run: rnn-tui corpus download {name}")
    if not download.verify(name, path):
        raise EngineError(f"cached corpus {path} is damaged (checksum mismatch); "
                          f"run: rnn-tui corpus download {name}")
    return Corpus(name, decode_text(_read(path), name), f"downloaded {path}")


@functools.lru_cache(maxsize=1)
def _stdlib_text() -> tuple[str, int]:
    """Concatenate the stdlib's .py files (sorted, tests excluded), cached per process."""
    root = Path(sysconfig.get_paths()["stdlib"])
    parts, total = [], 0
    for path in _walk(root, skip=_STDLIB_SKIP):
        if path.suffix != ".py":
            continue
        try:
            text = normalise(path.read_bytes().decode("utf-8"))
        except (OSError, UnicodeDecodeError):
            continue  # a stray non-UTF-8 module is not worth failing the corpus over
        parts.append(text)
        total += len(text) + 1
        if total >= STDLIB_CAP:
            break
    if not parts:
        raise EngineError(f"no Python source found under {root} for the stdlib corpus")
    return "\n".join(parts)[:STDLIB_CAP], len(parts)


# --- files and directories -----------------------------------------------------------

def _load_file(path: Path) -> Corpus:
    return Corpus(path.stem, read_text(path, "corpus"), f"file {path}")


def _load_dir(root: Path) -> Corpus:
    parts, skipped, total = [], 0, 0
    for path in _walk(root, skip=set()):
        data = _read(path)
        if _binary_reason(data):
            skipped += 1
            continue
        try:
            text = normalise(data.decode("utf-8"))
        except UnicodeDecodeError:
            skipped += 1
            continue
        total += len(data)
        if total > MAX_BYTES:
            raise EngineError(f"corpus directory {root} holds more than "
                              f"{MAX_BYTES >> 20} MB of text; point at a smaller folder")
        parts.append(text)
    if not parts:
        why = f" ({skipped} non-text files skipped)" if skipped else ""
        raise EngineError(f"corpus directory {root} has no text files{why}")
    note = f", {skipped} non-text skipped" if skipped else ""
    text = "\n".join(parts)
    if not text.strip():
        raise EngineError(f"corpus directory {root} is empty (its text files are blank)")
    return Corpus(root.resolve().name, text, f"{len(parts)} files in {root}{note}")


def _walk(root: Path, skip: set[str]):
    """Regular non-hidden files below ROOT in sorted order, skipping hidden/SKIP dirs."""
    for dirpath, dirnames, filenames in os.walk(root):
        # Pruning in place makes os.walk skip those subtrees; sorting makes the order stable.
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in skip)
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if not name.startswith(".") and path.is_file():
                yield path


def _read(path: Path) -> bytes:
    try:
        return read_bytes(path, "corpus", MAX_BYTES)
    except FileNotFoundError:  # gone since the folder was listed
        raise EngineError(f"corpus not found: {path}") from None


def _binary_reason(data: bytes) -> str:
    """Why DATA is not text, or "" if it looks like text: a NUL byte anywhere (a C-speed
    search), or many control characters in the first 64 KB."""
    nul = data.find(b"\x00")
    if nul >= 0:
        return f"NUL byte at offset {nul}"
    head = data[: 1 << 16]
    # Control characters other than tab, newline, carriage return, form feed and escape.
    controls = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 12, 13, 27))
    if controls > max(8, len(head) // 100):
        return f"{controls} control characters in the first {len(head)} bytes"
    return ""


def _check_length(corpus: Corpus) -> Corpus:
    n = len(corpus.text)
    if n < MIN_CHARS:
        raise EngineError(f"corpus {corpus.name} has only {n} characters; need at least "
                          f"{MIN_CHARS} (a few KB or more to learn anything)")
    return corpus
