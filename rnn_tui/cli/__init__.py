"""The `rnn-tui` command line: one module per command group, each with `register(app)`.

    train      the app (no command), `open`, `run`              (every family)
    inference  `sample`, `translate`, `predict`, `eval`         (a trained model)
    lm/        `baseline`, `corpus`, `score`, `ladder`          (language models)
    race       `race`                                           (configurations side by side)
    compare    `compare`                                        (runs on one chart)
    runs       `runs list`, `runs prune`                        (the run directories)
    export     `export`, `report`                               (runs taken elsewhere)
    learn      `learn`                                          (the lessons: engine/lessons)

options.py generates every family's config fields as flags; exits.py holds the exit codes.
Every user-fixable problem (EngineError) is one line on stderr and exit code 2.
"""

from __future__ import annotations

import sys

import typer

from engine import families
from engine.errors import EngineError
from rnn_tui.cli import compare, export, inference, learn, lm, race, runs, train
from rnn_tui.cli.exits import EXIT_INTERRUPTED, EXIT_USAGE, error

app = typer.Typer(add_completion=False, no_args_is_help=False, rich_markup_mode="rich",
                  help=f"Train vanilla RNN, GRU and LSTM cells as {families.in_words()}, "
                       "and watch them learn.")

for group in (train, inference, lm, race, compare, runs, export, learn):  # the order of --help
    group.register(app)

# --help lists the commands last, after every family's options: name them first too.
_COMMANDS = [c.name or c.callback.__name__ for c in app.registered_commands] + \
    [g.name or g.typer_instance.info.name for g in app.registered_groups]
app.info.help += ("\n\n[bold]Commands[/bold] (rnn-tui COMMAND --help; listed at the end): "
                  + ", ".join(n for n in _COMMANDS if n) + ". Without a command: the app, "
                  "with the training options below.")


def main() -> None:
    from engine.training.threads import set_wait_policy

    set_wait_policy()  # before torch is imported (by any command)
    try:
        # returns typer.Exit's code instead of raising
        code = app(args=sys.argv[1:], standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except EngineError as exc:
        from engine.training.distributed import PeerFailed

        if not isinstance(exc, PeerFailed):  # (under torchrun the rank that failed said why)
            error(str(exc))
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
