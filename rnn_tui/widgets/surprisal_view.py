"""SurprisalView: two (or more) sentences side by side as the model scores them - each
token's surprisal (-log2 P, bits) as a bar coloured by its probability, each sentence's
ln P and perplexity, and which one the model finds likelier (the "recognize speech" vs
"wreck a nice beach" slide, answered by the user's own model).

Fed with the dicts of a Scores event (rnn_tui/surprisal.py formats them); the bars of all
sentences share one scale so they compare.
"""

from __future__ import annotations

import math

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from rnn_tui import surprisal

from .canvas import PROB, level

NUMBER_WIDTH = 7  # " 12.34 " after the token


class SurprisalView(Widget):
    DEFAULT_CSS = """
    SurprisalView { height: auto; max-height: 60%; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.scores: list[dict] = []
        self.step: int | None = None

    def show(self, scores: list[dict], step: int | None = None) -> None:
        self.scores, self.step = list(scores), step
        self.display = bool(self.scores)
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:
        return len(self.lines(max(20, width)))

    def render(self) -> Text:
        out = Text(no_wrap=True, overflow="ellipsis")
        for i, line in enumerate(self.lines(max(20, self.size.width))):
            if i:
                out.append("\n")
            out.append_text(line)
        return out

    def lines(self, width: int) -> list[Text]:
        if not self.scores:
            return []
        pad = min(16, max(len(t) for s in self.scores for t, *_ in
                          surprisal.token_rows(s, 1, 1.0)))
        bar_width = max(4, width - pad - NUMBER_WIDTH - 3)
        scale = surprisal.scale_for(self.scores, bar_width)
        step = f" · step {self.step}" if self.step is not None else ""
        out = [Text(f"surprisal per token, -log2 P (█ = {scale:g} bits){step}",
                    style="bold #90caf9")]
        for label, s in zip("ABCDEFGH", self.scores):
            out.append(Text.assemble((f"{label} ", "bold"), (repr(s["text"]), "bold")))
            out.append(Text("  " + surprisal.headline(s), style="dim"))
            for token, bits, bar, unknown in surprisal.token_rows(s, bar_width, scale):
                p = 2.0 ** -bits if math.isfinite(bits) else 0.0
                line = Text(f"  {token[:pad]:<{pad}}", style="italic" if unknown else "")
                line.append(f" {bits:6.2f} ", style="dim")
                line.append(bar, style=Style(color=PROB[level(p)]))
                if unknown:
                    line.append(" <unk>", style="dim")
                out.append(line)
        verdict = surprisal.verdict(self.scores)
        if verdict:
            out.append(Text(verdict, style="bold"))
        return out
