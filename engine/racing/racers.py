"""Who races: the racers' configs from a base config and what varies between them.

    base = LongRangeConfig(task="adding", length=100)
    build_racers(base, models=["rnn", "lstm"], vary=["clip_mode=norm,off"])
        -> rnn-clip_mode-norm, rnn-clip_mode-off, lstm-clip_mode-norm, lstm-clip_mode-off
    build_racers(base, files=["a.toml", "b.toml"])   # each file's settings on top: a, b

Racers are the product of `models` and every `vary` (KEY=V1,V2,...: any option of the
family, typed as its field is), plus one racer per TOML file (named after the file). A
racer's name is what makes it different (`lstm`, `length-200`, `lstm-lr-0.01`) and is the
name of its run directory.
"""

from __future__ import annotations

import itertools
import re
import typing
from dataclasses import fields
from pathlib import Path
from typing import Any

from engine.config import RunConfig, coerce, load_toml, with_overrides
from engine.errors import EngineError
from engine.racing.race import MAX_RACERS, Racer

TRUE, FALSE = ("true", "yes", "on", "1"), ("false", "no", "off", "0")


def parse_value(key: str, text: str, annotation: Any) -> Any:
    """One value of --vary, typed like the field (bool, int, float, str, or X | None)."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    base = args[0] if args else annotation
    text = text.strip()
    if text.lower() == "none" and type(None) in typing.get_args(annotation):
        return None
    try:
        if base is bool:
            if text.lower() not in TRUE + FALSE:
                raise ValueError(text)
            return text.lower() in TRUE
        if base is int:
            return int(text)
        if base is float:
            return float(text)
    except ValueError:
        kind = {bool: "true or false", int: "a whole number", float: "a number"}[base]
        raise EngineError(f"--vary {key}: {text!r} is not {kind}") from None
    if not text:
        raise EngineError(f"--vary {key}: an empty value")
    return text


def parse_vary(spec: str, config_cls: type) -> tuple[str, list[Any]]:
    """'clip_mode=norm,off' -> ('clip_mode', ['norm', 'off']), values typed by the field."""
    key, sep, values = spec.partition("=")
    key = key.strip().replace("-", "_")
    if not sep or not key or not values.strip():
        raise EngineError(f"--vary {spec!r}: write KEY=V1,V2 (e.g. --vary clip_mode=norm,off)")
    hints = typing.get_type_hints(config_cls)
    known = [f.name for f in fields(config_cls)]
    if key not in known:
        raise EngineError(f"--vary {key}: not an option of a {config_cls.FAMILY} run; its "
                          f"options: {', '.join(known)}")
    if key in ("model", "threads"):
        raise EngineError(f"--vary {key}: " + ("use --models a,b" if key == "model" else
                                                "every racer trains with one thread"))
    parsed = [parse_value(key, v, hints[key]) for v in values.split(",")]
    if len(set(map(repr, parsed))) != len(parsed):
        raise EngineError(f"--vary {key}: a value is given twice")
    return key, parsed


def _label(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value).lower()


def safe_name(text: str) -> str:
    """A racer's name as a directory name (letters, digits, . _ = + - kept)."""
    name = re.sub(r"[^A-Za-z0-9._=+-]+", "_", text).strip("._") or "racer"
    return name[:80]


def build_racers(base: RunConfig, models: list[str] | None = None,
                 vary: list[str] | None = None, files: list[str] | None = None) -> list[Racer]:
    """The racers (see the module docstring), each config validated, named by what differs."""
    cls = type(base)
    axes: list[tuple[str, list[Any]]] = []
    if models:
        if len(set(models)) != len(models):
            raise EngineError(f"--models names a cell twice: {','.join(models)}")
        axes.append(("model", models))
    for spec in vary or []:
        key, values = parse_vary(spec, cls)
        if any(key == k for k, _ in axes):
            raise EngineError(f"--vary {key} is given twice")
        axes.append((key, values))
    racers = []
    if axes:
        for combo in itertools.product(*(values for _, values in axes)):
            changes = dict(zip((k for k, _ in axes), combo))
            name = "-".join(_label(v) if k == "model" else f"{k}-{_label(v)}"
                            for k, v in changes.items())
            racers.append(_racer(safe_name(name), base, changes))
    for file in files or []:
        hints = typing.get_type_hints(cls)
        data = load_toml(file, tables=(cls.FAMILY,))
        changes = {k: coerce(k, v, hints[k], file) if k in hints else v
                   for k, v in data.items()}
        racers.append(_racer(safe_name(Path(file).stem), base, changes))
    if len(racers) < 2:
        raise EngineError("a race needs at least two racers: --models a,b, or --vary "
                          "KEY=V1,V2, or two --racer FILE")
    if len(racers) > MAX_RACERS:
        raise EngineError(f"{len(racers)} racers: at most {MAX_RACERS} (fewer models or "
                          f"values)")
    return racers


def _racer(name: str, base: RunConfig, changes: dict[str, Any]) -> Racer:
    try:
        config = with_overrides(base, changes, f"a {base.FAMILY} run").validate()
    except EngineError as exc:
        raise EngineError(f"racer {name}: {exc}") from None
    return Racer(name, config)
