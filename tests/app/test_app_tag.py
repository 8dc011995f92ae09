"""The app in tagging mode (against the fake tagging trainer): the re-tagged probe sentences
with their errors, the prompt with confidences, per-tag bars and the confusion matrix, the
gradient panel with a forward and a backward row, the bidirectional and char-feature
toggles, and the mode picker."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_tag import PROBE_SENTENCES, TAGS
from fake_trainer import FakeFactory
from pilot_helpers import run as pilot_run
from pilot_helpers import settled, wait_for
from textual.widgets import Input, Static

from engine.families.lm.config import LMConfig
from engine.families.tag.config import TagConfig
from rnn_tui.app.screens import HelpScreen, ModeScreen, binding_rows
from rnn_tui.views import tag as tag_view
from rnn_tui.views.tag_text import abbreviations, tagged_text

pytestmark = pytest.mark.timeout(60)

CONFIG = TagConfig(data="gum/en_gum-ud-dev.conllu", val="gum/en_gum-ud-test.conllu",
                   hidden=128, layers=1, lr=2e-3)


def run(body, config=CONFIG, size=(160, 48)):
    return pilot_run(body, FakeFactory(), size=size, config=config)


def tagged(app) -> str:
    return str(app.main_screen.query_one("#tagged", Static).render())


def test_tag_mode_shows_tagged_sentences_scores_and_both_directions():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        s = app.main_screen
        assert app.mode == "tag" and s.has_class("-tag")
        for shown in ("#loss-panel", "#grad-panel", "#tagged-panel", "#scores-panel"):
            assert s.query_one(shown).display
        status = s.query_one("#status").text.plain
        assert "UPOS of en_gum-ud-dev.conllu" in status and "biLSTM 128×1" in status
        assert "accuracy 90.0%" in status and "most frequent tag 81.8%" in status
        text = tagged(app)
        # re-tagged at step 40: right now, so no gold tag in brackets; bold where it changed
        assert "Harry/PROPN Potter/PROPN met/VERB Hermione/PROPN" in text
        assert "[" not in text.split("\n", 1)[1] and "changed since step 20" in text
        info = s.query_one("#tagged-info").text.plain
        assert "held-out accuracy 90.0%" in info and "unseen words 70.0%" in info
        bars = s.query_one("#tag-bars")
        assert [label for label, _ in bars.values] == TAGS
        confusion = s.query_one("#confusion")
        assert confusion.shape == (len(TAGS), len(TAGS))
        assert confusion._col_labels == abbreviations(TAGS)
        fwd, bwd = s.query_one("#grad-bars"), s.query_one("#grad-bars-back")
        assert bwd.display and "→ forward" in fwd._title and "← backward" in bwd._title
        assert list(fwd.norms[5:]) == [0] * 4 and list(bwd.norms[:4]) == [0] * 4
        assert "layer 1/1" in s.query_one("#grad-info").text.plain

    run(body)


def test_errors_are_marked_with_the_gold_tag():
    sentence = {"tokens": PROBE_SENTENCES[0][0], "gold": PROBE_SENTENCES[0][1],
                "tags": ["PROPN"] + PROBE_SENTENCES[0][1][1:4] + ["NOUN"] +
                PROBE_SENTENCES[0][1][5:], "probs": [0.9] * 8}
    text = tagged_text(sentence, chars=False)
    assert text.plain.startswith("Yesterday/PROPN[NOUN] ,/PUNCT Harry/PROPN")
    assert "met/NOUN[VERB]" in text.plain
    wrong = [span for span in text.spans if "red" in str(span.style)]
    assert len(wrong) == 2
    chars = tagged_text({"tokens": list("Harry met Ron"), "tags": ["B-PER"] + ["I-PER"] * 4 +
                         ["O"] * 5 + ["B-PER", "I-PER", "I-PER"],
                         "gold": [], "probs": [0.8] * 13}, chars=True, confidence=True)
    assert chars.plain == "Harry/PER.80 met Ron/PER.80"


def test_prompt_tags_your_sentence_with_confidences():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("p")
        prompt = app.main_screen.query_one("#tag-prompt", Input)
        assert prompt.display and prompt.has_focus
        await pilot.press(*"Yesterday, Harry Potter met Hermione Granger.", "enter")
        await wait_for(lambda: app.view.yours, pilot=pilot)
        assert factory.last.calls_named("request_predict") == [
            ("request_predict", "Yesterday, Harry Potter met Hermione Granger.")]
        assert not prompt.display
        text = tagged(app)
        assert "yours (each tag with its probability)" in text
        assert "Harry/PROPN.65 Potter/PROPN.95 met/NOUN.75" in text
        await pilot.press("g")  # re-tag the probe sentences now
        await wait_for(lambda: ("request_predict", None) in factory.last.calls, pilot=pilot)

    run(body)


def test_b_toggles_bidirectional_on_the_same_data_and_f_the_char_features():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("b")
        await wait_for(lambda: len(factory.trainers) == 2, pilot=pilot)
        cfg = factory.last.config
        assert cfg.bidirectional is False and cfg.data == CONFIG.data
        await settled(app, pilot)
        s = app.main_screen
        assert not s.query_one("#grad-bars-back").display  # one direction, one row
        assert "LSTM 128×1" in s.query_one("#status").text.plain
        assert "biLSTM" not in s.query_one("#status").text.plain
        await pilot.press("f")
        await wait_for(lambda: len(factory.trainers) == 3, pilot=pilot)
        assert factory.last.config.char_features is False
        assert factory.last.config.bidirectional is False
        await pilot.press("b")
        await wait_for(lambda: len(factory.trainers) == 4, pilot=pilot)
        await settled(app, pilot)
        assert factory.last.config.bidirectional and s.query_one("#grad-bars-back").display

    run(body)


def test_help_lists_the_tagging_keys():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        rows = dict(binding_rows(app))
        assert "Bidirectional on/off" in rows["b"] and "Character features" in rows["f"]
        assert "Tag the probe sentences" in rows["g"]
        await pilot.press("question_mark")
        await wait_for(lambda: isinstance(app.screen, HelpScreen), pilot=pilot)

    run(body)


def test_mode_picker_offers_gum_and_switches_to_tagging(monkeypatch):
    dev = Path("/data/ud-gum/en_gum-ud-dev.conllu")
    test = dev.with_name("en_gum-ud-test.conllu")
    monkeypatch.setattr(tag_view, "gum", lambda: (dev, test))

    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("M")
        await wait_for(lambda: isinstance(app.screen, ModeScreen), pilot=pilot)
        await pilot.press("end", "enter")  # the last entry: tagging
        await wait_for(lambda: len(factory.trainers) == 2, pilot=pilot)
        cfg = factory.last.config
        assert isinstance(cfg, TagConfig) and cfg.data == str(dev) and cfg.val == str(test)
        await wait_for(lambda: app.main_screen.has_class("-tag"), pilot=pilot)
        await settled(app, pilot)
        assert "Harry/PROPN" in tagged(app)

    run(body, config=LMConfig(model="lstm", hidden=64, layers=2))


def test_the_picker_offers_the_users_data_and_says_what_to_give_without_data(monkeypatch):
    monkeypatch.setattr(tag_view, "gum", lambda: None)
    (key, label, cfg), = tag_view.TagScreen.choices(TagConfig())
    assert key == "tag" and cfg is None and "--data FILE.conllu" in label  # shown greyed
    (key, label, cfg), = tag_view.TagScreen.choices(CONFIG)
    assert key == "tag" and cfg is CONFIG and label == "Tagging · UPOS of en_gum-ud-dev.conllu"


def test_abbreviations_are_short_and_distinct():
    upos = ["NOUN", "PUNCT", "VERB", "PRON", "ADP", "DET", "PROPN", "ADJ", "AUX", "ADV"]
    short = abbreviations(upos)
    assert short[:4] == ["NO", "PU", "VE", "PR"] and short[6] == "PN"
    assert len(set(short)) == len(short) and all(len(s) <= 2 for s in short)
    assert abbreviations(["O", "B-PER", "I-PER", "B-LOC"]) == ["O", "BP", "IP", "BL"]
    many = abbreviations([f"T{i}" for i in range(150)])
    assert all(len(s) <= 2 for s in many)


def test_a_reopened_run_shows_its_tagged_sentences_and_scores(tmp_path):
    import asyncio
    import json

    from fake_tag import FakeTagTrainer
    from pilot_helpers import SIZE
    from test_app_history import GatedFactory

    from engine import events as ev
    from rnn_tui.app import create_app

    fake = FakeTagTrainer(CONFIG)
    records = [*fake._opening(), ev.TrainStep(step=30, epoch=0.3, train_loss=1.0,
                                               tokens_per_s=1e3, lr=2e-3, grad_norm=1.0,
                                               clipped=False, elapsed_s=3.0)]
    fake.step = 30
    records += [fake._probe(), fake._tagged(10), fake._tagged(30), fake._scores(30),
                ev.Eval(step=30, val_loss=0.5, best=True, metrics={"accuracy": 0.88}),
                ev.Checkpoint(step=30, path="x", reason="interval")]
    (tmp_path / "metrics.jsonl").write_text(
        "\n".join(json.dumps(r.to_dict()) for r in records) + "\n", encoding="utf-8")
    factory = GatedFactory(start_step=30, steps=35)  # no trainer until the test says so

    async def main():
        app = create_app(CONFIG, factory, out_dir=str(tmp_path), resume=True)
        async with app.run_test(size=SIZE) as pilot:
            s = app.main_screen
            try:
                await wait_for(lambda: app.view.scores is not None and app.probes,
                               pilot=pilot)
                assert not factory.trainers
                assert "tagged at step 30" in tagged(app)
                assert "changed since step 10" in tagged(app)
                assert [label for label, _ in s.query_one("#tag-bars").values] == TAGS
                assert s.query_one("#grad-bars-back").display
                assert "held-out accuracy 88.0%" in s.query_one("#tagged-info").text.plain
            finally:
                factory.release.set()

    asyncio.run(main())


def test_the_mode_picker_names_tagging_even_without_a_treebank(monkeypatch):
    """No --data and no UD GUM around: the entry is there, greyed, saying what to give."""
    from textual.widgets import OptionList

    from pilot_helpers import CONFIG as LM_CONFIG

    from rnn_tui.app.screens import ModeScreen

    monkeypatch.setattr(tag_view, "gum", lambda: None)

    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("M")
        await wait_for(lambda: isinstance(app.screen, ModeScreen), pilot=pilot)
        options = app.screen.query_one(OptionList)
        tag = options.get_option("tag")
        assert tag.disabled and "--task tag --data" in str(tag.prompt)
        await pilot.press("escape")

    run(body, config=LM_CONFIG)
