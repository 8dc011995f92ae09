"""Exploding on purpose, and coming back: the x key and the offer after a divergence.

x saves a checkpoint (the last good one), then turns clipping off and switches to plain SGD
at lr 10 (engine/training/guard.py EXPLODE; Adam would bound every step and never overflow). The
gradient norm climbs by orders of magnitude per step, the loss becomes NaN, the loop's guard
stops the run and says which checkpoint it kept. The app then offers to go back to it: a new
trainer resumes the run's directory from that checkpoint (its curves are reloaded up to it)
with the learning rate and clipping from before x - or, after a divergence of its own, with
half the learning rate and clipping on, the guard's advice.

`ExplodeMixin` is part of `RnnTuiApp` (see app.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine import events as ev
from engine.training.guard import EXPLODE
from rnn_tui.app.screens import ConfirmScreen

RESTORED = ("lr", "clip", "clip_mode")  # what going back restores (the optimizer is the
# checkpoint's own: --resume cannot change it)


class ExplodeMixin:
    """The explode key and the way back to the last good checkpoint."""

    before_explode: dict[str, Any] | None = None  # the live settings when x was pressed

    def action_explode(self) -> None:
        self.controller.request("explode")

    def explode(self) -> None:
        runner = self.require_runner()
        if runner is None:
            return
        if self.before_explode is None:
            self.before_explode = {k: self.hparams[k] for k in RESTORED}
        runner.request_checkpoint()  # served first: the checkpoint is of the healthy model
        for key, value in EXPLODE.items():  # (for a moment: not kept for the next run)
            self.set_hparam(key, value, keep=False)
        self.notify("a checkpoint first, then clipping off and plain SGD at lr 10: watch the "
                    "gradient norm (status bar). At NaN the guard stops the run and this app "
                    "offers the last good checkpoint.", title="Exploding on purpose",
                    timeout=8)

    def offer_last_good(self, event: ev.Finished) -> bool:
        """After a divergence: ask whether to resume from the last good checkpoint. False
        when there is none to go back to (no run directory, or none written yet)."""
        ckpt: ev.Checkpoint | None = self.info.get("checkpoint")
        if ckpt is None or not ckpt.path:
            return False
        settings = self._settings_after_divergence()
        shown = ", ".join(f"{k} {v}" for k, v in settings.items())
        question = (f"{diverged_text(event)}\n\n"
                    f"Go back to the last good checkpoint (step {ckpt.step}) and train on "
                    f"from there with {shown}?")

        def answered(yes: bool | None) -> None:
            if yes:
                self.resume_last_good(str(Path(ckpt.path).parent), settings)

        self.push_screen(ConfirmScreen(question), answered)
        return True

    def _settings_after_divergence(self) -> dict[str, Any]:
        if self.before_explode is not None:
            return dict(self.before_explode)
        clip_mode = self.hparams.get("clip_mode")
        return {"lr": float(f"{float(self.hparams['lr']) / 2:.3g}"),
                "clip": self.hparams.get("clip", 1.0),
                "clip_mode": clip_mode if clip_mode != "off" else "norm"}

    def resume_last_good(self, run_dir: str, settings: dict[str, Any]) -> None:
        """Continue the run in `run_dir` from its checkpoint, with `settings` on top."""
        self.before_explode = None
        config = self.config.replace(**settings)
        self.main_screen.query_one("#banner").remove_class("-visible")
        self._clear_views()
        self.main_screen.reset_view()
        self._reset_view_state()
        factory = self.trainer_factory  # the run trains on in its own directory
        self._launch(config, build=lambda: factory.resume(run_dir, config),
                     history_dir=run_dir)
        self.notify(f"back to the last good checkpoint in {run_dir}",
                    title="Resumed", timeout=5)


def diverged_text(event: ev.Finished) -> str:
    """The engine's message of a divergence, naming the step once: "Training diverged at
    step 371: the loss became nan ..." (the engine's own message starts so already)."""
    text = event.message or ""
    if not text.startswith("training diverged"):
        text = f"training diverged at step {event.step}" + (f": {text}" if text else "")
    return text[:1].upper() + text[1:]
