"""The Textual app: `create_app` (shared by the CLI and the tests) and `run_app`.

    from rnn_tui.app import create_app
    app = create_app(config)                       # the real engine, built lazily
    app = create_app(config, trainer_factory=Fake) # tests: any TrainConfig -> trainer callable

Importing this package does not import torch: the default factory imports `engine.trainer`
the first time it builds a trainer, on the worker thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # pragma: no cover
    from engine.config import TrainConfig
    from rnn_tui.app.app import RnnTuiApp


def default_trainer_factory(out_dir: str | None = None,
                            resume: bool = False) -> Callable[["TrainConfig"], Any]:
    """A factory building the real `engine.trainer.Trainer`.

    The first trainer writes to `out_dir` (resuming it when `resume`). Later ones (reset `r`,
    cell switch `m`) start from fresh weights in a new sibling directory `OUT-2`, `OUT-3`, ...
    so a restart never overwrites (or trips over) the run the user had."""
    built = [0]

    def build(config: "TrainConfig") -> Any:
        from engine.trainer import Trainer  # imports torch: only here, on the worker thread

        built[0] += 1
        first = built[0] == 1
        where = out_dir if (first or out_dir is None) else _fresh_sibling(out_dir)
        return Trainer(config.replace(log_every=1), out_dir=where, resume=resume and first)

    return build


def _fresh_sibling(out_dir: str) -> str:
    import os

    base = out_dir.rstrip("/\\") or out_dir
    k = 2
    while os.path.exists(f"{base}-{k}"):
        k += 1
    return f"{base}-{k}"


def create_app(config: "TrainConfig", trainer_factory: Callable[["TrainConfig"], Any] | None = None,
               out_dir: str | None = None, resume: bool = False,
               autostart: bool = True) -> "RnnTuiApp":
    """Build the app. `trainer_factory(config)` must return an object with the Trainer
    protocol (events, stop, set_hparam, request_sample, request_checkpoint, serve_requests);
    by default the real engine Trainer writing to `out_dir` (resuming it when `resume`)."""
    from rnn_tui.app.app import RnnTuiApp

    factory = trainer_factory or default_trainer_factory(out_dir, resume)
    return RnnTuiApp(config, factory, autostart=autostart)


def run_app(config: "TrainConfig", trainer_factory: Callable[["TrainConfig"], Any] | None = None,
            out_dir: str | None = None, resume: bool = False) -> None:
    """Run the app in the terminal until the user quits."""
    create_app(config, trainer_factory, out_dir=out_dir, resume=resume).run()


__all__ = ["create_app", "run_app", "default_trainer_factory"]
