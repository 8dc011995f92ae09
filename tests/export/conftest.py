"""Real runs of every family (the dry-run model: a few steps each), trained once per session
for the export and report tests, and small hand-written runs for the bad-input tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_helpers import run_main

# Tagging ships no data: a few sentences in token-and-tag columns.
TAGS = "The\tDET\ncat\tNOUN\nsat\tVERB\n\nA\tDET\ndog\tNOUN\nran\tVERB\n\n" * 6
# Every family's default data (--dry-run: a small model, 3 steps, every side job once).
FAMILY_ARGS = {
    "lm": ["--corpus", "hello"],
    "seq2seq": ["--task", "dates"],
    "longrange": ["--task", "adding"],
    "classify": ["--task", "classify"],
    "tag": ["--task", "tag"],
}
CADENCE = ["--dry-run", "--threads", "1"]


@pytest.fixture(scope="session")
def family_runs(tmp_path_factory) -> dict[str, Path]:
    """{family: a finished run directory of it}."""
    root = tmp_path_factory.mktemp("family-runs")
    (root / "tags.tsv").write_text(TAGS, encoding="utf-8")
    runs = {}
    for family, args in FAMILY_ARGS.items():
        extra = ["--data", str(root / "tags.tsv")] if family == "tag" else []
        out = root / family
        assert run_main("run", *args, *extra, *CADENCE, "--out", str(out)) == 0, family
        runs[family] = out
    return runs


def records(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
