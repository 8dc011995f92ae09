"""Run the CLI in-process like a user would see it: exit code, stdout, stderr."""

from __future__ import annotations

import sys

from rnn_tui.cli import main


def cli(capsys, *args: str) -> tuple[int, str, str]:
    old = sys.argv
    sys.argv = ["rnn-tui", *args]
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = old
    out, err = capsys.readouterr()
    return code, out, err


def assert_clean_error(code, out, err, *needles):
    """Bad input: exit code 2, no traceback, the message names what is wrong."""
    assert code == 2, (code, out, err)
    assert "Traceback" not in out + err
    for needle in needles:
        assert needle in err, err
