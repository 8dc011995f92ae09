"""The one exception type the engine raises for problems a user can fix.

Anything raised as `EngineError` is a clear, one-line message meant to be shown as is
(the CLI prints it to stderr and exits with code 2; the app shows it in a dialog).
Any other exception is a bug.
"""


class EngineError(Exception):
    """A problem with the user's input (corpus, config, checkpoint, device), not a bug."""


class Cancelled(Exception):
    """A long job (an evaluation pass, the baselines, a sample) saw that its run was asked to
    stop, and gave up part-way so that the stop is honoured within a second."""


def check_cancel(cancel) -> None:
    """Raise Cancelled when `cancel` (a no-argument callable, or None) says so."""
    if cancel is not None and cancel():
        raise Cancelled
