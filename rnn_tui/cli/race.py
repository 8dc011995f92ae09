"""`rnn-tui race`: train 2-8 configurations side by side on the same task, data and budget.

    rnn-tui race --task adding --length 100 --models rnn,irnn,gru,lstm --minutes 3 --out DIR
    rnn-tui race --task adding --models irnn --vary clip_mode=norm,off --minutes 2
    rnn-tui race --task adding --models gru --vary length=50,100,200 --steps 1500
    rnn-tui race --corpus prose --models lstm,gru,rnn --minutes 5    # any family
    rnn-tui race --task adding --racer a.toml --racer b.toml          # one racer per file

The training options (every family's, as for `run`) set what the racers share; --models and
--vary say what differs (engine/racing/racers.py), and each racer writes its run directory
OUT/<name>. On a terminal the race opens in the app (the curves together, the gradient
panels side by side, the standings); with --headless, or when the output is not a terminal,
it prints the evaluations and the standings. How the CPU is shared: engine/racing/race.py.
"""

from __future__ import annotations

import sys
import time
from typing import Optional

import typer

from engine.errors import EngineError
from rnn_tui.cli.exits import EXIT_DIVERGED, EXIT_INTERRUPTED, EXIT_USAGE
from rnn_tui.cli.options import ConfigOpt, TaskOpt, flag, resolve_config, training_options

# Without --minutes or --steps a race runs each racer for the same number of steps: a clock
# gives a busy or slow machine fewer steps, too few to show a difference (on a shared 2-core
# machine 2 minutes gave each of 4 cells ~550 steps of the adding task at T = 100, and the
# gated cells need 600-900 to solve it).
DEFAULT_STEPS = 1500


OutOpt = flag("--out", "Folder of the racers' run directories, OUT/<racer> (default: "
              "runs/race-<date>-<time>).")
ModelsOpt = flag("--models", "Comma-separated cells, one racer each: rnn,irnn,gru,lstm (the "
                 "long-range lab) or lstm,gru,rnn.")
VaryOpt = flag("--vary", "KEY=V1,V2: racers differ in this option, e.g. clip_mode=norm,off, "
               "length=50,100,200, lr=1e-3,1e-2, init=default,orthogonal (repeatable: every "
               "combination races).")
RacerOpt = flag("--racer", "A TOML file of settings: one more racer, named after the file "
                "(repeatable).")
ThresholdOpt = flag("--threshold", "The headline value that counts as solved (the adding "
                    "task's MSE, a recall accuracy...); default: the task's own (adding: "
                    "MSE < 0.01).")
LanesOpt = flag("--lanes", "Racers training at once, one core each (0: one per core).", 0,
                min=0)
HeadlessOpt = flag("--headless", "Print the standings instead of opening the app.", False)
ForceOpt = flag("--force", "Overwrite existing racer directories under --out.", False)


@training_options
def race_command(config: Optional[str] = ConfigOpt, task: Optional[str] = TaskOpt,
                 out: Optional[str] = OutOpt, models: Optional[str] = ModelsOpt,
                 vary: Optional[list[str]] = VaryOpt,
                 racer: Optional[list[str]] = RacerOpt,
                 threshold: Optional[float] = ThresholdOpt, lanes: int = LanesOpt,
                 headless: bool = HeadlessOpt, force: bool = ForceOpt,
                 overrides: dict = None) -> None:
    """Race configurations side by side (same task, data and budget; the CPU shared so
    that every racer gets the same steps): standings, one run directory per racer.
    --steps is each racer's own budget (default 1500), --minutes a wall clock instead."""
    from rnn_tui.cli.train import refuse_under_torchrun

    refuse_under_torchrun("a race")
    race(task, config, out, models, vary, racer, threshold, lanes, headless, force,
         overrides or {})


def race(task, config, out, models, vary, racer, threshold, lanes, headless, force,
         overrides) -> None:
    """Build the racers and run the race, in the app or headless."""
    from engine.racing.race import Race, Racer
    from engine.racing.racers import build_racers

    base = resolve_config(task, config, overrides)
    # --minutes (flag or file) is the race's clock; the racers' own budget is --steps.
    minutes = base.minutes
    base = base.replace(minutes=None, steps=base.steps or (None if minutes else DEFAULT_STEPS))
    cells = [m.strip() for m in models.split(",")] if models else None
    if cells is not None and not all(cells):
        raise EngineError(f"--models {models!r}: an empty name")
    racers = build_racers(base, cells, vary, racer)
    app = not headless and sys.stdout.isatty() and sys.stdin.isatty()
    if app:  # a person is watching: every step an event, probes within seconds
        from rnn_tui.app import interactive_cadence

        racers = [Racer(r.name, interactive_cadence(r.config)) for r in racers]
    out = out or time.strftime("runs/race-%Y%m%d-%H%M%S")
    the_race = Race(racers, out_dir=out, minutes=minutes, lanes=lanes, force=force,
                    threshold=threshold)
    the_race.preflight()  # a used directory or a missing corpus: one line, exit 2
    if app:
        from rnn_tui.race.app import run_race_app

        run_race_app(the_race)
        if the_race.standings.ended() in ("failed", "diverged"):  # (q stops the racers)
            raise typer.Exit(exit_code(the_race))
    else:
        run_headless(the_race)


def exit_code(race) -> int:
    """The README's table: 130 interrupted, 2 every racer failed (a full disk, bad data), 3
    every racer diverged (or failed), 0 when one finished."""
    return {"stopped": EXIT_INTERRUPTED, "failed": EXIT_USAGE,
            "diverged": EXIT_DIVERGED}.get(race.standings.ended(), 0)


def run_headless(race) -> None:
    from rich.console import Console

    from rnn_tui.race.report import RaceReporter
    from rnn_tui.cli.signals import stop_on_signals

    # Piped (a log file, CI): wide enough that the standings are not cut to 80 columns.
    console = Console() if sys.stdout.isatty() else Console(width=160)
    reporter = RaceReporter(console, race)
    lanes = f"{race.lanes} lane{'s' if race.lanes > 1 else ''}"
    budget = f"{race.minutes:g} min" if race.minutes else "each racer's --steps"
    console.print(f"race: {len(race.racers)} racers · {lanes} (one core each, equal steps) "
                  f"· {budget}", highlight=False)
    with stop_on_signals(race):
        for name, event in race.events():
            reporter.handle(name, event)
    reporter.final()
    code = exit_code(race)
    if code:
        raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("race")(race_command)
