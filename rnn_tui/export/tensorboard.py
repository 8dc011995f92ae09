"""TensorBoard event files, written by PyTorch's `torch.utils.tensorboard.SummaryWriter`.

Why this writer: rnn-tui already depends on PyTorch, whose SummaryWriter is maintained with
it and writes TensorBoard's own protocol buffers (scalars with their wall time, and the
hparams plugin's summaries); the optional extra `rnn-tui[tensorboard]` only adds the
`tensorboard` package it needs, which is also the reader TensorBoard itself uses (the tests
read the files back with its EventAccumulator). tensorboardX would be one more writer to
trust, and its files are read by the same reader anyway.

    write_logdir(runs, Path("tb"))      # tb/<run name>/events.out.tfevents.*
    live = LiveTensorBoard("tb/gru")    # `rnn-tui run --tensorboard DIR`
    for event in trainer.events(): live.handle(event)
    live.close()
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from engine import events as ev
from engine.errors import EngineError
from rnn_tui.export.runs import ExportedRun
from rnn_tui.export.scalars import hparams, row_scalars

HEADLINES = ("eval/val_loss", "train/train_loss")  # metrics the hparams table shows


def summary_writer(logdir: Path | str) -> Any:
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise EngineError("TensorBoard files need the tensorboard package: "
                          "pip install 'rnn-tui[tensorboard]'") from None
    return SummaryWriter(log_dir=str(logdir))


def add_hparams(writer: Any, config: dict[str, Any]) -> None:
    """The config as the hparams plugin's session (in the run's own event file, not in a
    sub-run as SummaryWriter.add_hparams would put it)."""
    from torch.utils.tensorboard.summary import hparams as hparams_summaries

    for summary in hparams_summaries(hparams(config), {tag: 0.0 for tag in HEADLINES}):
        writer.file_writer.add_summary(summary)


def write_logdir(runs: list[ExportedRun], logdir: Path) -> None:
    for run in runs:
        writer = summary_writer(logdir / run.name)
        try:
            add_hparams(writer, run.config)
            for s in run.scalars:
                writer.add_scalar(s.tag, s.value, s.step, walltime=s.wall_time)
        finally:
            writer.close()


class LiveTensorBoard:
    """Writes the events of a run as they come: the same scalars (scalars.row_scalars of the
    event's metrics.jsonl row) and, at its start, the config as hyperparameters."""

    def __init__(self, logdir: str | Path) -> None:
        self.writer = summary_writer(logdir)

    def handle(self, event: ev.Event) -> None:
        if event.HPARAMS:  # the start of the run: its config
            add_hparams(self.writer, getattr(event, event.HPARAMS))
        now = time.time()
        step = int(getattr(event, "step", 0) or 0)
        for tag, value in row_scalars(event.to_dict()):
            self.writer.add_scalar(tag, value, step, walltime=now)

    def close(self) -> None:
        self.writer.close()
