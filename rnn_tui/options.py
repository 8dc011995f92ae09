"""Every TrainConfig field as a CLI option, generated from the dataclass (one source of truth).

`@training_options` adds `--batch-size`, `--lr`, ... to a typer command; the wrapped function
receives `overrides`: only the options the user actually gave, so that a TOML file (--config)
and a resumed checkpoint keep their values for everything else.
"""

from __future__ import annotations

import functools
import inspect
import re
import typing
from dataclasses import fields
from typing import Any, Optional

import typer

from engine.config import TrainConfig, load_toml

PANEL = "Training options (also settable in a TOML file given with --config)"


def field_help(config_cls: type = TrainConfig) -> dict[str, str]:
    """The comment after each field of a config dataclass, used as its --help text."""
    src = inspect.getsource(config_cls)
    return {m.group(1): m.group(2).strip()
            for m in re.finditer(r"^\s+(\w+): [^=\n]+=[^#\n]*#\s*(.*)$", src, re.M)}


def _base_type(annotation: Any) -> type:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return args[0] if args else annotation


def options_from(config_cls: type, panel: str = PANEL):
    """A decorator adding one --option per field of `config_cls` (booleans get --no-x)."""

    def decorate(func):
        hints = typing.get_type_hints(config_cls)
        helps = field_help(config_cls)
        sig = inspect.signature(func)
        params = [p for p in sig.parameters.values() if p.name != "overrides"]
        names = [f.name for f in fields(config_cls)]
        for f in fields(config_cls):
            base = _base_type(hints[f.name])
            flag = "--" + f.name.replace("_", "-")
            if base is bool:
                flag = f"{flag}/--no-{f.name.replace('_', '-')}"
            shown = "none" if f.default is None else str(f.default)
            option = typer.Option(None, flag, help=f"{helps.get(f.name, '')} [default: {shown}]",
                                  rich_help_panel=panel, show_default=False)
            params.append(inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY,
                                            default=option, annotation=Optional[base]))

        @functools.wraps(func)
        def wrapper(**kwargs):
            overrides = {n: kwargs.pop(n) for n in names if kwargs.get(n) is not None}
            for n in names:
                kwargs.pop(n, None)
            return func(**kwargs, overrides=overrides)

        wrapper.__signature__ = sig.replace(parameters=params)
        return wrapper

    return decorate


training_options = options_from(TrainConfig)


def resolve_config(config_file: str | None, overrides: dict[str, Any]) -> TrainConfig:
    """defaults <- TOML file <- command-line flags, then validated."""
    data = load_toml(config_file) if config_file else {}
    source = config_file or "config"
    cfg = TrainConfig.from_dict(data, source=source)
    return cfg.replace(**overrides).validate()


def file_overrides(config_file: str | None, config_cls: type) -> dict[str, Any]:
    """The options a TOML file sets (checked like a full config), as changes: what
    `--config FILE` means together with --resume."""
    if not config_file:
        return {}
    data = load_toml(config_file)
    for table in ("train", "seq2seq"):  # the file may keep its options in one table
        if set(data) == {table} and isinstance(data[table], dict):
            data = data[table]
    cfg = config_cls.from_dict(data, source=config_file)
    return {key: getattr(cfg, key) for key in data}
