"""What `rnn-tui run` prints while it trains.

On an interactive terminal: a live progress bar with the latest loss, validation loss and
speed, with evaluations, samples and checkpoints printed above it. When output is piped (CI,
`| tee`), a rich Progress would print only its final frame, so we print plain lines instead: a
train line at most every `interval` seconds and every evaluation, checkpoint and warning.
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from engine import events as ev


class RunReporter:
    def __init__(self, console: Console, steps: int | None, minutes: float | None,
                 interval: float = 5.0):
        self.console = console
        self.steps, self.minutes = steps, minutes
        self.interval = interval
        self.interactive = console.is_interactive
        self.progress: Progress | None = None
        self.task = None
        self.last_line = 0.0
        self.val = "-"
        self.baseline = None

    def __enter__(self):
        if self.interactive:
            self.progress = Progress(
                TextColumn("[bold]step {task.fields[step]}"), BarColumn(),
                TextColumn("loss {task.fields[loss]} · val {task.fields[val]} · "
                           "{task.fields[speed]} tok/s"),
                TimeElapsedColumn(), console=self.console, transient=True)
            total = self.steps if self.steps else (self.minutes * 60 if self.minutes else None)
            self.task = self.progress.add_task("train", total=total, step=0, loss="-",
                                               val="-", speed="-")
            self.progress.start()
        return self

    def __exit__(self, *exc):
        if self.progress:
            self.progress.stop()

    def print(self, text: str) -> None:
        self.console.print(text, highlight=False, markup=False, soft_wrap=True)

    def handle(self, event: ev.Event) -> None:
        handler = getattr(self, "_on_" + event.name, None)
        if handler:
            handler(event)

    def _on_start(self, e: ev.Started) -> None:
        c = e.config
        what = "resuming at step %d" % e.step if e.resumed else "training"
        self.print(f"{what}: {c['model']} {c['hidden']}x{c['layers']} ({e.parameters:,} "
                   f"parameters) on {c['corpus']} ({e.train_chars:,} train / {e.val_chars:,} "
                   f"val chars, vocab {e.vocab_size}) · {e.device}")

    def _on_baselines(self, e: ev.Baselines) -> None:
        self.baseline = e.ngram
        self.print(f"baselines (val, nats/char): uniform {e.uniform:.3f} · unigram "
                   f"{e.unigram:.3f} · {e.ngram_order}-gram Kneser-Ney {e.ngram:.3f}")

    def _on_train(self, e: ev.TrainStep) -> None:
        if self.progress:
            done = e.step if self.steps else e.elapsed_s
            self.progress.update(self.task, completed=done, step=e.step,
                                 loss=f"{e.train_loss:.3f}", val=self.val,
                                 speed=f"{e.tokens_per_s / 1000:.1f}k")
        elif time.monotonic() - self.last_line >= self.interval:
            self.last_line = time.monotonic()
            self.print(f"step {e.step:>6} · epoch {e.epoch:5.2f} · loss {e.train_loss:.4f} · "
                       f"lr {e.lr:.2e} · grad {e.grad_norm:.2f} · "
                       f"{e.tokens_per_s:,.0f} tok/s · {e.elapsed_s:6.0f}s")

    def _on_eval(self, e: ev.Eval) -> None:
        self.val = f"{e.val_loss:.3f}"
        vs = f" (n-gram {self.baseline:.3f})" if self.baseline is not None else ""
        self.print(f"step {e.step:>6} · val {e.val_loss:.4f} nats/char · {e.bits_per_char:.3f} "
                   f"bits/char · ppl {e.perplexity:.2f}{vs}{' · best' if e.best else ''}")

    def _on_sample(self, e: ev.Sample) -> None:
        text = (e.prime + e.text).replace("\n", "\n    ")
        self.print(f"sample at step {e.step} (T={e.temperature:g}):\n    {text}")

    def _on_checkpoint(self, e: ev.Checkpoint) -> None:
        if e.reason != "interval" or not self.interactive:
            self.print(f"checkpoint ({e.reason}) at step {e.step}: {e.path}")

    def _on_warning(self, e: ev.Warning) -> None:
        self.print(f"warning: {e.message}")

    def _on_end(self, e: ev.Finished) -> None:
        best = f" · best val {e.best_val_loss:.4f}" if e.best_val_loss is not None else ""
        self.print(f"finished at step {e.step}: {e.message}{best}")
