"""The Textual app: `create_app` (shared by the CLI and the tests) and `run_app`.

    from rnn_tui.app import create_app
    app = create_app(config)                       # the real engine, built lazily
    app = create_app(config, trainer_factory=Fake) # tests: any config -> trainer callable

`config` is any task family's config (engine/families): the app shows that family's view
and can switch to another. Importing this package does not import torch: the default factory
imports the training loop the first time it builds a trainer, on the worker thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from rnn_tui.app.app import RnnTuiApp
    from rnn_tui.app.training import TrainerFactory


class EngineFactory:
    """Builds the real trainers (engine.training.loop) for the app, on the worker thread (that is
    where torch is imported).

    `factory(config)` starts a run from fresh weights in the workspace's next directory
    (rnn_tui/workspace.py: one directory per launch, a run per reset or switch; no
    workspace: nothing kept on disk). `factory.open(run_dir, config)` opens a saved run:
    ready at once, continued in place (engine/storage/opened.py), with the app's cadence.
    `saved`: the run `rnn-tui open` read and checked before the app opened
    (engine.storage.state.SavedRun), handed to the first open of its directory."""

    def __init__(self, workspace: Any = None, saved: Any = None) -> None:
        self.workspace = workspace
        self.saved = saved

    def __call__(self, config: Any) -> Any:
        from engine.training.loop import Trainer  # imports torch: only here, on the worker thread

        where = self.workspace.next_dir(config) if self.workspace is not None else None
        return Trainer(interactive_cadence(config), out_dir=where)

    def open(self, run_dir: str, config: Any) -> Any:
        from pathlib import Path

        from engine.storage.opened import OpenedRun

        saved, self.saved = self.saved, None  # read once: a later open reads it afresh
        if saved is not None and saved.path != Path(run_dir):
            saved = None
        return OpenedRun(run_dir, overrides=cadence_overrides(config), saved=saved)

    def resume(self, run_dir: str, config: Any) -> Any:
        """Back to a run's last checkpoint (rnn_tui/app/explode.py): it trains on at once,
        with the live settings of `config` (lr, clipping) and the app's cadence."""
        from engine.training.loop import Trainer

        live = {k: getattr(config, k) for k in ("lr", "clip", "clip_mode")}
        cadence = interactive_cadence(config)
        return Trainer(None, out_dir=run_dir, resume=True, overrides={
            **live, **{k: getattr(cadence, k) for k in CADENCE_KEYS}})


def default_trainer_factory(out_dir: str | None = None, auto_dir: bool = False,
                            saved: Any = None) -> EngineFactory:
    """The real engine's factory: runs in --out DIR (then DIR-2, ...), or with `auto_dir` in
    a session directory under ./runs/, or nowhere on disk. `saved`: EngineFactory's."""
    from rnn_tui.workspace import Workspace

    if out_dir is not None:
        return EngineFactory(Workspace(first=out_dir), saved)
    return EngineFactory(Workspace() if auto_dir else None, saved)


FIRST_LOOK_STEP = 5  # the app shows a new run's model at work this early (then on cadence)


CADENCE_KEYS = ("log_every", "eval_every", "probe_every", "sample_every")


def interactive_cadence(config: Any) -> Any:
    """Side jobs more often than headless: a person is watching. Every train step is an event;
    probes, evaluations, samples and attention grids come within seconds rather than minutes
    (each costs ~1-3% of a step at these rates; the family's view says how often, its steps
    being faster or slower), and a first sample after FIRST_LOOK_STEP steps. Values the user
    set below these are kept."""
    from engine import families

    most = families.of_config(config).view_class().INTERACTIVE
    return config.replace(log_every=1, eval_every=min(config.eval_every, 100),
                          first_look_at=FIRST_LOOK_STEP,
                          **{k: min(getattr(config, k), n) if getattr(config, k) else 0
                             for k, n in most.items()})


def cadence_overrides(config: Any) -> dict[str, Any]:
    """The app's cadence as --resume overrides of a saved run's config."""
    fast = interactive_cadence(config)
    return {k: v for k, v in fast.to_dict().items() if v != getattr(config, k)}


def create_app(config: Any, trainer_factory: "TrainerFactory | None" = None,
               out_dir: str | None = None, resume: bool = False,
               autostart: bool = True, lesson: Any = None) -> "RnnTuiApp":
    """Build the app. `trainer_factory` has the TrainerFactory protocol (rnn_tui/app/
    training.py: new, opened and resumed runs); by default the real engine's, writing to
    `out_dir`.

    With `resume` the app opens the run in `out_dir` (`rnn-tui open DIR`): its history from
    DIR/metrics.jsonl at once, then its checkpoint's model, ready to sample; training
    continues in place only when the user presses space.

    `lesson` opens lesson mode (rnn_tui/app/lessons.py) once the screen is up: a (chapter,
    built-in?) pair, or "list" for the chapter list; the lesson starts the runs."""
    from rnn_tui.app.app import RnnTuiApp

    factory = trainer_factory or default_trainer_factory(None if resume else out_dir)
    open_dir = str(out_dir) if (resume and out_dir is not None) else None
    app = RnnTuiApp(config, factory, autostart=autostart and lesson is None,
                    open_dir=open_dir)
    app.lesson_pending = lesson
    return app


def run_app(config: Any, trainer_factory: "TrainerFactory | None" = None,
            out_dir: str | None = None, resume: bool = False, lesson: Any = None,
            autoplay: list | None = None, saved: Any = None) -> int:
    """Run the app in the terminal until the user quits, then say where its runs are; the
    exit code (RnnTuiApp.exit_code: 130 after SIGTERM, 2 after "Cannot train").
    `lesson`: lesson mode (create_app); `autoplay`: a list the opened chapter's autoplay
    results are appended to (then the app quits by itself). `saved`: with `resume`, the run
    in `out_dir` as engine.storage.state.read_run read it (`config` is its config), opened
    without reading it again.

    Without --out the runs still get a directory (runs/<session>/<k>-<model>: checkpoints
    on quit, metrics to reopen with `rnn-tui open`). However the app ends (q, a closed
    terminal), the trainer is told to stop and given time to write its checkpoint, so no
    training thread outlives the screen."""
    if trainer_factory is None:
        if not resume:  # (an opened run is only read: a missing corpus is a warning there)
            preflight(config, out_dir, resume)
        trainer_factory = default_trainer_factory(None if resume else out_dir,
                                                  auto_dir=True, saved=saved)
    app = create_app(config, trainer_factory, out_dir=out_dir, resume=resume, lesson=lesson)
    if autoplay is not None:  # (rnn-tui learn --autoplay --app)
        app.lesson_autoplay, app.lesson_results = True, autoplay
    app.handle_signals = True  # SIGHUP (terminal closed), SIGTERM: quit and checkpoint
    try:
        app.run()
    finally:
        runner = app.runner
        if runner is not None:
            runner.stop()
            runner.resume()
            runner.finished.wait(timeout=10.0)
    for line in app.farewell():
        print(line)
    return app.exit_code()


def preflight(config: Any, out_dir: str | None, resume: bool) -> None:
    """What the trainer's setup can fail on, checked before the screen opens, so that a typo
    is one line and exit code 2 rather than a dialog inside the TUI: the run directory (and
    its lock), the device, the corpus or the pairs file. torch is imported only for a GPU."""
    from engine.storage import rundir

    path = rundir.out_path(out_dir)
    if path is not None:
        rundir.check_free(path)
        rundir.check_usable(path, resume, force=False)
    if config.device in ("cuda", "mps"):
        from engine.training.device import resolve_device

        resolve_device(config.device)
    config.preflight()


__all__ = ["create_app", "run_app", "default_trainer_factory", "EngineFactory",
           "preflight"]
