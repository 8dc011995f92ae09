"""The race screen: `rnn-tui race ...` on a terminal.

    ┌ status: what races, lanes, the clock, the spread of steps ─────────────────────────┐
    │ loss chart: every racer's training curve in its colour, the baseline dashed        │
    │ one gradient panel per racer, side by side: ||dL/dh_t|| (j: ||dh_T/dh_t||)         │
    │ the standings: steps, own time, last and best metric, solved at, status            │
    └ keys ──────────────────────────────────────────────────────────────────────────────┘

The race (engine/racing/race.py, or a fake in the tests) runs on a thread worker; its events come
back as `RaceNews` messages, train steps batched about twice a second. Nothing here touches
torch. A racer's panel shows the loop's gradient probe (every family has one); for long-range
racers `j` switches it to their family's own picture, if it has one (an event with a
PICTURE: the long-range lab's Jacobian).
"""

from __future__ import annotations

import asyncio
import shlex
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Footer, Static

from engine import events as ev
from rnn_tui.app.panels import TextLine, join_fields
from rnn_tui.app.screenshots import ScreenshotMixin
from rnn_tui.format import fmt_duration
from rnn_tui.race.table import colors_for, standings_table, threshold_text, verdict
from rnn_tui.widgets import LossChart, TimestepBars

NARROW_WIDTH = 110  # columns below which the standings leave out the model and best
SHORT_HEIGHT = 34  # rows below which the racers' gradient panels give way to the standings
FLUSH_S = 0.5  # seconds between batched train-step posts


@dataclass
class RaceNews(Message):
    items: list[tuple[str, ev.Event]] = field(default_factory=list)


@dataclass
class RaceOver(Message):
    error: str = ""


class RacerPanel(Vertical):
    """One racer's gradient picture, in its colour."""

    def __init__(self, name: str, color: str, index: int) -> None:
        super().__init__(id=f"racer-{index}", classes="racer")
        self.racer, self.color = name, color
        self.border_title = f"[bold {color}]{name}[/]"

    def compose(self) -> ComposeResult:
        yield TimestepBars(id=f"bars-{self.id}", color=self.color)


class RaceApp(ScreenshotMixin, App[None]):
    TITLE = "rnn-tui race"
    CSS = """
    #race-status { height: 2; padding: 0 1; background: $panel; text-wrap: nowrap;
                   text-overflow: ellipsis; }
    #race-chart { height: 2fr; min-height: 8; border: round $primary 40%; }
    #racers { height: 1fr; min-height: 7; }
    Screen.-short #racers { display: none; }
    .racer { border: round $primary 40%; width: 1fr; padding: 0 1;
             border-title-style: bold; }
    #standings { height: auto; max-height: 12; border: round $primary 40%; padding: 0 1; }
    """
    BINDINGS = [
        Binding("space", "pause", "Pause/run"),
        Binding("q", "quit", "Quit"),  # (early: a narrow footer cuts the last keys)
        Binding("f", "finish", "Finish now", tooltip="End the race now: final evaluations"),
        Binding("j", "picture", "Gradients/Jacobian"),
        Binding("h", "layer", "Next layer"),
        Binding("y", "scale", "Log/linear"),
        Binding("S", "save_screenshot", "Screenshot", show=False,
                tooltip="An SVG (and a PNG when a converter is installed) of the screen, "
                        "in the race's folder"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]
    quit_timeout = 1.5

    def __init__(self, race: Any) -> None:
        super().__init__()
        self.race = race
        self.names = [r.name for r in race.racers]
        self.racer_colors = colors_for(self.names)
        self.state = "racing"  # racing | paused | finished | error
        self.picture = "gradients"  # gradients | family (each racer's PICTURE event)
        self.layer = 0
        self.probes: dict[str, ev.Probe] = {}
        self.pictures: dict[str, ev.Event] = {}  # racer -> its latest PICTURE event
        self.worker_done = False  # the race's events have all been shown
        self.drive_done = threading.Event()  # no worker thread running (any more)
        self.drive_done.set()

    def compose(self) -> ComposeResult:
        yield TextLine("", id="race-status")
        yield LossChart(id="race-chart")
        with Horizontal(id="racers"):
            for i, name in enumerate(self.names):
                yield RacerPanel(name, self.racer_colors[name], i)
        yield Static("", id="standings")
        yield Footer()

    def on_mount(self) -> None:
        chart = self.query_one("#race-chart", LossChart)
        chart.border_title = "training loss, every racer"
        # log: a racer's early spike (an IRNN's first Adam steps: 1e9) and a solved task's
        # 1e-3 both stay readable beside the others (y switches)
        chart.scale = "log"
        chart.fixed_unit = self.race.racers[0].config.loss_name()  # the adding task's MSE
        for name in self.names:
            chart.set_series_style(name, self.racer_colors[name], name)
        self.query_one("#standings").border_title = "standings"
        self.render_all()
        self.drive_done.clear()
        self.run_worker(self._drive, name="race", thread=True, exit_on_error=False)

    def on_unmount(self) -> None:
        # However the app ends, every racer is told to stop (each checkpoints).
        self.race.stop()
        self.race.resume()

    # ------------------------------------------------------------------ the worker

    def _drive(self) -> None:
        buffer: list[tuple[str, ev.Event]] = []
        last = time.monotonic()
        try:
            for name, event in self.race.events():
                buffer.append((name, event))
                if not isinstance(event, ev.TrainStep) or time.monotonic() - last >= FLUSH_S:
                    self.post_message(RaceNews(buffer))
                    buffer, last = [], time.monotonic()
            self.post_message(RaceNews(buffer))
            self.post_message(RaceOver())
        except Exception as exc:  # a racer that cannot start: shown, never a crashed UI
            self.post_message(RaceNews(buffer))
            self.post_message(RaceOver(str(exc)))
        finally:
            self.drive_done.set()

    def on_race_news(self, message: RaceNews) -> None:
        chart = self.query_one("#race-chart", LossChart)
        xs: dict[str, list[tuple[int, float]]] = {}
        for name, event in message.items:
            if isinstance(event, ev.TrainStep):
                xs.setdefault(name, []).append((event.step, event.train_loss))
            elif isinstance(event, ev.Baselines) and event.losses:
                key, value = min(event.losses.items(), key=lambda kv: kv[1])
                chart.set_reference(key, value)
            elif isinstance(event, ev.Probe):
                self.probes[name] = event
            elif event.PICTURE:
                self.pictures[name] = event
        for name, points in xs.items():
            chart.add_points(name, [p[0] for p in points], [p[1] for p in points])
        self.render_all()

    def on_race_over(self, message: RaceOver) -> None:
        self.worker_done = True
        self.state = "error" if message.error else "finished"
        if message.error:
            self.notify(message.error, title="The race could not start", severity="error",
                        timeout=30)
        else:
            self.notify(verdict(self.race.standings), title="Race over", timeout=30)
        self.render_all()

    # ------------------------------------------------------------------ drawing

    def render_all(self) -> None:
        self._render_status()
        self._render_panels()
        self.query_one("#standings", Static).update(
            standings_table(self.race.standings, self.racer_colors,
                            narrow=self.size.width < NARROW_WIDTH))

    def _render_status(self) -> None:
        race, s = self.race, self.race.standings
        icon = {"racing": "▶ racing", "paused": "‖ paused", "finished": "■ finished",
                "error": "✖ error"}[self.state]
        clock = fmt_duration(race.elapsed())
        if race.minutes:
            clock += f" / {fmt_duration(60 * race.minutes)}"
        first = join_fields([("", icon), ("racers", str(len(self.names))),
                             ("lanes", f"{race.lanes} (one core each)"), ("clock", clock),
                             ("steps max/min", f"{s.step_spread():.2f}")])
        second = join_fields([("", threshold_text(s)), ("panels", self._picture_name()),
                              ("layer", str(self.layer + 1))])
        text = Text()
        text.append_text(first)
        text.append("\n")
        text.append_text(second)
        self.query_one("#race-status", TextLine).update(text)

    def _picture_name(self) -> str:
        """What the racers' panels show: "gradients", or the family picture's event name."""
        shown = next(iter(self.pictures.values()), None) if self.picture == "family" else None
        return shown.name if shown is not None else "gradients"

    def _render_panels(self) -> None:
        for i, name in enumerate(self.names):
            bars = self.query_one(f"#bars-racer-{i}", TimestepBars)
            if self.picture == "family" and name in self.pictures:
                j = self.pictures[name]
                rows, what = j.rows(), j.PICTURE
            elif name in self.probes:
                j = self.probes[name]
                rows, what = j.grad_norms, "‖∂L/∂h_t‖"
            else:
                continue
            layer = self.layer % max(1, len(rows))
            bars.update_norms(rows[layer], title=f"{what} step {j.step}")

    # ------------------------------------------------------------------ keys

    def action_pause(self) -> None:
        if self.state not in ("racing", "paused"):
            return
        if self.race.paused:
            self.race.resume()
            self.state = "racing"
        else:
            self.race.pause()
            self.state = "paused"
        self._render_status()

    def action_finish(self) -> None:
        if self.state in ("racing", "paused"):
            self.race.finish()
            self.notify("the race ends now: a final evaluation of every racer", timeout=4)

    def action_picture(self) -> None:
        self.picture = "family" if self.picture == "gradients" else "gradients"
        if self.picture == "family" and not self.pictures:
            self.notify("no other picture in this race: the racers' family draws only the "
                        "gradients", timeout=3)
        self.render_all()

    def action_layer(self) -> None:
        self.layer += 1
        self.render_all()

    def action_scale(self) -> None:
        chart = self.query_one("#race-chart", LossChart)
        chart.scale = "log" if chart.scale == "linear" else "linear"

    def on_resize(self) -> None:
        """A short terminal (80x24) keeps the chart and the standings, not the gradients."""
        self.screen.set_class(self.size.height < SHORT_HEIGHT, "-short")

    def screenshot_dir(self) -> Path:
        """The race's folder (OUT), else the current directory."""
        out = getattr(self.race, "out_dir", None)
        return Path(out) if out is not None and Path(out).is_dir() else Path.cwd()

    async def action_quit(self) -> None:
        """Stop every racer (each checkpoints), wait a little for them, then exit."""
        self.race.stop()
        self.race.resume()
        deadline = time.monotonic() + self.quit_timeout
        while not self.worker_done and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        self.exit()


def run_race_app(race: Any) -> None:
    """The race in the terminal until the user quits; the racers checkpoint on the way out."""
    app = RaceApp(race)
    try:
        app.run()
    finally:
        race.stop()
        race.resume()
        app.drive_done.wait(timeout=60)
    for line in farewell(race):
        print(line)


def farewell(race: Any) -> list[str]:
    """What the terminal shows after the race screen: where the racers' runs are and how to
    reopen or compare them."""
    from rnn_tui.workspace import is_run

    out = getattr(race, "out_dir", None)
    dirs = [] if out is None else [Path(out) / r.name for r in race.racers
                                   if is_run(Path(out) / r.name)]
    if not dirs:
        return []
    q = shlex.quote
    return [f"rnn-tui: the race is in {out}",
            f"  reopen a racer (sample, continue):  rnn-tui open {q(str(dirs[0]))}",
            "  every racer on one chart:  rnn-tui compare " + " ".join(q(str(d)) for d in dirs)]
