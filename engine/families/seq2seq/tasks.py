"""The tasks: character-level (source, target) pairs, a fixed held-out set, a vocabulary.

Generated tasks (dates, reverse, sort, add) draw training examples on the fly from a seeded
stream and reject any whose source is in the held-out set, so the held-out set is fixed (it
depends only on `data_seed` and the task's settings) and disjoint from everything trained on.
The `pairs` task reads a TSV file of `source<TAB>target` lines and holds out a seeded share.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

import torch

from engine.errors import EngineError
from engine.data.tokens import EOS as EOS_TOKEN
from engine.data.tokens import PAD as PAD_TOKEN
from engine.data.tokens import UNK as UNK_TOKEN
from engine.data.tokens import Vocab

# Ids 0-3 are the specials; unknown characters read as <unk> (the shared engine.data.tokens.Vocab).
SPECIALS = (PAD_TOKEN, "<sos>", EOS_TOKEN, UNK_TOKEN)
PAD, SOS, EOS, UNK = 0, 1, 2, 3

Pair = tuple[str, str]


def char_vocab(chars) -> Vocab:
    """The vocabulary of a task: its characters by code point, after the four specials."""
    return Vocab(sorted(set(chars)), specials=SPECIALS)


def encode_text(vocab: Vocab, text: str) -> list[int]:
    return vocab.encode(text).tolist()


def decode_output(vocab: Vocab, ids) -> str:
    """A decoder's ids back to text: up to <eos>, without <pad>/<sos>, <unk> as U+FFFD."""
    out = []
    for i in ids:
        i = int(i)
        if i == EOS:
            break
        if i in (PAD, SOS):
            continue
        out.append("\ufffd" if i == UNK else vocab.tokens[i])
    return "".join(out)


def unknown_chars(vocab: Vocab, text: str) -> str:
    """The characters of `text` the vocabulary does not know, sorted, as one string."""
    return "".join(sorted(set(vocab.unknown(text))))


# --- dates ------------------------------------------------------------------------------

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# strptime's %y maps 69-99 to 1969-1999 and 00-68 to 2000-2068: stay inside that window so
# a two-digit year is never ambiguous.
DATE_MIN, DATE_MAX = dt.date(1970, 1, 1), dt.date(2068, 12, 31)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _m(d):
    return MONTHS[d.month - 1]


def _a(d):
    return DAYS[d.weekday()]


# (render, strptime pattern for the text after `normalize_date_text`) - the test parses
# every rendering back with its pattern. Slashes are month/day/year (US), dots day.month.year.
DATE_FORMATS: list[tuple[Callable[[dt.date], str], str]] = [
    (lambda d: f"{ordinal(d.day)} of {_m(d)} {d.year}", "%d of %B %Y"),
    (lambda d: f"{_m(d)} {d.day}, {d.year}", "%B %d, %Y"),
    (lambda d: f"{_m(d)} {ordinal(d.day)}, {d.year}", "%B %d, %Y"),
    (lambda d: f"{d.month:02d}/{d.day:02d}/{d.year % 100:02d}", "%m/%d/%y"),
    (lambda d: f"{d.month}/{d.day}/{d.year}", "%m/%d/%Y"),
    (lambda d: f"{_a(d)[:3]} {d.day} {_m(d)[:3]} {d.year % 100:02d}", "%a %d %b %y"),
    (lambda d: f"{d.year} {_m(d)[:3]} {d.day}", "%Y %b %d"),
    (lambda d: f"{d.day} {_m(d)} {d.year}", "%d %B %Y"),
    (lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}", "%d.%m.%Y"),
    (lambda d: f"{_a(d)}, {_m(d)} {d.day}, {d.year}", "%A, %B %d, %Y"),
    (lambda d: f"{d.day} {_m(d)[:3].upper()} {d.year}", "%d %b %Y"),
    (lambda d: f"{_m(d).lower()} {d.day} {d.year}", "%B %d %Y"),
    (lambda d: f"{d.year}{d.month:02d}{d.day:02d}", "%Y%m%d"),
    (lambda d: f"{d.year}-{d.month:02d}-{d.day:02d}", "%Y-%m-%d"),
]


def normalize_date_text(text: str) -> str:
    """Drop ordinal suffixes (3rd -> 3), so strptime can read a rendering back."""
    return re.sub(r"(\d+)(st|nd|rd|th)\b", r"\1", text)


def parse_date(text: str, fmt_index: int) -> dt.date:
    """Read a rendering back with its format's pattern (English month and day names)."""
    pattern = DATE_FORMATS[fmt_index][1]
    return dt.datetime.strptime(normalize_date_text(text), pattern).date()


def _date_example(rng: random.Random) -> Pair:
    span = (DATE_MAX - DATE_MIN).days
    d = DATE_MIN + dt.timedelta(days=rng.randrange(span + 1))
    render, _ = DATE_FORMATS[rng.randrange(len(DATE_FORMATS))]
    return render(d), d.isoformat()


# --- string tasks ---------------------------------------------------------------------------

LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _string(rng: random.Random, lo: int, hi: int) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(rng.randint(lo, hi)))


def _number(rng: random.Random, lo: int, hi: int) -> int:
    digits = rng.randint(lo, hi)
    return rng.randrange(10 ** (digits - 1) if digits > 1 else 0, 10 ** digits)


@dataclass
class TaskSpec:
    """How to draw one example, and the characters it can contain."""
    name: str
    draw: Callable[[random.Random], Pair]
    alphabet: str
    lengths: tuple[int, int] = (0, 0)


def task_spec(name: str, min_len: int = 0, max_len: int = 0) -> TaskSpec:
    if name == "dates":
        alphabet = "".join(sorted(set("".join(MONTHS + DAYS) + "0123456789 ,./-"
                                      + "".join(MONTHS).lower() + "".join(MONTHS).upper())))
        return TaskSpec("dates", _date_example, alphabet)
    if name in ("reverse", "sort"):
        lo, hi = (30, 50) if name == "reverse" else (10, 20)
        lo, hi = min_len or lo, max_len or hi
        if min_len and not max_len:
            hi = max(hi, lo)
        if max_len and not min_len:
            lo = min(lo, hi)
        op = (lambda s: s[::-1]) if name == "reverse" else (lambda s: "".join(sorted(s)))
        return TaskSpec(name, lambda rng: (lambda s: (s, op(s)))(_string(rng, lo, hi)),
                        LETTERS, (lo, hi))
    if name == "add":
        lo, hi = min_len or 1, max_len or 5
        if min_len and not max_len:
            hi = max(hi, lo)
        if max_len and not min_len:
            lo = min(lo, hi)

        def draw(rng):
            a, b = _number(rng, lo, hi), _number(rng, lo, hi)
            return f"{a}+{b}", str(a + b)
        return TaskSpec("add", draw, "0123456789+", (lo, hi))
    raise EngineError(f"unknown task {name!r}; choose one of: dates, reverse, sort, add, pairs")


# --- the data a run trains and evaluates on ---------------------------------------------

@dataclass
class TaskData:
    name: str
    vocab: Vocab
    heldout: list[Pair]
    train: Optional[list[Pair]] = None  # pairs task: the fixed training list
    spec: Optional[TaskSpec] = None  # generated tasks: the generator
    warnings: list[str] = field(default_factory=list)
    _heldout_sources: frozenset = frozenset()

    @property
    def max_source_len(self) -> int:
        pool = (self.train or []) + self.heldout
        return max(len(s) for s, _ in pool)

    @property
    def max_target_len(self) -> int:
        pool = (self.train or []) + self.heldout
        return max(len(t) for _, t in pool)

    def sampler(self, seed: int) -> "Sampler":
        return Sampler(self, seed)


class Sampler:
    """An endless, seeded stream of training examples (never one of the held-out sources)."""

    def __init__(self, data: TaskData, seed: int):
        self.data = data
        self.rng = random.Random(seed)

    def batch(self, n: int) -> list[Pair]:
        d = self.data
        if d.train is not None:
            return [d.train[self.rng.randrange(len(d.train))] for _ in range(n)]
        out: list[Pair] = []
        while len(out) < n:
            pair = d.spec.draw(self.rng)
            if pair[0] not in d._heldout_sources:
                out.append(pair)
        return out


def build_task(name: str, *, pairs_path: str = "", min_len: int = 0, max_len: int = 0,
               heldout: int = 1000, val_fraction: float = 0.1, max_pair_len: int = 200,
               data_seed: int = 12345) -> TaskData:
    if name == "pairs":
        return _pairs_task(pairs_path, val_fraction, max_pair_len, data_seed)
    spec = task_spec(name, min_len, max_len)
    rng = random.Random(f"{name}:{spec.lengths}:{data_seed}")
    held: dict[str, str] = {}
    tries = 0
    while len(held) < heldout and tries < heldout * 20:  # distinct sources
        s, t = spec.draw(rng)
        held.setdefault(s, t)
        tries += 1
    if len(held) < heldout:
        raise EngineError(f"{name}: only {len(held)} distinct examples exist with these "
                          f"lengths; lower heldout or raise max_len")
    items = list(held.items())
    return TaskData(name, char_vocab(spec.alphabet), items, spec=spec,
                    _heldout_sources=frozenset(held))


def build_data(cfg) -> TaskData:
    """The data of a Seq2SeqConfig's task."""
    return build_task(cfg.task, pairs_path=cfg.pairs, min_len=cfg.min_len, max_len=cfg.max_len,
                      heldout=cfg.heldout, val_fraction=cfg.val_fraction,
                      max_pair_len=cfg.max_pair_len, data_seed=cfg.data_seed)


def read_pairs(path: str | Path, max_len: int = 200) -> tuple[list[Pair], list[str]]:
    """Usable (source, target) pairs of a TSV file, and warnings about the lines skipped."""
    from engine.data.corpus import read_text

    path = Path(path)
    text = read_text(path, "pairs file")  # a regular file, UTF-8 text, "\n" line ends
    pairs: list[Pair] = []
    no_tab = empty = too_long = 0
    for line in text.splitlines():
        if not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) < 2:
            no_tab += 1
            continue
        src, tgt = cols[0].strip(), cols[1].strip()  # extra columns (attribution) ignored
        if not src or not tgt:
            empty += 1
            continue
        if len(src) > max_len or len(tgt) > max_len:
            too_long += 1
            continue
        pairs.append((src, tgt))
    warnings = []
    if no_tab or empty:
        parts = ([f"{no_tab} without a tab"] if no_tab else []) + \
                ([f"{empty} with an empty side"] if empty else [])
        warnings.append(f"{path.name}: skipped {no_tab + empty} malformed line(s) "
                        f"({', '.join(parts)})")
    if too_long:
        warnings.append(f"{path.name}: skipped {too_long} pair(s) with a side longer than "
                        f"{max_len} characters (max_pair_len)")
    if not pairs and too_long:
        raise EngineError(f"pairs file {path} has no usable line: all {too_long} pair(s) "
                          f"have a side longer than max_pair_len = {max_len} characters; "
                          f"raise it with --max-pair-len")
    if not pairs:
        raise EngineError(f"pairs file {path} has no usable `source<TAB>target` line")
    return pairs, warnings


def _pairs_task(path: str, val_fraction: float, max_len: int, seed: int) -> TaskData:
    pairs, warnings = read_pairs(path, max_len)
    by_source: dict[str, str] = {}
    for s, t in pairs:  # one target per source, so a source is never on both sides
        by_source.setdefault(s, t)
    sources = sorted(by_source)
    if len(sources) < 2:
        raise EngineError(f"pairs file {path} has {len(sources)} distinct source(s); "
                          f"at least 2 are needed (one to train on, one to hold out)")
    random.Random(seed).shuffle(sources)
    n_held = min(max(1, round(len(sources) * val_fraction)), len(sources) - 1)
    held = [(s, by_source[s]) for s in sources[:n_held]]
    train = [(s, by_source[s]) for s in sources[n_held:]]
    vocab = char_vocab("".join(s + t for s, t in train))  # held-out-only chars -> <unk>
    return TaskData("pairs", vocab, held, train=train, warnings=warnings,
                    _heldout_sources=frozenset(s for s, _ in held))


# --- tensors ----------------------------------------------------------------------------------

@dataclass
class Batch:
    src: torch.Tensor  # (B, S) source ids, <pad> after each length
    src_len: torch.Tensor  # (B,) on the CPU (pack_padded_sequence wants it there)
    tgt_in: torch.Tensor  # (B, T) <sos> + target
    tgt_out: torch.Tensor  # (B, T) target + <eos>
    sources: list[str]
    targets: list[str]

    def to(self, device) -> "Batch":
        return Batch(self.src.to(device), self.src_len, self.tgt_in.to(device),
                     self.tgt_out.to(device), self.sources, self.targets)

    @property
    def target_tokens(self) -> int:
        return int((self.tgt_out != PAD).sum())


def encode_sources(vocab: Vocab, sources: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    ids = [encode_text(vocab, s) or [UNK] for s in sources]
    lens = torch.tensor([len(i) for i in ids])
    src = torch.full((len(ids), int(lens.max())), PAD, dtype=torch.long)
    for b, seq in enumerate(ids):
        src[b, : len(seq)] = torch.tensor(seq)
    return src, lens


def make_batch(vocab: Vocab, pairs: list[Pair]) -> Batch:
    sources = [s for s, _ in pairs]
    targets = [t for _, t in pairs]
    src, lens = encode_sources(vocab, sources)
    tgt = [encode_text(vocab, t) for t in targets]
    T = max(len(t) for t in tgt) + 1
    tgt_in = torch.full((len(pairs), T), PAD, dtype=torch.long)
    tgt_out = torch.full((len(pairs), T), PAD, dtype=torch.long)
    for b, seq in enumerate(tgt):
        tgt_in[b, : len(seq) + 1] = torch.tensor([SOS] + seq)
        tgt_out[b, : len(seq) + 1] = torch.tensor(seq + [EOS])
    return Batch(src, lens, tgt_in, tgt_out, sources, targets)
