"""One widget mounted in a tiny App and rendered line by line: what the widget tests share
(test_widgets.py, test_loss_chart.py, test_label_bars.py)."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult

SIZE = (100, 30)
NAN, INF = float("nan"), float("inf")


class OneWidget(App):
    def __init__(self, widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


def run_with(widget, feed, size=SIZE, no_color: bool = False):
    """Mount widget, call feed(widget), return the rendered lines as plain strings."""
    out = {}

    async def main():
        app = OneWidget(widget)
        app.no_color = no_color or app.no_color
        async with app.run_test(size=size) as pilot:
            feed(widget)
            await pilot.pause()
            out["lines"] = rendered(widget)
            out["size"] = widget.size

    asyncio.run(main())
    return Lines(out["lines"], out["size"])


class Lines(list):
    """Rendered lines plus the widget size they were rendered at."""

    def __init__(self, lines, size):
        super().__init__(lines)
        self.size = size


def rendered(widget) -> list[str]:
    """Render every line through render_line and check each has exactly the widget width."""
    width, height = widget.size
    lines = []
    for y in range(height):
        strip = widget.render_line(y)
        assert strip.cell_length == width, (type(widget).__name__, y, strip.cell_length, width)
        lines.append(strip.text)
    return lines
