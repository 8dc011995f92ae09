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


def field_help() -> dict[str, str]:
    """The comment after each field in engine/config.py, used as its --help text."""
    src = inspect.getsource(TrainConfig)
    return {m.group(1): m.group(2).strip()
            for m in re.finditer(r"^\s+(\w+): [^=\n]+=[^#\n]*#\s*(.*)$", src, re.M)}


def _base_type(annotation: Any) -> type:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return args[0] if args else annotation


def training_options(func):
    hints = typing.get_type_hints(TrainConfig)
    helps = field_help()
    sig = inspect.signature(func)
    params = [p for p in sig.parameters.values() if p.name != "overrides"]
    names = [f.name for f in fields(TrainConfig)]
    for f in fields(TrainConfig):
        default = f.default
        shown = "none" if default is None else str(default)
        option = typer.Option(None, "--" + f.name.replace("_", "-"),
                              help=f"{helps.get(f.name, '')} [default: {shown}]",
                              rich_help_panel=PANEL, show_default=False)
        params.append(inspect.Parameter(f.name, inspect.Parameter.KEYWORD_ONLY,
                                        default=option,
                                        annotation=Optional[_base_type(hints[f.name])]))

    @functools.wraps(func)
    def wrapper(**kwargs):
        overrides = {n: kwargs.pop(n) for n in names if kwargs.get(n) is not None}
        for n in names:
            kwargs.pop(n, None)
        return func(**kwargs, overrides=overrides)

    wrapper.__signature__ = sig.replace(parameters=params)
    return wrapper


def resolve_config(config_file: str | None, overrides: dict[str, Any]) -> TrainConfig:
    """defaults <- TOML file <- command-line flags, then validated."""
    data = load_toml(config_file) if config_file else {}
    source = config_file or "config"
    cfg = TrainConfig.from_dict(data, source=source)
    return cfg.replace(**overrides).validate()
