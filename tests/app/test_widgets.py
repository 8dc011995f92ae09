"""Tests for the hand-made widgets in rnn_tui.widgets (fast: one tiny App per test); the loss
chart's are in test_loss_chart.py."""

from __future__ import annotations

import asyncio
import math

import numpy as np
import pytest
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from widget_helpers import INF, NAN, SIZE, OneWidget, rendered, run_with

from rnn_tui.widgets import (GatePlot, GateStrip, Heatmap, LossChart, NeuronText, SampleView,
                             TimestepBars)
from rnn_tui.widgets.canvas import nice_ticks
from rnn_tui.widgets.curve_math import bin_columns, convert_nats, scale_values
from rnn_tui.widgets.heatmap import normalise
from rnn_tui.widgets.timestep_bars import bin_log_norms


# --------------------------------------------------------------------------- helpers


def test_convert_nats_units():
    assert convert_nats(1.0, "nats") == 1.0
    assert convert_nats(math.log(2), "bits") == pytest.approx(1.0)
    assert convert_nats(2.0, "ppl") == pytest.approx(math.e**2)
    assert convert_nats(1e6, "ppl") == math.inf
    arr = np.array([0.0, math.log(2) * 3, 1000.0])
    np.testing.assert_allclose(convert_nats(arr, "bits"), [0.0, 3.0, 1000 / math.log(2)])
    with np.errstate(over="ignore"):
        assert np.isinf(convert_nats(arr, "ppl")[2])
    with pytest.raises(ValueError):
        convert_nats(1.0, "furlongs")


def test_scale_values_log():
    assert scale_values(100.0, "log") == pytest.approx(2.0)
    assert math.isnan(scale_values(0.0, "log"))
    assert math.isnan(scale_values(-1.0, "log"))
    out = scale_values(np.array([1.0, 10.0, 0.0, -5.0, INF]), "log")
    assert out[0] == 0 and out[1] == 1 and np.isnan(out[2]) and np.isnan(out[3])
    assert scale_values(3.0, "linear") == 3.0


def test_bin_columns_min_max():
    xs = np.arange(1000, dtype=float)
    ys = np.sin(xs)
    cols, lo, hi, last = bin_columns(xs, ys, 0, 999, 10)
    assert list(cols) == list(range(10))
    assert lo.min() == pytest.approx(ys.min()) and hi.max() == pytest.approx(ys.max())
    assert last[-1] == ys[-1]


def test_nice_ticks_and_log_binning():
    assert nice_ticks(0, 10, 5) == [0, 2, 4, 6, 8, 10]
    assert nice_ticks(1, 1) == [1]
    lv = bin_log_norms([1, 100, 0, NAN, 1e-3, 1e-5], 3)
    np.testing.assert_allclose(lv, [1.0, NAN, -4.0])  # geometric means; all-invalid bin -> NaN
    assert np.isnan(bin_log_norms([0.0, NAN], 2)).all()


def test_normalise_log_and_limits():
    t, lo, hi = normalise(np.array([[1, 10, 100]]), log=True)
    np.testing.assert_allclose(t, [[0, 0.5, 1]])
    assert (lo, hi) == (1, 100)
    t, lo, hi = normalise(np.array([[0, -1, 5]]), log=True)
    assert np.isnan(t[0, 0]) and np.isnan(t[0, 1]) and lo == pytest.approx(5)
    t, _, _ = normalise(np.array([[0.0, 2.0]]), vmin=0, vmax=1)
    np.testing.assert_allclose(t, [[0, 1]])


# --------------------------------------------------------------------------- TimestepBars


@pytest.mark.parametrize(
    "norms",
    [[], [0.0, 0.0], [NAN, INF, -1.0], [1.0], [1e-300, 1e300], [10 ** (-t / 4) for t in range(1000)], [3.0] * 7],
)
def test_timestep_bars_values(norms):
    lines = run_with(TimestepBars(), lambda w: w.update_norms(norms, title="layer 1"))
    assert lines[0].startswith("layer 1")
    if any(v > 0 and math.isfinite(v) for v in norms):
        text = "\n".join(lines)
        assert "t=0" in text and "1e" in text
        if len(norms) > 1:
            assert f"t={len(norms) - 1}" in text


# --------------------------------------------------------------------------- Heatmap


@pytest.mark.parametrize(
    "matrix,kwargs",
    [
        ([], {}),
        ([[]], {}),
        ([[1.0]], {}),
        ([[NAN, INF], [-INF, 0.0]], {"log": True}),
        ([[1, 2, 3], [4]], {"vmin": 0, "vmax": 10}),
        (np.random.default_rng(0).random((300, 300)).tolist(), {"title": "big"}),
        ([[1e-30, 1e30]], {"log": True}),
    ],
)
def test_heatmap_matrices(matrix, kwargs):
    run_with(Heatmap(), lambda w: w.set_matrix(matrix, **kwargs))


def test_heatmap_attention_labels_and_crop():
    enc, dec = "hello world", "bonjour"
    m = np.random.default_rng(1).random((len(dec), len(enc))).tolist()
    lines = run_with(Heatmap(), lambda w: w.set_matrix(m, list(dec), list(enc), title="attention"))
    assert lines[0].startswith("attention")
    assert " h e l l o" in lines[1]  # two columns per cell, single-char labels
    lines = run_with(Heatmap(), lambda w: w.set_matrix([[1.0] * 500] * 3))
    assert any("…" in ln for ln in lines) and "cols cropped" in lines[-1]


def test_heatmap_append_row_keeps_newest():
    def feed(w: Heatmap):
        for s in range(300):
            w.append_row([s] * 64, label=str(s), max_rows=200)
        w.configure(title="grad history", log=False)

    w = Heatmap()
    lines = run_with(w, feed)
    assert w.shape == (200, 64)
    assert any("earlier rows" in ln for ln in lines)
    assert any(ln.lstrip().startswith("299") for ln in lines)


# --------------------------------------------------------------------------- SampleView


def test_sample_view_samples_and_streaming():
    w = SampleView(max_samples=3)

    async def main():
        app = OneWidget(w)
        async with app.run_test(size=SIZE) as pilot:
            w.add_sample(0, "xq\x01\tz", [0.01, NAN, 2.0, -1.0], 1.0)  # short probs, NaN, out of range
            w.add_sample(1200, "line one\nline two\n" * 30, [0.9] * 540, 0.8, prime="li")
            await pilot.pause()
            w.begin_sample("step 1300 · T=0.5")
            for ch in "streamed 漢字 text":
                w.append_char(ch, 0.5)
            w.append_chars("", [])
            await pilot.pause()
            await pilot.pause()
            assert w.sample_count == 3
            assert w.sample_text(-1).endswith("漢字 text")
            assert w.scroll_y == w.max_scroll_y > 0  # auto-scrolled to the newest sample
            lines = rendered(w)
            text = "\n".join(lines)
            assert "streamed 漢字 text" in text and "step 1300" in text
            w.scroll_home(animate=False)
            await pilot.pause()
            top = rendered(w)
            assert "␁" in "\n".join(top) and "step 0 · T=1" in top[0]
            assert "line one" in "\n".join(top)
            w.add_sample(1, "a", [1.0], 1.0)
            assert w.sample_count == 3  # max_samples
            w.clear()
            await pilot.pause()
            assert rendered(w)[0].startswith("no samples yet")

    asyncio.run(main())


# --------------------------------------------------------------------------- NeuronText / GatePlot


@pytest.mark.parametrize(
    "text,values",
    [("", []), ('say "hi"\nok', [0.1, -1, 1, NAN, INF, 5.0]), ("x" * 5000, [0.5] * 5000), ("\x00\x7f漢", [0, 0, 0])],
)
def test_neuron_text(text, values):
    lines = run_with(NeuronText(), lambda w: w.set_activations(text, values, title="unit 7"))
    assert lines[0] == "unit 7".ljust(SIZE[0])
    if len(text) > 4000:
        assert any("…" in ln for ln in lines)


@pytest.mark.parametrize("no_color", [False, True])
def test_gate_plot(no_color):
    text = 'if x == "a": return\n' * 8
    n = len(text)
    gates = {"reset": [0.5] * n, "update": [NAN] + [1.0] * (n - 1), "candidate": [-1.0, 0.0, 1.0] * (n // 3)}
    lines = run_with(GatePlot(), lambda w: w.set_gates(text, gates, {"reset": [0.2], "update": [], "candidate": [0.5]}), no_color=no_color)
    assert lines.size.height == 4  # height: auto = one row per gate + the text row
    assert "sat  20%" in lines[0] and "…" in lines[0]
    assert lines[3].lstrip().startswith('if x == "a": return↵')
    lines = run_with(GateStrip(), lambda w: w.set_gates("ab", {"input": [0.1, 0.9]}, None))
    assert "μ +0.50" in lines[0]
    run_with(GatePlot(), lambda w: w.set_gates("", {}, None))


def test_no_color_renders():
    m = [[0.0, 0.5, 1.0]]
    lines = run_with(Heatmap(), lambda w: w.set_matrix(m), no_color=True)
    assert "░" in "".join(lines) or "▓" in "".join(lines)
    run_with(NeuronText(), lambda w: w.set_activations("abc", [-1, 0, 1]), no_color=True)


# --------------------------------------------------------------------------- screenshot


class Gallery(App):
    CSS = """
    LossChart { height: 14; border: round $primary; }
    TimestepBars { height: 9; border: round $primary; }
    Heatmap { height: 12; border: round $primary; }
    SampleView { height: 12; border: round $primary; }
    NeuronText { height: 6; border: round $primary; }
    GatePlot { border: round $primary; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical():
                yield LossChart(title="loss")
                yield TimestepBars()
                yield GatePlot()
            with Vertical():
                yield Heatmap()
                yield SampleView()
                yield NeuronText()


def test_gallery_screenshot(tmp_path):
    rng = np.random.default_rng(0)

    async def main():
        app = Gallery()
        async with app.run_test(size=(160, 50)) as pilot:
            ch = app.query_one(LossChart)
            xs = np.arange(20_000)
            ch.add_points("train", xs, 1.3 + 3.3 * np.exp(-xs / 1500) + rng.normal(0, 0.04, len(xs)))
            for i in range(0, 20_000, 1000):
                ch.add_point("val", i, 1.4 + 3.2 * math.exp(-i / 1500))
            ch.set_reference("bigram", 2.42)
            ch.set_reference("4-gram", 1.64, "#81c784")
            ch.add_marker(8000, "lr 1e-3")
            app.query_one(TimestepBars).update_norms([10 ** (-(63 - t) / 6) for t in range(64)], "‖∂L/∂h_t‖ layer 1")
            hm = app.query_one(Heatmap)
            for s in range(20):
                hm.append_row([10 ** (-(63 - t) / 8) for t in range(64)], label=str(s * 50))
            hm.configure(log=True, title="gradient history")
            sv = app.query_one(SampleView)
            sv.add_sample(100, "thw qiuck brwn fx", list(rng.random(17) * 0.4), 1.0)
            txt = "def foo(x):\n    return x + 1\n"
            sv.add_sample(1200, txt, list(rng.random(len(txt))), 0.8, prime="def")
            txt = 'print("hello")  # "quoted"\n'
            vals = [0.9 if i in range(6, 13) or i in range(19, 27) else -0.5 for i in range(len(txt))]
            app.query_one(NeuronText).set_activations(txt, vals, title="unit 117")
            t = 'if x == "a": return'
            app.query_one(GatePlot).set_gates(t, {g: list(rng.random(len(t))) for g in ("input", "forget", "output")}, None)
            await pilot.pause()
            app.save_screenshot("widgets.svg", path="/tmp")

    asyncio.run(main())
    svg = open("/tmp/widgets.svg", encoding="utf-8").read()
    assert "gradient" in svg and "<svg" in svg


def _history_colours(widget: Heatmap) -> tuple[int, list[str]]:
    """Distinct cell colours in the newest row of a gradient history fed for 100 steps (a
    probe every 5): the first probe's gradient fades to 1e-19, the later ones' to 1e-3."""
    T = 100
    out = {}

    def feed(w: Heatmap):
        w.set_matrix([[10.0 ** (-19 * (T - 1 - t) / (T - 1)) for t in range(T)]],
                     row_labels=["5"], log=True, title="history", keep_last_rows=True)
        for s in range(2, 21):
            w.append_row([10.0 ** (-3 * (T - 1 - t) / (T - 1)) for t in range(T)],
                         label=str(5 * s))

    async def main():
        app = OneWidget(widget)
        async with app.run_test(size=SIZE) as pilot:
            feed(widget)
            await pilot.pause()
            lines = rendered(widget)
            y = max(i for i, ln in enumerate(lines) if ln.lstrip().startswith("100"))
            strip = widget.render_line(y)
            out["colours"] = {str(seg.style.bgcolor) for seg in strip
                              if seg.style and seg.style.bgcolor}
            out["lines"] = lines

    asyncio.run(main())
    return len(out["colours"]), out["lines"]


def test_gradient_history_colour_scale_is_not_pinned_by_the_first_probe():
    pinned, _ = _history_colours(Heatmap())  # the whole history's range: 1e-19 .. 1
    shown, lines = _history_colours(Heatmap(scale_rows=20, fit_cols=True))
    assert shown >= 12 and shown >= 3 * pinned, (shown, pinned)
    assert "cols cropped" not in lines[-1] and "2 steps/col" in lines[-1]
    assert "scale: last 10 rows" in lines[-1]
