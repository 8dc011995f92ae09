"""`rnn-tui export`: CSV, JSON and TensorBoard files of a run of every family read back (CSV
with the csv module, TensorBoard with its own EventAccumulator) and checked value by value
against metrics.jsonl; `rnn-tui run --tensorboard` writes the same live."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from tests.cli_helpers import cli
from tests.export.conftest import CADENCE, records

pytestmark = pytest.mark.slow
SKIP = ("event", "step", "wall_time")


def expected(run: Path) -> set[tuple[str, int, float, float]]:
    """(tag, step, wall_time, value) of the numbers in metrics.jsonl, found independently
    of the exporter: top-level numbers, numbers in dicts one level down, and the gradient
    norm of every layer and timestep of each probe."""
    out = set()
    for r in records(run):
        step, wall = r.get("step", 0), r["wall_time"]
        for key, value in r.items():
            if key in SKIP:
                continue
            if isinstance(value, (int, float)):
                out.add((f"{r['event']}/{key}", step, wall, float(value)))
            elif isinstance(value, dict) and key != "config":
                out |= {(f"{r['event']}/{key}/{k}", step, wall, float(v))
                        for k, v in value.items() if isinstance(v, (int, float))}
        if r["event"] == "probe":
            for layer, row in enumerate(r["grad_norms"]):
                width = len(str(len(row) - 1))
                out |= {(f"probe/grad_norms/{layer}/{t:0{width}d}", step, wall, float(v))
                        for t, v in enumerate(row)}
    return out


def test_csv_has_every_number_of_every_family(capsys, family_runs, tmp_path):
    out = tmp_path / "scalars.csv"
    code, _, err = cli(capsys, "export", *map(str, family_runs.values()), "--format", "csv",
                       "--out", str(out))
    assert code == 0, err
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by_run: dict[str, set] = {}
    for row in rows:
        by_run.setdefault(row["run"], set()).add(
            (row["tag"], int(row["step"]), float(row["wall_time"]), float(row["value"])))
    assert set(by_run) == set(family_runs)  # runs named by their folders
    for family, run in family_runs.items():
        want = expected(run)
        assert want <= by_run[family], (family, sorted(want - by_run[family])[:5])
        tags = {t for t, *_ in by_run[family]}
        for tag in ("train/train_loss", "train/lr", "train/grad_norm", "train/tokens_per_s",
                    "train/clipped", "eval/val_loss", "probe/global_norm",
                    "probe/clipped_norm", "probe/clip_fraction"):
            assert tag in tags, (family, tag)
        assert any(t.startswith("probe/grad_norms/0/") for t in tags), family
        assert not any(t.startswith("start/config") for t in tags)  # hparams, not scalars


def test_tensorboard_files_read_back_value_by_value(capsys, family_runs, tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.plugins.hparams import plugin_data_pb2

    csv_path, logdir = tmp_path / "s.csv", tmp_path / "tb"
    runs = list(map(str, family_runs.values()))
    assert cli(capsys, "export", *runs, "--format", "csv", "--out", str(csv_path))[0] == 0
    code, _, err = cli(capsys, "export", *runs, "--format", "tensorboard", "--out", str(logdir))
    assert code == 0, err
    with open(csv_path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for family, run in family_runs.items():
        acc = EventAccumulator(str(logdir / family), size_guidance={"scalars": 0})
        acc.Reload()
        want: dict[str, list] = {}
        for row in rows:
            if row["run"] == family:
                want.setdefault(row["tag"], []).append(
                    (int(row["step"]), float(row["wall_time"]), float(row["value"])))
        assert set(acc.Tags()["scalars"]) == set(want), family
        for tag, points in want.items():
            got = [(e.step, e.wall_time, e.value) for e in acc.Scalars(tag)]
            # TensorBoard keeps values as float32, wall times as float64
            assert got == [(s, w, float(np.float32(v))) for s, w, v in points], (family, tag)
        wanted = {e for e in expected(run)}  # and so every number of metrics.jsonl
        assert {(t, s, w, float(np.float32(v))) for t, s, w, v in wanted} <= {
            (t, e.step, e.wall_time, e.value) for t in acc.Tags()["scalars"]
            for e in acc.Scalars(t)}
        content = acc.PluginTagToContent("hparams")["_hparams_/session_start_info"]
        hp = plugin_data_pb2.HParamsPluginData.FromString(content).session_start_info.hparams
        config = json.loads((run / "config.json").read_text())
        assert set(hp) == set(config), family
        for key, value in config.items():
            kind = hp[key].WhichOneof("kind")
            got = getattr(hp[key], kind)
            if isinstance(value, str):
                assert got == value, (family, key)
            elif isinstance(value, (bool, int, float)):
                assert got == pytest.approx(float(value)), (family, key)
            else:
                assert got == str(value), (family, key)


def test_json_holds_the_config_and_every_series(capsys, family_runs, tmp_path):
    out = tmp_path / "runs.json"
    code, _, err = cli(capsys, "export", *map(str, family_runs.values()), "--format", "json",
                       "--out", str(out))
    assert code == 0, err
    exported = json.loads(out.read_text())["runs"]
    assert [data["name"] for data in exported] == list(family_runs)
    for data, (family, run) in zip(exported, family_runs.items()):
        assert data["family"] == family and data["hparams"] == json.loads(
            (run / "config.json").read_text())
        points = {(tag, s, w, v) for tag, series in data["scalars"].items()
                  for s, w, v in zip(series["step"], series["wall_time"], series["value"])}
        assert expected(run) <= points, family


def test_run_tensorboard_writes_the_same_live(capsys, tmp_path):
    pytest.importorskip("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    out, live = tmp_path / "run", tmp_path / "live"
    code, _, err = cli(capsys, "run", "--corpus", "hello", *CADENCE, "--out", str(out),
                       "--tensorboard", str(live))
    assert code == 0, err
    acc = EventAccumulator(str(live), size_guidance={"scalars": 0})
    acc.Reload()
    got = {(t, e.step, e.value) for t in acc.Tags()["scalars"] for e in acc.Scalars(t)}
    walls = [e.wall_time for t in acc.Tags()["scalars"] for e in acc.Scalars(t)]
    want = expected(out)
    assert {(t, s, float(np.float32(v))) for t, s, _, v in want} <= got
    # exactly what exporting the finished run writes (at the wall time of each event)
    exported = tmp_path / "after.csv"
    assert cli(capsys, "export", str(out), "--format", "csv", "--out", str(exported))[0] == 0
    with open(exported, newline="", encoding="utf-8") as fh:
        after = list(csv.DictReader(fh))
    assert got == {(r["tag"], int(r["step"]), float(np.float32(float(r["value"]))))
                   for r in after}
    rows = {float(r["wall_time"]) for r in after}
    assert all(min(rows) - 5 <= w <= max(rows) + 5 for w in walls)
    assert "_hparams_/session_start_info" in acc.PluginTagToContent("hparams")
