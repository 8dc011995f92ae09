"""The seq2seq view: the translations log (the probe examples' decodes whenever they
change, the held-out exact match, the user's inputs with their beams) and the attention grid
(alpha_ij of one example: output characters down, input characters across). Its keys: g
decode the probe example now, p type an input, a attention kind, f/F teacher forcing, w/W
beam width, e/E which example the grid shows.
"""

from __future__ import annotations

from typing import Any

from rich.padding import Padding
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, RichLog

from engine.events import Eval
from engine.families.seq2seq.config import ATTENTIONS, Seq2SeqConfig
from engine.families.seq2seq.events import Attention
from rnn_tui.app.actions import shell_bindings
from rnn_tui.app.layout import DashboardScreen
from rnn_tui.app.panels import Panel, TextLine, join_fields
from rnn_tui.widgets import Heatmap
from rnn_tui.widgets.canvas import PROB, level, safe_label

TEACHER_STEP = 0.1
BEAM_MIN, BEAM_MAX = 1, 16
EOS_LABEL = "⏎"  # the row of the <eos> step in the grid
ATTENTION_WAITING = "waiting for the first decoded example…"
BLURBS = {"dates": "date normalisation: 'March 3, 2021' → 2021-03-03",
          "reverse": "string reversal (30-50 characters)",
          "sort": "sort the characters of a string",
          "add": "addition: '123+45' → 168"}


class TranslationsPanel(Panel):
    """The probe examples' decodes whenever they change, evaluations, and the user's
    translations with their beams; the prompt to type an input. Focused, the arrows,
    PageUp/PageDown and Home/End scroll the log (new lines stop pulling it to the end
    until End or the bottom is reached again)."""

    BINDINGS = [Binding("up", "scroll_log('up')", show=False),
                Binding("down", "scroll_log('down')", show=False),
                Binding("pageup", "scroll_log('page_up')", show=False),
                Binding("pagedown", "scroll_log('page_down')", show=False),
                Binding("home", "scroll_log('home')", show=False),
                Binding("end", "scroll_log('end')", show=False)]

    def action_scroll_log(self, how: str) -> None:
        log = self.query_one("#translations", RichLog)
        getattr(log, f"scroll_{how}")(animate=False)
        # Reading back: stay there while lines arrive; at the end again: follow them.
        log.auto_scroll = how == "end" or (how in ("down", "page_down")
                                           and log.scroll_y >= log.max_scroll_y - 1)

    def compose(self) -> ComposeResult:
        # Your last translation stays here while the probe decodes scroll by below.
        yield TextLine("", id="your-translation", classes="info")
        yield RichLog(id="translations", max_lines=500, wrap=True, markup=False)
        yield Input(placeholder="an input to translate, Enter to decode, Esc to cancel",
                    id="translate-prompt", classes="prompt")


class AttentionPanel(Panel):
    """The attention grid alpha_ij (output steps x input characters) of one example."""

    def compose(self) -> ComposeResult:
        yield TextLine(ATTENTION_WAITING, id="attention-info", classes="info")
        yield Heatmap(id="attention-grid")
        yield TextLine("", id="attention-hint", classes="info")


class Seq2SeqScreen(DashboardScreen):
    """The dashboard of an encoder-decoder."""

    PANELS = (("translate-panel", "Translations"), ("attention-panel", "Attention"))
    # seq2seq steps are ~10x faster than the language model's default
    INTERACTIVE = {"probe_every": 50, "sample_every": 10}
    GRAD_TITLE = "‖dL/dh_j‖ per input position · encoder {layer}"
    GRAD_INDEX = "j"
    GRAD_WHAT = "input positions"
    PROMPT_ID = "#translate-prompt"
    BINDINGS = shell_bindings(
        first=[Binding("g", "decode", "Decode", tooltip="Decode the probe example now"),
               Binding("p", "app.prompt", "Translate",
                       tooltip="Type an input and decode it (with beam search)")],
        middle=[Binding("a", "attention_kind", "Attention", tooltip="Attention none → "
                        "bahdanau → luong-dot → luong-general (restarts training)"),
                Binding("f", "teacher_forcing(-1)", "Teacher forcing −0.1", show=False),
                Binding("F", "teacher_forcing(1)", "Teacher forcing +0.1", show=False),
                Binding("w", "beam(-1)", "Beam width −1 (your translations)", show=False),
                Binding("W", "beam(1)", "Beam width +1 (your translations)", show=False),
                Binding("e", "example(1)", "Next example in the attention grid", show=False),
                Binding("E", "example(-1)", "Previous example in the attention grid",
                        show=False)],
        cells=Seq2SeqConfig.MODELS)
    DEFAULT_CSS = """
    #attention-grid { height: 1fr; min-height: 4; }
    #your-translation { display: none; }
    #translations {
        height: 1fr;
        background: transparent;
        scrollbar-size-vertical: 1;
        overflow-x: hidden;
        overflow-y: auto;
    }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.beam = 3  # beam width of the translations the user asks for
        self.reset_view()

    def compose_panels(self) -> ComposeResult:
        yield TranslationsPanel(id="translate-panel", classes="panel")
        yield AttentionPanel(id="attention-panel", classes="panel")

    # ------------------------------------------------------------------ the app's calls

    def reset_view(self) -> None:
        # Latest Attention event per example, in first-seen order: the probe examples, then
        # the user's translations. The grid shows `examples[example_index]`.
        self.examples: dict[str, Attention] = {}
        self.example_index = 0
        self._logged: dict[str, str] = {}  # source -> the output last written to the log

    def clear_view(self) -> None:
        self.query_one("#translations", RichLog).clear()
        self.query_one("#your-translation", TextLine).display = False
        self.query_one("#attention-grid").clear()
        self.query_one("#attention-info", TextLine).update(ATTENTION_WAITING)
        self.query_one("#attention-hint", TextLine).update("")

    def handle_event(self, event: Any) -> None:
        if isinstance(event, Attention):
            self._handle_attention(event)

    def show_eval(self, event: Eval) -> None:
        self._log_eval(event)

    def show_history(self, history: Any) -> None:
        super().show_history(history)
        if history.last_eval is not None:
            self._log_eval(history.last_eval)

    def status_fields(self) -> tuple[list, list]:
        cfg, hp = self.app.config, self.app.hparams
        ev_ = self.app.info.get("eval")
        exact = ev_.metrics.get("exact_match") if ev_ is not None else None
        now = getattr(self.app.info.get("train"), "teacher_forcing", None)
        ratio = f"{float(hp['teacher_forcing']):.2f}"
        if cfg.teacher_forcing_final is not None:  # scheduled: start → final (now)
            ratio += f" → {cfg.teacher_forcing_final:.2f}"
            if now is not None:
                ratio += f" (now {now:.2f})"
        return ([("task", cfg.task)],
                [("teacher forcing", ratio), ("beam", str(self.beam)),
                 ("exact", "–" if exact is None else f"{exact:.1%}")])

    def loss_fields(self) -> list[tuple[str, str]]:
        last = self.app.info.get("eval")
        exact = last.metrics.get("exact_match") if last is not None else None
        return [] if exact is None else [("exact", f"{exact:.1%}")]

    def submit_prompt(self, text: str) -> None:
        if not text:
            self.app.notify("type an input to translate", severity="warning", timeout=2)
            return
        self.app.controller.request("translate", source=text, beam=self.beam)

    @classmethod
    def choices(cls, config: Any) -> list[tuple[str, str, Any]]:
        def make(task: str) -> Any:
            # Task-specific lengths do not carry over from one task to another.
            return config if config.task == task else \
                config.replace(task=task, min_len=0, max_len=0)

        out = [(task, f"Seq2seq · {blurb}", make(task)) for task, blurb in BLURBS.items()]
        if config.pairs:
            out.append(("pairs", f"Seq2seq · sentence pairs from {config.pairs}",
                        make("pairs")))
        return out

    @classmethod
    def choice_key(cls, config: Any) -> str:
        return config.task

    # ------------------------------------------------------------------ events

    def _handle_attention(self, event: Attention) -> None:
        requested = not event.target  # a translation the user asked for
        new = event.source not in self.examples
        self.examples[event.source] = event
        if requested:  # show the user's input in the grid at once
            self.example_index = list(self.examples).index(event.source)
        if requested or self._logged.get(event.source) != event.output:
            self._log_translation(event)  # (a probe example: only when its decode changed)
        shown = list(self.examples)[self.example_index % len(self.examples)]
        if shown == event.source or new:  # the grid's example, or "k/N" changed
            self._render_attention()

    def _log_eval(self, event: Eval) -> None:
        m = event.metrics
        if m.get("exact_match") is None:
            return
        fields = [("step", f"{event.step:,}"), ("held-out exact", f"{m['exact_match']:.1%}"),
                  ("token acc", f"{m.get('token_accuracy', 0.0):.1%}"),
                  ("loss", f"{event.val_loss:.4f}")]
        if m.get("bleu") is not None:
            fields += [("BLEU", f"{100 * m['bleu']:.1f}"), ("chrF", f"{100 * m['chrf']:.1f}")]
        line = join_fields(fields)
        line.no_wrap, line.overflow = False, "fold"  # a narrow panel wraps it, never cuts chrF
        self._translations().write(line)

    def _log_translation(self, e: Attention) -> None:
        self._logged[e.source] = e.output
        line = Text(f"step {e.step:,} ", style="dim")
        line.append("you " if not e.target else "", style="bold #ffb74d")
        line.append(safe_label(e.source), style="bold")
        line.append(" → ", style="dim")
        line.append_text(prob_text(e.output, e.probs))
        if e.target:
            ok = e.output == e.target
            line.append(" ✓" if ok else f" ✗ want {e.target}",
                        style="bold green" if ok else "red")
        else:  # yours: also pinned above the log
            pinned = self.query_one("#your-translation", TextLine)
            pinned.update(line.copy())
            pinned.display = True
        self._translations().write(line)
        # (RichLog drops leading spaces: indent with Padding)
        for rank, (text, score, *_finished) in enumerate(e.beams, 1):
            alt = Text(f"{rank}. ", style="dim")
            alt.append(safe_label(text), style="bold" if rank == 1 else "")
            alt.append(f"  log p {score:.3f}", style="dim")
            self._translations().write(Padding(alt, (0, 0, 0, 4)))

    def _translations(self) -> RichLog:
        return self.query_one("#translations", RichLog)

    # ------------------------------------------------------------------ the grid

    def _render_attention(self) -> None:
        if not self.examples:
            return
        s = self
        keys = list(self.examples)
        self.example_index %= len(keys)
        e = self.examples[keys[self.example_index]]
        kind = "yours" if not e.target else "probe"
        fields = [("", f"example {self.example_index + 1}/{len(keys)} ({kind})"),
                  ("step", f"{e.step:,}"), ("attention", e.attention)]
        if e.target:
            fields.append(("", "✓ correct" if e.output == e.target else "✗ wrong"))
        s.query_one("#attention-info", TextLine).update(join_fields(fields))
        grid = s.query_one("#attention-grid")
        if not e.weights:
            grid.set_matrix([], title="attention none: the decoder sees only the encoder's "
                                      "final state")
        else:
            rows = list(e.output) + [EOS_LABEL] * (len(e.weights) - len(e.output))
            grid.set_matrix(e.weights, row_labels=[safe_label(c) for c in rows],
                            col_labels=[safe_label(c) for c in e.source], vmin=0.0, vmax=1.0,
                            title=f"α: {e.source[:40]!r} → {e.output[:40]!r}")
        s.query_one("#attention-hint", TextLine).update(join_fields([
            ("rows", "output"), ("columns", "input"), ("", "e/E example · p your input")]))

    # ------------------------------------------------------------------ keys

    def action_decode(self) -> None:
        self.app.controller.request("translate", source=None, beam=1)  # the first probe

    def action_teacher_forcing(self, direction: int) -> None:
        now = float(self.app.controller.wanted("teacher_forcing"))
        r = round(now + direction * TEACHER_STEP, 2)
        self.app.set_hparam("teacher_forcing", min(1.0, max(0.0, r)))

    def action_beam(self, direction: int) -> None:
        self.beam = min(BEAM_MAX, max(BEAM_MIN, self.beam + direction))
        self.app.render_status()
        self.app.notify(f"beam width {self.beam} for your translations (p)", timeout=2)

    def action_attention_kind(self) -> None:
        config = self.app.config
        nxt = ATTENTIONS[(ATTENTIONS.index(config.attention) + 1) % len(ATTENTIONS)]
        self.app.controller.start(config.replace(attention=nxt), why=f"attention is now {nxt}")

    def action_example(self, direction: int) -> None:
        if not self.examples:
            self.app.notify("no decoded example yet", timeout=2)
            return
        self.example_index += direction
        self._render_attention()




def prob_text(text: str, probs: list[float]) -> Text:
    """`text` with each character coloured by the probability the model gave it."""
    out = Text()
    for ch, p in zip(text, list(probs) + [1.0] * (len(text) - len(probs))):
        out.append(safe_label(ch), style=PROB[level(float(p))])
    return out

