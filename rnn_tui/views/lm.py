"""The language model's view: samples typed out token by token (characters, or words),
coloured by the probability the model gave each one; a comparison of sentences by their
per-token surprisal; and the gates (LSTM/GRU) - or, for a vanilla RNN, which has none, its
hidden states as a units x characters heatmap - with one hidden unit coloured over a probe
text. Its keys: g sample now, p prime a sample, w compare sentences, t/T temperature, b/B
truncated-BPTT window, u/U which hidden unit.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input

from engine.families.lm.config import LMConfig
from engine.families.lm.events import Gates, Sample, Scores
from rnn_tui.app.actions import shell_bindings
from rnn_tui.app.layout import DashboardScreen
from rnn_tui.app.panels import Panel, TextLine, join_fields
from rnn_tui.widgets import GatePlot, Heatmap, NeuronText, SampleView
from rnn_tui.widgets.canvas import DIVERGING, safe_label
from rnn_tui.widgets.surprisal_view import SurprisalView

TEMPERATURE_STEP, TEMPERATURE_MIN, TEMPERATURE_MAX = 0.1, 0.1, 3.0
BPTT_MIN, BPTT_MAX = 2, 4096
WORD_CHARS = 6  # a word is revealed about as fast as this many characters
GATES_WAITING = "waiting for the first gate probe…"
HIDDEN_ROWS = 12  # units the vanilla RNN's heatmap shows: the most active ones
PRIME_HINT = "prime text, Enter to sample, Esc to cancel"
WORD_PRIME_HINT = "prime words, Enter to sample, Esc to cancel"
COMPARE_HINT = "sentences to compare, separated by | (Enter alone: the slide's pair), Esc to cancel"
SLIDE_PAIR = ("recognize speech", "wreck a nice beach")  # the lecture's example


class SamplesPanel(Panel):
    """Samples as they are written, the latest at the bottom; the prime prompt."""

    def compose(self) -> ComposeResult:
        yield SurprisalView(id="scores")
        yield SampleView(id="samples")
        yield Input(placeholder=PRIME_HINT, id="prompt", classes="prompt")


class GatesPanel(Panel):
    """Mean gate activity over a probe text, and one hidden unit coloured over it."""

    def compose(self) -> ComposeResult:
        yield TextLine(GATES_WAITING, id="gates-info", classes="info")
        yield GatePlot(id="gate-plot")
        yield Heatmap(id="hidden-map", cmap=DIVERGING)  # a vanilla RNN: no gates
        yield TextLine("", id="neuron-label", classes="info")
        yield NeuronText(id="neuron-text")


class LanguageModelScreen(DashboardScreen):
    """The dashboard of a language model (characters or words)."""

    PANELS = (("samples-panel", "Samples"), ("gates-panel", "Gates"))
    INTERACTIVE = {"probe_every": 20, "sample_every": 100}
    PROMPT_ID = "#prompt"
    BINDINGS = shell_bindings(
        first=[Binding("g", "sample", "Sample", tooltip="Sample from the model now"),
               Binding("p", "prime", "Prompt",
                       tooltip="Type a prime and sample its continuation"),
               Binding("w", "compare", "Compare sentences", show=False,
                       tooltip="Type sentences (a | b) and compare their surprisal per token")],
        middle=[Binding("t", "temperature(-1)", "Temperature down", show=False),
                Binding("T", "temperature(1)", "Temperature up", show=False),
                Binding("b", "bptt(0.5)", "BPTT window ÷2", show=False),
                Binding("B", "bptt(2.0)", "BPTT window ×2", show=False),
                Binding("u", "unit(-1)", "Previous hidden unit (gates)", show=False),
                Binding("U", "unit(1)", "Next hidden unit (gates)", show=False)],
        cells=LMConfig.CELLS)
    DEFAULT_CSS = """
    #gate-plot { height: auto; max-height: 70%; }
    #hidden-map { display: none; height: 16; min-height: 4; }
    #neuron-label { margin-top: 1; }
    #neuron-text { height: 1fr; min-height: 3; }
    #scores { margin-bottom: 1; }
    """

    # Characters per second at which new samples are revealed, and reveal ticks per second
    # (each tick repaints the sample view: few ticks keep the UI thread off the CPU cores
    # that torch's intra-op threads use).
    reveal_cps = 240.0
    reveal_fps = 15.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.unit_index = 0
        self.prompt_mode = "sample"  # what the prompt's Enter does: sample | compare
        self._reveal_queue: deque[Sample] = deque()
        self._revealing: tuple[Sample, int] | None = None
        self._reveal_timer = None
        self.reset_view()

    def compose_panels(self) -> ComposeResult:
        yield SamplesPanel(id="samples-panel", classes="panel")
        yield GatesPanel(id="gates-panel", classes="panel")

    def on_mount(self) -> None:
        self._reveal_timer = self.set_interval(1 / self.reveal_fps, self._reveal_tick,
                                               pause=True)
        self.query_one("#scores", SurprisalView).display = False
        super().on_mount()
        self._show_token_unit()

    def on_unmount(self) -> None:
        if self._reveal_timer is not None:
            self._reveal_timer.stop()

    # ------------------------------------------------------------------ the app's calls

    def reset_view(self) -> None:
        self.last_gates: Gates | None = None
        self.samples_seen = 0
        if self.is_mounted:
            self._show_token_unit()

    def _show_token_unit(self) -> None:
        """A word model's loss is per token (a word, or a piece of one: "said," is two), its
        perplexity per word only in the evaluation's numbers: the chart says which."""
        self.query_one("#loss-chart").per_token = "token" if self.words else ""

    @property
    def words(self) -> bool:
        return self.app.config.tokens == "word"

    def clear_view(self) -> None:
        self.query_one("#samples").clear()
        self.query_one("#scores", SurprisalView).show([])
        self.clear_gates()
        self._reveal_queue.clear()
        self._revealing = None

    def clear_gates(self) -> None:
        """Nothing of the previous model's gates stays (a switch from GRU to RNN)."""
        self.query_one("#gates-info", TextLine).update(GATES_WAITING)
        self.query_one("#gate-plot").set_gates("", {})
        self.query_one("#hidden-map").clear()
        self.query_one("#neuron-text").set_activations("", [])
        self.query_one("#neuron-label", TextLine).update("")

    def handle_event(self, event: Any) -> None:
        if isinstance(event, Sample):
            self.samples_seen += 1
            self._reveal_queue.append(event)
            if self._reveal_timer is not None:
                self._reveal_timer.resume()
        elif isinstance(event, Gates):
            self.last_gates = event
            self.render_gates()
        elif isinstance(event, Scores):
            self.query_one("#scores", SurprisalView).show(event.sentences, event.step)

    def show_history(self, history: Any) -> None:
        view = self.query_one("#samples")
        for event in history.family_events:
            if isinstance(event, Sample):  # shown at once: only new samples are typed out
                view.begin_sample(sample_header(event), prime=event.prime)
                if event.tokens:
                    view.append_tokens(event.tokens, event.probs)
                else:
                    view.append_chars(event.text, event.probs)
            else:
                self.handle_event(event)

    def loss_fields(self) -> list[tuple[str, str]]:
        """A word model's held-out perplexity per word of the text (the chart's is per
        token; they differ when the tokenizer splits words)."""
        last = self.app.info.get("eval")
        ppl = last.metrics.get("perplexity") if last is not None and self.words else None
        return [] if ppl is None else [("ppl/word", f"{ppl:.1f}")]

    def status_fields(self) -> tuple[list, list]:
        hp = self.app.hparams
        return [], [("bptt", str(hp["bptt"])), ("T", f"{hp['temperature']:.2f}")]

    def submit_prompt(self, text: str) -> None:
        request = self.app.controller.request
        if self.app.require_runner() is None:
            return
        if self.prompt_mode == "compare":
            sentences = [s.strip() for s in text.split("|") if s.strip()] or list(SLIDE_PAIR)
            request("score", sentences=sentences)
            self.app.notify(f"scoring {len(sentences)} sentence"
                            f"{'s' if len(sentences) > 1 else ''}", timeout=2)
            return
        request("sample", prime=text, temperature=float(self.app.hparams["temperature"]))
        self.app.notify(f"sampling from {text!r}" if text else "sampling", timeout=2)

    def layer_changed(self) -> None:
        self.render_gates()

    @property
    def busy(self) -> bool:
        return self._revealing is not None or bool(self._reveal_queue)

    @classmethod
    def choices(cls, config: Any) -> list[tuple[str, str, Any]]:
        level = "word-level" if config.tokens == "word" else "character-level"
        return [("lm", f"Language model · {level}, corpus {config.corpus!r}", config)]

    # ------------------------------------------------------------------ keys

    def action_prime(self) -> None:
        self._open_prompt("sample", WORD_PRIME_HINT if self.words else PRIME_HINT)

    def action_compare(self) -> None:
        self._open_prompt("compare", COMPARE_HINT)

    def _open_prompt(self, mode: str, hint: str) -> None:
        self.prompt_mode = mode
        self.query_one("#prompt", Input).placeholder = hint
        self.app.action_prompt()

    def action_sample(self) -> None:
        temperature = float(self.app.hparams["temperature"])
        self.app.controller.request("sample", prime="", temperature=temperature)

    def action_temperature(self, direction: int) -> None:
        now = float(self.app.controller.wanted("temperature"))
        t = round(now + direction * TEMPERATURE_STEP, 2)
        self.app.set_hparam("temperature", min(TEMPERATURE_MAX, max(TEMPERATURE_MIN, t)))

    def action_bptt(self, factor: float) -> None:
        bptt = int(round(int(self.app.controller.wanted("bptt")) * factor))
        self.app.set_hparam("bptt", min(BPTT_MAX, max(BPTT_MIN, bptt)))

    def action_unit(self, direction: int) -> None:
        self.unit_index += direction  # wrapped to the hidden size in render_gates
        if self.last_gates is None:
            self.unit_index = max(0, self.unit_index)
        self.render_gates()

    # ------------------------------------------------------------------ drawing

    def render_gates(self) -> None:
        g = self.last_gates
        if g is None:
            return
        n_layers = max(1, len(g.hidden)) if g.hidden else max(1, self.app.n_layers)
        layer = self.app.layer % n_layers
        gates = {name: per_layer[min(layer, len(per_layer) - 1)]
                 for name, per_layer in g.gates.items() if per_layer}
        sat = {name: per_layer[min(layer, len(per_layer) - 1)]
               for name, per_layer in (g.saturation or {}).items() if per_layer}
        hidden = g.hidden[min(layer, len(g.hidden) - 1)] if g.hidden else []
        self.query_one("#gate-plot").display = bool(gates)
        self.query_one("#hidden-map").display = not gates
        if gates:
            self.query_one("#gate-plot").set_gates(g.text, gates, saturation=sat or None)
        else:
            self.render_hidden_map(g.text, hidden)
        width = len(hidden[0]) if hidden and hidden[0] else 0
        if width:
            self.unit_index %= width
            values = [row[self.unit_index] for row in hidden]
            self.query_one("#neuron-text").set_activations(g.text, values)
            unit = f"unit {self.unit_index}/{width}"
        else:
            unit = "no hidden states"
        kinds = ", ".join(gates) if gates else "none (vanilla RNN): hidden units × characters"
        self.query_one("#gates-info", TextLine).update(join_fields([
            ("", f"layer {layer + 1}/{n_layers}"), ("step", str(g.step)), ("gates", kinds)]))
        self.query_one("#neuron-label", TextLine).update(join_fields([
            ("hidden", unit), ("", "u/U pick a unit: blue −1 … red +1")]))

    def render_hidden_map(self, text: str, hidden: list[list[float]]) -> None:
        """A vanilla RNN's h_t over the probe text: its most active units (largest variance
        over the text) as rows, -1 blue … +1 red, the characters as columns."""
        import numpy as np

        grid = self.query_one("#hidden-map")
        if not hidden or not hidden[0]:
            grid.clear()
            return
        h = np.asarray(hidden, dtype=np.float64)  # (T, H)
        units = sorted(np.argsort(-h.var(axis=0))[:HIDDEN_ROWS].tolist())
        grid.set_matrix(h[:, units].T.tolist(), row_labels=[f"u{u}" for u in units],
                        col_labels=[safe_label(c) for c in text], vmin=-1.0, vmax=1.0,
                        title=f"h_t of the {len(units)} most active of {h.shape[1]} units")

    def _reveal_tick(self) -> None:
        if self.app.main_screen is not self:  # replaced by another family's view
            return
        view = self.query_one("#samples")
        budget = max(1, int(self.reveal_cps / self.reveal_fps))
        if self.words:
            budget = max(1, budget // WORD_CHARS)
        while budget > 0:
            if self._revealing is None:
                if not self._reveal_queue:
                    if self._reveal_timer is not None:
                        self._reveal_timer.pause()
                    return
                sample = self._reveal_queue.popleft()
                view.begin_sample(sample_header(sample), prime=sample.prime)
                self._revealing = (sample, 0)
            sample, pos = self._revealing
            units = sample.tokens or sample.text  # words, or characters
            # A backlog (several samples waiting) is shown at once rather than queued up.
            left = len(units) - pos
            n = left if self._reveal_queue else min(budget, left)
            chunk, probs = units[pos:pos + n], sample.probs[pos:pos + n]
            if chunk:
                if sample.tokens:
                    view.append_tokens(chunk, probs)
                else:
                    view.append_chars(chunk, probs)
            budget -= max(1, n)
            pos += n
            self._revealing = None if pos >= len(units) else (sample, pos)


def sample_header(sample: Sample) -> str:
    header = f"step {sample.step} · T={sample.temperature:g}"
    if sample.prime:
        header += " · your prime"
    return header
