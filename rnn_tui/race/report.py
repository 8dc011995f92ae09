"""What `rnn-tui race --headless` prints: one line per racer as it starts, every evaluation
and every ending, the standings every `interval` seconds, and the final standings."""

from __future__ import annotations

import time

from rich.console import Console

from engine import events as ev
from engine.racing.race import Race
from rnn_tui.format import fmt_duration
from rnn_tui.race.table import fmt_metric, standings_table, threshold_text, verdict


class RaceReporter:
    def __init__(self, console: Console, race: Race, interval: float = 30.0) -> None:
        self.console, self.race, self.interval = console, race, interval
        self.width = max(len(r.name) for r in race.racers)
        self.last_table = time.monotonic()
        self.baselines_shown = False

    def print(self, text: str) -> None:
        self.console.print(text, highlight=False, markup=False, soft_wrap=True)

    def handle(self, name: str, event: ev.Event) -> None:
        tag = f"[{name:<{self.width}}]"
        row = self.race.standings.rows[name]
        if isinstance(event, ev.Started):
            trainer = self.race.trainers[name]
            where = trainer.out_dir if trainer.out_dir is not None else "(nothing kept)"
            self.print(f"{tag} {trainer.config.describe()} ({event.parameters:,} parameters) "
                       f"on {trainer.config.data_label()} · {event.device} · {where}")
        elif isinstance(event, ev.Baselines) and not self.baselines_shown and event.losses:
            self.baselines_shown = True
            shown = " · ".join(f"{k} {v:.4f}" for k, v in event.losses.items())
            self.print(f"baseline: {shown} · {threshold_text(self.race.standings)}")
        elif isinstance(event, ev.Eval):
            self.print(f"{tag} step {event.step:>6,} · {row.metric.replace('_', ' ')} "
                       f"{fmt_metric(row, row.last)} · own {fmt_duration(row.own_s)}"
                       f"{' · solved' if row.solved_step == event.step else ''}")
        elif isinstance(event, ev.Finished):
            what = {"steps": "finished", "time": "finished"}.get(event.reason, event.reason)
            self.print(f"{tag} {what} at step {event.step:,}: {event.message}")
        elif isinstance(event, ev.Warning):
            self.print(f"{tag} warning: {event.message}")
        if time.monotonic() - self.last_table >= self.interval:
            self.table(f"standings after {self.race.elapsed():.0f} s")

    def table(self, title: str) -> None:
        self.last_table = time.monotonic()
        self.console.print(standings_table(self.race.standings, title=title))

    def final(self) -> None:
        s = self.race.standings
        self.table(f"final standings · {threshold_text(s)} · steps max/min "
                   f"{s.step_spread():.2f} · {self.race.elapsed():.0f} s")
        self.print(verdict(s))
