"""Labelled data for sequence classification: train / held-out / test examples and classes.

    data = load_labelled("../shared/corpora/sentiment", val_fraction=0.2, seed=0)
    data.train[0]   -> ("So there is no way for me to plug it in here ...", 0)
    data.classes    -> ["0", "1"]
    data.warnings   -> ["skipped readme.txt (not data)"]

The files are read by `formats.read_examples` (a TSV/CSV table, a directory of tables, or a
directory of one file per class). Without a `val` file the held-out set is a seeded,
*stratified* split: each class gives the same fraction, so a 5% class is 5% of both sides.
A held-out or test example whose label the training data never shows is dropped with a
warning (the model has no output for it). What the run cannot use at all (no examples,
one class) is an EngineError.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

from engine.errors import EngineError
from engine.families.classify.formats import Column, Row, line_list, read_examples

Example = tuple[str, int]  # (text, class index)
PathLike = Union[str, Path]


@dataclass
class LabelledData:
    train: list[Example]
    val: list[Example]
    test: list[Example]  # empty without a test file: evaluated once, at the end
    classes: list[str]  # class index -> name, sorted (numbers numerically)
    warnings: list[str] = field(default_factory=list)  # recoverable problems, one line each
    source: str = ""  # how the files were read and split, for the run's log

    def counts(self, split: str = "train") -> list[int]:
        """Examples per class in "train", "val" or "test"."""
        c = Counter(label for _, label in getattr(self, split))
        return [c[i] for i in range(len(self.classes))]


def _canonical(label: str) -> str:
    """'1.0', '01' and '1' are one class; anything else is kept as written."""
    try:
        x = float(label)
    except ValueError:
        return label
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else label


def _class_order(names: set[str]) -> list[str]:
    def key(n: str):
        try:
            return (0, float(n), n)
        except ValueError:
            return (1, 0.0, n.lower())
    return sorted(names, key=key)


def _read(path: PathLike, what: str, columns: dict) -> tuple[list[Row], list[str], list[str]]:
    ex = read_examples(path, **columns)
    if not ex.rows:
        why = "; ".join(ex.notes) if ex.notes else "no lines"
        raise EngineError(f"{what} {path}: no labelled examples ({why})")
    rows = [r._replace(label=_canonical(r.label)) for r in ex.rows]
    return rows, ex.notes, ex.about


def _known(rows: list[Row], index: dict[str, int], what: str, warnings: list[str]
           ) -> list[Example]:
    """Held-out rows -> examples; rows with a label never seen in training are dropped."""
    out, unseen = [], defaultdict(list)
    for r in rows:
        if r.label in index:
            out.append((r.text, index[r.label]))
        else:
            unseen[(r.file, r.label)].append(r.line)
    for (file, label), lines in unseen.items():
        warnings.append(f"{file}: label {label!r} is not in the training data; "
                        f"{len(lines)} {what} examples skipped ({line_list(lines)})")
    if not out:
        raise EngineError(f"the {what} file has no example of a class the training data has")
    return out


def stratified_split(labels: list[int], fraction: float, seed: int
                     ) -> tuple[list[int], list[int]]:
    """Indices (train, held-out): from every class round(n * fraction) examples, at least
    one and never all of them (a class with one example stays in training). Seeded; both
    lists in the original order."""
    by_class = defaultdict(list)
    for i, y in enumerate(labels):
        by_class[y].append(i)
    rng = random.Random(seed)
    held = []
    for y in sorted(by_class):
        idx = by_class[y][:]
        rng.shuffle(idx)
        n = len(idx)
        k = min(max(round(n * fraction), 1), n - 1) if n > 1 else 0
        held += idx[:k]
    held_set = set(held)
    return [i for i in range(len(labels)) if i not in held_set], sorted(held)


def load_labelled(path: PathLike, val: Optional[PathLike] = None,
                  test: Optional[PathLike] = None, val_fraction: float = 0.2, seed: int = 0,
                  text_column: Column = None, label_column: Column = None,
                  header: Optional[bool] = None) -> LabelledData:
    """Read, index and split labelled examples (see the module docstring).

    text_column / label_column: a 0-based index or a header name (None: detected);
    header: True / False, or None to detect. They apply to every table read."""
    columns = dict(text_column=text_column, label_column=label_column, header=header)
    rows, warnings, about = _read(path, "data", columns)
    classes = _class_order({r.label for r in rows})
    if len(classes) < 2:
        raise EngineError(f"{path}: only one class ({classes[0]!r}); a classifier needs "
                          f"examples of at least two classes")
    if len(classes) > 50 and len(classes) > len(rows) / 2:
        raise EngineError(f"{path}: {len(classes)} different labels among {len(rows)} "
                          f"examples; is the label column right?")
    index = {c: i for i, c in enumerate(classes)}
    examples = [(r.text, index[r.label]) for r in rows]
    if val is not None:
        vrows, vnotes, vabout = _read(val, "held-out", columns)
        warnings += vnotes
        about += vabout
        train, held = examples, _known(vrows, index, "held-out", warnings)
        split = f"held out: {Path(val).name}"
    else:
        if not 0.0 < val_fraction < 1.0:
            raise EngineError(f"val fraction must be between 0 and 1 (exclusive), got "
                              f"{val_fraction}")
        tr, va = stratified_split([y for _, y in examples], val_fraction, seed)
        train, held = [examples[i] for i in tr], [examples[i] for i in va]
        single = [classes[y] for y, n in Counter(y for _, y in examples).items() if n == 1]
        if single:
            warnings.append(f"{len(single)} classes have one example, kept for training "
                            f"and never held out: {', '.join(map(repr, single[:8]))}")
        split = f"held out: {len(held)} examples, stratified {val_fraction:g}, seed {seed}"
    tests: list[Example] = []
    if test is not None:
        trows, tnotes, tabout = _read(test, "test", columns)
        warnings += tnotes
        about += tabout
        tests = _known(trows, index, "test", warnings)
    _overlap(train, held, "held-out", warnings)
    _overlap(train, tests, "test", warnings)
    source = (f"{'; '.join(about)}; {len(classes)} classes, {len(train)} training "
              f"examples, {split}")
    return LabelledData(train, held, tests, classes, warnings, source)


def load_for_run(cfg) -> LabelledData:
    """The data of a run's config (a ClassifyConfig: its files, split and columns); a run
    cannot be scored without held-out examples."""
    from engine.families.classify.config import data_path

    data = load_labelled(data_path(cfg.data), val=data_path(cfg.val) if cfg.val else None,
                         test=data_path(cfg.test) if cfg.test else None,
                         val_fraction=cfg.val_fraction, seed=cfg.data_seed, **cfg.columns())
    if not data.val:
        raise EngineError(f"{cfg.data}: nothing to hold out (no class has two examples); "
                          f"give more examples per class, or a held-out file (--val)")
    return data


def load_for_classes(path: PathLike, classes: list[str], text_column: Column = None,
                     label_column: Column = None, header: Optional[bool] = None
                     ) -> tuple[list[Example], list[str]]:
    """Labelled examples of `path` for a trained model: labels among its `classes` (others
    skipped, with a warning), and the warnings."""
    rows, warnings, _ = _read(path, "data", dict(text_column=text_column,
                                                 label_column=label_column, header=header))
    index = {c: i for i, c in enumerate(classes)}
    return _known(rows, index, "evaluation", warnings), warnings


def _overlap(train: list[Example], other: list[Example], what: str, warnings: list[str]):
    seen = {t for t, _ in train}
    n = sum(t in seen for t, _ in other)
    if n:
        warnings.append(f"{n} of {len(other)} {what} texts also appear in the training data")
