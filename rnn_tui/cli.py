"""The `rnn-tui` command line: the app (default), `open`, and headless `run`; the commands
that use a trained model (sample, translate, eval) are in cli_models.py, the data commands
(baseline, corpus) in cli_data.py.

Every task family runs through the same commands: `--task NAME` picks the family (through
the registry in engine/families), and every family's options are flags of `run` and of the
app. torch is imported inside the commands, never at module level, so `--help` answers fast.
Every user-fixable problem (EngineError) is one line on stderr and exit code 2.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from engine import families
from engine.errors import EngineError
from rnn_tui.options import file_settings, resolve_config, training_options
from rnn_tui.signals import stop_on_signals

app = typer.Typer(add_completion=False, no_args_is_help=False, rich_markup_mode="rich",
                  help="Train vanilla RNN, GRU and LSTM models - language models, "
                       "encoder-decoders with attention - and watch them learn.")

EXIT_USAGE = 2  # bad input (corpus, config, checkpoint, device), a busy or full run dir
EXIT_DIVERGED = 3  # training stopped on a NaN/inf loss (the last good checkpoint is kept)
EXIT_INTERRUPTED = 130  # Ctrl+C or SIGTERM (a checkpoint was saved)

ConfigOpt = typer.Option(None, "--config", help="TOML file with training options.")
TaskOpt = typer.Option(None, "--task", help="What to train: " + " | ".join(
    families.all_tasks()[1:]) + " (default: the character language model). Each family's "
    "options are listed under its own heading below.")
OutOpt = typer.Option(None, "--out", help="Run directory (metrics.jsonl, config.json, "
                      "samples, checkpoint).")
ExplodeOpt = typer.Option(False, "--explode", help="Explode on purpose: no clipping and "
                          "plain SGD at lr 10 (= --clip-mode off --optimizer sgd --lr 10): "
                          "watch the gradient norm blow up and the guard stop the run.")


def with_explode(overrides: dict | None, explode: bool) -> dict:
    """The options given, with the --explode preset on top (engine/guard.py EXPLODE)."""
    from engine.guard import EXPLODE

    return {**(overrides or {}), **(EXPLODE if explode else {})}


def _err(message: str) -> None:
    typer.echo(f"rnn-tui: error: {message}", err=True)


def refuse_under_torchrun(what: str) -> None:
    """The app, `open` and races are one process: under torchrun, one line and exit 2."""
    from engine.distributed import launched

    if launched():
        raise EngineError(f"{what} cannot run under torchrun (several processes); only "
                          f"`rnn-tui run` trains with several (README: several GPUs)")


def main_rank() -> bool:
    """Whether this process speaks for the run: alone, or rank 0 under torchrun."""
    import os

    return os.environ.get("RANK", "0") == "0"


@app.callback(invoke_without_command=True)
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

    run_app(cfg, out_dir=out)


@app.command("open")
def open_command(run_dir: Path = typer.Argument(..., help="A run directory.")) -> None:
    """Open a run directory in the app: its curves, its model, ready to sample or continue."""
    from engine.checkpoint import FILENAME, load
    from engine.run_state import checkpoint_config
    from rnn_tui.app import run_app

    refuse_under_torchrun("`rnn-tui open`")
    saved = load(run_dir / FILENAME if run_dir.is_dir() else run_dir)
    cfg = checkpoint_config(saved, str(run_dir))  # an edited checkpoint: one line, no dialog
    run_app(cfg, out_dir=str(run_dir), resume=True)


@app.command("run")
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
                explode: bool = ExplodeOpt, overrides: dict = None) -> None:
    """Train headless: progress on the terminal, metrics, samples and checkpoints in --out."""
    from rich.console import Console

    from engine import distributed
    from engine.loop import Trainer
    from rnn_tui.report import RunReporter

    if nproc:
        if distributed.launched():
            raise EngineError("--nproc starts torchrun itself: under torchrun leave it out")
        raise typer.Exit(distributed.launch(_without_nproc(sys.argv[sys.argv.index("run") + 1:]), nproc))
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
    trainer = Trainer(cfg, out_dir=out, resume=resume, force=force,
                      overrides=overrides if resume else None)
    finished = None
    # Under torchrun rank 0 alone prints (the others' errors of their own still show).
    with stop_on_signals(trainer), \
            RunReporter(Console(stderr=False, quiet=not main_rank())) as report:
        for event in trainer.events():
            report.handle(event)
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


def exit_for(finished, resume_command: str | None) -> None:
    """The exit code of a finished run: 3 diverged (with why), 130 stopped, else 0."""
    if finished is None:
        return
    if finished.reason == "diverged":
        if main_rank():
            _err(finished.message)
        raise typer.Exit(EXIT_DIVERGED)
    if finished.reason == "stopped":
        if not main_rank():
            raise typer.Exit(EXIT_INTERRUPTED)
        where = f"; resume with: {resume_command}" if resume_command else ""
        if finished.step == 0:
            where = " (before the first step: nothing to resume)"
        typer.echo(f"interrupted at step {finished.step}{where}", err=True)
        raise typer.Exit(EXIT_INTERRUPTED)


from rnn_tui import cli_data, cli_models  # noqa: E402  (they register their commands)

cli_models.register(app)
cli_data.register(app)

from rnn_tui import cli_compare, cli_ladder, cli_race, cli_runs, cli_score  # noqa: E402

cli_score.register(app)
cli_ladder.register(app)
cli_race.register(app)
cli_compare.register(app)
cli_runs.register(app)


def main() -> None:
    from engine.threads import set_wait_policy

    set_wait_policy()  # before torch is imported (by any command)
    try:
        # returns typer.Exit's code instead of raising
        code = app(args=sys.argv[1:], standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except EngineError as exc:
        from engine.distributed import PeerFailed

        if not isinstance(exc, PeerFailed):  # (the rank that failed said why)
            _err(str(exc))
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        typer.echo("\ninterrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # click's usage errors arrive here with standalone_mode=False
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # (typer vendors click)
            exc.show()
            sys.exit(EXIT_USAGE)
        raise


if __name__ == "__main__":
    main()
