"""The loss chart's multi-run features (issue 10): a legend over several rows, dashed
reference curves drawn under the live ones, a time axis, sane ticks for one step, and
marker labels that leave the baselines' labels whole - rendered with build_lines, no app; and
the chart mounted in an app: bad values, units, 50,000 points, tiny sizes."""

from __future__ import annotations

import asyncio
import math
import time

import numpy as np
from rich.style import Style
from widget_helpers import INF, NAN, OneWidget, rendered, run_with

from rnn_tui.widgets import LossChart
from rnn_tui.format import fmt_duration
from rnn_tui.widgets.chart_frame import time_ticks


def lines(chart: LossChart, width: int = 80, height: int = 16) -> list[str]:
    return ["".join(seg.text for seg in strip) for strip in chart.build_lines(width, height,
                                                                              Style())]


def styled(chart: LossChart, width: int = 80, height: int = 16) -> list[list]:
    return [[(seg.text, seg.style) for seg in strip]
            for strip in chart.build_lines(width, height, Style())]


def curve(chart: LossChart, name: str, scale: float = 1.0, n: int = 200) -> None:
    xs = np.arange(1, n + 1)
    chart.add_points(name, xs, scale * (1.5 + 2.5 * np.exp(-xs / 40)))


def test_the_legend_wraps_onto_more_rows_when_allowed():
    chart = LossChart()
    for k in range(6):
        chart.set_series_style(f"run{k}", "#4fc3f7", f"a rather long run name {k}")
        curve(chart, f"run{k}", 1 + 0.1 * k)
    one = lines(chart)
    assert "name 0" in one[0] and "name 5" not in "".join(one)  # cut at the edge
    chart.max_legend_rows = 3
    three = lines(chart)
    legend = "\n".join(three[:3])
    assert all(f"name {k}" in legend for k in range(6))
    assert "┤" not in legend and "┤" in three[3]  # the plot starts below the legend


def test_a_series_can_stay_out_of_the_legend_and_be_removed():
    chart = LossChart()
    chart.set_series_style("train", "#4fc3f7", "train")
    chart.set_series_style("hidden", "#ffb74d", "secret", legend=False)
    curve(chart, "train")
    curve(chart, "hidden", 1.2)
    assert "secret" not in lines(chart)[0] and "train" in lines(chart)[0]
    xs, ys = chart.series_points("hidden")
    assert len(xs) == 200 and xs[0] == 1 and math.isclose(ys[0], 1.2 * (1.5 + 2.5 * math.exp(-1 / 40)))
    chart.remove_series("hidden")
    assert chart.series_names() == ["train"] and len(chart.series_points("nope")[0]) == 0


def test_a_dotted_reference_is_dashed_and_drawn_under_the_live_curve():
    solid, dotted = LossChart(), LossChart()
    for chart, is_dotted in ((solid, False), (dotted, True)):
        chart.set_series_style("ref", "#9575cd", "before", dotted=is_dotted, behind=True)
        curve(chart, "ref", 1.0)
    cells = lambda c: sum(ch not in " ⠀" and 0x2800 <= ord(ch) <= 0x28FF
                          for row in lines(c)[1:-2] for ch in row)  # noqa: E731
    assert 0.3 * cells(solid) < cells(dotted) < 0.7 * cells(solid)
    assert "┅ before" in lines(dotted)[0]
    # where both curves meet, the live one keeps the cell
    dotted.set_series_style("train", "#ff0000", "train")
    curve(dotted, "train", 1.0)
    rows = styled(dotted)
    colours = {str(style.color.name if style.color else "") for row in rows[1:-2]
               for text, style in row if text.strip(" ⠀") and style.color}
    assert "#ff0000" in colours


def test_a_time_axis_has_clock_ticks():
    chart = LossChart()
    chart.x_unit = "time"
    chart.add_points("train", [0, 30, 95, 240], [3, 2.5, 2.0, 1.8])
    text = lines(chart)
    assert "by time" in text[0]
    assert "1:00" in text[-1] and "2:00" in text[-1]
    assert time_ticks(0, 240, 4) == [0.0, 60.0, 120.0, 180.0, 240.0]
    assert fmt_duration(3725) == "1:02:05" and fmt_duration(5) == "0:05"
    assert fmt_duration(5, hours=True) == "0:00:05"


def test_one_step_has_one_tick_and_steps_are_whole():
    chart = LossChart()
    chart.add_point("train", 1, 3.0)
    axis = lines(chart)[-1]
    assert axis.split() == ["1"]
    chart.add_points("train", [2, 3], [2.5, 2.0])
    assert lines(chart)[-1].split() == ["1", "2", "3"]


def test_marker_labels_stop_before_a_baseline_label():
    chart = LossChart()
    curve(chart, "train")
    chart.set_reference("uniform", 4.2)  # above the curve: its label is on the top row
    for step, label in ((150, "lr=1e-3"), (170, "clip=0.5"), (190, "temperature=0.9")):
        chart.add_marker(step, label)
    top = lines(chart, 60)[1]
    assert top.rstrip().endswith("uniform 4.2")


def test_close_markers_share_one_label_instead_of_overprinting():
    chart = LossChart()
    curve(chart, "train")
    for step, label in ((50, "temperature=0.9"), (51, "temperature=1"), (52, "bptt=50"),
                        (150, "lr=1e-3")):
        chart.add_marker(step, label)
    top = "".join(lines(chart)[:3])
    assert "▏bptt=50 +2" in top and "▏lr=1e-3" in top
    assert "▏▏" not in top and "temper" not in top


def test_a_noisy_curve_is_smoothed_as_tensorboard_does_with_the_raw_one_faint():
    rng = np.random.default_rng(0)
    ys = 2.0 + rng.normal(0, 0.5, 400)
    chart = LossChart()
    chart.set_series_style("train", "#4fc3f7", "train", smooth=0.6)
    chart.add_points("train", np.arange(1, 401), ys[:300])
    chart.add_points("train", np.arange(301, 401), ys[300:])  # extended, not recomputed
    lines(chart)
    # TensorBoard's smoothing: last = last * w + (1 - w) * y, shown debiased
    last, want = 0.0, []
    for n, y in enumerate(ys, start=1):
        last = last * 0.6 + 0.4 * y
        want.append(last / (1 - 0.6 ** n))
    smoothed = np.frombuffer(chart._series["train"].smoothed, dtype=np.float64)
    assert np.allclose(smoothed, want) and smoothed[0] == ys[0]
    assert np.std(np.diff(smoothed)) < 0.5 * np.std(np.diff(ys))
    text = lines(chart)
    assert f"train {want[-1]:.3g}"[:9] in text[0] and "smoothed" in text[0]
    colours = {str(st.color) for row in styled(chart) for _t, st in row if st and st.color}
    assert any("#4fc3f7" in c for c in colours) and len(colours) >= 2  # raw curve, faint


# --------------------------------------------------------------------------- in an app


def test_loss_chart_empty_and_single_point():
    lines = run_with(LossChart(), lambda w: None)
    assert any("no data yet" in ln for ln in lines)
    lines = run_with(LossChart(), lambda w: w.add_point("train", 5, 2.0))
    assert "train 2" in lines[0]


def test_loss_chart_bad_values_and_units():
    def feed(w: LossChart):
        for i, v in enumerate([NAN, INF, -INF, 0.0, -1.0, 1e300, 1e-300, 3.0, 2.0]):
            w.add_point("train", i, v)
        w.add_point("val", 3, 2.5)
        w.add_point("val", 1, 2.7)  # out of order
        w.set_reference("bigram", 2.42)
        w.set_reference("gone", None)
        w.add_marker(4, "lr 1e-3")
        w.add_marker(1e9, "far away")

    for unit in ("nats", "bits", "ppl"):
        for scale in ("linear", "log"):
            w = LossChart()

            def go(w, unit=unit, scale=scale):
                feed(w)
                w.unit, w.scale = unit, scale

            lines = run_with(w, go)
            assert f"{unit} · {scale}" in lines[0]
            assert w.point_count("val") == 2


def test_loss_chart_legend_converts_units():
    def feed(w):
        w.add_point("train", 0, 4.0)
        w.add_point("train", 10, math.log(2) * 2)
        w.set_series_style("train", "#ff0000", "training")
        w.unit = "bits"

    lines = run_with(LossChart(), feed)
    assert "training 2 " in lines[0]


def test_loss_chart_50k_points_fast_and_tiny_sizes():
    n = 50_000
    xs = np.arange(n, dtype=float)
    ys = 1.3 + 3 * np.exp(-xs / 5000)
    timings = []

    def feed(w: LossChart):
        w.add_points("train", xs, ys)
        for i in range(0, n, 1000):
            w.add_point("val", i, 1.4 + 3 * math.exp(-i / 5000))
        w.set_reference("4-gram", 1.64)
        w.add_marker(25_000, "seq 256")

    w = LossChart()

    async def main():
        app = OneWidget(w)
        async with app.run_test(size=(100, 25)) as pilot:
            feed(w)
            await pilot.pause()
            for scale in ("linear", "log"):
                w.scale = scale
                for _ in range(5):
                    w.invalidate()
                    t = time.perf_counter()
                    rendered(w)
                    timings.append(time.perf_counter() - t)
            assert w.size == (100, 25)
            text = "\n".join(rendered(w))
            assert "4-gram 1.64" in text and "seq 256" in text and "┤" in text
            w.clear()
            assert any("no data yet" in ln for ln in rendered(w))

    asyncio.run(main())
    assert min(timings) < 0.050, timings
    for size in ((12, 4), (5, 2), (30, 6)):
        run_with(LossChart(), feed, size=size)
