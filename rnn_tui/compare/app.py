"""The compare view: several runs' curves on one loss chart (train dimmer, validation full,
one stable colour per run, a legend), aligned by step or by active time, and their configs
side by side, the settings that differ first and highlighted. `rnn-tui compare DIR DIR ...`
runs it as its own app (`CompareApp`); the app's runs screen pushes `CompareScreen`.

Keys: x step/time, v nats/bits/ppl, y linear/log, t train+validation/train/validation,
S screenshot, q / esc back.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from rnn_tui.app.screens import page_keys
from rnn_tui.app.screenshots import ScreenshotMixin
from rnn_tui.compare.runs import ComparedRun, config_rows, load_runs, summary_rows
from rnn_tui.widgets import LossChart
from rnn_tui.widgets.canvas import dimmed

SHOWN = ("both", "train", "val")


class CompareScreen(Screen):
    DEFAULT_CSS = """
    CompareScreen { layout: vertical; }
    CompareScreen #compare-title { height: 1; padding: 0 1; background: $panel; }
    CompareScreen #compare-chart-box {
        height: 3fr; border: round $primary 40%; padding: 0 1;
        border-title-color: $text-muted;
    }
    CompareScreen #compare-chart { height: 1fr; }
    CompareScreen #compare-configs {
        height: 2fr; border: round $primary 40%; border-title-color: $text-muted;
    }
    """
    BINDINGS = page_keys(("x", "toggle_x", "Step/time"), ("v", "cycle_unit", "Unit"),
                         ("y", "toggle_scale", "Log/linear"), ("t", "cycle_shown", "Train/val"),
                         ("S", "app.save_screenshot", "Screenshot"))

    def __init__(self, runs: list[ComparedRun], by: str = "step") -> None:
        super().__init__()
        self.runs, self.by, self.shown = runs, by, "both"

    @classmethod
    def of_paths(cls, paths: list[Path], by: str = "step") -> "CompareScreen":
        return cls(load_runs(paths), by)

    def compose(self) -> ComposeResult:
        yield Static("", id="compare-title")
        with Vertical(id="compare-chart-box"):
            yield LossChart(id="compare-chart")
        yield DataTable(id="compare-configs", cursor_type="none", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#compare-chart-box").border_title = "Loss"
        self.query_one("#compare-configs").border_title = "Runs and configs"
        chart = self.query_one(LossChart)
        chart.max_legend_rows = 3
        self._fill_chart()
        self._fill_configs()
        self._render_title()

    # ------------------------------------------------------------------ drawing

    def _fill_chart(self) -> None:
        chart = self.query_one(LossChart)
        for name in chart.series_names():
            chart.remove_series(name)
        chart.x_unit = self.by
        for k, run in enumerate(self.runs):
            for part, curve, color in (("train", run.train, dimmed(run.color)),
                                       ("val", run.val, run.color)):
                if self.shown not in ("both", part) or not len(curve.loss):
                    continue
                label = f"{run.name} {'validation' if part == 'val' else 'train'}"
                chart.set_series_style(f"{k}:{part}", color, label)
                chart.add_points(f"{k}:{part}", curve.x(self.by), curve.loss)

    def _fill_configs(self) -> None:
        table = self.query_one("#compare-configs", DataTable)
        table.clear(columns=True)
        table.add_column("")
        for run in self.runs:
            table.add_column(Text(run.name, style=f"bold {run.color}"))
        rows = summary_rows(self.runs)  # one per run: name, family, model, ...
        for i, label in enumerate(("family", "model", "data", "steps", "active time",
                                   "last train", "best"), start=1):
            table.add_row(Text(label, style="bold"), *(row[i] for row in rows))
        for key, values, differs in config_rows(self.runs):
            style = "bold #ffb74d" if differs else "dim"
            table.add_row(Text(key, style=style), *(Text(v, style=style) for v in values))

    def _render_title(self) -> None:
        chart = self.query_one(LossChart)
        shown = {"both": "train (dim) and validation", "train": "train", "val": "validation"}
        self.query_one("#compare-title", Static).update(Text.assemble(
            ("Comparing ", "dim"), (f"{len(self.runs)} runs", "bold"), (" · ", "dim"),
            (shown[self.shown], "bold"), (" · by ", "dim"), (self.by, "bold"),
            (" · ", "dim"), (f"{chart.unit}, {chart.scale}", "bold"),
            ("   settings that differ: orange", "dim")))

    # ------------------------------------------------------------------ keys

    def action_toggle_x(self) -> None:
        self.by = "time" if self.by == "step" else "step"
        self._fill_chart()
        self._render_title()

    def action_cycle_unit(self) -> None:
        self.query_one(LossChart).next_unit()
        self._render_title()

    def action_toggle_scale(self) -> None:
        chart = self.query_one(LossChart)
        chart.scale = "log" if chart.scale == "linear" else "linear"
        self._render_title()

    def action_cycle_shown(self) -> None:
        self.shown = SHOWN[(SHOWN.index(self.shown) + 1) % len(SHOWN)]
        self._fill_chart()
        self._render_title()

    def action_back(self) -> None:
        if len(self.app.screen_stack) <= 2 and isinstance(self.app, CompareApp):
            self.app.exit()
        else:
            self.app.pop_screen()


class CompareApp(ScreenshotMixin, App[None]):
    """`rnn-tui compare`: the compare view on its own; screenshots go to the cwd."""

    TITLE = "rnn-tui compare"
    BINDINGS = [Binding("ctrl+c", "quit", "Quit", show=False, priority=True)]

    def __init__(self, runs: list[ComparedRun], by: str = "step") -> None:
        super().__init__()
        self.runs, self.by = runs, by

    def on_mount(self) -> None:
        self.push_screen(CompareScreen(self.runs, self.by))
