"""The lesson panel shown before its body is composed (a view still mounting when the lesson
redraws: seen in CI as NoMatches '#lesson-body') shows the step once it is."""

from __future__ import annotations

import asyncio

from textual.app import App
from textual.widgets import Static

from rnn_tui.widgets import lesson_panel
from rnn_tui.widgets.lesson_panel import LessonPanel


def test_a_step_shown_before_the_panel_is_composed_is_shown_once_it_is(monkeypatch):
    monkeypatch.setattr(lesson_panel, "render_step", lambda player: f"step of {player}")
    panel = LessonPanel()
    panel.show("the player")  # not mounted: no body yet, no NoMatches

    class Host(App):
        def compose(self):
            yield panel

    async def main() -> str:
        async with Host().run_test(size=(80, 24)) as pilot:
            for _ in range(20):
                await pilot.pause(0.05)
                body = panel.query_one("#lesson-body", Static)
                if "step of" in str(body.render()):
                    break
            return str(panel.query_one("#lesson-body", Static).render())

    assert asyncio.run(main()) == "step of the player"
