"""Labelled examples as people have them on disk: per-class files or a TSV/CSV table.

    read_examples(path)  ->  Examples(rows=[Row(text, label, file, line), ...], notes, about)

Layouts:
  a table file     text<TAB>label (or CSV, or semicolons), header optional: the delimiter is
                   sniffed, the text and label columns found (or named / numbered by the caller)
  a directory      one UTF-8 file per class, one example per line, the class = the file name
                   without its extension (the "NLP from scratch" names/ layout); a directory
                   (or glob) whose files are all tables is read as those tables, concatenated
Quirks handled: UTF-8 BOM (and UTF-16 with a BOM), CRLF, real CSV quoting (delimiters, newlines
and doubled quotes inside quotes), spaces around fields, unquoted extra delimiters in the text
of a two-column file, readme/licence files next to the data (skipped).
Problems come back as `notes` (one line each, naming the file and its line numbers) for what
the run can skip, or an EngineError for what it cannot use.
"""

from __future__ import annotations

import csv
import glob
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Optional, Union

from engine.errors import EngineError
from engine.files import read_bytes, what_is

Column = Union[int, str, None]
DELIMITERS = {"\t": "TSV", ",": "CSV", ";": "semicolon-separated"}
TEXT_NAMES = {"text", "sentence", "sentences", "review", "content", "document", "body",
              "comment", "tweet", "message", "name", "word", "phrase", "string", "utterance",
              "title", "question", "input"}
LABEL_NAMES = {"label", "labels", "class", "category", "sentiment", "target", "y", "language",
               "lang", "score", "polarity", "tag", "rating", "intent", "emotion", "topic",
               "gold", "output"}
NOT_DATA = {"readme", "license", "licence", "copying", "notice", "changelog"}
SAMPLE_CHARS = 65536  # what the delimiter sniffer reads


class Row(NamedTuple):
    text: str
    label: str
    file: str  # display name of the file it came from
    line: int  # 1-based line where its record starts


@dataclass
class Examples:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # recoverable problems, one line each
    about: list[str] = field(default_factory=list)  # how each file was read, for the source


def line_list(lines: list[int], most: int = 8) -> str:
    """'line 4' / 'lines 4, 9, 12 and 30 more'."""
    shown = ", ".join(str(n) for n in lines[:most])
    more = f" and {len(lines) - most} more" if len(lines) > most else ""
    return f"line{'s' if len(lines) > 1 else ''} {shown}{more}"


def read_text(path: Path) -> str:
    """A file's text: UTF-8 (BOM dropped) or UTF-16 with a BOM; binary is refused. (Read
    like every user file, engine.files: a regular file under the corpus size limit.)"""
    from engine.data.corpus import MAX_BYTES

    try:
        data = read_bytes(path, "data file", MAX_BYTES)
    except FileNotFoundError:
        raise EngineError(f"no such file: {path}") from None
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise EngineError(f"{path.name}: starts like UTF-16 but does not decode as it")
    if b"\x00" in data[:8192]:
        raise EngineError(f"{path.name} looks like a binary file, not text: give a TSV/CSV "
                          f"file or a directory of one text file per class")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise EngineError(f"{path.name} line {line}: not UTF-8 text (byte 0x{data[e.start]:02x})"
                          f"; save the file as UTF-8") from None


# --- tables ---------------------------------------------------------------------------------

def _records(text: str, delim: str, quoted: bool, name: str) -> list[tuple[int, list[str]]]:
    """(first line, fields) per non-blank record. csv does the quoting and the CRLF. A field
    may be as long as the file (csv's own limit, 131,072 characters, would refuse the whole
    file for one long review; the encoder cuts long texts anyway)."""
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim,
                        quoting=csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE)
    out, start = [], 1
    try:
        for fields in reader:
            if any(f.strip() for f in fields):
                out.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as e:  # e.g. a field beyond csv's size limit
        raise EngineError(f"{name} line {start}: {e}") from None
    return out


def _sniff(text: str, name: str) -> str:
    """The delimiter: tab if nearly every record has one (text rarely holds tabs), else
    whichever of comma / semicolon splits more records into the same number of fields."""
    sample = text[:SAMPLE_CHARS]
    best, best_score = None, 0.0
    for delim in DELIMITERS:
        recs = _records(sample, delim, True, name)[:-1 if len(sample) < len(text) else None]
        if not recs:
            continue
        sizes = Counter(len(f) for _, f in recs)
        split = sum(n for k, n in sizes.items() if k >= 2) / len(recs)
        modal, n_modal = sizes.most_common(1)[0]
        score = n_modal / len(recs) if modal >= 2 else 0.0
        if delim == "\t" and split >= 0.9:
            return delim
        if split >= 0.9 and score > best_score:
            best, best_score = delim, score
    if best is None:
        raise EngineError(f"{name}: no tab, comma or semicolon separates a text from a label "
                          f"on most lines; a labelled file has text<TAB>label lines (or CSV), "
                          f"or give a directory with one file per class")
    return best


def _parse_table(text: str, delim: str, name: str) -> list[tuple[int, list[str]]]:
    """CSV quoting for commas and semicolons. For tabs, quoting only when the file uses it
    properly: a plain TSV's sentence may start with a quote it never closes."""
    quoted = _records(text, delim, True, name)
    if delim != "\t":
        return quoted
    plain = _records(text, delim, False, name)
    starts = [f for _, fs in plain for f in fs if f.strip().startswith('"')]
    if not starts:
        return plain
    proper = all(len(f.strip()) > 1 and f.strip().endswith('"') for f in starts)

    def consistent(recs):  # the share of records with the usual number of fields
        return Counter(len(f) for _, f in recs).most_common(1)[0][1] / len(recs)
    return quoted if proper or consistent(quoted) > consistent(plain) else plain


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _resolve(col: Column, header: Optional[list[str]], width: int, what: str,
             name: str) -> Optional[int]:
    """A column given by 0-based index (int or digits) or by header name -> index."""
    if col is None:
        return None
    if isinstance(col, int) or str(col).strip().isdigit():
        i = int(col)
        if not 0 <= i < width:
            raise EngineError(f"{name}: {what} column {i} does not exist (the file has "
                              f"{width} columns, numbered from 0)")
        return i
    names = [h.strip().lower() for h in header or []]
    if str(col).strip().lower() not in names:
        have = ", ".join(repr(h.strip()) for h in header) if header else "none: no header"
        raise EngineError(f"{name}: no {what} column named {col!r} (columns: {have})")
    return names.index(str(col).strip().lower())


def _guess_columns(body: list[list[str]], width: int, name: str, check: bool = True
                   ) -> tuple[int, int]:
    """label = the column with the fewest distinct values (then the shortest); text = the
    longest of the others. A label column has few short values; a text column many long.
    Only rows with the usual number of fields count (an unquoted comma shifts the rest)."""
    body = [r for r in body if len(r) == width] or body
    stats = []
    for j in range(width):
        vals = [r[j].strip() for r in body if len(r) > j and r[j].strip()]
        mean_len = sum(map(len, vals)) / max(len(vals), 1)
        stats.append((len(set(vals)), mean_len, j))
    label = min(stats, key=lambda s: (s[0], s[1], -s[2]))
    text = max((s for s in stats if s[2] != label[2]), key=lambda s: (s[1], s[0]))
    if check and len(body) > 20 and label[0] > len(body) / 2:
        raise EngineError(f"{name}: cannot tell which column holds the labels (no column has "
                          f"few distinct values); set the label column")
    return text[2], label[2]


def _has_header(first: list[str], body: list[list[str]], label: int) -> bool:
    """A first label unlike every label below it: a word over numbers, or a value never
    seen again where every real label is seen at least twice."""
    if len(first) <= label or not body:
        return False
    head = first[label].strip()
    labels = [r[label].strip() for r in body if len(r) > label and r[label].strip()]
    if labels and all(map(_is_number, labels)) and not _is_number(head):
        return True
    counts = Counter(labels)
    return len(body) >= 10 and head not in counts and min(counts.values(), default=0) >= 2


def read_table(path: Path, text_column: Column = None, label_column: Column = None,
               header: Optional[bool] = None) -> Examples:
    """One TSV / CSV / semicolon file -> its examples (see the module docstring)."""
    name = path.name
    text = read_text(path)
    if not text.strip():
        return Examples(notes=[f"{name} is empty"])
    delim = _sniff(text, name)
    records = _parse_table(text, delim, name)
    width = Counter(len(f) for _, f in records).most_common(1)[0][0]
    first = records[0][1]
    by_name = any(isinstance(c, str) and not c.strip().isdigit()
                  for c in (text_column, label_column))
    if header is None and (by_name or _names(first) != (None, None)):
        header = True  # a column asked for by name, or header words we know
    tc, lc = _columns(records, width, text_column, label_column, header, name)
    if header is None:
        header = _has_header(first, [f for _, f in records[1:]], lc)
    rows, notes = _rows(records[1:] if header else records, tc, lc, width, delim, name)
    cols = (f"text = {first[tc].strip()!r}, label = {first[lc].strip()!r}" if header else
            f"text = column {tc}, label = column {lc}")
    about = f"{name}: {DELIMITERS[delim]}, {'header' if header else 'no header'}, {cols}"
    return Examples(rows, notes, [about])


def _names(first: list[str]) -> tuple[Optional[int], Optional[int]]:
    """(text, label) columns named by header words we know (None where none is)."""
    names = [f.strip().lower() for f in first]
    tc = next((j for j, n in enumerate(names) if n in TEXT_NAMES), None)
    lc = next((j for j, n in enumerate(names) if n in LABEL_NAMES and j != tc), None)
    return tc, lc


def _columns(records: list[tuple[int, list[str]]], width: int, text_column: Column,
             label_column: Column, header: Optional[bool], name: str) -> tuple[int, int]:
    """The caller's columns where given, else header names, else the statistics."""
    first = records[0][1]
    tc = _resolve(text_column, first if header else None, width, "text", name)
    lc = _resolve(label_column, first if header else None, width, "label", name)
    if tc is None or lc is None:
        gt, gl = _names(first) if header else (None, None)
        if gt is None or gl is None:
            body = [f for _, f in (records[1:] if header else records)] or [first]
            gt, gl = _guess_columns(body, width, name, check=lc is None)  # (given: no)
        if tc is None and lc is None:
            tc, lc = gt, gl
        elif tc is None:
            tc = gt if gt != lc else gl
        else:
            lc = gl if gl != tc else gt
    if tc == lc:
        raise EngineError(f"{name}: the text and label columns are both column {tc}")
    return tc, lc


def _rows(records: list[tuple[int, list[str]]], tc: int, lc: int, width: int, delim: str,
          name: str) -> tuple[list[Row], list[str]]:
    rows, bad = [], {"no label": [], "empty text": [], "wrong number of fields": []}
    rejoined = []
    for line, fields in records:
        if len(fields) > width and width == 2:
            # "great, really great,1": the text held an unquoted delimiter; the label is the
            # outer field, everything else is the text.
            rejoined.append(line)
            fields = ([delim.join(fields[:-1]), fields[-1]] if lc == 1 else
                      [fields[0], delim.join(fields[1:])])
        if len(fields) > width:
            bad["wrong number of fields"].append(line)
            continue
        label = fields[lc].strip() if len(fields) > lc else ""
        text = fields[tc].strip() if len(fields) > tc else ""
        if not label:
            bad["no label"].append(line)
        elif not text:
            bad["empty text"].append(line)
        else:
            rows.append(Row(text, label, name, line))
    notes = [f"{name}: {len(lines)} {'line' if len(lines) == 1 else 'lines'} skipped, {why} "
             f"({line_list(lines)})" for why, lines in bad.items() if lines]
    if rejoined:
        notes.append(f"{name}: {len(rejoined)} lines had more than {width} fields; the extra "
                     f"{'tabs' if delim == chr(9) else repr(delim)} were kept in the text "
                     f"({line_list(rejoined)})")
    n_bad = sum(map(len, bad.values()))
    if records and n_bad > len(records) / 2:
        why, lines = next((w, ls) for w, ls in bad.items() if ls)
        raise EngineError(f"{name}: {n_bad} of {len(records)} lines could not be read "
                          f"(line {lines[0]}: {why}); is it a labelled table?")
    return rows, notes


# --- directories: one file per class, or several tables -------------------------------------

def _files(path: Union[str, Path]) -> tuple[list[Path], list[str]]:
    """The data files of a directory or glob (sorted), and the names skipped as not data."""
    s = str(path)
    if any(ch in s for ch in "*?[") and not Path(s).exists():
        found = [Path(p) for p in sorted(glob.glob(s))]
        if not found:
            raise EngineError(f"no file matches {s}")
    else:
        p = Path(s)
        if not p.exists():
            raise EngineError(f"no such file or directory: {s}")
        if p.is_file():
            return [p], []
        if not p.is_dir():  # a FIFO, /dev/null, a process substitution: not read as a stream
            raise EngineError(f"{s} is {what_is(p.stat().st_mode)}, not a regular file or a "
                              f"directory: save the data to a file first")
        found = sorted(p.iterdir())
    files, skipped = [], []
    for f in found:
        if f.name.startswith(".") or not f.is_file():
            continue
        if f.stem.lower().split("-")[0].split("_")[0] in NOT_DATA:
            skipped.append(f.name)
        else:
            files.append(f)
    if not files:
        raise EngineError(f"{s}: no data files in it (a directory of one text file per "
                          f"class, or TSV/CSV files)")
    return files, skipped


def _looks_like_table(path: Path) -> bool:
    if path.suffix.lower() in (".tsv", ".csv"):
        return True
    lines = [ln for ln in read_text(path)[:SAMPLE_CHARS].split("\n") if ln.strip()]
    return bool(lines) and sum("\t" in ln for ln in lines) >= 0.9 * len(lines)


def read_class_file(path: Path) -> Examples:
    """One example per line; the class is the file name without its extension."""
    label, rows = path.stem, []
    for n, line in enumerate(read_text(path).split("\n"), 1):
        text = line.strip()  # also drops the \r of CRLF
        if text:
            rows.append(Row(text, label, path.name, n))
    notes = [] if rows else [f"{path.name} has no examples: class {label!r} left out"]
    return Examples(rows, notes)


def read_examples(path: Union[str, Path], text_column: Column = None,
                  label_column: Column = None, header: Optional[bool] = None) -> Examples:
    """A table file, a directory (or glob) of tables, or a directory of per-class files."""
    files, skipped = _files(path)
    out = Examples(notes=[f"skipped {n} (not data)" for n in skipped])
    looks = [_looks_like_table(f) for f in files]
    tables = len(files) == 1 and Path(path).is_file() or all(looks)
    if any(looks) and not tables:  # a table beside text files: neither reading is right
        table = next(f.name for f, t in zip(files, looks) if t)
        other = next(f.name for f, t in zip(files, looks) if not t)
        raise EngineError(f"{path} mixes a table ({table}) with other files ({other}): give "
                          f"the table itself, or a folder of only tables or only per-class "
                          f"text files")
    for f in files:
        got = (read_table(f, text_column, label_column, header) if tables else
               read_class_file(f))
        out.rows += got.rows
        out.notes += got.notes
        out.about += got.about
    if not tables:
        out.about.append(f"{Path(path).name}/: one file per class ({len(files)} files)")
        stems = Counter(f.stem for f in files)
        out.notes += [f"{n} files are named {s!r}: their lines form one class"
                      for s, n in stems.items() if n > 1]
    return out
