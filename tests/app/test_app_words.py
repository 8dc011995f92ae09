"""Pilot tests of the language model's view with a word model (fake trainer): samples shown
as words joined by spaces with <eos> as a line break, the units (the chart per token, the
evaluation's perplexity per word), and the
sentence comparison prompt (w) with its surprisal bars."""

from __future__ import annotations

import pytest
from fake_trainer import SAMPLE_WORDS
from pilot_helpers import run, settled, static_text, wait_for
from textual.widgets import Input

from engine.families.lm.config import LMConfig

pytestmark = pytest.mark.timeout(30)

WORDS = LMConfig(tokens="word", model="lstm", hidden=64, layers=2, lr=2e-3, bptt=35,
                 clip=1.0, clip_mode="norm", temperature=0.8)


def test_word_samples_are_words_with_spaces_and_eos_as_a_line_break():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        view = app.main_screen.query_one("#samples")
        assert view.sample_count == 2
        text = view.sample_text()
        assert text == "and the king said unto them , the hour is come .\nthen they went"
        assert "<eos>" not in text
        # each word is one item with one colour: the probabilities of the words, not chars
        raw = view._samples[-1].raw
        words = [item for item in raw if item[0] not in (" ", "\n")]
        assert [w for w, _ in words] == [t for t in SAMPLE_WORDS if t != "<eos>"]

    run(body, config=WORDS)


def test_a_primed_word_sample_starts_after_a_space():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("p")
        prompt = app.main_screen.query_one("#prompt", Input)
        assert prompt.placeholder.startswith("prime words")
        await pilot.press(*"the queen", "enter")
        view = app.main_screen.query_one("#samples")
        await wait_for(lambda: view.sample_count == 3 and not app.revealing, pilot=pilot)
        assert view.sample_text().startswith("the queen and the king")
        assert ("request_sample", "the queen", None, 0.8) in factory.last.calls

    run(body, config=WORDS)


def test_the_unit_toggle_says_per_token_and_the_loss_line_per_word():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        assert "unit nats/token" in static_text(app, "#loss-info")
        await pilot.press("v")
        assert "unit bits/token" in static_text(app, "#loss-info")
        await pilot.press("v")
        assert "unit ppl/token" in static_text(app, "#loss-info")
        assert app.main_screen.query_one("#loss-chart").unit_label == "ppl/token"
        # the evaluation's perplexity per word of the text, beside
        ppl = app.info["eval"].metrics["perplexity"]
        assert f"ppl/word {ppl:.1f}" in static_text(app, "#loss-info")

    run(body, config=WORDS)


def test_compare_prompt_scores_two_sentences_and_draws_surprisal_bars():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        scores = app.main_screen.query_one("#scores")
        assert not scores.display
        await pilot.press("w")
        prompt = app.main_screen.query_one("#prompt", Input)
        assert prompt.display and "separated by |" in prompt.placeholder
        await pilot.press(*"recognize speech | wreck a nice zebra", "enter")
        await wait_for(lambda: scores.scores, pilot=pilot)
        assert ("request_score", ["recognize speech", "wreck a nice zebra"]) in \
            factory.last.calls
        assert scores.display
        lines = [line.plain for line in scores.lines(80)]
        text = "\n".join(lines)
        # the fake: each token costs len + 1 bits; "recognize" 10, "speech" 7, <eos> 6
        assert "A 'recognize speech'" in text and "(23.00 bits)" in text
        assert any(line.strip().startswith("recognize") and "10.00" in line for line in lines)
        assert any("zebra" in line and "<unk>" in line for line in lines)  # unknown marked
        assert "'recognize speech' is" in lines[-1]  # the verdict: fewer bits wins
        # the longest bar is the most surprising token's
        bars = {line.split()[0]: line.count("█") for line in lines[1:] if "█" in line}
        assert bars["recognize"] == max(bars.values())
        # `p` goes back to sampling
        await pilot.press("p")
        assert prompt.placeholder.startswith("prime words")

    run(body, config=WORDS)


def test_enter_alone_compares_the_slides_pair():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("w", "enter")
        await wait_for(lambda: factory.last.calls_named("request_score"), pilot=pilot)
        assert factory.last.calls_named("request_score")[-1] == \
            ("request_score", ["recognize speech", "wreck a nice beach"])

    run(body, config=WORDS)


def test_a_character_model_compares_sentences_too_and_keeps_its_units():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        assert "unit nats │" in static_text(app, "#loss-info") + " │"
        await pilot.press("w", *"a b | c", "enter")
        await wait_for(lambda: app.main_screen.query_one("#scores").scores, pilot=pilot)

    run(body)
