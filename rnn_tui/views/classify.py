"""The classifier's view: a text you type (its class probabilities from the RNN and from the
Naive Bayes baseline, each token coloured by how much it moved the decision) above the
held-out examples the model currently gets wrong; and the held-out scores (a live
confusion matrix with the class names, F1 per class). Its keys: p type a text, g explain
the next most confident mistake, x influence method, o pooling, b bidirectional.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, RichLog, Static

from engine.events import Eval
from engine.families.classify.config import POOLINGS, data_path
from engine.families.classify.events import Confusion, Explanation, Misclassified
from rnn_tui.app.actions import shell_bindings
from rnn_tui.app.layout import DashboardScreen
from rnn_tui.app.panels import Panel, TextLine, fit_fields, join_fields
from rnn_tui.views.classify_render import (NB_COLOUR, RNN_COLOUR, bag_note, confusion_labels,
                                           counts_text, influence_text, mistake_line,
                                           row_shares, top_classes)
from rnn_tui.widgets import Heatmap, LabelBars

EXPLAIN_CYCLE = ("occlusion", "gradient_x_input")  # + attention with pooling attention
HINT = "p: type a text: P(class) by the RNN and by naive Bayes, each token's influence"
FEW = 6  # classes up to which the counts are printed under the heatmap
SCORES_WAITING = "waiting for the first evaluation…"
NAMES = data_path("names")


class TextsPanel(Panel):
    """Your text explained (RNN and Naive Bayes side by side), the mistakes, the prompt."""

    def compose(self) -> ComposeResult:
        yield TextLine(HINT, id="explain-info", classes="info")
        yield Static("", id="explain-text")
        with Horizontal(id="explain-bars"):
            yield LabelBars(id="rnn-probs")
            yield LabelBars(id="nb-probs")
        yield Static("", id="explain-note")
        yield RichLog(id="errors-log", max_lines=200, wrap=False, markup=False)
        yield Input(placeholder="a text to classify, Enter to see why, Esc to cancel",
                    id="classify-prompt", classes="prompt")


class ScoresPanel(Panel):
    """The held-out confusion matrix (row-normalised) and the F1 of every class."""

    def compose(self) -> ComposeResult:
        yield TextLine(SCORES_WAITING, id="scores-info", classes="info")
        with Horizontal(id="scores-body"):
            with Vertical(id="confusion-column"):
                yield Heatmap(id="confusion")
                yield Static("", id="confusion-counts")
            yield LabelBars(id="f1-bars")


class ClassifyScreen(DashboardScreen):
    """The dashboard of a many-to-one classifier."""

    PANELS = (("texts-panel", "Your text · misclassified"), ("scores-panel", "Held-out scores"))
    INTERACTIVE = {"probe_every": 50, "sample_every": 100}
    GRAD_TITLE = "‖dL/dh_t‖ per input position · {layer}"
    GRAD_INDEX = "t"
    GRAD_WHAT = "input positions"
    PROMPT_ID = "#classify-prompt"
    BINDINGS = shell_bindings(
        first=[Binding("g", "explain_mistake", "Explain a mistake",
                       tooltip="Explain the next most confident held-out mistake"),
               Binding("p", "app.prompt", "Classify",
                       tooltip="Type a text: class probabilities and each token's influence")],
        middle=[Binding("x", "explain_method", "Influence method", show=False,
                        tooltip="Token influence: occlusion → gradient × input (→ attention)"),
                Binding("o", "pooling", "Pooling", show=False,
                        tooltip="Pooling last → mean → max → attention (restarts training)"),
                Binding("b", "bidirectional", "Bidirectional", show=False,
                        tooltip="Read one way or both ways (restarts training)")])
    DEFAULT_CSS = """
    #explain-text { height: auto; max-height: 4; }
    #explain-bars { height: auto; max-height: 7; }
    #explain-bars LabelBars { width: 1fr; margin-right: 1; }
    #explain-note { height: auto; max-height: 3; color: $text-muted; }
    #errors-log {
        height: 1fr; min-height: 3; background: transparent; scrollbar-size-vertical: 1;
        overflow-x: hidden;
    }
    #scores-body { height: 1fr; }
    #confusion-column { width: 1fr; }
    #confusion { height: 1fr; }
    #confusion-counts { height: auto; margin-top: 1; }
    #f1-bars { width: 32; height: 1fr; margin-left: 1; }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reset_view()

    def compose_panels(self) -> ComposeResult:
        yield TextsPanel(id="texts-panel", classes="panel")
        yield ScoresPanel(id="scores-panel", classes="panel")

    def on_mount(self) -> None:
        self.query_one("#explain-bars").display = False  # until a text is typed
        super().on_mount()

    def apply_size(self, width: int, height: int) -> None:
        super().apply_size(width, height)
        # Two fifths for loss and gradients, three for the texts and the scores: 20 classes
        # need 20 rows of confusion matrix (and of F1 bars) at 160x48.
        self.query_one("#panels").styles.grid_rows = \
            "1fr" if self.has_class("-compact") else "2fr 3fr"

    # ------------------------------------------------------------------ the app's calls

    def reset_view(self) -> None:
        self.confusion: Confusion | None = None  # the latest held-out one
        self.test: Confusion | None = None
        self.mistakes: Misclassified | None = None
        self.mistake_index = 0  # the next one `g` explains
        self.explained: list[Explanation] = []  # the user's texts, newest last

    def clear_view(self) -> None:
        for bars in ("#rnn-probs", "#nb-probs", "#f1-bars"):
            self.query_one(bars, LabelBars).clear()
        self.query_one("#explain-text", Static).update("")
        self.query_one("#explain-note", Static).update("")
        self.query_one("#explain-info", TextLine).update(HINT)
        self.query_one("#explain-bars").display = False
        self.query_one("#errors-log", RichLog).clear()
        self.query_one("#confusion", Heatmap).clear()
        self.query_one("#confusion-counts", Static).update("")
        self.query_one("#scores-info", TextLine).update(SCORES_WAITING)

    def handle_event(self, event: Any) -> None:
        if isinstance(event, Confusion):
            if event.split == "test":
                self.test = event
                self.app.notify(f"accuracy {event.accuracy:.1%} · macro-F1 "
                                f"{event.macro_f1:.1%}", title="Test set")
            else:
                self.confusion = event
                self._render_scores()
            self._render_scores_info()
        elif isinstance(event, Misclassified):
            self.mistakes, self.mistake_index = event, 0
            self._render_mistakes()
        elif isinstance(event, Explanation):
            self.explained = (self.explained + [event])[-20:]
            self._render_explanation(event)

    def show_eval(self, event: Eval) -> None:
        self._render_scores_info()

    def status_fields(self) -> tuple[list, list]:
        cfg, hp = self.app.config, self.app.hparams
        last = self.app.info.get("eval")
        acc = last.metrics.get("accuracy") if last is not None else None
        return ([("data", cfg.data_label())],
                [("tokens", cfg.tokens), ("influence", str(hp.get("explain", cfg.explain))),
                 ("acc", "–" if acc is None else f"{acc:.1%}")])

    def loss_fields(self) -> list[tuple[str, str]]:
        last = self.app.info.get("eval")
        acc = last.metrics.get("accuracy") if last is not None else None
        return [] if acc is None else [("acc", f"{acc:.1%}")]

    def submit_prompt(self, text: str) -> None:
        if not text.strip():
            self.app.notify("type a text to classify", severity="warning", timeout=2)
            return
        self.app.controller.request("predict", text=text)

    @classmethod
    def choices(cls, config: Any) -> list[tuple[str, str, Any]]:
        out = [("classify", f"Classification · one label per text, data {config.data!r}",
                config)]
        if data_path(config.data).resolve() != NAMES.resolve():
            names = config.replace(data="names", val="", test="", text_column="",
                                   label_column="", header="auto", tokens="auto")
            out.append(("classify-names", "Classification · names: surname → one of 20 "
                        "invented languages (bundled)", names))
        return out

    @classmethod
    def choice_key(cls, config: Any) -> str:
        return "classify"

    # ------------------------------------------------------------------ drawing

    def _render_scores_info(self) -> None:
        last = self.app.info.get("eval")
        fields: list[tuple[str, str]] = []
        if last is not None and last.metrics.get("accuracy") is not None:
            fields += [("step", f"{last.step:,}"), ("acc", f"{last.accuracy:.1%}"),
                       ("macro-F1", f"{last.metrics.get('macro_f1', 0.0):.1%}")]
        base = self.app.info.get("baselines")
        for name, m in (base.metrics.items() if base is not None else ()):
            fields.append((name, f"{m['accuracy']:.1%}"))
        if self.test is not None:
            fields.append(("test", f"{self.test.accuracy:.1%}"))
        if fields:
            self.query_one("#scores-info", TextLine).update(join_fields(fields))

    def _render_scores(self) -> None:
        c = self.confusion
        rows, cols = confusion_labels(c.classes)
        few = len(c.classes) <= FEW
        grid = self.query_one("#confusion", Heatmap)
        grid.styles.height = len(c.classes) + 3 if few else "1fr"  # title, labels, legend
        counts = self.query_one("#confusion-counts", Static)
        counts.display = few
        counts.update(counts_text(c.classes, c.matrix) if few else "")
        grid.set_matrix(
            row_shares(c.matrix), row_labels=rows, col_labels=cols, vmin=0.0, vmax=1.0,
            title="confusion: true ↓ predicted → (row shares)")
        self.query_one("#f1-bars", LabelBars).set_values(
            [r["name"] for r in c.per_class], [r["f1"] for r in c.per_class],
            title="F1 per class")

    def _render_mistakes(self) -> None:
        m = self.mistakes
        log = self.query_one("#errors-log", RichLog)
        log.clear()
        log.write(Text(f"step {m.step:,}: {m.wrong:,} of {m.total:,} held-out examples "
                       f"misclassified{'; the most confident:' if m.examples else ''}",
                       style="bold"))
        for e in m.examples:
            log.write(mistake_line(e))

    def _render_explanation(self, e: Explanation) -> None:
        labels, rnn, nb = top_classes(e)
        self.query_one("#explain-bars").display = True
        self.query_one("#rnn-probs", LabelBars).set_values(
            labels, rnn, title="RNN: P(class | text)", colors=[RNN_COLOUR] * len(labels),
            fmt="{:.3f}")
        self.query_one("#nb-probs", LabelBars).set_values(
            labels, nb, title="naive Bayes (bag of words)" if nb else "naive Bayes: –",
            colors=[NB_COLOUR] * len(labels), fmt="{:.3f}")
        self.query_one("#explain-text", Static).update(influence_text(e))
        note = bag_note(e, self.explained[:-1])
        if e.unknown:
            note.append(f"  {e.unknown} token(s) never seen in training: read as <unk>",
                        style="italic")
        self.query_one("#explain-note", Static).update(note)
        info = self.query_one("#explain-info", TextLine)
        fields = [("", "red: for it · blue: against"), ("predicted", e.predicted),
                  ("influence", e.method.replace("_", " ")), ("step", f"{e.step:,}")]
        info.update(join_fields(fit_fields(fields, info.size.width, ("step", "influence"))))

    # ------------------------------------------------------------------ keys

    def action_explain_mistake(self) -> None:
        m = self.mistakes
        if m is None or not m.examples:
            self.app.notify("no misclassified example yet", timeout=2)
            return
        example = m.examples[self.mistake_index % len(m.examples)]
        self.mistake_index += 1
        self.app.controller.request("predict", text=example["text"])

    def action_explain_method(self) -> None:
        cycle = EXPLAIN_CYCLE + (("attention",) if self.app.config.pooling == "attention"
                                 else ())
        now = str(self.app.hparams.get("explain", "auto"))
        if now == "auto":
            now = "attention" if self.app.config.pooling == "attention" else "occlusion"
        nxt = cycle[(cycle.index(now) + 1) % len(cycle)] if now in cycle else cycle[0]
        self.app.set_hparam("explain", nxt)
        self.app.notify(f"token influence: {nxt.replace('_', ' ')}", timeout=2)

    def action_pooling(self) -> None:
        cfg = self.app.config
        nxt = POOLINGS[(POOLINGS.index(cfg.pooling) + 1) % len(POOLINGS)]
        explain = cfg.explain if cfg.explain != "attention" else "auto"
        self.app.controller.start(cfg.replace(pooling=nxt, explain=explain),
                                  why=f"pooling is now {nxt}")

    def action_bidirectional(self) -> None:
        cfg = self.app.config
        on = not cfg.bidirectional
        self.app.controller.start(cfg.replace(bidirectional=on),
                                  why="reading both ways" if on else "reading left to right only")
