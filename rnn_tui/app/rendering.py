"""How the app draws its state: the status bar, the panels' info lines, the gradient and gate
views, the tab strip, banners and dialogs, and the sample "typing" reveal.

`RenderingMixin` is part of `RnnTuiApp` (see app.py); it reads the app's state (`info`,
`hparams`, `probes`, `last_gates`, ...) and only writes to widgets. Every value shown comes
from engine events or the requested settings, never from a clock.
"""

from __future__ import annotations

import math
from typing import Any

from rich.text import Text
from textual.css.query import NoMatches
from textual.widgets import Static

from engine import events as ev
from rnn_tui.app import modes
from rnn_tui.app.panels import (StatusBar, TextLine, fmt_count, fmt_duration, fmt_float,
                                join_fields)
from rnn_tui.app.screens import MessageScreen


class RenderingMixin:
    """Widget updates of RnnTuiApp (status, panels, tabs, banners, sample reveal)."""

    # ------------------------------------------------------------------ rendering

    def _render_status(self) -> None:
        try:
            bar = self.main_screen.query_one("#status", StatusBar)
        except Exception:
            return
        step: ev.TrainStep | None = self.info.get("train")
        started: ev.Started | None = self.info.get("started")
        ckpt: ev.Checkpoint | None = self.info.get("checkpoint")
        icon = {"running": "▶ training", "paused": "‖ paused", "starting": "… starting",
                "stopping": "■ stopping", "finished": "■ finished", "error": "✖ error",
                "idle": "· idle"}[self.state]
        seq2seq = self.mode == modes.SEQ2SEQ
        s2s_line1, s2s_line2 = self._seq2seq_status() if seq2seq else ([], [])
        line1 = [("", icon), *s2s_line1,
                 ("model", modes.describe_model(self.config)),
                 ("step", f"{step.step:,}" if step else "–"),
                 # (generated seq2seq tasks draw fresh examples: no epochs)
                 *([] if seq2seq and self.config.task != "pairs" else
                   [("epoch", f"{step.epoch:.2f}" if step else "–")]),
                 ("", f"{fmt_count(step.tokens_per_s)} tok/s" if step else "– tok/s"),
                 ("elapsed", fmt_duration(step.elapsed_s) if step else "–")]
        if started:
            line1.append(("params", fmt_count(started.parameters)))
        hp = self.hparams
        if hp.get("clip_mode", "norm") == "off" or not hp["clip"]:
            clip = "off"
        else:
            clip = f"{hp.get('clip_mode', 'norm')} {fmt_float(hp['clip'])}"
            if step and step.clipped:
                clip += " (clipped)"
        lr = fmt_float(step.lr) if step else fmt_float(hp["lr"])
        line2 = [("lr", f"{lr} (peak {fmt_float(hp['lr'])})"), ("clip", clip)]
        if seq2seq:
            line2 += s2s_line2
        else:
            line2 += [("bptt", str(hp["bptt"])), ("T", f"{hp['temperature']:.2f}")]
        line2 += [("device", started.device if started else "–"),
                 ("ckpt", f"step {ckpt.step}" if ckpt else "–")]
        text = join_fields(line1)
        text.append("\n")
        text.append_text(join_fields(line2))
        bar.set_text(text)
        bar.set_class(self.state == "paused", "-paused")
        bar.set_class(self.state == "error", "-error")

    def _render_loss_info(self) -> None:
        chart = self.main_screen.query_one("#loss-chart")
        fields = [("axis", chart.scale), ("unit", chart.unit)]
        base: ev.Baselines | None = self.info.get("baselines")
        if base:
            fields.append(("KN %d-gram" % base.ngram_order, in_unit(base.ngram, chart.unit)))
            fields.append(("unigram", in_unit(base.unigram, chart.unit)))
        if self.best_val is not None:
            fields.append(("best val", in_unit(self.best_val, chart.unit)))
        last = self.info.get("eval")
        if getattr(last, "exact_match", None) is not None and self.mode == modes.SEQ2SEQ:
            fields.append(("exact", f"{last.exact_match:.1%}"))
        self.main_screen.query_one("#loss-info", TextLine).update(join_fields(fields))

    def _layer_label(self) -> str:
        return f"layer {self.layer + 1}/{self.n_layers}"

    def _render_gradients(self, new: ev.Probe | None = None) -> None:
        s = self.main_screen
        self.layer %= max(1, self.n_layers)
        if not self.probes:
            return
        last = self.probes[-1]
        layer = min(self.layer, len(last.grad_norms) - 1)
        title = (f"‖dL/dh_j‖ per input position · encoder {self._layer_label()} · step "
                 f"{last.step}" if self.mode == modes.SEQ2SEQ else
                 f"‖dL_T/dh_t‖ · {self._layer_label()} · step {last.step}")
        s.query_one("#grad-bars").update_norms(
            last.grad_norms[layer], title=title,
            index_name="j" if self.mode == modes.SEQ2SEQ else "t")
        heatmap = s.query_one("#grad-heatmap")
        if new is not None and len(self.probes) > 1:
            heatmap.append_row(new.grad_norms[layer], label=str(new.step))
        else:
            rows = [p.grad_norms[min(layer, len(p.grad_norms) - 1)] for p in self.probes]
            what = "input positions" if self.mode == modes.SEQ2SEQ else "timesteps"
            heatmap.set_matrix(rows, row_labels=[str(p.step) for p in self.probes], log=True,
                               title=f"history: steps × {what}", keep_last_rows=True)
        s.query_one("#grad-info", TextLine).update(join_fields([
            ("", self._layer_label()),
            ("global norm", f"{fmt_float(last.global_norm)} → {fmt_float(last.clipped_norm)}"),
            ("clipped", f"{last.clip_fraction:.0%} of steps"),
        ]))

    def _render_gates(self) -> None:
        g = self.last_gates
        if g is None:
            return
        s = self.main_screen
        n_layers = max(1, len(g.hidden)) if g.hidden else max(1, self.n_layers)
        layer = self.layer % n_layers
        gates = {name: per_layer[min(layer, len(per_layer) - 1)]
                 for name, per_layer in g.gates.items() if per_layer}
        sat = {name: per_layer[min(layer, len(per_layer) - 1)]
               for name, per_layer in (g.saturation or {}).items() if per_layer}
        s.query_one("#gate-plot").set_gates(g.text, gates, saturation=sat or None)
        hidden = g.hidden[min(layer, len(g.hidden) - 1)] if g.hidden else []
        width = len(hidden[0]) if hidden and hidden[0] else 0
        if width:
            self.unit_index %= width
            values = [row[self.unit_index] for row in hidden]
            s.query_one("#neuron-text").set_activations(g.text, values)
            unit = f"unit {self.unit_index}/{width}"
        else:
            unit = "no hidden states"
        kinds = ", ".join(gates) if gates else "no gates (vanilla RNN)"
        s.query_one("#gates-info", TextLine).update(join_fields([
            ("", f"layer {layer + 1}/{n_layers}"), ("step", str(g.step)), ("gates", kinds)]))
        s.query_one("#neuron-label", TextLine).update(join_fields([
            ("hidden", unit), ("", "u/U pick a unit: blue −1 … red +1")]))

    def _render_tabs(self) -> None:
        out = Text(no_wrap=True)
        panels = modes.PANELS[self.mode]
        for i, (_, title) in enumerate(panels):
            style = "reverse bold" if i == self.active_panel else "dim"
            out.append(f" {title} ", style=style)
            out.append(" ")
        out.append("  tab / shift+tab switch", style="dim italic")
        self.main_screen.query_one("#tabs", Static).update(out)
        active = panels[self.active_panel][0]
        for panel in self.main_screen.query(".panel"):
            panel.set_class(panel.id == active, "-active")

    def _show_banner(self, text: str) -> None:
        banner = self.main_screen.query_one("#banner", Static)
        banner.update(Text(text))
        banner.add_class("-visible")

    def _show_message(self, title: str, text: str, details: str = "") -> None:
        if isinstance(self.screen, MessageScreen):
            self.pop_screen()
        self.push_screen(MessageScreen(title, text, details))

    # ------------------------------------------------------------------ sample reveal

    @property
    def revealing(self) -> bool:
        """True while a sample is still being typed out."""
        return self._revealing is not None or bool(self._reveal_queue)

    def _reveal_tick(self) -> None:
        try:
            view = self.main_screen.query_one("#samples")
        except NoMatches:  # closing
            return
        budget = max(1, int(self.reveal_cps / self.reveal_fps))
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
            # A backlog (several samples waiting) is shown at once rather than queued up.
            left = len(sample.text) - pos
            n = left if self._reveal_queue else min(budget, left)
            chunk, probs = sample.text[pos:pos + n], sample.probs[pos:pos + n]
            if chunk:
                if hasattr(view, "append_chars"):
                    view.append_chars(chunk, probs)
                else:
                    for ch, p in zip(chunk, probs):
                        view.append_char(ch, p)
            budget -= max(1, n)
            pos += n
            self._revealing = None if pos >= len(sample.text) else (sample, pos)


def sample_header(sample: ev.Sample) -> str:
    header = f"step {sample.step} · T={sample.temperature:g}"
    if sample.prime:
        header += " · your prime"
    return header


def short(value: Any) -> str:
    if isinstance(value, float):
        return fmt_float(value)
    return str(value)


def in_unit(nats: float, unit: str) -> str:
    if unit == "bits":
        return f"{nats / math.log(2):.3f}"
    if unit == "ppl":
        return f"{math.exp(min(nats, 700)):.2f}"
    return f"{nats:.3f}"
