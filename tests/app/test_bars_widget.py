"""LabelledBars: one horizontal bar per label, values in [0, 1], cut when the rows do not fit."""

from __future__ import annotations

import math

from test_widgets import run_with

from rnn_tui.widgets.bars import LabelledBars


def test_bars_are_as_long_as_their_values():
    lines = run_with(LabelledBars(), lambda w: w.set_bars(
        ["NOUN", "VERB", "X"], [1.0, 0.5, 0.0], title="accuracy", notes=["n=10", "n=4", ""]),
        size=(40, 6))
    assert lines[0].startswith("accuracy")
    noun, verb, x = lines[1:4]
    assert noun.startswith("NOUN ") and "100.0%" in noun and "n=10" in noun
    full = noun.count("█")
    assert full > 10 and abs(verb.count("█") - full / 2) <= 1 and x.count("█") == 0
    assert "50.0%" in verb and "0.0%" in x


def test_missing_values_and_rows_that_do_not_fit():
    lines = run_with(LabelledBars(), lambda w: w.set_bars(
        [f"T{i}" for i in range(10)], [None, math.nan] + [0.3] * 8), size=(30, 5))
    assert "–" in lines[0] and "█" not in lines[0] and "–" in lines[1]
    assert lines[4].strip() == "⋮ 6 more"
    empty = run_with(LabelledBars(), lambda w: w.clear(), size=(30, 3))
    assert "no data yet" in empty[0]
