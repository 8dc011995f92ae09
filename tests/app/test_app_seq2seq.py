"""The app in seq2seq mode (against the fake seq2seq trainer): its panels, the translate
prompt with beams, the attention grid, the seq2seq keys, and switching modes."""

from __future__ import annotations

import pytest
from fake_seq2seq import PROBE_PAIRS
from fake_trainer import FakeFactory
from pilot_helpers import run as pilot_run
from pilot_helpers import settled, wait_for
from textual.widgets import Input, RichLog

from engine.families.lm.config import LMConfig
from engine.families.seq2seq.config import Seq2SeqConfig
from rnn_tui.app.screens import HelpScreen, ModeScreen, binding_rows

pytestmark = pytest.mark.timeout(120)

CONFIG = Seq2SeqConfig(task="dates", hidden=128, layers=1, attention="bahdanau", lr=3e-3,
                       clip=1.0, teacher_forcing=1.0)


def run(body, config=CONFIG, size=(160, 48)):
    return pilot_run(body, FakeFactory(), size=size, config=config)


def log_text(app) -> str:
    return "\n".join(strip.text for strip in app.main_screen.query_one("#translations",
                                                                         RichLog).lines)


def test_seq2seq_mode_shows_translations_and_attention_not_samples():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        s = app.main_screen
        assert app.mode == "seq2seq" and s.has_class("-seq2seq")
        for shown in ("#loss-panel", "#grad-panel", "#translate-panel", "#attention-panel"):
            assert s.query_one(shown).display
        for absent in ("#samples-panel", "#gates-panel"):  # the language model's panels
            assert not s.query(absent)
        status = s.query_one("#status").text.plain
        assert "task dates" in status and "teacher forcing 1.00" in status
        assert "exact 88.9%" in status  # the fake's last Seq2SeqEval
        grid = s.query_one("#attention-grid")
        source, target = PROBE_PAIRS[0]
        assert grid.shape == (len(target) + 1, len(source))  # output + <eos> x input
        assert grid._col_labels == list(source)
        log = log_text(app)
        assert "✗ want 2021-03-03" in log and "2021-03-03 ✓" in log  # wrong, then right
        assert "held-out exact 88.9%" in log
        # the encoder gradient: one bar per input position
        assert "per input position" in s.query_one("#grad-bars")._title

    run(body)


def test_prompt_translates_with_beam_and_shows_the_grid():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("W")  # beam 3 -> 4
        assert app.view.beam == 4
        await pilot.press("p")
        prompt = app.main_screen.query_one("#translate-prompt", Input)
        assert prompt.display and prompt.has_focus
        await pilot.press(*"12/05/21", "enter")
        await wait_for(lambda: "12/05/21" in app.view.examples, pilot=pilot)
        assert factory.last.calls_named("request_translation") == [
            ("request_translation", "12/05/21", 4)]
        assert not prompt.display
        log = log_text(app)
        assert "you 12/05/21" in log and "log p -2.250" in log  # the beams, with scores
        pinned = app.main_screen.query_one("#your-translation")  # stays above the probes'
        assert pinned.display and "you 12/05/21" in pinned.text.plain
        info = app.main_screen.query_one("#attention-info").text.plain
        assert "(yours)" in info
        assert app.main_screen.query_one("#attention-grid")._col_labels == list("12/05/21")
        await pilot.press("e")  # back to the probe examples
        assert "(probe)" in app.main_screen.query_one("#attention-info").text.plain

    run(body)


def test_seq2seq_keys_change_teacher_forcing_and_ignore_lm_keys():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("f", "f")
        await wait_for(lambda: len(factory.last.calls_named("set_hparam")) == 2, pilot=pilot)
        assert factory.last.calls_named("set_hparam")[-1] == ("set_hparam", "teacher_forcing",
                                                              0.8)
        await pilot.press("c")  # clipping off: the same switch as every family's
        await wait_for(lambda: len(factory.last.calls_named("set_hparam")) == 3, pilot=pilot)
        assert factory.last.calls_named("set_hparam")[-1] == ("set_hparam", "clip_mode", "off")
        await pilot.press("t", "T", "b", "B", "u")  # language-model keys: nothing happens
        await pilot.press("g")  # decode the probe example now
        await wait_for(lambda: factory.last.calls_named("request_translation"), pilot=pilot)
        assert len(factory.last.calls_named("set_hparam")) == 3
        assert factory.last.calls_named("request_translation") == [
            ("request_translation", None, 1)]
        await pilot.press("question_mark")
        await wait_for(lambda: isinstance(app.screen, HelpScreen), pilot=pilot)
        texts = [text for _, text in binding_rows(app)]
        assert any("Teacher forcing" in t for t in texts)
        assert not any("Temperature" in t for t in texts)

    run(body)


def test_attention_key_restarts_with_the_next_attention_kind():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("a")
        await wait_for(lambda: len(factory.trainers) == 2, pilot=pilot)
        assert factory.last.config.attention == "luong-dot"
        assert app.mode == "seq2seq"

    run(body, config=CONFIG.replace(attention="bahdanau"))


def test_mode_picker_switches_to_the_language_model_and_back():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("M")
        await wait_for(lambda: isinstance(app.screen, ModeScreen), pilot=pilot)
        await pilot.press("home", "enter")  # the first entry: the language model
        await wait_for(lambda: len(factory.trainers) == 2, pilot=pilot)
        assert isinstance(factory.last.config, LMConfig)
        await wait_for(lambda: app.main_screen.query("#samples-panel")
                       and app.main_screen.query_one("#samples-panel").display, pilot=pilot)
        s = app.main_screen
        assert not s.query("#attention-panel")
        assert "task" not in s.query_one("#status").text.plain
        # and back: the seq2seq settings were kept
        await pilot.press("M")
        await wait_for(lambda: isinstance(app.screen, ModeScreen), pilot=pilot)
        await pilot.press("down", "down", "enter")  # reverse
        await wait_for(lambda: len(factory.trainers) == 3, pilot=pilot)
        cfg = factory.last.config
        assert isinstance(cfg, Seq2SeqConfig) and cfg.task == "reverse"
        assert cfg.hidden == CONFIG.hidden and cfg.attention == CONFIG.attention
        await wait_for(lambda: app.main_screen.has_class("-seq2seq"), pilot=pilot)

    run(body)


def test_compact_layout_tabs_through_the_seq2seq_panels():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        tabs = app.main_screen.query_one("#tabs").render()
        assert "Translations" in str(tabs) and "Samples" not in str(tabs)
        for expected in ("grad-panel", "translate-panel", "attention-panel", "loss-panel"):
            await pilot.press("tab")
            assert app.panel_ids[app.active_panel] == expected
            assert app.main_screen.query_one(f"#{expected}").display

    run(body, size=(100, 30))
