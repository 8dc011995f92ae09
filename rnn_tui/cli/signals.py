"""How the commands answer Ctrl+C and SIGTERM.

    with stop_on_signals(trainer): ...     # training: stop after the step, checkpoint, 130
    with interrupt_on_sigterm(): ...       # sample, eval, baseline, download: like Ctrl+C

A long job inside a command (an evaluation pass, the Kneser-Ney counts, a sample) checks for
the stop every second or so (engine.errors.check_cancel), so both are honoured promptly.
"""

from __future__ import annotations

import os
import signal
import time

import typer

FORWARDED_S = 2.0  # torchrun forwards a signal to its ranks within milliseconds


class stop_on_signals:  # noqa: N801 - a context manager, like contextlib's
    """First Ctrl+C (or SIGTERM): stop cleanly after the step, saving a checkpoint.
    A second Ctrl+C aborts at once."""

    def __init__(self, trainer):
        self.trainer = trainer
        self.count = 0

    def __enter__(self):
        self.old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        for s in self.old:
            signal.signal(s, self._handle)
        return self

    def _handle(self, signum, frame):
        from engine.training.distributed import launched

        # torchrun passes the Ctrl+C it got (which its ranks got too) on to every rank, or
        # a SIGTERM: under torchrun a signal within FORWARDED_S of the first is that same
        # stop, not a second Ctrl+C.
        now = time.monotonic()
        if self.count and launched() and (signum == signal.SIGTERM
                                          or now - self.first < FORWARDED_S):
            return
        if not self.count:
            self.first = now
        self.count += 1
        if self.count > 1:
            raise KeyboardInterrupt
        if os.environ.get("RANK", "0") == "0":  # under torchrun: rank 0 speaks
            typer.echo("\nstopping after this step (saving a checkpoint); Ctrl+C again to "
                       "abort", err=True)
        self.trainer.stop()

    def __exit__(self, *exc):
        for s, handler in self.old.items():
            signal.signal(s, handler)


class interrupt_on_sigterm:  # noqa: N801
    """SIGTERM ends a command like Ctrl+C does (KeyboardInterrupt: exit 130) instead of
    killing it silently; for commands with nothing to save (sample, eval, baseline)."""

    def __enter__(self):
        self.old = signal.signal(signal.SIGTERM, signal.default_int_handler)
        return self

    def __exit__(self, *exc):
        signal.signal(signal.SIGTERM, self.old)
