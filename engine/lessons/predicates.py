"""Checks as data: declarative predicates over a live run, parsed from a lesson's TOML tables.

A predicate is a small table, never code (a string where one belongs is refused):

    {metric = "val_loss", below = 1.5}              latest value of a metric (also above,
                                                     at_most, at_least, equals; best = true:
                                                     the best value of the run so far)
    {grad_ratio = [0, -1], below = 0.01}            ‖∂L/∂h_first‖ / ‖∂L/∂h_last‖ in the latest
                                                     gradient probe (layer = 0 by default)
    {event = "sample", has = "prime"}               an event happened since the step began
                                                     (where = {field = value}, count = n)
    {setting = "clip_mode", equals = "norm"}        a setting of the current run
    {standings = "accuracy", first = {model = "lstm"}, runs = 2}
                                                     among this step's runs, the best by a
                                                     metric is the one whose config matches
    {answered = true}                               the step's question was answered
    {all = [...]}, {any = [...]}                    combinators

Every predicate is evaluated against an `observe.Observation` (what the run reported) by
`holds(obs)`, and says what it waits for, with the value now, by `describe(obs)`.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field
from typing import Any, Callable

from engine.lessons.observe import lower_is_better

COMPARATORS: dict[str, tuple[str, Callable[[Any, Any], bool]]] = {
    "below": ("<", operator.lt), "above": (">", operator.gt),
    "at_most": ("≤", operator.le), "at_least": ("≥", operator.ge),
    "equals": ("=", operator.eq)}


class PredicateError(Exception):
    """A predicate table that is not a valid check: `path` (inside the table) and why."""

    def __init__(self, path: tuple, message: str) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class Known:
    """What a predicate may name, for the run it watches (the validator fills it in)."""
    metrics: frozenset[str]
    events: frozenset[str]
    settings: frozenset[str]


# --- the predicates -----------------------------------------------------------------------

@dataclass
class Compare:
    """`value <op> threshold`; the value is looked up by the predicate that holds it."""
    op: str  # a key of COMPARATORS
    threshold: Any

    def test(self, value: Any) -> bool:
        if value is None:
            return False
        try:
            return bool(COMPARATORS[self.op][1](value, self.threshold))
        except TypeError:
            return False

    def text(self) -> str:
        return f"{COMPARATORS[self.op][0]} {_fmt(self.threshold)}"


@dataclass
class Metric:
    name: str
    compare: Compare
    best: bool = False

    def value(self, obs) -> Any:
        run = obs.current
        if run is None:
            return None
        return (run.best if self.best else run.metrics).get(self.name)

    def holds(self, obs) -> bool:
        value = self.value(obs)
        return self.compare.test(value) and not (isinstance(value, float) and
                                                 math.isnan(value))

    def describe(self, obs) -> str:
        what = f"best {self.name}" if self.best else self.name
        return f"{what} {self.compare.text()} (now {_fmt(self.value(obs))})"


@dataclass
class GradRatio:
    first: int
    last: int
    compare: Compare
    layer: int = 0

    def value(self, obs) -> float | None:
        norms = obs.current.grad_norms if obs.current else None
        if not norms or self.layer >= len(norms):
            return None
        row = norms[self.layer]
        try:
            a, b = row[self.first], row[self.last]
        except IndexError:
            return None
        return a / b if b else None

    def holds(self, obs) -> bool:
        return self.compare.test(self.value(obs))

    def describe(self, obs) -> str:
        return (f"‖∂L/∂h[{self.first}]‖ / ‖∂L/∂h[{self.last}]‖ {self.compare.text()} "
                f"(now {_fmt(self.value(obs))})")


@dataclass
class EventSeen:
    name: str
    where: dict[str, Any] = field(default_factory=dict)
    has: str | None = None
    count: int = 1

    def seen(self, obs) -> int:
        return sum(1 for record in obs.events.get(self.name, ()) if self._match(record))

    def _match(self, record: dict[str, Any]) -> bool:
        if self.has is not None and not record.get(self.has):
            return False
        return all(record.get(k) == v for k, v in self.where.items())

    def holds(self, obs) -> bool:
        return self.seen(obs) >= self.count

    def describe(self, obs) -> str:
        cond = "".join(f", {k} = {_fmt(v)}" for k, v in self.where.items())
        cond += f", with a {self.has}" if self.has else ""
        times = f" ×{self.count}" if self.count > 1 else ""
        return f"event {self.name}{cond}{times} (seen {self.seen(obs)})"


@dataclass
class Setting:
    name: str
    compare: Compare

    def value(self, obs) -> Any:
        return obs.current.settings.get(self.name) if obs.current else None

    def holds(self, obs) -> bool:
        return self.compare.test(self.value(obs))

    def describe(self, obs) -> str:
        return f"setting {self.name} {self.compare.text()} (now {_fmt(self.value(obs))})"


@dataclass
class Standings:
    metric: str
    first: dict[str, Any]
    runs: int = 2

    def ranked(self, obs) -> list:
        """This step's runs that reported the metric, best first."""
        scored = [r for r in obs.runs if r.best.get(self.metric) is not None]
        lower = lower_is_better(self.metric)
        return sorted(scored, key=lambda r: r.best[self.metric] * (1 if lower else -1))

    def holds(self, obs) -> bool:
        ranked = self.ranked(obs)
        if len(ranked) < self.runs:
            return False
        return all(ranked[0].config.get(k) == v for k, v in self.first.items())

    def describe(self, obs) -> str:
        want = ", ".join(f"{k} = {_fmt(v)}" for k, v in self.first.items())
        table = " > ".join(f"{r.label()} {_fmt(r.best[self.metric])}" for r in self.ranked(obs))
        return (f"best {self.metric} among {self.runs}+ runs: {want} first "
                f"(now: {table or 'no runs yet'})")


@dataclass
class Answered:
    def holds(self, obs) -> bool:
        return obs.answer is not None

    def describe(self, obs) -> str:
        return "answer the question" + (" (answered)" if obs.answer is not None else "")


@dataclass
class Combine:
    mode: str  # "all" | "any"
    parts: list

    def holds(self, obs) -> bool:
        return (all if self.mode == "all" else any)(p.holds(obs) for p in self.parts)

    def describe(self, obs) -> str:
        joiner = " and " if self.mode == "all" else " or "
        return joiner.join(("✓ " if p.holds(obs) else "· ") + p.describe(obs)
                           for p in self.parts)


# --- parsing ------------------------------------------------------------------------------

KINDS = ("metric", "grad_ratio", "event", "setting", "standings", "answered", "all", "any")


def parse(table: Any, known: Known, path: tuple = ()) -> Any:
    """A predicate object from its TOML table, or PredicateError naming what is wrong."""
    if isinstance(table, str):
        raise PredicateError(path, f"a check is a table such as {{metric = \"val_loss\", "
                             f"below = 1.5}}, not the string {table[:40]!r}: lessons never "
                             f"run code")
    if not isinstance(table, dict):
        raise PredicateError(path, f"a check is a table, not {type(table).__name__}")
    kinds = [k for k in KINDS if k in table]
    if len(kinds) != 1:
        raise PredicateError(path, f"a check names exactly one of {', '.join(KINDS)}; got "
                             f"{', '.join(sorted(table)) or 'an empty table'}")
    kind = kinds[0]
    return _PARSERS[kind](table, known, path)


def _allowed(table: dict, path: tuple, *keys: str) -> None:
    extra = sorted(set(table) - set(keys))
    if extra:
        raise PredicateError(path + (extra[0],), f"unknown key {extra[0]!r} in a "
                             f"{next(k for k in KINDS if k in table)} check; allowed: "
                             f"{', '.join(keys)}")


def _compare(table: dict, path: tuple, numeric: bool = True) -> Compare:
    ops = [k for k in COMPARATORS if k in table]
    if len(ops) != 1:
        raise PredicateError(path, f"give exactly one of {', '.join(COMPARATORS)}")
    value = table[ops[0]]
    if numeric and not is_number(value):
        raise PredicateError(path + (ops[0],), f"{ops[0]} must be a number, got {value!r}")
    if not numeric and not isinstance(value, (str, int, float, bool)):
        raise PredicateError(path + (ops[0],), f"{ops[0]} must be a plain value")
    return Compare(ops[0], value)


def _metric(table: dict, known: Known, path: tuple) -> Metric:
    _allowed(table, path, "metric", "best", *COMPARATORS)
    name = table["metric"]
    if name not in known.metrics:
        raise PredicateError(path + ("metric",), f"no metric {name!r} in this run; known: "
                             f"{', '.join(sorted(known.metrics))}")
    best = table.get("best", False)
    if not isinstance(best, bool):
        raise PredicateError(path + ("best",), "best must be true or false")
    return Metric(name, _compare(table, path), best)


def _grad_ratio(table: dict, known: Known, path: tuple) -> GradRatio:
    _allowed(table, path, "grad_ratio", "layer", *COMPARATORS)
    pair = table["grad_ratio"]
    if not (isinstance(pair, list) and len(pair) == 2 and all(
            isinstance(i, int) and not isinstance(i, bool) for i in pair)):
        raise PredicateError(path + ("grad_ratio",), "grad_ratio is two timesteps, e.g. "
                             "[0, -1] (the first over the last)")
    layer = table.get("layer", 0)
    if not isinstance(layer, int) or isinstance(layer, bool) or not 0 <= layer < 64:
        raise PredicateError(path + ("layer",), "layer must be a whole number 0..63")
    return GradRatio(pair[0], pair[1], _compare(table, path), layer)


def _event(table: dict, known: Known, path: tuple) -> EventSeen:
    _allowed(table, path, "event", "where", "has", "count")
    name = table["event"]
    if name not in known.events:
        raise PredicateError(path + ("event",), f"no event {name!r}; known: "
                             f"{', '.join(sorted(known.events))}")
    where = table.get("where", {})
    if not isinstance(where, dict) or not all(
            isinstance(v, (str, int, float, bool)) for v in where.values()):
        raise PredicateError(path + ("where",), "where is a table of plain values, e.g. "
                             "{reason = \"diverged\"}")
    has = table.get("has")
    if has is not None and not isinstance(has, str):
        raise PredicateError(path + ("has",), "has names one field of the event")
    count = table.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 10_000:
        raise PredicateError(path + ("count",), "count must be a whole number 1..10000")
    return EventSeen(name, dict(where), has, count)


def _setting(table: dict, known: Known, path: tuple) -> Setting:
    _allowed(table, path, "setting", *COMPARATORS)
    name = table["setting"]
    if name not in known.settings:
        raise PredicateError(path + ("setting",), f"no setting {name!r} in this run")
    return Setting(name, _compare(table, path, numeric="equals" not in table))


def _standings(table: dict, known: Known, path: tuple) -> Standings:
    _allowed(table, path, "standings", "first", "runs")
    name = table["standings"]
    if name not in known.metrics:
        raise PredicateError(path + ("standings",), f"no metric {name!r} in this run; "
                             f"known: {', '.join(sorted(known.metrics))}")
    first = table.get("first")
    if not isinstance(first, dict) or not first or not set(first) <= known.settings:
        raise PredicateError(path + ("first",), "first is a table of the winner's settings, "
                             "e.g. {model = \"lstm\"}")
    runs = table.get("runs", 2)
    if not isinstance(runs, int) or isinstance(runs, bool) or not 1 <= runs <= 20:
        raise PredicateError(path + ("runs",), "runs must be a whole number 1..20")
    return Standings(name, dict(first), runs)


def _answered(table: dict, known: Known, path: tuple) -> Answered:
    _allowed(table, path, "answered")
    if table["answered"] is not True:
        raise PredicateError(path + ("answered",), "answered must be true")
    return Answered()


def _combine(table: dict, known: Known, path: tuple) -> Combine:
    mode = "all" if "all" in table else "any"
    _allowed(table, path, mode)
    parts = table[mode]
    if not isinstance(parts, list) or not parts:
        raise PredicateError(path + (mode,), f"{mode} is a list of checks")
    if len(path) > 12:
        raise PredicateError(path, "checks are nested too deeply")
    return Combine(mode, [parse(p, known, path + (mode, i)) for i, p in enumerate(parts)])


_PARSERS = {"metric": _metric, "grad_ratio": _grad_ratio, "event": _event,
            "setting": _setting, "standings": _standings, "answered": _answered,
            "all": _combine, "any": _combine}


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and \
        math.isfinite(value)


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)
