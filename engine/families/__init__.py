"""The task families, registered in one place.

A family is one folder here (config, data, model, task, events) and one view in the app
(rnn_tui/views/). Adding one means adding its folder and one `Family(...)` line below;
nothing else branches on the family. Entries name modules by string so that listing the
families (for `--help`, the app's picker) imports neither torch nor Textual.

    family = by_task("dates")         # -> the seq2seq entry
    task_cls = family.task_class()    # engine.families.seq2seq.task.Seq2SeqTask
    config_cls = family.config_class()
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from engine.errors import EngineError


@dataclass(frozen=True)
class Family:
    name: str  # registry name, checkpoint meta["kind"], `--task` value when tasks == ()
    title: str  # for the app's picker and the help
    noun: str  # what a run of it holds, for messages: "a language model"
    config: str  # "module:Class" of its RunConfig subclass
    task: str  # "module:Class" of its engine.task.Task subclass
    events: str  # module defining (and registering) its own events
    view: str  # "module:Class" of its app screen (rnn_tui, imported only by the app)
    tasks: tuple[str, ...] = ()  # `--task` names it answers to (its config's `task` field)
    report: str = ""  # "module:function" drawing its pictures for `rnn-tui report` (rnn_tui)
    # "module:function" reading its older metrics.jsonl rows as rows are written now
    # (record -> record), so that old runs still open; "": its format never changed
    upgrade: str = ""

    def config_class(self) -> Any:
        return _load(self.config)

    def task_class(self) -> Any:
        return _load(self.task)

    def view_class(self) -> Any:
        return _load(self.view)

    def report_pictures(self) -> Any:
        """records -> list of HTML pieces (its samples, grids...), or nothing to add."""
        return _load(self.report) if self.report else (lambda records: [])

    def record_upgrade(self) -> Any:
        """record -> record: its old metrics.jsonl rows as written now (`upgrade`)."""
        return _load(self.upgrade) if self.upgrade else (lambda record: record)

    def task_names(self) -> tuple[str, ...]:
        return self.tasks or (self.name,)


FAMILIES: tuple[Family, ...] = (
    Family("lm", "Language model · characters or words (--tokens word)", "a language model",
           "engine.families.lm.config:LMConfig", "engine.families.lm.task:LanguageModelTask",
           "engine.families.lm.events", "rnn_tui.views.lm:LanguageModelScreen",
           report="rnn_tui.views.lm_report:pictures",
           upgrade="engine.families.lm.events:upgrade_record"),
    Family("seq2seq", "Seq2seq · encoder-decoder with attention", "a seq2seq model",
           "engine.families.seq2seq.config:Seq2SeqConfig",
           "engine.families.seq2seq.task:Seq2SeqTask", "engine.families.seq2seq.events",
           "rnn_tui.views.seq2seq:Seq2SeqScreen",
           tasks=("dates", "reverse", "sort", "add", "pairs"),
           report="rnn_tui.views.seq2seq_report:pictures"),
    Family("longrange", "Long-range lab · one dependency across T steps",
           "a long-range model", "engine.families.longrange.config:LongRangeConfig",
           "engine.families.longrange.task:LongRangeTask", "engine.families.longrange.events",
           "rnn_tui.views.longrange:LongRangeScreen", tasks=("adding", "copy", "recall"),
           report="rnn_tui.views.longrange_report:pictures"),
    Family("hello", 'The "hello" network · unrolled, every number shown (CS286)',
           'a "hello" network', "engine.families.hello.config:HelloConfig",
           "engine.families.hello.task:HelloTask", "engine.families.hello.events",
           "rnn_tui.views.hello:HelloScreen"),
    Family("surface", "The rough error surface · a cliff, gradient steps with and without "
           "clipping (ADL)", "an error surface", "engine.families.surface.config:SurfaceConfig",
           "engine.families.surface.task:SurfaceTask", "engine.families.surface.events",
           "rnn_tui.views.surface:SurfaceScreen"),
    Family("onetomany", "One-to-many · a name written for one input, its language",
           "a one-to-many model", "engine.families.onetomany.config:OneToManyConfig",
           "engine.families.onetomany.task:OneToManyTask", "engine.families.onetomany.events",
           "rnn_tui.views.onetomany:OneToManyScreen"),
    Family("classify", "Classification · one label per text (many-to-one)", "a classifier",
           "engine.families.classify.config:ClassifyConfig",
           "engine.families.classify.task:ClassifyTask", "engine.families.classify.events",
           "rnn_tui.views.classify:ClassifyScreen",
           report="rnn_tui.views.classify_report:pictures"),
    Family("tag", "Tagging · one label per token (aligned many-to-many)", "a tagger",
           "engine.families.tag.config:TagConfig", "engine.families.tag.task:TagTask",
           "engine.families.tag.events", "rnn_tui.views.tag:TagScreen",
           report="rnn_tui.views.tag_report:pictures"),
)
DEFAULT = "lm"


def _load(spec: str) -> Any:
    module, _, name = spec.partition(":")
    obj = importlib.import_module(module)
    return getattr(obj, name) if name else obj


def get(name: str) -> Family:
    """The family registered as `name` (a checkpoint's kind: "lm", "seq2seq", ...)."""
    for family in FAMILIES:
        if family.name == name:
            return family
    raise EngineError(f"unknown task family {name!r}; known: "
                      f"{', '.join(f.name for f in FAMILIES)}")


def by_task(task: str) -> Family:
    """The family a `--task NAME` belongs to."""
    for family in FAMILIES:
        if task in family.task_names():
            return family
    raise EngineError(f"unknown task {task!r}; choose one of: {', '.join(all_tasks())}")


def all_tasks() -> list[str]:
    return [t for family in FAMILIES for t in family.task_names()]


def in_words() -> str:
    """Every family in one phrase, for help texts: "a language model, ... or a tagger"."""
    nouns = [family.noun for family in FAMILIES]
    return ", ".join(nouns[:-1]) + " or " + nouns[-1]


def of_config(config: Any) -> Family:
    """The family a config object belongs to (its class says so: `FAMILY`)."""
    return get(type(config).FAMILY)


def load_events() -> None:
    """Import every family's events module, so metrics.jsonl rows of any family read back."""
    for family in FAMILIES:
        importlib.import_module(family.events)


def config_for_task(task: str | None, data: dict[str, Any] | None = None,
                    source: str = "config", overrides: dict[str, Any] | None = None,
                    what: str = "") -> Any:
    """The one way a new run's config is made (the CLI's flags and --config file, a
    lesson's chapter): the defaults of the family that `task` belongs to (None: the default
    family) <- `data` (a file's settings) <- `overrides` (flags; one the family does not have
    is refused, naming `what` takes them), validated once."""
    from engine.config import with_overrides

    family = get(DEFAULT) if task is None else by_task(task)
    data = dict(data or {})
    if family.tasks:
        data["task"] = task
    cfg = family.config_class().from_dict(data, source=source)
    return with_overrides(cfg, overrides or {}, what or f"a {family.name} run").validate()
