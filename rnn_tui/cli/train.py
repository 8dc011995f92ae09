"""The training commands: the app (the root command, no subcommand), `open`, and headless
`run`.

Every task family runs through the same commands: `--task NAME` picks the family (through
the registry in engine/families), and every family's options are flags of `run` and of the
app. torch is imported inside the commands, never at module level, so `--help` answers fast.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Iterator, Optional

import typer

from engine.errors import EngineError
from rnn_tui.cli.exits import EXIT_DIVERGED, EXIT_INTERRUPTED, error
from rnn_tui.cli.options import (ConfigOpt, ExplodeOpt, OutOpt, TaskOpt, file_settings,
                                 resolve_config, training_options)
from rnn_tui.cli.signals import stop_on_signals


def with_explode(overrides: dict | None, explode: bool) -> dict:
    """The options given, with the --explode preset on top (engine/training/guard.py EXPLODE)."""
    from engine.training.guard import EXPLODE

    return {**(overrides or {}), **(EXPLODE if explode else {})}


def refuse_under_torchrun(what: str) -> None:
    """The app, `open` and races are one process: under torchrun, one line and exit 2."""
    from engine.training.distributed import launched

    if launched():
        raise EngineError(f"{what} cannot run under torchrun (several processes); only "
                          f"`rnn-tui run` trains with several (README: several GPUs)")


def main_rank() -> bool:
    """Whether this process speaks for the run: alone, or rank 0 under torchrun."""
    import os

    return os.environ.get("RANK", "0") == "0"


@training_options
def main_command(ctx: typer.Context, config: Optional[str] = ConfigOpt,
                 task: Optional[str] = TaskOpt, out: Optional[str] = OutOpt,
                 explode: bool = ExplodeOpt, overrides: dict = None) -> None:
    """With no command: open the interactive app, training on the default bundled corpus
    (or on --task)."""
    if ctx.invoked_subcommand is not None:
        if overrides or config or task or explode:
            raise EngineError("training options go after the command, e.g. "
                              "`rnn-tui run --corpus FILE`")
        return
    refuse_under_torchrun("the app")
    cfg = resolve_config(task, config, with_explode(overrides, explode))
    from rnn_tui.app import run_app

    code = run_app(cfg, out_dir=out)
    if code:
        raise typer.Exit(code)


def open_command(run_dir: Path = typer.Argument(..., help="A run directory.")) -> None:
    """Open a run directory in the app: its curves, its model, ready to sample or continue."""
    from engine.storage.state import read_run
    from rnn_tui.app import run_app

    refuse_under_torchrun("`rnn-tui open`")
    saved = read_run(run_dir)  # read and checked once: an edited checkpoint is one line
    code = run_app(saved.config, out_dir=str(run_dir), resume=True, saved=saved)
    if code:
        raise typer.Exit(code)


@training_options
def run_command(config: Optional[str] = ConfigOpt, task: Optional[str] = TaskOpt,
                out: Optional[str] = OutOpt,
                resume: bool = typer.Option(False, "--resume", help="Continue the run in --out "
                                            "(flags given again change its settings)."),
                force: bool = typer.Option(False, "--force", help="Overwrite an existing --out."),
                dry_run: bool = typer.Option(False, "--dry-run",
                                             help="Smoke test: a tiny model for 3 steps."),
                nproc: int = typer.Option(0, "--nproc", help="Train with N processes on this "
                                          "machine (data parallel, through torchrun; "
                                          "--batch-size is the global batch): N GPUs "
                                          "with --device cuda, or N CPU processes."),
                explode: bool = ExplodeOpt,
                tensorboard: Optional[Path] = typer.Option(
                    None, "--tensorboard", help="Also write TensorBoard event files to this "
                    "log directory as the run goes (pip install 'rnn-tui[tensorboard]')."),
                overrides: dict = None) -> None:
    """Train headless: progress on the terminal, metrics, samples and checkpoints in --out."""
    from rich.console import Console

    from engine.training import distributed
    from engine.training.loop import Trainer
    from rnn_tui.cli.report import RunReporter

    if nproc:
        if distributed.launched():
            raise EngineError("--nproc starts torchrun itself: under torchrun leave it out")
        args = sys.argv[sys.argv.index("run") + 1:]
        raise typer.Exit(distributed.launch(_without_nproc(args), nproc))
    overrides = with_explode(overrides, explode)
    if resume:
        if task:
            raise EngineError("--resume continues the run in --out: its task is the run's own "
                              "(leave --task out)")
        # --config with --resume: the file's options change the run like flags (and flags
        # win over it); the architecture and optimizer cannot change (FIXED_ON_RESUME).
        overrides = {**file_settings(config), **overrides}
    cfg = None if resume else resolve_config(task, config, overrides)
    if dry_run and cfg is not None:
        cfg = cfg.dry_run()
    finished = None
    # Under torchrun rank 0 alone prints and writes TensorBoard files (the others' errors of
    # their own still show).
    with live_sinks(tensorboard if main_rank() else None) as sinks:  # first: a missing
        trainer = Trainer(cfg, out_dir=out, resume=resume, force=force,  # library touches
                          overrides=overrides if resume else None)  # no run dir
        if explode and out:  # as the app's x: a checkpoint of the model before it explodes,
            trainer.request_checkpoint()  # so "explode, then --resume, lower --lr" works
        with stop_on_signals(trainer), \
                RunReporter(Console(stderr=False, quiet=not main_rank())) as report:
            for event in trainer.events():
                report.handle(event)
                for sink in sinks:
                    sink.handle(event)
                if event.name == "end":
                    finished = event
    distributed.leave()
    exit_for(finished, f"rnn-tui run --out {out} --resume" if out else None)


def _without_nproc(args: list[str]) -> list[str]:
    """`run`'s arguments without --nproc N (for the ranks torchrun starts)."""
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg == "--nproc":
            skip = True
        elif not arg.startswith("--nproc="):
            out.append(arg)
    return out


@contextlib.contextmanager
def live_sinks(tensorboard: Optional[Path]) -> Iterator[list]:
    """What else receives the run's events as they come (--tensorboard DIR), closed at the
    end whatever happens; made before training, so a missing library is one line."""
    sinks = []
    if tensorboard is not None:
        from rnn_tui.export.tensorboard import LiveTensorBoard

        sinks.append(LiveTensorBoard(tensorboard))
    try:
        yield sinks
    finally:
        for sink in sinks:
            sink.close()


def exit_for(finished, resume_command: str | None) -> None:
    """The exit code of a finished run: 3 diverged (with why), 130 stopped, else 0."""
    if finished is None:
        return
    if finished.reason == "diverged":
        if main_rank():
            error(f"{finished.message} On the command line: --clip-mode norm --clip 1.0, or "
                  f"a smaller --lr.")
        raise typer.Exit(EXIT_DIVERGED)
    if finished.reason == "stopped":
        if not main_rank():
            raise typer.Exit(EXIT_INTERRUPTED)
        where = f"; resume with: {resume_command}" if resume_command else ""
        if finished.step == 0:
            where = " (before the first step: nothing to resume)"
        typer.echo(f"interrupted at step {finished.step}{where}", err=True)
        raise typer.Exit(EXIT_INTERRUPTED)


def register(app: typer.Typer) -> None:
    app.callback(invoke_without_command=True)(main_command)
    app.command("open")(open_command)
    app.command("run")(run_command)
