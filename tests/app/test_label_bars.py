"""LabelBars (rnn_tui/widgets/label_bars.py): one bar per label for values in 0..1, drawn in
eighths of a cell, cut labels, the rest counted when they do not fit."""

from __future__ import annotations

import math

from widget_helpers import run_with

from rnn_tui.widgets import LabelBars
from rnn_tui.widgets.label_bars import bar_cells


def test_bar_cells_in_eighths_clipped_and_nan():
    assert bar_cells(1.0, 4) == "████" and bar_cells(0.0, 4) == "    "
    assert bar_cells(0.5, 3) == "█▌ "  # 12 eighths of 24
    assert bar_cells(2.0, 2) == "██" and bar_cells(-1, 2) == "  "
    assert bar_cells(math.nan, 3) == "   "


def test_bars_with_title_values_and_a_cut_label():
    def feed(w):
        w.set_values(["Essari", "a very long class name indeed", "Moanu"], [0.9, 0.5, None],
                     title="F1 per class")

    lines = run_with(LabelBars(), feed, size=(40, 10))
    assert lines[0].startswith("F1 per class")
    assert "Essari" in lines[1] and lines[1].rstrip().endswith("0.90")
    assert "a very long cla…" in lines[2] and "0.50" in lines[2]
    assert lines[3].rstrip().endswith("–")  # no value
    widths = [line.index("0.90") for line in lines[1:2]]
    assert widths[0] == lines[2].index("0.50")  # values aligned in one column


def test_more_labels_than_lines_are_counted():
    labels = [f"tag{i}" for i in range(30)]

    def feed(w):
        w.styles.height = 6
        w.set_values(labels, [i / 30 for i in range(30)])

    lines = run_with(LabelBars(), feed, size=(40, 20))
    assert lines[5].startswith("⋮ 25 more") and "tag4" in lines[4]
