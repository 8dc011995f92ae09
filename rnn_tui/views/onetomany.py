"""The one-to-many view: names the model writes for the label you choose, and one name for
every label beside it (the decks' one-to-many picture: one input, a sequence out).

    Names panel    the latest names for the chosen label (newest first), with the step
    Labels panel   every label with one name the model wrote for it, the chosen one marked
Keys: , / . the previous / next label (the names come at once), g more names now.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

from engine.families.onetomany.events import Names
from rnn_tui.app.actions import shell_bindings
from rnn_tui.app.layout import DashboardScreen
from rnn_tui.app.panels import Panel, TextLine, join_fields

WAITING = "waiting for the first names…"
KEEP = 4  # samples of names kept on screen


class NamesPanel(Panel):
    def compose(self) -> ComposeResult:
        yield TextLine(WAITING, id="names-info", classes="info")
        yield Static("", id="names-list")


class LabelsPanel(Panel):
    def compose(self) -> ComposeResult:
        yield Static("", id="labels-list")


class OneToManyScreen(DashboardScreen):
    """The dashboard of one-to-many generation."""

    FAMILY = "onetomany"
    PANELS = (("names-panel", "Names"), ("labels-panel", "Labels"))
    INTERACTIVE = {"probe_every": 25, "sample_every": 50}
    GRAD_TITLE = "‖∂L/∂h_t‖ per character of 16 held-out names · {layer}"
    BINDINGS = shell_bindings(
        first=[Binding("g", "sample", "Names", tooltip="Names for the chosen label now")],
        middle=[Binding("comma", "label(-1)", "Label −", key_display=",",
                        tooltip="The previous label (language): names for it"),
                Binding("full_stop", "label(1)", "Label +", key_display=".",
                        tooltip="The next label (language): names for it")])
    DEFAULT_CSS = """
    #names-list { height: 1fr; }
    #labels-list { height: 1fr; }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reset_view()

    def compose_panels(self) -> ComposeResult:
        yield NamesPanel(id="names-panel", classes="panel")
        yield LabelsPanel(id="labels-panel", classes="panel")

    # ------------------------------------------------------------------ the app's calls

    def reset_view(self) -> None:
        self.samples: list[Names] = []  # newest last

    def clear_view(self) -> None:
        self.query_one("#names-info", TextLine).update(WAITING)
        self.query_one("#names-list", Static).update("")
        self.query_one("#labels-list", Static).update("")

    def handle_event(self, event: Any) -> None:
        if isinstance(event, Names):
            self.samples = (self.samples + [event])[-KEEP:]
            self.render_names()

    def status_fields(self) -> tuple[list, list]:
        label = self.app.hparams.get("label") or "(largest)"
        return [("label", label)], [("condition", self.app.config.condition)]

    @classmethod
    def choices(cls, config: Any) -> list[tuple[str, str, Any]]:
        return [("onetomany", f"One-to-many · names for a chosen language, data "
                 f"{config.data!r}", config)]

    # ------------------------------------------------------------------ keys

    def labels(self) -> list[str]:
        return self.samples[-1].labels if self.samples else []

    def action_label(self, delta: int) -> None:
        labels = self.labels()
        if not labels:
            self.app.notify("the labels come with the first names", timeout=2)
            return
        now = self.samples[-1].label
        nxt = labels[(labels.index(now) + delta) % len(labels)] if now in labels else labels[0]
        self.app.controller.set("label", nxt)
        self.app.controller.request("sample", label=nxt)

    def action_sample(self) -> None:
        self.app.controller.request("sample", label=self.app.controller.wanted("label"))

    # ------------------------------------------------------------------ drawing

    def render_names(self) -> None:
        last = self.samples[-1]
        self.query_one("#names-info", TextLine).update(join_fields([
            ("label", last.label), ("step", f"{last.step:,}"),
            ("T", f"{last.temperature:g}")]))
        out = Text()
        for k, e in enumerate(reversed(self.samples)):
            out.append(f"{e.label} · step {e.step:,}\n", style="bold" if k == 0 else "dim")
            out.append("  " + "  ".join(e.names) + "\n\n", style="" if k == 0 else "dim")
        self.query_one("#names-list", Static).update(out)
        table = Text()
        for lab in last.labels:
            here = lab == last.label
            table.append("▶ " if here else "  ", style="bold #ffb74d")
            table.append(f"{lab:<12}", style="bold" if here else "")
            table.append(f"{last.per_label.get(lab, '')}\n", style="" if here else "dim")
        self.query_one("#labels-list", Static).update(table)
