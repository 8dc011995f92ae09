"""Every config field of every task family as a CLI option, generated from the dataclasses.

`@training_options` adds `--batch-size`, `--lr`, `--attention`, ... to a typer command: the
fields every family shares under one heading of `--help`, then each family's own fields
under the family's heading. The wrapped function receives `overrides`: only the options the
user actually gave, so that a TOML file (--config) and a resumed checkpoint keep their values
for everything else. `resolve_config` turns (task, TOML file, overrides) into the validated
config of the right family, refusing a flag that family does not have.
"""

from __future__ import annotations

import functools
import inspect
import linecache
import re
import typing
from dataclasses import dataclass, fields
from typing import Any, Optional

import typer

from engine import families
from engine.config import RunConfig, load_toml

SHARED_PANEL = "Training options, every task (also settable in a TOML file: --config)"
SEVERAL_PANEL = "Options of several tasks (what each does, by task)"



def flag(name: str, help: str, default: Any = None, **checks: Any) -> Any:
    """An option of a command that is not a config field (--config, --out, --lanes), made
    once at module level for the commands that share it: its flag, help and default
    (None: not given), and typer's checks (min=0)."""
    return typer.Option(default, name, help=help, **checks)


ConfigOpt = flag("--config", "TOML file with training options.")
TaskOpt = flag("--task", "What to train: " + " | ".join(families.all_tasks()[1:]) + " (default: "
               "the character language model). Each family's options are listed under its "
               "own heading below.")
OutOpt = flag("--out", "Run directory (metrics.jsonl, config.json, samples, checkpoint).")
LastOpt = flag("--last", "Use the run's latest checkpoint, not its best model "
               "(best.safetensors: its best evaluation by the family's headline, the default "
               "when it has one).", False)
ExplodeOpt = flag("--explode", "Explode on purpose: no clipping and plain SGD at lr 10 (= "
                  "--clip-mode off --optimizer sgd --lr 10): watch the gradient norm blow up "
                  "and the guard stop the run.", False)


FIELD_COMMENT = re.compile(r"^\s+(\w+): [^=\n]+=[^#\n]*#\s*(.*)$", re.M)  # name: T = v  # help


@functools.lru_cache(maxsize=None)  # reading the sources costs; every command asks again
def field_help(config_cls: type) -> dict[str, str]:
    """The comment after each field of a config dataclass (and of its bases): --help text."""
    helps: dict[str, str] = {}
    for cls in reversed(config_cls.__mro__):
        if cls is object or not hasattr(cls, "__dataclass_fields__"):
            continue
        helps.update({m.group(1): m.group(2).strip()
                      for m in FIELD_COMMENT.finditer(class_source(cls))})
    return helps


def class_source(cls: type) -> str:
    """The source of a module-level class: from its `class` line to the next line that is
    not indented. (inspect.getsource parses the whole module into a syntax tree to find a
    class, and `--help` asks for nine: most of the time it took to build the options.)"""
    lines = linecache.getlines(inspect.getsourcefile(cls))
    head = re.compile(rf"class {cls.__name__}\b")
    start = next(i for i, line in enumerate(lines) if head.match(line))
    end = next((i for i in range(start + 1, len(lines)) if lines[i][:1] not in " \t\n#"),
               len(lines))
    return "".join(lines[start:end])


def _base_type(annotation: Any) -> type:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    return args[0] if args else annotation


@dataclass
class Option:
    name: str
    type: type
    help: str
    panel: str
    defaults: dict[str, Any]  # family name -> default


@functools.lru_cache(maxsize=None)  # `run`, the app, `race` and `ladder` all take them
def all_options() -> tuple[Option, ...]:
    """The union of every family's config fields, shared ones first, in declaration order."""
    shared = {f.name for f in fields(RunConfig)}
    shared_help = field_help(RunConfig)
    out: dict[str, Option] = {}
    for family in families.FAMILIES:
        cls = family.config_class()
        hints, helps = typing.get_type_hints(cls), field_help(cls)
        made = cls()  # the defaults as built (a family may fill some in __post_init__)
        panel = family.title + (" (the default, no --task)" if family.name == families.DEFAULT
                                else f" (--task {' | '.join(family.task_names())})")
        for f in fields(cls):
            if f.name == "task":  # the commands' own --task option
                continue
            base = _base_type(hints[f.name])
            opt = out.get(f.name)
            if opt is None:
                mine = f.name not in shared
                opt = out[f.name] = Option(f.name, base, (helps if mine else shared_help)
                                           .get(f.name, ""), panel if mine else SHARED_PANEL, {})
            elif opt.type is not base:
                raise TypeError(f"{f.name}: {opt.type} in one family, {base} in another")
            elif opt.panel != SHARED_PANEL:  # a family's own option that another has too
                if opt.panel != SEVERAL_PANEL:
                    opt.help = f"{next(iter(opt.defaults))}: {opt.help}"
                opt.panel = SEVERAL_PANEL
                opt.help += f"; {family.name}: {helps.get(f.name, '')}"
            opt.defaults[family.name] = getattr(made, f.name)
    # (a stable sort: shared options first, then those of several tasks, then each task's)
    return tuple(sorted(out.values(), key=lambda o: (o.panel != SHARED_PANEL,
                                                     o.panel != SEVERAL_PANEL)))


def _default_text(opt: Option) -> str:
    shown = {k: ("none" if v is None else str(v)) for k, v in opt.defaults.items()}
    if len(set(shown.values())) == 1:
        return next(iter(shown.values()))
    return ", ".join(f"{v} ({k})" for k, v in shown.items())


def _escaped(text: str) -> str:
    """Help text as Rich prints it literally (a field comment like "[h→; h←]" is no markup)."""
    return text.replace("[", "\\[")


def training_options(func):
    """A decorator adding one --option per config field of every family (booleans get
    --no-x); the function receives the given ones as `overrides`."""
    options = all_options()
    sig = inspect.signature(func)
    params = [p for p in sig.parameters.values() if p.name != "overrides"]
    for opt in options:
        flag = "--" + opt.name.replace("_", "-")
        if opt.type is bool:
            flag = f"{flag}/--no-{opt.name.replace('_', '-')}"
        option = typer.Option(None, flag, rich_help_panel=opt.panel, show_default=False,
                              help=f"{_escaped(opt.help)} \\[default: {_default_text(opt)}]")
        params.append(inspect.Parameter(opt.name, inspect.Parameter.KEYWORD_ONLY,
                                        default=option, annotation=Optional[opt.type]))
    names = [opt.name for opt in options]

    @functools.wraps(func)
    def wrapper(**kwargs):
        overrides = {n: kwargs.pop(n) for n in names if kwargs.get(n) is not None}
        for n in names:
            kwargs.pop(n, None)
        return func(**kwargs, overrides=overrides)

    wrapper.__signature__ = sig.replace(parameters=params)
    return wrapper


def file_settings(config_file: str | None) -> dict[str, Any]:
    """The settings a TOML file holds (its own table of a family, [train], or top-level
    keys), for `--resume --config FILE`: they change the run like flags do."""
    if not config_file:
        return {}
    return load_toml(config_file, tables=tuple(f.name for f in families.FAMILIES))


def resolve_config(task: str | None, config_file: str | None,
                   overrides: dict[str, Any]) -> RunConfig:
    """defaults <- TOML file <- command-line flags, for the family of `task` (None: the TOML
    file's `task`, else the default family), then validated. The file's settings may be
    top-level keys or one table, [train] or named after the family ([seq2seq])."""
    names = tuple(f.name for f in families.FAMILIES)  # a [seq2seq] table is allowed
    data = load_toml(config_file, tables=names) if config_file else {}
    task = task or (data.get("task") if isinstance(data.get("task"), str) else None)
    what = f"--task {task}" if task else "the language model (no --task)"
    return families.config_for_task(task, data, config_file or "config", overrides, what)
