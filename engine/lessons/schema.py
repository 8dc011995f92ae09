"""A chapter file (TOML) read and checked into plain objects, or `file:line: what is wrong`.

The schema is documented in docs/lessons.md. What this module guarantees about a file that
loads: every check and every `wait` is a predicate table (never code); every metric, event
and setting it names exists for the step's run; every run builds a valid config of its
family, with a bounded budget, and every path it names resolves inside the file's own
folder; every solution action is one the controller understands. Nothing is run here.

    chapter = load_chapter(path)     # Chapter, or LessonFileError("path:12: ...")

What it reads into - Chapter, Step, RunSpec, Action, Question - is engine/lessons/chapter.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from engine.errors import EngineError
from engine.lessons import predicates as pred
from engine.lessons.chapter import (ACTIONS, DEFAULT_TIMEOUT_S, Action, Chapter, Choice,
                                    Question, RunSpec, Step, chapter_id)
from engine.lessons.lines import locate
from engine.lessons.observe import COMMON_METRICS, SYNTHETIC_EVENTS

MAX_FILE_BYTES = 256 * 1024
MAX_STEPS_PER_CHAPTER = 30
MAX_TRAIN_STEPS = 20_000  # a run's `steps` budget
MAX_MINUTES = 5.0  # a run's `minutes` budget
MAX_TIMEOUT_S = 300.0  # how long autoplay waits for one step's check
# A lesson's model is small: the most each size setting may ask for.
MAX_SIZES = {"hidden": 1024, "embed": 1024, "layers": 4, "batch_size": 1024,
             "bptt": 1024, "length": 1000}
ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,40}$")


class LessonFileError(EngineError):
    """A lesson file that cannot be used: str() is `file:line: what is wrong`."""

    def __init__(self, file: str, line: int, message: str) -> None:
        super().__init__(f"{file}:{line}: {message}")
        self.file, self.line, self.message = file, line, message


# --- loading ------------------------------------------------------------------------------

def peek(path: str | Path) -> tuple[str, list[str]]:
    """(title, step ids) of a chapter file, read without checking it (cheap: for lists;
    nothing of it runs before load_chapter has checked all of it)."""
    path = Path(path)
    data = _parse_toml(path, _read(path))
    steps = data.get("steps") if isinstance(data.get("steps"), list) else []
    return str(data.get("title", path.stem)), [str(s.get("id", "")) for s in steps
                                                if isinstance(s, dict)]


def load_chapter(path: str | Path) -> Chapter:
    path = Path(path)
    text = _read(path)
    data = _parse_toml(path, text)
    return _Reader(path, text).chapter(data)


def _read(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise LessonFileError(str(path), 1, f"file is {size:,} bytes; a lesson is at most "
                                  f"{MAX_FILE_BYTES:,}")
        return path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise LessonFileError(str(path), 1, "no such lesson file") from None
    except IsADirectoryError:
        raise LessonFileError(str(path), 1, "a directory, not a lesson file") from None
    except UnicodeDecodeError as exc:
        raise LessonFileError(str(path), 1, f"not UTF-8 text (bad byte at offset "
                              f"{exc.start})") from None
    except OSError as exc:
        raise LessonFileError(str(path), 1, f"cannot read: {exc.strerror}") from None


def _parse_toml(path: Path, text: str) -> dict[str, Any]:
    try:
        import tomllib  # type: ignore[import-not-found]
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+)", str(exc))
        line = int(m.group(1)) if m else getattr(exc, "lineno", 1)
        why = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise LessonFileError(str(path), line, f"not valid TOML: {why}") from None


class _Reader:
    """Checks one parsed file, turning every problem into a LessonFileError at its line."""

    def __init__(self, path: Path, text: str) -> None:
        self.path, self.text = path, text
        self.folder = path.resolve().parent

    def fail(self, where: tuple, message: str) -> None:
        raise LessonFileError(str(self.path), locate(self.text, where), message)

    def chapter(self, data: dict[str, Any]) -> Chapter:
        self.keys(data, (), required=("title", "steps"),
                  optional=("summary", "decks", "order"))
        title = self.string(data, "title", ())
        decks = data.get("decks", [])
        if not (isinstance(decks, list) and all(isinstance(d, str) for d in decks)):
            self.fail(("decks",), "decks is a list of strings")
        steps = data["steps"]
        if not isinstance(steps, list) or not steps or not all(isinstance(s, dict)
                                                                for s in steps):
            self.fail(("steps",), "steps is a list of [[steps]] tables, at least one")
        if len(steps) > MAX_STEPS_PER_CHAPTER:
            self.fail(("steps", MAX_STEPS_PER_CHAPTER), f"at most {MAX_STEPS_PER_CHAPTER} "
                      f"steps in a chapter")
        read: list[Step] = []
        run: RunSpec | None = None
        for i, table in enumerate(steps):
            step = self.step(table, i, run)
            if any(s.id == step.id for s in read):
                self.fail(("steps", i, "id"), f"step id {step.id!r} is used twice")
            run = step.run or run
            read.append(step)
        return Chapter(chapter_id(self.path), title, str(data.get("summary", "")),
                       list(decks), read, self.path)

    def step(self, table: dict[str, Any], i: int, previous: RunSpec | None) -> Step:
        at = ("steps", i)
        self.keys(table, at, required=("id", "title", "topic", "text", "solution"),
                  optional=("run", "watch", "hints", "check", "question", "timeout"))
        sid = self.string(table, "id", at)
        if not ID.match(sid):
            self.fail(at + ("id",), f"a step id is lower-case letters, digits, - and _: "
                      f"{sid!r}")
        run = self.run(table["run"], at + ("run",)) if "run" in table else None
        spec = run or previous
        if spec is None:
            self.fail(at, "the first step needs a [steps.run] table (the run it sets up)")
        known = self.known(spec)
        question = self.question(table["question"], at + ("question",), known) \
            if "question" in table else None
        check = self.predicate(table["check"], at + ("check",), known) \
            if "check" in table else None
        if question is not None:
            parts = [pred.Answered(), question.reveal] + ([check] if check else [])
            check = pred.Combine("all", parts)
        if check is None:
            self.fail(at, "a step needs a check (or a question)")
        hints = table.get("hints", [])
        if not (isinstance(hints, list) and all(isinstance(h, str) for h in hints)):
            self.fail(at + ("hints",), "hints is a list of strings")
        watch = table.get("watch")
        if watch is not None and not (isinstance(watch, str) and ID.match(watch)):
            self.fail(at + ("watch",), "watch names a panel: loss, gradients, samples, ...")
        timeout = table.get("timeout", DEFAULT_TIMEOUT_S)
        if not pred.is_number(timeout) or not 0 < timeout <= MAX_TIMEOUT_S:
            self.fail(at + ("timeout",), f"timeout is seconds, at most {MAX_TIMEOUT_S:g}")
        solution = self.solution(table["solution"], at + ("solution",), spec, known)
        return Step(sid, self.string(table, "title", at), self.string(table, "topic", at),
                    self.string(table, "text", at), check, solution, run, watch, list(hints),
                    question, float(timeout), locate(self.text, at))

    # --- the run ----------------------------------------------------------------------

    def run(self, table: Any, at: tuple) -> RunSpec:
        from engine.errors import EngineError

        if not isinstance(table, dict):
            self.fail(at, "run is a table of settings ([steps.run])")
        settings = dict(table)
        task = settings.pop("task", None)
        if task is not None and not isinstance(task, str):
            self.fail(at + ("task",), "task is a name such as \"adding\" or \"classify\"")
        for key in ("out", "out_dir", "resume", "config"):
            if key in settings:
                self.fail(at + (key,), f"{key}: a lesson cannot choose where runs are kept")
        self.budget(settings, at)
        for key, value in settings.items():
            if isinstance(value, str):
                settings[key] = self.path_value(value, at + (key,))
        spec = RunSpec(task, settings)
        try:
            spec.config()
        except EngineError as exc:
            head = str(exc).split("; known")[0]  # (not the list of every known key)
            bad = max((k for k in settings if k in head), key=len, default=None)
            self.fail(at + ((bad,) if bad else ()), str(exc))
        return spec

    def budget(self, settings: dict[str, Any], at: tuple) -> None:
        steps, minutes = settings.get("steps"), settings.get("minutes")
        if steps is not None and (not isinstance(steps, int) or isinstance(steps, bool)
                                  or not 1 <= steps <= MAX_TRAIN_STEPS):
            self.fail(at + ("steps",), f"steps must be 1..{MAX_TRAIN_STEPS:,}: a lesson's "
                      f"run is short")
        if minutes is not None and not (pred.is_number(minutes) and 0 < minutes <= MAX_MINUTES):
            self.fail(at + ("minutes",), f"minutes must be above 0 and at most "
                      f"{MAX_MINUTES:g}: a lesson's run is short")
        for key, most in MAX_SIZES.items():
            value = settings.get(key)
            if isinstance(value, int) and value > most:
                self.fail(at + (key,), f"{key} must be at most {most:,}: a lesson's model "
                          f"is small")

    def path_value(self, value: str, at: tuple) -> str:
        """A value that is a path must stay inside the lesson's folder (it is resolved
        against it); a plain word stays as it is (a bundled corpus, a choice) unless a file
        of that name sits beside the lesson."""
        looks_like_path = any(c in value for c in "/\\") or value.startswith(("~", ".")) \
            or value.endswith((".txt", ".tsv", ".csv", ".conllu"))
        beside = self.folder / value
        if not looks_like_path and not beside.exists():
            return value
        if value.startswith("~") or Path(value).is_absolute():
            self.fail(at, f"{value!r}: a lesson names its files relative to its own folder")
        resolved = beside.resolve()
        if resolved != self.folder and self.folder not in resolved.parents:
            self.fail(at, f"{value!r} is outside the lesson's folder ({self.folder})")
        return str(resolved)

    def known(self, spec: RunSpec) -> pred.Known:
        """What a check may name in a run of this spec's family."""
        from dataclasses import fields

        from engine import families
        from engine.events import EVENTS

        family = families.of_config(spec.config())
        families.load_events()
        task = family.task_class()(spec.config())  # cheap: nothing is loaded
        metrics = set(COMMON_METRICS) | {m for m, _, _ in task.report_metrics}
        if task.headline:
            metrics.add(task.headline[0])
        settings = {f.name for f in fields(family.config_class())}
        return pred.Known(frozenset(metrics), frozenset(set(EVENTS) | set(SYNTHETIC_EVENTS)),
                          frozenset(settings))

    # --- checks, questions, solutions -------------------------------------------------------

    def predicate(self, table: Any, at: tuple, known: pred.Known) -> Any:
        try:
            return pred.parse(table, known, at)
        except pred.PredicateError as exc:
            self.fail(exc.path, str(exc))

    def question(self, table: Any, at: tuple, known: pred.Known) -> Question:
        if not isinstance(table, dict):
            self.fail(at, "question is a table: ask, choices, slide, reveal")
        self.keys(table, at, required=("ask", "choices", "slide", "reveal"), optional=())
        choices = table["choices"]
        if not isinstance(choices, list) or not 2 <= len(choices) <= 6:
            self.fail(at + ("choices",), "choices is a list of 2 to 6 {text, when} tables")
        read = []
        for j, c in enumerate(choices):
            if not isinstance(c, dict) or set(c) != {"text", "when"} or \
                    not isinstance(c["text"], str):
                self.fail(at + ("choices",), "each choice is {text = \"...\", when = "
                          "{a check}}: when says the run shows this answer")
            read.append(Choice(c["text"], self.predicate(c["when"], at + ("choices", j),
                                                         known)))
        slide = table["slide"]
        if not isinstance(slide, int) or isinstance(slide, bool) or \
                not 1 <= slide <= len(read):
            self.fail(at + ("slide",), f"slide is the number (1..{len(read)}) of the choice "
                      f"the lecture gives")
        return Question(self.string(table, "ask", at), read, slide - 1,
                        self.predicate(table["reveal"], at + ("reveal",), known))

    def solution(self, items: Any, at: tuple, spec: RunSpec, known: pred.Known
                 ) -> list[Action]:
        if not isinstance(items, list) or not items or \
                not all(isinstance(a, dict) for a in items):
            self.fail(at, "solution is a list of [[steps.solution]] actions, at least one")
        return [self.action(a, at + (j,), spec, known) for j, a in enumerate(items)]

    def action(self, table: dict, at: tuple, spec: RunSpec, known: pred.Known) -> Action:
        kinds = [k for k in ACTIONS if k in table]
        if len(kinds) != 1:
            self.fail(at, f"an action is exactly one of {', '.join(ACTIONS)}")
        kind = kinds[0]
        required = (kind, "value") if kind == "set" else (kind,)
        optional = ("key", "say", "args") if kind == "request" else ("key", "say")
        self.keys(table, at, required=required, optional=optional)
        for k in ("key", "say"):
            if k in table and not isinstance(table[k], str):
                self.fail(at + (k,), f"{k} is a string")
        arg = self.action_arg(kind, table, at, spec, known)
        return Action(kind, arg, table.get("key"), table.get("say"))

    def action_arg(self, kind: str, table: dict, at: tuple, spec: RunSpec,
                   known: pred.Known) -> Any:
        from engine import families
        from engine.errors import EngineError

        value = table[kind]
        config = spec.config()
        if kind == "set":
            if value not in type(config).LIVE_KEYS:
                self.fail(at + ("set",), f"{value!r} cannot change during a run; live "
                          f"settings: {', '.join(type(config).LIVE_KEYS)} (start a run "
                          f"for others)")
            try:
                config.replace(**{value: table["value"]}).validate()
            except (EngineError, TypeError) as exc:
                self.fail(at + ("value",), str(exc))
            return (value, table["value"])
        if kind == "start":
            if not isinstance(value, dict):
                self.fail(at + ("start",), "start is a table of settings for the new run")
            self.budget(value, at + ("start",))
            bad = sorted(set(value) - known.settings)
            if bad:
                self.fail(at + ("start", bad[0]), f"no setting {bad[0]!r} in this run")
            try:
                config.replace(**value).validate()
            except EngineError as exc:
                self.fail(at + ("start",), str(exc))
            return dict(value)
        if kind == "request":
            asks = families.of_config(config).task_class().requests
            if value not in asks:
                self.fail(at + ("request",), f"this run answers {', '.join(asks) or 'no'} "
                          f"requests, not {value!r}")
            args = table.get("args", {})
            if not isinstance(args, dict):
                self.fail(at + ("args",), "args is a table")
            return (value, dict(args))
        if kind in ("pause", "resume"):
            if value is not True:
                self.fail(at + (kind,), f"{kind} = true")
            return True
        if kind in ("step", "answer"):
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 1000:
                self.fail(at + (kind,), f"{kind} is a whole number from 1")
            return value
        return self.predicate(value, at + ("wait",), known)  # wait

    # --- small checks ---------------------------------------------------------------------

    def keys(self, table: dict, at: tuple, required: tuple, optional: tuple) -> None:
        for key in required:
            if key not in table:
                self.fail(at, f"missing {key!r}")
        extra = sorted(set(table) - set(required) - set(optional))
        if extra:
            self.fail(at + (extra[0],), f"unknown key {extra[0]!r}; allowed: "
                      f"{', '.join(required + optional)}")

    def string(self, table: dict, key: str, at: tuple) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail(at + (key,), f"{key} must be a non-empty string")
        return value
