"""Which line of a TOML file holds a value, for `file:line: what is wrong` messages.

tomllib gives values without positions, so a value is found again in the text by its path:
("steps", 2, "check", "metric") is the `metric` key after the third `[[steps]]` header (the
key may be on its own line or inside an inline table). The deepest part of the path that is
found wins: a message always points at the step, and at the key when it can.
"""

from __future__ import annotations

import re

_HEADER = re.compile(r"^\s*(\[\[?)\s*([\w.\-\"']+)\s*\]\]?")


def _key_at(lines: list[str], key: str, start: tuple[int, int], end: int
            ) -> tuple[int, int] | None:
    """(line, column after it) of the first `key = ...` or [x.key] header at or after
    `start` (a line and a column in it), before line `end`."""
    pattern = re.compile(rf"(^|[{{,\s.\[]){re.escape(key)}\s*(=|\]|\.)")
    line, col = start
    for i in range(line, end):
        m = pattern.search(lines[i].split("#", 1)[0], col if i == line else 0)
        if m:
            return i, m.end()
    return None


def _array_item(lines: list[str], name: str, index: int, start: int, end: int
                ) -> tuple[int, int] | None:
    """The line range of the index-th [[name]] table between start and end."""
    found = [i for i in range(start, end)
             if (m := _HEADER.match(lines[i])) and m.group(1) == "[[" and m.group(2) == name]
    if index >= len(found):
        return None
    begin = found[index]
    stop = found[index + 1] if index + 1 < len(found) else end
    top = name.split(".")[0]  # the next [[steps]] also ends a [[steps.solution]]
    for i in range(begin + 1, stop):
        m = _HEADER.match(lines[i])
        if m and m.group(1) == "[[" and m.group(2) == top:
            return begin, i
    return begin, stop


def locate(text: str, path: tuple) -> int:
    """1-based line of `path` in the TOML `text` (1 when nothing of it is found)."""
    lines = text.splitlines() or [""]
    start, end, best, prefix, col = 0, len(lines), 0, "", 0
    i = 0
    while i < len(path):
        part = path[i]
        if isinstance(part, int):  # an index with no array-of-tables header: stay
            i += 1
            continue
        table = f"{prefix}{part}"
        if i + 1 < len(path) and isinstance(path[i + 1], int):
            span = _array_item(lines, table, path[i + 1], start, end)
            if span is not None:
                start, end = span
                best, prefix, col = start, table + ".", len(lines[start])
                i += 2
                continue
        found = _key_at(lines, str(part), (start, col), end)
        if found is None:
            break
        best, start = found[0], found[0]
        col = found[1]
        prefix = table + "."
        i += 1
    return best + 1
