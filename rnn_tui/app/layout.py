"""The dashboard screen and its layouts: a 2x2 grid of panels, a compact one-panel-at-a-time
layout with a tab strip for smaller terminals, and a hint when the terminal is too small.

The screen holds the panels of both modes (see modes.py); its class `-lm` or `-seq2seq`
hides the other mode's two."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Grid, Middle
from textual.screen import Screen
from textual.widgets import Footer, Static

from rnn_tui.app.modes import PANELS
from rnn_tui.app.panels import (AttentionPanel, GatesPanel, GradientPanel, LossPanel,
                                SamplesPanel, StatusBar, TranslationsPanel)

MIN_WIDTH, MIN_HEIGHT = 80, 24  # below this: a hint instead of the layout
COMPACT_WIDTH, COMPACT_HEIGHT = 120, 36  # below this: one panel at a time, with a tab strip


class MainScreen(Screen):
    """The dashboard screen; switches between grid, compact (tabbed) and too-small layouts."""

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        yield Static("", id="tabs")
        with Grid(id="panels"):
            yield LossPanel(id="loss-panel", classes="panel")
            yield GradientPanel(id="grad-panel", classes="panel")
            yield SamplesPanel(id="samples-panel", classes="panel lm-only")
            yield GatesPanel(id="gates-panel", classes="panel lm-only")
            yield TranslationsPanel(id="translate-panel", classes="panel s2s-only")
            yield AttentionPanel(id="attention-panel", classes="panel s2s-only")
        yield Static("", id="banner")
        with Middle(id="too-small"):
            with Center():
                yield Static("", id="too-small-text")
        yield Footer()

    def on_mount(self) -> None:
        for panels in PANELS.values():
            for panel_id, title in panels:
                self.query_one(f"#{panel_id}").border_title = title
        self.apply_size(self.size.width, self.size.height)
        self.app.main_screen_mounted()

    def on_resize(self, event) -> None:
        self.apply_size(event.size.width, event.size.height)

    def apply_size(self, width: int, height: int) -> None:
        if width <= 0 or height <= 0:
            return
        too_small = width < MIN_WIDTH or height < MIN_HEIGHT
        self.set_class(too_small, "-too-small")
        self.set_class(not too_small and (width < COMPACT_WIDTH or height < COMPACT_HEIGHT),
                       "-compact")
        if too_small:
            self.query_one("#too-small-text", Static).update(
                f"rnn-tui needs at least {MIN_WIDTH}x{MIN_HEIGHT}; "
                f"this terminal is {width}x{height}.\nMake the window larger "
                f"(training continues in the background).")
