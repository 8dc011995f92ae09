"""What benchmarks/app_throughput.py reports beside tokens/s to explain an app/headless gap:
the cores used, the calling (UI) thread's share of a core, the tuner's switches."""

from __future__ import annotations

import time
from types import SimpleNamespace

from benchmarks.app_throughput import Window, costs


def busy(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def test_a_window_counts_this_threads_cpu_and_the_tuners_switches():
    tuner = SimpleNamespace(switches=2)
    window = Window(SimpleNamespace(state=SimpleNamespace(tuner=tuner)))
    busy(0.05)
    time.sleep(0.05)
    tuner.switches = 5
    res = window.report()
    assert res["switches"] == 3
    assert 0 < res["thread_share"] < 0.95  # it spun about half the window, then slept
    assert res["cores"] >= res["thread_share"] * 0.9


def test_no_tuner_no_switches_and_the_words_say_what_was_measured():
    res = Window(SimpleNamespace(state=None)).report()
    assert res["switches"] is None
    res = {"cores": 1.87, "thread_share": 0.043, "switches": 1}
    assert costs(res, app=True) == "1.87 cores, UI thread 4.3% of a core, thread count switched 1x"
    assert costs({**res, "switches": None}, app=False) == "1.87 cores"
