"""Regenerate the bundled corpora: python sample_corpora/make_corpora.py [--check]

Everything is derived from the running Python's standard library (PSF licence) or generated
from a fixed seed, so the output is the same on every run with the same Python version
(the committed files were made with CPython 3.11.7). --check only reports the sizes that
would be written.
"""

from __future__ import annotations

import ast
import io
import json
import random
import re
import sys
import sysconfig
import textwrap
import tokenize
from pathlib import Path

HERE = Path(__file__).resolve().parent
STDLIB = Path(sysconfig.get_paths()["stdlib"])
SKIP_DIRS = {"test", "tests", "idle_test", "site-packages", "__pycache__", "lib2to3",
             "turtledemo", "ensurepip", "pydoc_data", "idlelib", "encodings"}
PROSE_CAP = 520_000
CODE_CAP = 320_000
STRUCTURED_CAP = 200_000


def stdlib_files() -> list[Path]:
    files = []
    for path in sorted(STDLIB.rglob("*.py")):
        rel = path.relative_to(STDLIB)
        if not any(part in SKIP_DIRS or part.startswith(".") for part in rel.parts[:-1]):
            files.append(path)
    return files


# --- prose: docstrings and comment blocks that read like English ---------------------

_ALLOWED = re.compile(r"[A-Za-z0-9 ,.;:'\"()!?%-]")
_BAD = re.compile(r">>>|::|\w\.\w+\(|\w_\w|[=<>{}\[\]|*`#@\\/~^$]|\.\.\.|https?|e\.g\b|i\.e\b")


def _docstrings(tree: ast.AST) -> list[str]:
    nodes = [n for n in ast.walk(tree)
             if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))]
    out = [ast.get_docstring(n) for n in nodes]
    return [d for d in out if d]


def _comment_blocks(source: str) -> list[str]:
    """Runs of consecutive full-line comments, joined into one paragraph each."""
    blocks, current, last_row = [], [], -2
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    for tok in tokens:
        if tok.type != tokenize.COMMENT or tok.line.strip() != tok.string.strip():
            continue
        text = tok.string.lstrip("#").strip()
        if tok.start[0] != last_row + 1 or not text:
            if current:
                blocks.append(" ".join(current))
            current = []
        if text:
            current.append(text)
        last_row = tok.start[0]
    if current:
        blocks.append(" ".join(current))
    return blocks


def _is_prose(par: str) -> bool:
    """A paragraph of sentences: capitalised, ends with a full stop, no code or markup."""
    if len(par) < 120 or not par[0].isupper() or not par.endswith("."):
        return False
    if _BAD.search(par) or "  " in par:
        return False
    letters = sum(ch.isalpha() or ch == " " for ch in par)
    allowed = sum(bool(_ALLOWED.match(ch)) for ch in par)
    return letters / len(par) > 0.9 and allowed == len(par) and par.count(".") >= 2


def make_prose() -> str:
    seen, paragraphs, total = set(), [], 0
    for path in stdlib_files():
        source = path.read_text(encoding="utf-8", errors="replace")
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        chunks = [p for d in _docstrings(tree) for p in re.split(r"\n\s*\n", d)]
        chunks += _comment_blocks(source)
        for chunk in chunks:
            par = " ".join(chunk.split())
            if _is_prose(par) and par not in seen:
                seen.add(par)
                paragraphs.append(textwrap.fill(par, width=76))
                total += len(paragraphs[-1]) + 2
        if total > PROSE_CAP:
            break
    return "\n\n".join(paragraphs) + "\n"


# --- code: whole standard-library modules ---------------------------------------------

CODE_MODULES = ["textwrap.py", "heapq.py", "bisect.py", "fnmatch.py", "glob.py", "shlex.py",
                "colorsys.py", "graphlib.py", "sched.py", "queue.py", "string.py",
                "fractions.py", "statistics.py", "difflib.py", "json/decoder.py",
                "json/encoder.py", "csv.py", "functools.py", "dataclasses.py", "argparse.py",
                "configparser.py", "pprint.py", "calendar.py", "random.py"]


def make_code() -> str:
    parts, total = [], 0
    for name in CODE_MODULES:
        text = (STDLIB / name).read_text(encoding="utf-8")
        parts.append(f"# ---- {name} ----\n{text}")
        total += len(parts[-1])
        if total > CODE_CAP:
            break
    return "\n".join(parts)


# --- structured: seeded CSV, JSON lines and log lines --------------------------------

CITIES = ["Oslo", "Lima", "Porto", "Kyoto", "Dakar", "Quito", "Perth", "Turin", "Hanoi",
          "Leeds", "Cairo", "Bergen", "Austin", "Malaga", "Zurich", "Nairobi"]
ITEMS = ["apple", "bread", "cheese", "coffee", "eggs", "flour", "honey", "lemon", "milk",
         "olive oil", "pasta", "rice", "salt", "sugar", "tea", "tomato"]
LEVELS = ["INFO"] * 6 + ["DEBUG"] * 3 + ["WARN"] * 2 + ["ERROR"]
SERVICES = ["auth", "billing", "search", "cache", "mailer", "api"]
MESSAGES = {"INFO": ["request served", "user logged in", "job finished", "cache refreshed"],
            "DEBUG": ["query planned", "connection reused", "retrying lookup"],
            "WARN": ["slow response", "queue almost full", "retry limit near"],
            "ERROR": ["upstream timeout", "disk write failed", "invalid token"]}


def _stamp(rng: random.Random, i: int) -> str:
    minute = i // 3
    return (f"2024-03-{1 + minute // 1440:02d}T{minute // 60 % 24:02d}:{minute % 60:02d}:"
            f"{rng.randrange(60):02d}")


def _csv_block(rng: random.Random, start: int) -> list[str]:
    rows = ["order_id,date,city,item,quantity,unit_price,total"]
    for i in range(start, start + 30):
        qty, price = rng.randint(1, 12), rng.randint(50, 2500) / 100
        rows.append(f"{10000 + i},{_stamp(rng, i)[:10]},{rng.choice(CITIES)},"
                    f"{rng.choice(ITEMS)},{qty},{price:.2f},{qty * price:.2f}")
    return rows


def _json_block(rng: random.Random, start: int) -> list[str]:
    rows = []
    for i in range(start, start + 25):
        rec = {"id": 5000 + i, "name": rng.choice(ITEMS), "city": rng.choice(CITIES),
               "in_stock": rng.random() < 0.7, "price": round(rng.uniform(0.5, 30), 2),
               "tags": sorted(rng.sample(["fresh", "local", "organic", "sale", "new"],
                                         rng.randint(0, 3)))}
        rows.append(json.dumps(rec))
    return rows


def _log_block(rng: random.Random, start: int) -> list[str]:
    rows = []
    for i in range(start, start + 35):
        level = rng.choice(LEVELS)
        rows.append(f"{_stamp(rng, i)} {level:<5} [{rng.choice(SERVICES)}] "
                    f"{rng.choice(MESSAGES[level])} (took {rng.randint(1, 950)} ms)")
    return rows


def make_structured() -> str:
    # Blocks of each format alternate, so the last 10% (validation) holds all three.
    rng, lines, i = random.Random(20240301), [], 0
    makers = [_csv_block, _json_block, _log_block]
    while sum(len(line) + 1 for line in lines) < STRUCTURED_CAP:
        lines += makers[i % 3](rng, i * 40) + [""]
        i += 1
    return "\n".join(lines)


def make_hello() -> str:
    # Mostly "hello", with look-alikes that share its prefixes, so the model has to
    # learn that "hel" usually goes on to "lo".
    rng = random.Random(7)
    words = ["hello"] * 12 + ["help", "hell", "hero", "yellow", "jello", "hollow", "hold"]
    lines = [" ".join(rng.choice(words) for _ in range(rng.randint(3, 7)))
             for _ in range(160)]
    return "\n".join(lines) + "\n"


def main() -> None:
    outputs = {"hello.txt": make_hello(), "prose.txt": make_prose(),
               "code.txt": make_code(), "structured.txt": make_structured()}
    for name, text in outputs.items():
        size = len(text.encode("utf-8"))
        if "--check" not in sys.argv:
            (HERE / name).write_text(text, encoding="utf-8", newline="\n")
        print(f"{name:16s} {size:>9,} bytes")


if __name__ == "__main__":
    main()
