"""benchmarks/precision.py end to end with tiny minutes: both precisions train as `rnn-tui run`
does and come back side by side (the 10-minute table is the lead's, on a quiet machine)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_precision_benchmark_prints_both_precisions_side_by_side(tmp_path):
    out = tmp_path / "runs.json"
    proc = subprocess.run(
        [sys.executable, "benchmarks/precision.py", "--minutes", "0.05", "--corpus",
         "README.md", "--chars", "0", "--threads", "1", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    table = proc.stdout.split("held-out nats/char\n", 1)[1].splitlines()
    assert [line.split()[0] for line in table] == ["fp32", "bf16"]
    runs = json.loads(out.read_text())
    for name in ("fp32", "bf16"):
        (run,) = runs[name]
        if "error" in run:  # a CPU without bf16: one clear line instead of numbers
            assert name == "bf16" and "bf16" in run["error"]
            continue
        assert run["steps"] >= 1 and run["tokens_per_s"] > 0
        assert 0 < run["val_loss"] < 10  # nats/char of a barely trained model
