"""Snapshot tests (pytest-textual-snapshot) of the main states of the app, against the fake
trainer. Deterministic: the fake emits fixed values and the status bar shows only values from
events (elapsed time and tokens/s included), never a clock.

Regenerate after an intended change with:
    .venv/bin/python -m pytest tests/app/test_app_snapshots.py --snapshot-update
and look at the SVGs in tests/app/__snapshots__/.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fake_trainer import FakeFactory
from textual.widgets import Input

from engine.families.lm.config import LMConfig
from engine.families.seq2seq.config import Seq2SeqConfig
from engine.families.tag.config import TagConfig
from rnn_tui.app import create_app

pytestmark = pytest.mark.timeout(120)

# Everything the assertions and snapshots depend on is pinned (engine defaults may change).
CONFIG = LMConfig(model="lstm", hidden=64, layers=2, lr=2e-3, bptt=100, clip=1.0,
                     clip_mode="norm", temperature=0.8)


def make_app(**fake_kwargs):
    return create_app(CONFIG, FakeFactory(**fake_kwargs))


async def settle(pilot, step: int = 40) -> None:
    """Wait until the fake's script is on screen and the samples are fully typed out."""
    app = pilot.app
    deadline = time.monotonic() + 60
    while not (app.info.get("eval") is not None and app.info["eval"].step == step
               and not app.revealing):
        assert time.monotonic() < deadline, "the fake's events never arrived"
        await pilot.pause(0.01)
    await pilot.pause()


def test_training(snap_compare):
    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=settle)


def test_training_compact(snap_compare):
    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=settle)


def test_paused(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("space")

    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=run_before)


def test_help(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("question_mark")

    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=run_before)


def test_sampling_prompt(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("p")
        pilot.app.main_screen.query_one("#prompt", Input).cursor_blink = False
        await pilot.press(*"To be, or not")

    assert snap_compare(make_app(), terminal_size=(160, 48), run_before=run_before)


def test_gates_view(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("tab", "tab", "tab", "U", "U", "U")

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=run_before)


def test_too_small_terminal(snap_compare):
    async def run_before(pilot):
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(70, 20), run_before=run_before)


def test_engine_error_dialog(snap_compare):
    async def run_before(pilot):
        deadline = time.monotonic() + 60
        while pilot.app.state != "error":
            assert time.monotonic() < deadline
            await pilot.pause(0.01)
        await pilot.pause()

    app = make_app(fail="corpus 'shakespear' not found; bundled corpora: prose, python, "
                        "shakespeare (or give a path to a .txt file or a directory)")
    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


# --- seq2seq mode --------------------------------------------------------------------------

S2S_CONFIG = Seq2SeqConfig(task="dates", hidden=128, layers=1, attention="bahdanau",
                           lr=3e-3, clip=1.0, teacher_forcing=1.0)


def test_seq2seq_training(snap_compare):
    app = create_app(S2S_CONFIG, FakeFactory())
    assert snap_compare(app, terminal_size=(160, 48), run_before=settle)


def test_seq2seq_translation_with_beam(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("p", *"12/05/21", "enter")
        deadline = time.monotonic() + 60
        while "12/05/21" not in pilot.app.view.examples:
            assert time.monotonic() < deadline
            await pilot.pause(0.01)
        await pilot.pause()

    app = create_app(S2S_CONFIG, FakeFactory())
    assert snap_compare(app, terminal_size=(160, 48), run_before=run_before)


def test_mode_picker(snap_compare, monkeypatch):
    from rnn_tui.views import tag

    # the tagging entry offers UD English GUM when it is around: the same path everywhere
    monkeypatch.setattr(tag, "gum", lambda: (Path("ud-gum/en_gum-ud-dev.conllu"),
                                             Path("ud-gum/en_gum-ud-test.conllu")))

    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("M")
        await pilot.pause(0.2)

    assert snap_compare(make_app(), terminal_size=(100, 30), run_before=run_before)


# --- tagging mode --------------------------------------------------------------------------

TAG_CONFIG = TagConfig(data="ud-gum/en_gum-ud-dev.conllu", val="ud-gum/en_gum-ud-test.conllu",
                       hidden=128, layers=1, lr=2e-3)


def test_tag_training(snap_compare):
    app = create_app(TAG_CONFIG, FakeFactory())
    assert snap_compare(app, terminal_size=(160, 48), run_before=settle)


def test_tag_your_sentence(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("p", *"Yesterday, Harry Potter met Hermione Granger.", "enter")
        deadline = time.monotonic() + 10
        while not pilot.app.view.yours:
            assert time.monotonic() < deadline
            await pilot.pause(0.01)
        await pilot.pause()

    app = create_app(TAG_CONFIG, FakeFactory())
    assert snap_compare(app, terminal_size=(160, 48), run_before=run_before)


def test_tag_scores_compact(snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("tab", "tab", "tab")  # the per-tag scores panel

    app = create_app(TAG_CONFIG, FakeFactory())
    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)
