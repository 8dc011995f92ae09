"""The tagging view: held-out probe sentences re-tagged at every evaluation, printed the way
the slides print them (word/TAG, each tag in its colour, a wrong tag in red with the gold
one after it, bold where the tag changed since the last time), your sentences with the
confidence of each tag, per-tag accuracy bars and the tag confusion matrix. The gradient
panel shows where the evidence for one tag comes from, the forward and the backward RNN
separately. Keys: g re-tag now, p tag a sentence, b bidirectional on/off, f character
features on/off (both restart on the same data).
"""

from __future__ import annotations

from collections import deque
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Input, Static

from engine.events import Eval
from engine.families.tag.corpora import gum
from engine.families.tag.events import TagScores, Tagged, metric_line
from rnn_tui.app.actions import shell_bindings
from rnn_tui.app.layout import DashboardScreen
from rnn_tui.app.panels import Panel, TextLine, join_fields
from rnn_tui.views.tag_text import abbreviations, tagged_text
from rnn_tui.widgets import Heatmap, LabelBars

YOURS_KEPT = 3  # sentences typed at the prompt, newest first
CONFUSION_TAGS = 20  # the most frequent tags in the confusion matrix
TAGGED_WAITING = "waiting for the first re-tagged sentences…"
SCORES_WAITING = "waiting for the first evaluation…"


class TaggedPanel(Panel):
    """The probe sentences as tagged at the latest evaluation, your sentences, the prompt."""

    def compose(self) -> ComposeResult:
        yield TextLine(TAGGED_WAITING, id="tagged-info", classes="info")
        with VerticalScroll(id="tagged-scroll"):
            yield Static("", id="tagged")
        yield Input(placeholder="a sentence to tag, Enter to tag it, Esc to cancel",
                    id="tag-prompt", classes="prompt")


class ScoresPanel(Panel):
    """Per-tag accuracy (bars) and the confusion matrix of the latest evaluation."""

    def compose(self) -> ComposeResult:
        yield TextLine(SCORES_WAITING, id="scores-info", classes="info")
        with Horizontal(id="scores-row"):
            yield LabelBars(id="tag-bars")
            yield Heatmap(id="confusion")


class TagScreen(DashboardScreen):
    """The dashboard of a tagger."""

    PANELS = (("tagged-panel", "Tagged sentences"),
              ("scores-panel", "Per-tag accuracy · confusion"))
    INTERACTIVE = {"probe_every": 25, "sample_every": 100}  # = the app's eval cadence
    GRAD_TITLE = "‖dL_k/dh_t‖, k the middle token · {layer} · {direction}"
    GRAD_INDEX = "t"
    GRAD_WHAT = "token positions (forward)"
    PROMPT_ID = "#tag-prompt"
    BINDINGS = shell_bindings(
        first=[Binding("g", "retag", "Re-tag", tooltip="Tag the probe sentences again now"),
               Binding("p", "app.prompt", "Tag a sentence",
                       tooltip="Type a sentence and see its tags and their confidence")],
        middle=[Binding("b", "toggle_bidirectional", "Bi/uni",
                        tooltip="Bidirectional on/off, same data (restarts training)"),
                Binding("f", "toggle_char_features", "Char features", show=False,
                        tooltip="Character features of each word on/off (restarts "
                                "training)")])
    DEFAULT_CSS = """
    #tagged-scroll { height: 1fr; scrollbar-size-vertical: 1; }
    #scores-row { height: 1fr; }
    #tag-bars { width: 2fr; height: 1fr; margin-right: 1; }
    #confusion { width: 3fr; height: 1fr; }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reset_view()

    def compose_panels(self) -> ComposeResult:
        yield TaggedPanel(id="tagged-panel", classes="panel")
        yield ScoresPanel(id="scores-panel", classes="panel")

    # ------------------------------------------------------------------ the app's calls

    def reset_view(self) -> None:
        self.probe: Tagged | None = None  # the latest re-tagging of the probe sentences
        self.before: Tagged | None = None  # the one before it (what changed)
        self.yours: deque[Tagged] = deque(maxlen=YOURS_KEPT)
        self.scores: TagScores | None = None

    def clear_view(self) -> None:
        self.query_one("#tagged", Static).update("")
        self.query_one("#tagged-info", TextLine).update(TAGGED_WAITING)
        self.query_one("#scores-info", TextLine).update(SCORES_WAITING)
        self.query_one("#tag-bars", LabelBars).clear()
        self.query_one("#confusion", Heatmap).clear()

    def handle_event(self, event: Any) -> None:
        if isinstance(event, Tagged):
            if event.kind == "yours":
                self.yours.appendleft(event)
            else:
                self.before, self.probe = self.probe, event
            self.render_tagged()
        elif isinstance(event, TagScores):
            if event.split == "test":  # once, at the end of the run
                self.app.notify(metric_line(event.metrics), timeout=15,
                                title=f"Test sentences at step {event.step:,}")
                return
            self.scores = event
            self.render_scores()

    def show_eval(self, event: Eval) -> None:
        self.render_info()

    def show_history(self, history: Any) -> None:
        super().show_history(history)
        self.render_info()

    def status_fields(self) -> tuple[list, list]:
        cfg = self.app.config
        acc, base = self._accuracy(), self._baseline()
        return ([("data", cfg.data_label())],
                [("accuracy", "–" if acc is None else f"{acc:.1%}"),
                 ("most frequent tag", "–" if base is None else f"{base:.1%}")])

    def loss_fields(self) -> list[tuple[str, str]]:
        acc = self._accuracy()
        return [] if acc is None else [("accuracy", f"{acc:.1%}")]

    def submit_prompt(self, text: str) -> None:
        if not text.strip():
            self.app.notify("type a sentence to tag", severity="warning", timeout=2)
            return
        self.app.controller.request("predict", text=text)

    def probe_rows(self) -> int:
        return 2 if self.app.config.bidirectional else 1

    @classmethod
    def choices(cls, config: Any) -> list[tuple[str, str, Any]]:
        if not config.data:  # the user gave no --data: UD English GUM, when it is around
            found = gum()
            if found is None:  # shown, greyed: how to get there
                return [("tag", "Tagging · needs a treebank: rnn-tui --task tag --data "
                                "FILE.conllu", None)]
            dev, test = found
            config = config.replace(data=str(dev), val=str(test or ""))
        return [("tag", f"Tagging · {config.data_label()}", config)]

    @classmethod
    def choice_key(cls, config: Any) -> str:
        return "tag"

    # ------------------------------------------------------------------ drawing

    def _accuracy(self) -> float | None:
        last = self.app.info.get("eval")
        return None if last is None else last.metrics.get("accuracy")

    def _baseline(self) -> float | None:
        base = self.app.info.get("baselines")
        found = base.metrics.get("most frequent tag") if base is not None else None
        return found.get("accuracy") if isinstance(found, dict) else None

    def render_info(self) -> None:
        last = self.app.info.get("eval")
        if last is None:
            return
        m = last.metrics
        fields = [("step", f"{last.step:,}"), ("held-out accuracy", f"{m['accuracy']:.1%}")]
        if m.get("accuracy_unseen") is not None:
            fields.append(("unseen words", f"{m['accuracy_unseen']:.1%}"))
        if m.get("span_f1") is not None:
            fields.append(("span F1 (conlleval)", f"{m['span_f1']:.1%}"))
        base = self._baseline()
        if base is not None:
            fields.append(("most frequent tag", f"{base:.1%}"))
        self.query_one("#tagged-info", TextLine).update(join_fields(fields))

    def render_tagged(self) -> None:
        out = Text()
        p = self.probe
        if p is not None:
            changed = f"; bold: changed since step {self.before.step:,}" if self.before else ""
            out.append(f"held-out, tagged at step {p.step:,} (red: wrong, [the gold tag]"
                       f"{changed})\n", style="dim")
            old = self.before.sentences if self.before else []
            for i, s in enumerate(p.sentences):
                out.append_text(tagged_text(s, p.chars, before=old[i] if i < len(old)
                                            else None))
                out.append("\n")
        if self.yours:
            out.append("\nyours (each tag with its probability)\n", style="dim")
            for y in self.yours:
                out.append_text(tagged_text(y.sentences[0], y.chars, confidence=True))
                out.append("\n")
        self.query_one("#tagged", Static).update(out)

    def render_scores(self) -> None:
        sc = self.scores
        if sc is None:
            return
        per = sc.per_tag
        self.query_one("#scores-info", TextLine).update(join_fields([
            ("evaluation at step", f"{sc.step:,}"), ("accuracy", f"{sc.accuracy:.1%}"),
            ("tags", str(len(per)))]))
        self.query_one("#tag-bars", LabelBars).set_values(
            [t["tag"] for t in per], [t["accuracy"] for t in per],
            title="per-tag accuracy (recall)", fmt="{:.1%}")
        names = sc.confusion.get("tags", [])
        keep = [names.index(t["tag"]) for t in per[:CONFUSION_TAGS] if t["tag"] in names]
        counts = sc.confusion.get("counts", [])
        rows = [[counts[i][j] for j in keep] for i in keep]
        self.query_one("#confusion", Heatmap).set_matrix(
            rows, row_labels=[names[i] for i in keep],
            col_labels=abbreviations([names[i] for i in keep]), log=True,
            title="confusion: gold ↓ × predicted → (log count)")

    # ------------------------------------------------------------------ keys

    def action_retag(self) -> None:
        self.app.controller.request("predict", text=None)

    def action_toggle_bidirectional(self) -> None:
        cfg = self.app.config
        now = not cfg.bidirectional
        self.app.controller.start(cfg.replace(bidirectional=now),
                                  why=f"{'bidirectional' if now else 'unidirectional'} "
                                      f"{cfg.model.upper()} on the same data")

    def action_toggle_char_features(self) -> None:
        cfg = self.app.config
        if cfg.chars:
            self.app.notify("character-level tagging has no word features to switch",
                            timeout=3)
            return
        now = not cfg.char_features
        self.app.controller.start(cfg.replace(char_features=now),
                                  why=f"character features {'on' if now else 'off'}")
