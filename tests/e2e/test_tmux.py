"""End to end in a real terminal: `rnn-tui` under tmux, driven with send-keys and read back with
capture-pane. Slow (the real engine trains; 10-30 s a test on 2 busy cores), so marked `slow`.

Each test gets its own tmux server (`-L <unique socket>`, no user config), runs the app in a
fresh temporary directory, and kills the server in a `finally`. The app's stderr is never
redirected: Textual draws on it. Every wait polls with a generous deadline (CI machines are
small and shared); the exit-time limits are the only timing assertions.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("tmux") is None,
                       reason="tmux is not installed (the end-to-end tests need a real terminal)"),
    pytest.mark.timeout(240),
]

RNN_TUI = Path(sys.executable).with_name("rnn-tui")
ARGS = ["--corpus", "hello", "--model", "lstm", "--hidden", "64", "--layers", "1",
        "--batch-size", "16", "--bptt", "32"]
STARTUP_S = 90.0  # torch import, corpus, baselines, first steps on a loaded 2-core machine
MOVE_S = 60.0  # for the step counter to move once training runs
QUIT_S = 6.0  # q -> process gone (the brief's ~3 s, with room for a step on a busy machine)
HANGUP_S = 10.0  # terminal closed -> process gone (checkpoint included)

STEP_RE = re.compile(r"│ step ([\d,]+) │")
SAMPLE_RE = re.compile(r"step \d+ · T=\d")


class TmuxApp:
    """`rnn-tui ARGS --out RUN` in a detached tmux session of the given size."""

    def __init__(self, tmp_path: Path, width: int, height: int) -> None:
        if not RNN_TUI.exists():
            pytest.skip(f"{RNN_TUI} not found (install the package in the venv)")
        self.socket = f"rnn-tui-e2e-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.run_dir = tmp_path / "run"
        self.cwd = tmp_path
        self.size = (width, height)
        # COLUMNS/LINES can reach the pane from the environment tmux was started in (they do
        # under pytest), and Textual prefers them to the real terminal size.
        self.command = " ".join(["env", "-u", "COLUMNS", "-u", "LINES", "COLORTERM=truecolor",
                                 shlex.quote(str(RNN_TUI)),
                                 *ARGS, "--out", shlex.quote(str(self.run_dir))])
        # start() runs the command under a shell that writes its exit status (128 + N after
        # signal N) to this file: tmux's own #{pane_dead_status} stays empty until it reaps
        # the process, which on a loaded machine was seen to take longer than the whole wait.
        # (Outside the app's directory: the tests check what the app writes there.)
        self.status_file = Path(tempfile.gettempdir()) / f"{self.socket}.exit-status"

    # --------------------------------------------------------------------- tmux

    def tmux(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run(["tmux", "-u", "-f", "/dev/null", "-L", self.socket, *args],
                              capture_output=True, text=True, timeout=15)
        if check and proc.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {proc.stderr.strip()}")
        return proc.stdout

    def start(self) -> None:
        w, h = self.size
        self.status_file.unlink(missing_ok=True)
        status = shlex.quote(str(self.status_file))
        command = "sh -c " + shlex.quote(f"PYTHONFAULTHANDLER=1 {self.command}; "
                                         f"echo $? > {status}")
        # remain-on-exit is set in the same tmux call, long before the app could exit, so
        # the pane survives it and tells its exit status.
        self.tmux("new-session", "-d", "-s", "main", "-x", str(w), "-y", str(h),
                  "-c", str(self.cwd), command, ";",
                  "set-option", "-t", "main", "remain-on-exit", "on")

    def close(self) -> None:
        self.tmux("kill-server", check=False)
        self.status_file.unlink(missing_ok=True)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "main")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", "main", *keys)

    def pane_dead(self) -> bool:
        out = self.tmux("list-panes", "-t", "main", "-F", "#{pane_dead}", check=False).split()
        return bool(out) and out[0] == "1"

    def exit_status(self) -> str | None:
        """The app's exit status as its shell wrote it (None while it runs)."""
        try:
            text = self.status_file.read_text()
        except FileNotFoundError:
            return None
        return text.strip() if text.endswith("\n") else None  # (half written)

    def processes(self) -> list[str]:
        """Live rnn-tui processes of this test (matched by its unique run directory)."""
        proc = subprocess.run(["pgrep", "-f", f"rnn-tui .*--out {self.run_dir}"],
                              capture_output=True, text=True)
        return [pid for pid in proc.stdout.split()
                if pid != str(os.getpid()) and not _is_tmux(pid)]

    # --------------------------------------------------------------------- polling

    def wait_screen(self, predicate, timeout: float, what: str) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if predicate(text):
                return text
            if self.exit_status() is not None or self.pane_dead():
                raise AssertionError(f"rnn-tui exited while waiting for {what}:\n{text}")
            time.sleep(0.25)
        size = self.tmux("display", "-p", "-t", "main", "#{window_width}x#{window_height}",
                         check=False).strip()
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}; "
                             f"screen ({size}):\n{text}")

    def step(self, text: str | None = None) -> int | None:
        m = STEP_RE.search(text if text is not None else self.screen())
        return int(m.group(1).replace(",", "")) if m else None

    def wait_step_above(self, step: int, timeout: float = MOVE_S) -> int:
        text = self.wait_screen(lambda t: (self.step(t) or 0) > step, timeout,
                                f"the step counter to pass {step}")
        return self.step(text)

    def wait_exit(self, timeout: float) -> float:
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            status = self.exit_status()
            if status is not None:
                assert status == "0", f"rnn-tui exited with status {status} (128 + N: killed " \
                    f"by signal N); screen:\n{self.screen()}"
                return time.monotonic() - t0
            time.sleep(0.05)
        raise AssertionError(f"rnn-tui still running {timeout:.0f} s after quitting; "
                             f"screen:\n{self.screen()}")

    def wait_no_process(self, timeout: float) -> float:
        t0 = time.monotonic()
        while self.processes():
            if time.monotonic() - t0 > timeout:
                left = self.processes()
                raise AssertionError(f"rnn-tui processes left: {left}\n"
                                     + "\n".join(_threads(pid) for pid in left))
            time.sleep(0.1)
        return time.monotonic() - t0


def _threads(pid: str) -> str:
    """Name, state and kernel wait channel of each thread of a process (for a failure)."""
    rows = []
    for task in sorted(Path(f"/proc/{pid}/task").glob("*")):
        try:
            stat = (task / "stat").read_text()
            state = stat[stat.rindex(")") + 2:].split()[0]
            rows.append(f"  {task.name} {(task / 'comm').read_text().strip()} {state} "
                        f"{(task / 'wchan').read_text().strip()}")
        except OSError:
            continue
    return f"pid {pid}:\n" + "\n".join(rows)


def _is_tmux(pid: str) -> bool:
    """The tmux server keeps the argv of the client that started it (the app's command line
    included), so pgrep -f finds it too; so it does the shell that runs the app."""
    try:
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return False
    return comm.startswith("tmux") or comm == "sh"


@pytest.fixture
def tmux_app(tmp_path):
    apps: list[TmuxApp] = []

    def make(width: int = 160, height: int = 48) -> TmuxApp:
        app = TmuxApp(tmp_path / f"{width}x{height}", width, height)
        app.cwd.mkdir()
        apps.append(app)
        app.start()
        return app

    try:
        yield make
    finally:
        for app in apps:
            app.close()
            for pid in app.processes():  # never leave a trainer behind, even on failure
                subprocess.run(["kill", "-9", pid], capture_output=True)


def sample_count(text: str) -> int:
    return len(SAMPLE_RE.findall(text))


def pause_resume_quit(app: TmuxApp) -> None:
    """Train, pause, resume, quit; the process ends in QUIT_S and leaves a checkpoint."""
    first = app.wait_step_above(0, STARTUP_S)
    app.keys("Space")
    text = app.wait_screen(lambda t: "‖ paused" in t, 15, "the paused status")
    # the worker may finish the step it was in; after that the counter stands still
    time.sleep(1.5)
    paused_at = app.step()
    time.sleep(1.5)
    assert "‖ paused" in (text := app.screen()) and app.step(text) == paused_at
    assert paused_at >= first
    app.keys("Space")
    app.wait_screen(lambda t: "▶ training" in t, 15, "the training status")
    app.wait_step_above(paused_at)


def quit_and_check(app: TmuxApp) -> float:
    app.keys("q")
    took = app.wait_exit(QUIT_S)
    app.wait_no_process(5)
    files = sorted(p.name for p in app.run_dir.iterdir()) if app.run_dir.is_dir() else []
    assert "checkpoint.safetensors" in files and "metrics.jsonl" in files, \
        f"the run directory holds {files}; last screen:\n{app.screen()}"
    return took


def test_train_pause_resume_sample_quit(tmux_app):
    app = tmux_app(160, 48)
    pause_resume_quit(app)
    before = sample_count(app.screen())
    app.keys("g")
    app.wait_screen(lambda t: sample_count(t) > before, 60, "a sample in the Samples panel")
    quit_and_check(app)


def test_compact_terminal_100x30(tmux_app):
    app = tmux_app(100, 30)
    pause_resume_quit(app)
    assert "tab / shift+tab switch" in app.screen()  # the compact layout's tab strip
    quit_and_check(app)


def test_tiny_terminal_shows_the_size_hint(tmux_app):
    app = tmux_app(60, 20)
    app.wait_screen(lambda t: "needs at least" in t, STARTUP_S, "the too-small hint")
    assert "60x20" in app.screen()
    app.keys("q")
    app.wait_exit(QUIT_S + 4)  # q may come before the trainer has even started
    app.wait_no_process(5)


def test_closed_terminal_leaves_no_process(tmux_app):
    app = tmux_app(160, 48)
    app.wait_step_above(0, STARTUP_S)
    assert app.processes()
    app.tmux("kill-session", "-t", "main")  # the terminal goes away: SIGHUP
    app.wait_no_process(HANGUP_S)
    # the app treats the hangup like q: the trainer stopped at a step and checkpointed
    assert (app.run_dir / "checkpoint.safetensors").is_file()
