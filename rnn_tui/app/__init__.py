"""The Textual app: `create_app` (shared by the CLI and the tests) and `run_app`.

    from rnn_tui.app import create_app
    app = create_app(config)                       # the real engine, built lazily
    app = create_app(config, trainer_factory=Fake) # tests: any config -> trainer callable

`config` is any task family's config (engine/families): the app shows that family's view
and can switch to another. Importing this package does not import torch: the default factory
imports the training loop the first time it builds a trainer, on the worker thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # pragma: no cover
    from rnn_tui.app.app import RnnTuiApp


def default_trainer_factory(out_dir: str | None = None, resume: bool = False,
                            auto_dir: bool = False) -> Callable[[Any], Any]:
    """A factory building the real trainer (`engine.loop.Trainer`) for any family's config.

    The first trainer writes to `out_dir` (resuming it when `resume`). Later ones (reset `r`,
    cell switch `m`, mode switch `M`) start from fresh weights in a new sibling directory
    `OUT-2`, `OUT-3`, ... so a restart never overwrites (or trips over) the run the user had.
    Without `out_dir`, `auto_dir` gives every trainer its own ./runs/app-<what>-<time>;
    otherwise trainers keep nothing on disk."""
    built = [0]

    def build(config: Any, resume_dir: str | None = None) -> Any:
        from engine.loop import Trainer  # imports torch: only here, on the worker thread

        if resume_dir is not None:  # back to a run's checkpoint (rnn_tui/app/explode.py)
            live = {k: getattr(config, k) for k in ("lr", "clip", "clip_mode")}
            cadence = interactive_cadence(config)
            return Trainer(None, out_dir=resume_dir, resume=True, overrides={
                **live, **{k: getattr(cadence, k) for k in CADENCE_KEYS}})
        built[0] += 1
        first = built[0] == 1
        if out_dir is not None:
            where = out_dir if first else _fresh_sibling(out_dir)
        else:
            where = _unused(default_run_dir(config)) if auto_dir else None
        return Trainer(interactive_cadence(config), out_dir=where, resume=resume and first)

    return build


CADENCE_KEYS = ("log_every", "eval_every", "probe_every", "sample_every")


def interactive_cadence(config: Any) -> Any:
    """Side jobs more often than headless: a person is watching. Every train step is an event;
    probes, evaluations, samples and attention grids come within seconds rather than minutes
    (each costs ~1-3% of a step at these rates; the family's view says how often, its steps
    being faster or slower). Values the user set below these are kept."""
    from engine import families

    most = families.of_config(config).view_class().INTERACTIVE
    return config.replace(log_every=1, eval_every=min(config.eval_every, 100),
                          **{k: min(getattr(config, k), n) if getattr(config, k) else 0
                             for k, n in most.items()})


def default_run_dir(config: Any) -> str:
    """Where the app keeps a run when no --out is given: ./runs/app-<model or task>-<time>."""
    import time

    return f"runs/app-{config.short_name()}-{time.strftime('%Y%m%d-%H%M%S')}"


def _fresh_sibling(out_dir: str) -> str:
    import os

    base = out_dir.rstrip("/\\") or out_dir
    k = 2
    while os.path.exists(f"{base}-{k}"):
        k += 1
    return f"{base}-{k}"


def _unused(path: str) -> str:
    import os

    return _fresh_sibling(path) if os.path.exists(path) else path


def create_app(config: Any, trainer_factory: Callable[[Any], Any] | None = None,
               out_dir: str | None = None, resume: bool = False,
               autostart: bool = True) -> "RnnTuiApp":
    """Build the app. `trainer_factory(config)` must return an object with the Trainer
    protocol (events, stop, set_hparam, request, request_checkpoint, serve_requests);
    by default the real engine Trainer writing to `out_dir` (resuming it when `resume`).

    With `resume` and an `out_dir`, the app first shows the run's history from
    `out_dir/metrics.jsonl` (curves, baselines, hparam markers, last samples, step), read on
    the worker thread before the trainer is built."""
    from rnn_tui.app.app import RnnTuiApp

    factory = trainer_factory or default_trainer_factory(out_dir, resume)
    history_dir = str(out_dir) if (resume and out_dir is not None) else None
    return RnnTuiApp(config, factory, autostart=autostart, history_dir=history_dir)


def run_app(config: Any, trainer_factory: Callable[[Any], Any] | None = None,
            out_dir: str | None = None, resume: bool = False) -> None:
    """Run the app in the terminal until the user quits.

    Without --out the run still gets a directory (checkpoints on quit, metrics to reopen
    with `rnn-tui open`). However the app ends (q, a closed terminal), the trainer is told to
    stop and given time to write its checkpoint, so no training thread outlives the screen."""
    if trainer_factory is None:
        preflight(config, out_dir, resume)
    if out_dir is None and trainer_factory is None:
        trainer_factory = default_trainer_factory(auto_dir=True)
    app = create_app(config, trainer_factory, out_dir=out_dir, resume=resume)
    app.handle_signals = True  # SIGHUP (terminal closed), SIGTERM: quit and checkpoint
    try:
        app.run()
    finally:
        runner = app.runner
        if runner is not None:
            runner.stop()
            runner.resume()
            runner.finished.wait(timeout=10.0)


def preflight(config: Any, out_dir: str | None, resume: bool) -> None:
    """What the trainer's setup can fail on, checked before the screen opens, so that a typo
    is one line and exit code 2 rather than a dialog inside the TUI: the run directory (and
    its lock), the device, the corpus or the pairs file. torch is imported only for a GPU."""
    from engine import rundir

    path = rundir.out_path(out_dir)
    if path is not None:
        rundir.check_free(path)
        rundir.check_usable(path, resume, force=False)
    if config.device in ("cuda", "mps"):
        from engine.device import resolve_device

        resolve_device(config.device)
    config.preflight()


__all__ = ["create_app", "run_app", "default_trainer_factory", "preflight"]
