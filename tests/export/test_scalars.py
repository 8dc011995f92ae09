"""The scalars of one metrics.jsonl row: numbers and dicts of numbers; lists only where the
event class names them SERIES (one scalar per index); the config as hparams, not scalars."""

from __future__ import annotations

import math

from engine import events as ev
from rnn_tui.export.scalars import hparams, row_scalars, run_scalars


def test_a_probe_row_gives_one_scalar_per_layer_and_timestep():
    probe = ev.Probe(step=7, grad_norms=[[0.1, 0.2], [0.3, 0.4]], global_norm=2.0,
                     clipped_norm=1.0, clip_fraction=0.5)
    got = dict(row_scalars(probe.to_dict()))
    assert got == {"probe/grad_norms/0/0": 0.1, "probe/grad_norms/0/1": 0.2,
                   "probe/grad_norms/1/0": 0.3, "probe/grad_norms/1/1": 0.4,
                   "probe/global_norm": 2.0, "probe/clipped_norm": 1.0,
                   "probe/clip_fraction": 0.5}


def test_pictures_config_text_and_missing_numbers_are_not_scalars():
    sample = {"event": "sample", "step": 3, "text": "ab", "probs": [0.5, 0.25],
              "temperature": 0.8, "tokens": [], "wall_time": 1.0}
    assert row_scalars(sample) == [("sample/temperature", 0.8)]
    train = ev.TrainStep(step=4, epoch=None, train_loss=math.nan, tokens_per_s=10.0, lr=0.1,
                         grad_norm=3.0, clipped=True, elapsed_s=1.5,
                         extras={"teacher_forcing": 0.9})
    got = dict(row_scalars(train.to_dict()))
    assert "train/train_loss" not in got and "train/epoch" not in got  # NaN, None
    assert got["train/clipped"] == 1.0 and got["train/teacher_forcing"] == 0.9
    start = ev.Started(config={"lr": 0.1, "model": "gru"}, device="cpu", vocab_size=5,
                       parameters=100, train_chars=10, val_chars=2, step=0)
    assert not any(tag.startswith("start/config") for tag, _ in row_scalars(start.to_dict()))
    baselines = ev.Baselines(losses={"uniform": 1.6}, metrics={"majority": {"accuracy": 0.2}})
    assert dict(row_scalars(baselines.to_dict())) == {
        "baselines/losses/uniform": 1.6, "baselines/metrics/majority/accuracy": 0.2}


def test_rows_keep_their_wall_time_and_old_rows_get_the_fallback():
    rows = [{"event": "eval", "step": 5, "val_loss": 1.0, "best": True, "wall_time": 100.5},
            {"event": "eval", "step": 6, "val_loss": 0.9, "best": True}]
    got = [(s.tag, s.step, s.wall_time, s.value) for s in run_scalars(rows, 42.0)]
    assert got == [("eval/val_loss", 5, 100.5, 1.0), ("eval/best", 5, 100.5, 1.0),
                   ("eval/val_loss", 6, 42.0, 0.9), ("eval/best", 6, 42.0, 1.0)]
    assert ev.from_record(rows[0]).metrics == {}  # wall_time is about the row, not a metric


def test_hparams_are_numbers_strings_and_booleans():
    assert hparams({"lr": 0.1, "model": "gru", "tied": False, "minutes": None,
                    "vary": [1, 2]}) == {"lr": 0.1, "model": "gru", "tied": False,
                                         "minutes": "None", "vary": "[1, 2]"}
