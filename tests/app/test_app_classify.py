"""The app in classify mode (against the fake classifier trainer): the scores panel (live
confusion matrix with class names, F1 bars), the misclassified log, the prompt with the RNN's
and Naive Bayes' probabilities and the AI504 word-order pair, the keys, the mode picker."""

from __future__ import annotations

import pytest
from fake_classify import CLASSES, MISTAKES
from fake_trainer import FakeFactory
from pilot_helpers import run as pilot_run
from pilot_helpers import settled, wait_for
from textual.widgets import Input, RichLog

from engine.families.classify.config import ClassifyConfig
from engine.families.lm.config import LMConfig
from rnn_tui.app.screens import HelpScreen, ModeScreen, binding_rows

pytestmark = pytest.mark.timeout(60)

CONFIG = ClassifyConfig(data="names", hidden=128, layers=1, lr=3e-3, clip=1.0)
PAIR = ("I gave the ball to John, who gave it to Mary",
        "I gave the ball to Mary, who gave it to John")


def run(body, config=CONFIG, size=(160, 48)):
    return pilot_run(body, FakeFactory(), size=size, config=config)


def text_of(app, selector: str) -> str:
    widget = app.main_screen.query_one(selector)
    if isinstance(widget, RichLog):
        return "\n".join(strip.text for strip in widget.lines)
    return widget.text.plain if hasattr(widget, "text") else str(widget.render())


async def classify(app, pilot, text: str) -> None:
    n = len(app.view.explained)
    await pilot.press("p")
    prompt = app.main_screen.query_one("#classify-prompt", Input)
    assert prompt.display and prompt.has_focus
    prompt.value = text  # (typing 44 characters one key at a time is slow under load)
    await pilot.press("enter")
    await wait_for(lambda: len(app.view.explained) == n + 1, pilot=pilot)


def test_classify_mode_shows_scores_confusion_and_mistakes():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        s = app.main_screen
        assert app.mode == "classify" and s.has_class("-classify")
        for absent in ("#samples-panel", "#translate-panel"):
            assert not s.query(absent)
        status = text_of(app, "#status")
        assert "data names" in status and "acc " in status and "tokens auto" in status
        grid = s.query_one("#confusion")
        assert grid.shape == (5, 5) and grid._row_labels[0] == "Essari 0"
        assert grid._col_labels == ["0", "1", "2", "3", "4"]
        assert grid._rows[0].sum() == pytest.approx(1.0)  # row shares
        f1 = dict(s.query_one("#f1-bars").values)
        assert list(f1) == CLASSES and f1["Essari"] > 0.8 > f1["Moanu"]
        info = text_of(app, "#scores-info")
        assert "majority 20.5%" in info and "naive Bayes 63.9%" in info and "step 40" in info
        # the step-40 mistakes come as their own event, just after the evaluation
        await wait_for(lambda: "step 40" in text_of(app, "#errors-log"), pilot=pilot)
        log = text_of(app, "#errors-log")
        assert "316 of 716 held-out examples misclassified" in log
        assert "Voslurrum" in log and "0.96 Ovrand ✗ true Kettish" in log
        assert "per input position" in s.query_one("#grad-bars")._title
        loss = text_of(app, "#loss-info")
        assert "majority 2.430" in loss and "acc " in loss

    run(body)


def test_the_word_order_pair_typed_at_the_prompt():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await classify(app, pilot, PAIR[0])
        assert factory.last.calls_named("request_predict") == [("request_predict", PAIR[0])]
        rnn = app.main_screen.query_one("#rnn-probs").values
        nb = app.main_screen.query_one("#nb-probs").values
        assert [c for c, _ in rnn] == [c for c, _ in nb] and len(rnn) == 5
        assert rnn[0][1] == max(p for _, p in rnn)
        assert "John" in text_of(app, "#explain-text")
        assert text_of(app, "#explain-note") == ""
        await classify(app, pilot, PAIR[1])
        note = text_of(app, "#explain-note")
        assert "same words as 'I gave the ball to John, who gave it to Mary'" in note
        assert "identical: a bag of words has no order" in note
        assert "it reads the order" in note
        assert "predicted" in text_of(app, "#explain-info")

    run(body)


def test_keys_explain_mistakes_switch_the_method_and_restart_with_pooling():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("g", "g")
        await wait_for(lambda: len(factory.last.calls_named("request_predict")) == 2,
                       pilot=pilot)
        assert [c[1] for c in factory.last.calls_named("request_predict")] == \
            [MISTAKES[0][0], MISTAKES[1][0]]
        await pilot.press("x")
        await wait_for(lambda: factory.last.calls_named("set_hparam"), pilot=pilot)
        assert factory.last.calls_named("set_hparam") == [
            ("set_hparam", "explain", "gradient_x_input")]
        await pilot.press("question_mark")
        await wait_for(lambda: isinstance(app.screen, HelpScreen), pilot=pilot)
        texts = [text for _, text in binding_rows(app)]
        assert any("Pooling" in t for t in texts) and not any("Temperature" in t for t in texts)
        await pilot.press("escape")
        await pilot.press("o")
        await wait_for(lambda: len(factory.trainers) == 2, pilot=pilot)
        assert factory.last.config.pooling == "mean"
        await pilot.press("b")
        await wait_for(lambda: len(factory.trainers) == 3, pilot=pilot)
        assert factory.last.config.bidirectional and factory.last.config.pooling == "mean"
        await wait_for(lambda: app.probes and len(app.probes[-1].grad_norms) == 2, pilot=pilot)

    run(body)


@pytest.fixture
def no_gum(monkeypatch):
    """No UD English GUM around, so classification is the picker's last entry (with GUM,
    tagging follows it)."""
    from rnn_tui.views import tag

    monkeypatch.setattr(tag, "gum", lambda: None)


def test_mode_picker_offers_classification_and_the_bundled_names(no_gum):
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("M")
        await wait_for(lambda: isinstance(app.screen, ModeScreen), pilot=pilot)
        labels = [label for _, label in app.screen.entries]
        keys = [key for key, _ in app.screen.entries]
        assert "classify" in keys and any("Classification" in x for x in labels)
        assert keys[-1] == "tag" and "tag" in app.screen.greyed  # no treebank: greyed
        app.screen.query_one("#mode-list").highlighted = keys.index("classify")
        await pilot.press("enter")
        await wait_for(lambda: len(factory.trainers) == 2, pilot=pilot)
        assert isinstance(factory.last.config, ClassifyConfig)
        assert factory.last.config.data == "names"
        await wait_for(lambda: app.main_screen.has_class("-classify")
                       and app.main_screen.query("#confusion"), pilot=pilot)

    run(body, config=LMConfig(hidden=64))


def test_picker_from_other_data_offers_names_too(no_gum):
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("M")
        await wait_for(lambda: isinstance(app.screen, ModeScreen), pilot=pilot)
        keys = [k for k, _ in app.screen.entries]
        assert keys[-3:] == ["classify", "classify-names", "tag"]  # (tag greyed: no data)
        app.screen.query_one("#mode-list").highlighted = keys.index("classify-names")
        await pilot.press("enter")
        await wait_for(lambda: len(factory.trainers) == 2, pilot=pilot)
        assert factory.last.config.data == "names" and factory.last.config.hidden == 64

    run(body, config=CONFIG.replace(data="/some/where/reviews.tsv", hidden=64))


def test_compact_layout_tabs_through_the_classify_panels():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        tabs = str(app.main_screen.query_one("#tabs").render())
        assert "Held-out scores" in tabs and "Samples" not in tabs
        for expected in ("grad-panel", "texts-panel", "scores-panel", "loss-panel"):
            await pilot.press("tab")
            assert app.panel_ids[app.active_panel] == expected
            assert app.main_screen.query_one(f"#{expected}").display

    run(body, size=(100, 30))
