"""engine.storage.metrics: metrics.jsonl read back - bad rows skipped, a torn last line
skipped or (whole=True) refused, the first row, truncation on resume."""

from __future__ import annotations

import pytest

from engine.errors import EngineError
from engine.storage import metrics

ROWS = (b'{"event": "start", "step": 0}\n'
        b'{"event": "train", "step": 1}\n'
        b'{"event": "train", "step": "two"}\n'
        b'\xff\xfe not utf-8\n'
        b'[1, 2]\n'
        b'{"event": "train", "step": 3}\n')


def test_metrics_with_bad_bytes_or_steps_are_read_and_truncated_without_a_traceback(tmp_path):
    (tmp_path / "metrics.jsonl").write_bytes(ROWS + b'{"event": "tra')  # cut by a kill
    assert [r["step"] for r in metrics.read_metrics(tmp_path)] == [0, 1, 3]
    metrics.truncate_metrics(tmp_path, 1)
    assert [r["step"] for r in metrics.read_metrics(tmp_path)] == [0, 1]
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_torn_last_line_is_refused_when_the_run_must_be_whole(tmp_path):
    path = tmp_path / "metrics.jsonl"
    path.write_bytes(ROWS + b'{"event": "tra')
    with pytest.raises(EngineError, match="half-written line"):
        metrics.read_metrics(tmp_path, whole=True)
    path.write_bytes(ROWS)
    assert [r["step"] for r in metrics.read_metrics(tmp_path, whole=True)] == [0, 1, 3]
    path.write_bytes(b"")
    assert metrics.read_metrics(tmp_path, whole=True) == []


def test_the_first_row_or_none(tmp_path):
    assert metrics.first_record(tmp_path) is None  # no file
    (tmp_path / "metrics.jsonl").write_bytes(ROWS)
    assert metrics.first_record(tmp_path) == {"event": "start", "step": 0}
    (tmp_path / "metrics.jsonl").write_bytes(b"[1, 2]\n" + ROWS)
    assert metrics.first_record(tmp_path) is None


def test_a_run_without_metrics_is_one_clear_error(tmp_path):
    with pytest.raises(EngineError, match="no metrics.jsonl in"):
        metrics.read_metrics(tmp_path)
