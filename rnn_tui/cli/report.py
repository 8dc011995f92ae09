"""What `rnn-tui run` prints while it trains, for every task family.

On an interactive terminal: a live progress bar with the latest loss, held-out loss and
speed, with evaluations, samples and checkpoints printed above it. When output is piped (CI,
`| tee`), a rich Progress would print only its final frame, so we print plain lines instead: a
train line at most every `interval` seconds and every evaluation, checkpoint and warning.

The lines are the same for every family; what differs comes from the family's Task class
(its unit, the metrics it reports, how it describes its model and data) and from its own
events, which describe themselves (`Event.summary()`).
"""

from __future__ import annotations

import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from engine import events as ev
from engine import families


def format_metric(value, fmt: str) -> str:
    return f"{100 * value:.2f}%" if fmt == "%" else format(value, fmt)


class RunReporter:
    def __init__(self, console: Console, interval: float = 5.0):
        self.console = console
        self.interval = interval
        self.interactive = console.is_interactive
        self.progress: Progress | None = None
        self.bar = None
        self.steps: int | None = None
        self.last_line = 0.0
        self.val = "-"
        self.baseline: float | None = None
        self.task_cls = None  # the family's Task class, known from the Started event
        self.loss_label = "nats/token"  # what the held-out loss is ("nats/char", "MSE")
        self.unit = "token"  # what one token of the loss is ("char", "word"), from Started
        self.noted: set[str] = set()  # metrics whose note (metric_notes) was printed

    def __enter__(self):
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
        else:
            line = event.summary()
            if line:
                self.print(line)

    def _start_progress(self, steps: int | None, minutes: float | None) -> None:
        self.steps = steps
        if not self.interactive:
            return
        self.progress = Progress(
            TextColumn("[bold]step {task.fields[step]}"), BarColumn(),
            TextColumn("loss {task.fields[loss]} · val {task.fields[val]} · "
                       "{task.fields[speed]} tok/s"),
            TimeElapsedColumn(), console=self.console, transient=True)
        total = steps if steps else (minutes * 60 if minutes else None)
        self.bar = self.progress.add_task("train", total=total, step=0, loss="-", val="-",
                                          speed="-")
        self.progress.start()

    def _on_start(self, e: ev.Started) -> None:
        family = families.get(e.family)
        self.task_cls = cls = family.task_class()
        config = family.config_class().from_dict(e.config, source="run")
        self.loss_label = cls.loss_label(config)
        self.unit = cls.unit_of(config)
        what = "resuming at step %d" % e.step if e.resumed else "training"
        self.print(f"{what}: {config.describe()} ({e.parameters:,} parameters) on "
                   f"{config.data_label()} ({e.train_chars:,} train / {e.val_chars:,} "
                   f"held-out {self.unit}s, vocab {e.vocab_size}) · {e.device}")
        self._start_progress(config.steps, config.minutes)

    def _on_baselines(self, e: ev.Baselines) -> None:
        if e.losses:
            self.baseline = min(e.losses.values())
            shown = " · ".join(f"{name} {value:.3f}" for name, value in e.losses.items())
            self.print(f"baselines (held-out, {self.loss_label}): {shown}")
        for name, values in (e.metrics or {}).items():  # their scores, as the eval line's
            scores = " · ".join(f"{label} {format_metric(values[key], fmt)}" for key, label, fmt
                                in (self.task_cls.report_metrics if self.task_cls else ())
                                if isinstance(values.get(key), (int, float)))
            if scores:
                self.print(f"  {name}: {scores}")

    def _on_train(self, e: ev.TrainStep) -> None:
        if self.progress:
            done = e.step if self.steps else e.elapsed_s
            self.progress.update(self.bar, completed=done, step=e.step,
                                 loss=f"{e.train_loss:.3f}", val=self.val,
                                 speed=f"{e.tokens_per_s / 1000:.1f}k")
        elif time.monotonic() - self.last_line >= self.interval:
            self.last_line = time.monotonic()
            epoch = f" · epoch {e.epoch:5.2f}" if e.epoch is not None else ""
            extras = "".join(f" · {k.replace('_', ' ')} {v:.2f}" for k, v in e.extras.items()
                             if isinstance(v, float) and v != 1.0)
            self.print(f"step {e.step:>6}{epoch} · loss {e.train_loss:.4f} · lr {e.lr:.2e} · "
                       f"grad {e.grad_norm:.2f}{extras} · {e.tokens_per_s:,.0f} tok/s · "
                       f"{e.elapsed_s:6.0f}s")

    def _on_eval(self, e: ev.Eval) -> None:
        self.val = f"{e.val_loss:.3f}"
        cls = self.task_cls
        shown = "".join(f" · {label} {format_metric(e.metrics[key], fmt)}"
                        for key, label, fmt in (cls.report_metrics if cls else ())
                        if e.metrics.get(key) is not None)
        vs = f" (best baseline {self.baseline:.3f})" if self.baseline is not None else ""
        self.print(f"step {e.step:>6} · val {e.val_loss:.4f} {self.loss_label}{shown}{vs}"
                   f"{' · best' if e.best else ''}")
        for key, note in (cls.metric_notes if cls else {}).items():
            if e.metrics.get(key) is not None and key not in self.noted:
                self.noted.add(key)
                self.print(note)

    def _on_checkpoint(self, e: ev.Checkpoint) -> None:
        if e.reason != "interval" or not self.interactive:
            self.print(f"checkpoint ({e.reason}) at step {e.step}: {e.path}")

    def _on_hparam(self, e: ev.HParamChange) -> None:
        self.print(f"step {e.step}: {e.key} {e.old} -> {e.new}")

    def _on_warning(self, e: ev.Warning) -> None:
        self.print(f"warning: {e.message}")

    def _on_end(self, e: ev.Finished) -> None:
        self.print(f"finished at step {e.step}: {e.message}{self.best_text(e)}")

    def best_text(self, e: ev.Finished) -> str:
        """" · best accuracy 75.77%": the family's headline at its best (the same best as
        the eval lines' "· best"), else the lowest held-out loss."""
        if e.best_metric is not None and e.best_metric_name:
            label, fmt = e.best_metric_name, ".4f"
            for key, shown, how in (self.task_cls.report_metrics if self.task_cls else ()):
                if key == e.best_metric_name:
                    label, fmt = shown, how
            return f" · best {label} {format_metric(e.best_metric, fmt)}"
        if e.best_val_loss is not None:
            return f" · best val {e.best_val_loss:.4f} {self.loss_label}"
        return ""
