"""What the app adds in seq2seq mode: the translations log, the attention grid, the
seq2seq status fields, and the keys that only mean something there (teacher forcing, beam
width, attention kind, which example the grid shows).

`Seq2SeqViewMixin` is part of `RnnTuiApp` (see app.py). Like the rest of the app it only
reads events and writes widgets; it talks to the trainer through the `TrainingRunner`.
"""

from __future__ import annotations

from rich.padding import Padding
from rich.text import Text
from textual.widgets import RichLog

from engine.seq2seq.config import ATTENTIONS
from engine.seq2seq.events import Attention, Seq2SeqEval
from rnn_tui.app.panels import TextLine, join_fields
from rnn_tui.widgets._common import PROB, level, safe_label

TEACHER_STEP = 0.1
BEAM_MIN, BEAM_MAX = 1, 16
EOS_LABEL = "⏎"  # the row of the <eos> step in the grid


class Seq2SeqViewMixin:
    """Seq2seq panels, status and keys of RnnTuiApp."""

    def _reset_seq2seq_state(self) -> None:
        # Latest Attention event per example, in first-seen order: the probe examples, then
        # the user's translations. The grid shows `examples[example_index]`.
        self.examples: dict[str, Attention] = {}
        self.example_index = 0
        self._logged: dict[str, str] = {}  # source -> the output last written to the log

    def _clear_seq2seq_views(self) -> None:
        s = self.main_screen
        s.query_one("#translations", RichLog).clear()
        s.query_one("#attention-grid").clear()
        s.query_one("#attention-info", TextLine).update("waiting for the first decoded example…")
        s.query_one("#attention-hint", TextLine).update("")

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

    def _log_eval(self, event: Seq2SeqEval) -> None:
        fields = [("step", f"{event.step:,}"), ("held-out exact", f"{event.exact_match:.1%}"),
                  ("token acc", f"{event.token_accuracy:.1%}"),
                  ("loss", f"{event.val_loss:.4f}")]
        if event.bleu is not None:
            fields += [("BLEU", f"{100 * event.bleu:.1f}"), ("chrF", f"{100 * event.chrf:.1f}")]
        self._translations().write(join_fields(fields))

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
        self._translations().write(line)
        # (RichLog drops leading spaces: indent with Padding)
        for rank, (text, score) in enumerate(e.beams, 1):
            alt = Text(f"{rank}. ", style="dim")
            alt.append(safe_label(text), style="bold" if rank == 1 else "")
            alt.append(f"  log p {score:.3f}", style="dim")
            self._translations().write(Padding(alt, (0, 0, 0, 4)))

    def _translations(self) -> RichLog:
        return self.main_screen.query_one("#translations", RichLog)

    # ------------------------------------------------------------------ the grid

    def _render_attention(self) -> None:
        if not self.examples:
            return
        s = self.main_screen
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

    # ------------------------------------------------------------------ status

    def _seq2seq_status(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """(fields of line 1 to insert after the model, fields of line 2) in seq2seq mode."""
        cfg = self.config
        ev_ = self.info.get("eval")
        exact = f"{ev_.exact_match:.1%}" if isinstance(ev_, Seq2SeqEval) else "–"
        now = getattr(self.info.get("train"), "teacher_forcing", None)
        ratio = f"{float(self.hparams['teacher_forcing']):.2f}"
        if cfg.teacher_forcing_final is not None:  # scheduled: start → final (now)
            ratio += f" → {cfg.teacher_forcing_final:.2f}"
            if now is not None:
                ratio += f" (now {now:.2f})"
        return ([("task", cfg.task)],
                [("teacher forcing", ratio),
                 ("beam", str(self.beam)), ("exact", exact)])

    # ------------------------------------------------------------------ keys

    def action_teacher_forcing(self, direction: int) -> None:
        r = round(float(self.hparams["teacher_forcing"]) + direction * TEACHER_STEP, 2)
        self._set_hparam("teacher_forcing", min(1.0, max(0.0, r)))

    def action_beam(self, direction: int) -> None:
        self.beam = min(BEAM_MAX, max(BEAM_MIN, self.beam + direction))
        self._render_status()
        self.notify(f"beam width {self.beam} for your translations (p)", timeout=2)

    def action_attention_kind(self) -> None:
        nxt = ATTENTIONS[(ATTENTIONS.index(self.config.attention) + 1) % len(ATTENTIONS)]
        self._restart(self.config.replace(attention=nxt), f"attention is now {nxt}")

    def action_example(self, direction: int) -> None:
        if not self.examples:
            self.notify("no decoded example yet", timeout=2)
            return
        self.example_index += direction
        self._render_attention()

    def _translate(self, source: str) -> None:
        runner = self._require_runner()
        if runner is not None:
            runner.request_translation(source, self.beam)


def prob_text(text: str, probs: list[float]) -> Text:
    """`text` with each character coloured by the probability the model gave it."""
    out = Text()
    for ch, p in zip(text, list(probs) + [1.0] * (len(text) - len(probs))):
        out.append(safe_label(ch), style=PROB[level(float(p))])
    return out

