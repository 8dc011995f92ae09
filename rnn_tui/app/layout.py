"""The dashboard screen every family's view is built on: the status bar, the loss and
gradient panels, the view's own two panels, a banner, the footer; and its layouts (a 2x2
grid; one panel at a time with a tab strip on smaller terminals; a hint when the terminal is
too small).

A family's view (rnn_tui/views/<family>.py) subclasses `DashboardScreen`: it composes its two
panels (`compose_panels`), declares its keys (`BINDINGS = shell_bindings(...)`, so the
footer, the help and the command palette show exactly this view's keys), and handles its own
events (`handle_event`). The run itself (worker, state, the shared actions) is the app's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.containers import Center, Grid, HorizontalGroup, Middle
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey

from rnn_tui.app.panels import GradientPanel, LossPanel, StatusBar
from rnn_tui.widgets.lesson_panel import LessonPanel

if TYPE_CHECKING:  # pragma: no cover
    from engine import events as ev
    from rnn_tui.app.history import History

MIN_WIDTH, MIN_HEIGHT = 80, 24  # below this: a hint instead of the layout
COMPACT_WIDTH, COMPACT_HEIGHT = 120, 36  # below this: one panel at a time, with a tab strip


class DashboardFooter(Footer):
    """The footer; when narrow (`compact`), ? and q are docked together at its right end,
    so no number of a view's keys pushes them off a small terminal."""

    KEEP = ("question_mark", "q")

    def compose(self) -> ComposeResult:
        widgets = list(super().compose())
        if not self.compact:
            yield from widgets
            return
        keep = [w for w in widgets if isinstance(w, FooterKey) and w.key in self.KEEP]
        yield from (w for w in widgets if w not in keep)
        yield HorizontalGroup(*keep, id="footer-keep")

    def watch_compact(self, compact: bool) -> None:
        if self.is_mounted:
            self.refresh(recompose=True)


class DashboardScreen(Screen):
    """The shell of the dashboard; a family view adds two panels, its keys and handlers."""

    # (panel id, title) of the view's two panels, after Loss and Gradients.
    PANELS: ClassVar[tuple[tuple[str, str], ...]] = ()
    # Side jobs more often than headless: a person is watching (see app.interactive_cadence).
    INTERACTIVE: ClassVar[dict[str, int]] = {"probe_every": 20, "sample_every": 100}
    # The gradient panel's words for this family's probe ({layer}: "layer 1/2").
    GRAD_TITLE: ClassVar[str] = "‖dL_T/dh_t‖ · {layer}"
    GRAD_INDEX: ClassVar[str] = "t"
    GRAD_WHAT: ClassVar[str] = "timesteps"
    # With probe_rows() == 2: the {direction} of each of the two bar charts.
    GRAD_DIRECTIONS: ClassVar[tuple[str, ...]] = ("→ forward", "← backward")
    PROMPT_ID: ClassVar[str] = "#prompt"  # the view's prompt (p)

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield Static("", id="tabs")
        yield LessonPanel(id="lesson-panel")  # (lesson mode: rnn_tui/app/lessons.py)
        with Grid(id="panels"):
            yield LossPanel(id="loss-panel", classes="panel")
            yield GradientPanel(id="grad-panel", classes="panel")
            yield from self.compose_panels()
        yield Static("", id="banner")
        with Middle(id="too-small"):
            with Center():
                yield Static("", id="too-small-text")
        yield DashboardFooter()

    def compose_panels(self) -> ComposeResult:  # pragma: no cover - overridden
        """The view's two panels (classes="panel"), with the ids of PANELS."""
        yield from ()

    @property
    def panels(self) -> tuple[tuple[str, str], ...]:
        return (("loss-panel", "Loss"), ("grad-panel", "Gradients"), *self.PANELS)

    def on_mount(self) -> None:
        for panel_id, title in self.panels:
            self.query_one(f"#{panel_id}").border_title = title
        self.apply_size(self.size.width, self.size.height)
        self.app.main_screen_mounted(self)

    def on_resize(self, event) -> None:
        self.apply_size(event.size.width, event.size.height)

    def apply_size(self, width: int, height: int) -> None:
        if width <= 0 or height <= 0:
            return
        too_small = width < MIN_WIDTH or height < MIN_HEIGHT
        compact = not too_small and (width < COMPACT_WIDTH or height < COMPACT_HEIGHT)
        self.set_class(too_small, "-too-small")
        self.set_class(compact, "-compact")
        # A narrow footer: less space between keys and no palette key (ctrl+p still works),
        # so that ? and q stay on screen at 80 columns.
        footer = self.query_one(Footer)
        footer.compact = width < COMPACT_WIDTH
        footer.show_command_palette = width >= COMPACT_WIDTH
        if too_small:
            self.query_one("#too-small-text", Static).update(
                f"rnn-tui needs at least {MIN_WIDTH}x{MIN_HEIGHT}; "
                f"this terminal is {width}x{height}.\nMake the window larger "
                f"(training continues in the background).")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The view's own keys are off while a dialog is open on top of it."""
        return self.app.screen is self

    # --- what a view adds (the app calls these) ---------------------------------------------

    def reset_view(self) -> None:
        """Forget the previous run's family state (a restart)."""

    def clear_view(self) -> None:
        """Empty the view's panels (a restart)."""

    def handle_event(self, event: "ev.Event") -> None:
        """One of the family's own events (a sample, an attention grid, ...)."""

    def show_eval(self, event: "ev.Eval") -> None:
        """An evaluation arrived (the shell already drew it on the loss chart)."""

    def show_history(self, history: "History") -> None:
        """A reopened run's past family events (history.family_events), shown at once."""
        for event in history.family_events:
            self.handle_event(event)

    def status_fields(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """(fields for line 1 after the state, fields for line 2 after lr and clip)."""
        return [], []

    def loss_fields(self) -> list[tuple[str, str]]:
        """Extra fields of the loss panel's info line."""
        return []

    def submit_prompt(self, text: str) -> None:
        """The prompt's Enter (`p` opened the view's PROMPT_ID input on its first panel)."""

    def probe_rows(self) -> int:
        """Rows per layer in this family's Probe.grad_norms: 1, or 2 when its probe gives
        each direction of a bidirectional model a row (row = layer * 2 + direction); the
        gradient panel then draws both, the forward direction above the backward one."""
        return 1

    def layer_changed(self) -> None:
        """`h` picked another layer (the gradient panel is redrawn by the app)."""

    @property
    def busy(self) -> bool:
        """True while the view is still animating news (a sample being typed out)."""
        return False

    @classmethod
    def choices(cls, config: Any) -> list[tuple[str, str, Any]]:
        """What the mode picker offers for this family: (key, label, config) entries, made
        from the family's latest config (so each family keeps the user's settings); config
        None: shown greyed (the family needs something the user must give, the label says
        what)."""
        return []

    @classmethod
    def choice_key(cls, config: Any) -> str:
        """Which of `choices` the config is."""
        return config.FAMILY
