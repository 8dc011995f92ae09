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


def run_main(*args: str) -> int:
    """The CLI's exit code for ARGS, its output left alone (for module-scoped fixtures, which
    cannot use capsys)."""
    old = sys.argv
    sys.argv = ["rnn-tui", *args]
    try:
        main()
        return 0
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = old


def assert_clean_error(code, out, err, *needles):
    """Bad input: exit code 2, no traceback, the message names what is wrong."""
    assert code == 2, (code, out, err)
    assert "Traceback" not in out + err
    for needle in needles:
        assert needle in err, err


# A tiny model that trains in a fraction of a second per step on 2 cores.
TINY = ["--hidden", "32", "--embed", "16", "--batch-size", "8", "--bptt", "32",
        "--eval-every", "5", "--sample-every", "5", "--sample-length", "20",
        "--baseline-order", "3", "--threads", "1", "--device", "cpu"]


def train_tiny(capsys, corpus, out, *extra: str, steps: int = 3) -> None:
    """A finished tiny run in OUT (asserts it worked)."""
    code, _, err = cli(capsys, "run", "--corpus", str(corpus), "--out", str(out), "--steps",
                       str(steps), *TINY, *extra)
    assert code == 0, err


def files_of(folder) -> dict[str, bytes]:
    """Every regular file below FOLDER (hidden ones too) -> its bytes."""
    from pathlib import Path

    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(Path(folder).rglob("*"))
            if p.is_file() and p.name != ".lock"}


def edit_checkpoint(run_dir, meta: dict | None = None, config: dict | None = None,
                    tensors: dict | None = None) -> None:
    """Rewrite RUN_DIR's checkpoint and its best model (when kept) with metadata entries,
    config keys or tensors replaced (as a user with a text editor or a script would)."""
    from engine.storage import checkpoint as ckpt
    from engine.storage.header import BEST

    for name in (ckpt.FILENAME, BEST):
        if name == BEST and not (ckpt.Path(run_dir) / BEST).exists():
            continue
        saved = ckpt.load(run_dir, name)
        saved.meta.update(meta or {})
        saved.meta["config"].update(config or {})
        for key, value in (tensors or {}).items():
            group, _, tensor = key.partition(".")
            getattr(saved, group)[tensor] = value
        ckpt.save(ckpt.Path(run_dir) / name, saved)
