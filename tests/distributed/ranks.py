"""Start a run's ranks the way torchrun does, for the distributed tests.

    procs = spawn(["run", "--corpus", ...], tmp_path)   # 2 processes, RANK 0 and 1
    codes = wait(procs)                                 # [(exit code, stdout, stderr), ...]
    agent = torchrun(["run", ...], tmp_path)            # torch's own launcher, 2 ranks

`spawn` gives each process exactly the environment torchrun gives its workers (RANK,
WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT, OMP_NUM_THREADS=1)
without torchrun's agent, so a test can signal one rank directly and time it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("worker.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rank_env(rank: int, size: int, port: int) -> dict[str, str]:
    env = {**os.environ, "RANK": str(rank), "WORLD_SIZE": str(size), "LOCAL_RANK": str(rank),
           "LOCAL_WORLD_SIZE": str(size), "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port),
           "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    return env


def spawn(args: list[str], logs: Path, size: int = 2, script: Path | None = None,
          env: dict[str, str] | None = None) -> list[subprocess.Popen]:
    """SIZE ranks of `python -m rnn_tui ARGS` (or of SCRIPT ARGS, with ENV added); their
    output in LOGS/rank<r>.out and .err."""
    port = free_port()
    logs.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, str(script)] if script else [sys.executable, "-m", "rnn_tui"]
    procs = []
    for r in range(size):
        out = open(logs / f"rank{r}.out", "w")
        err = open(logs / f"rank{r}.err", "w")
        procs.append(subprocess.Popen([*cmd, *args], env={**rank_env(r, size, port), **(env or {})}, cwd=ROOT,
                                      stdout=out, stderr=err))
    return procs


def wait(procs: list[subprocess.Popen], logs: Path, timeout: float = 240
         ) -> list[tuple[int, str, str]]:
    """Every rank's (exit code, stdout, stderr); a rank still running after TIMEOUT is
    killed and reported as -9."""
    end = time.monotonic() + timeout
    out = []
    for r, p in enumerate(procs):
        try:
            code = p.wait(timeout=max(1.0, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.kill()
            code = p.wait()
        out.append((code, (logs / f"rank{r}.out").read_text(),
                    (logs / f"rank{r}.err").read_text()))
    return out


def torchrun(args: list[str], logs: Path, nproc: int = 2) -> subprocess.Popen:
    """torch's launcher (`torchrun --standalone --nproc-per-node N -m rnn_tui ARGS`)."""
    logs.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen([sys.executable, "-m", "torch.distributed.run", "--standalone",
                             "--nproc-per-node", str(nproc), "-m", "rnn_tui", *args],
                            env=env, cwd=ROOT, stdout=open(logs / "agent.out", "w"),
                            stderr=open(logs / "agent.err", "w"))


def children(pid: int) -> list[int]:
    """The processes PID started (torchrun's ranks), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return sorted(found)


def until(condition, timeout: float = 180, every: float = 0.2) -> None:
    end = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > end:
            raise AssertionError("timed out waiting")
        time.sleep(every)


def kill(pid: int, sig: int = signal.SIGKILL) -> None:
    os.kill(pid, sig)
