"""How the app draws the shell: the status bar, the loss panel's info line, the gradient
panel, the tab strip, banners and dialogs. The view adds its own fields (status_fields,
loss_fields) and draws its own panels.

`RenderingMixin` is part of `RnnTuiApp` (see app.py); it reads the app's state (`info`,
`hparams`, `probes`, ...) and only writes to widgets. Every value shown comes from engine
events or the requested settings, never from a clock.
"""

from __future__ import annotations

import math
import re
from typing import Any

from rich.text import Text
from textual.widgets import Static

from engine import events as ev
from rnn_tui.app.panels import (StatusBar, TextLine, fit_fields, fmt_count, fmt_float,
                                 join_fields)
from rnn_tui.app.screens import MessageScreen
from rnn_tui.format import fmt_duration

# What a narrow status bar leaves out first, then which fields it keeps whatever the width.
STATUS_FIRST_OUT = ("params", "epoch", "device", "elapsed", "kept", "data")
STATUS_KEEP = ("", "model", "step", "lr", "clip", "T", "task", "ckpt")
# The loss line: the family's headline and the unit matter more than the axis.
LOSS_FIRST_OUT = ("axis", "min val")


class RenderingMixin:
    """Widget updates of RnnTuiApp (status, loss info, gradients, tabs, banners)."""

    # ------------------------------------------------------------------ rendering

    def render_status(self) -> None:
        try:
            bar = self.main_screen.query_one("#status", StatusBar)
        except Exception:
            return
        step: ev.TrainStep | None = self.info.get("train")
        started: ev.Started | None = self.info.get("started")
        ckpt: ev.Checkpoint | None = self.info.get("checkpoint")
        icon = {"running": "▶ training", "paused": "‖ paused", "starting": "… starting",
                "stopping": "■ stopping", "finished": "■ finished", "error": "✖ error",
                "idle": "· idle", "opening": "… opening",
                "opened": "◆ opened: space continues"}[self.state]
        view_line1, view_line2 = self.main_screen.status_fields()
        line1 = [("", icon), *view_line1,
                 ("model", self.config.describe()),
                 ("step", f"{step.step:,}" if step else "–"),
                 # (tasks that draw fresh examples have no epochs)
                 *([] if step and step.epoch is None else
                   [("epoch", f"{step.epoch:.2f}" if step else "–")]),
                 ("", f"{fmt_count(step.tokens_per_s)} tok/s" if step else "– tok/s"),
                 ("elapsed", fmt_duration(step.elapsed_s, hours=True) if step else "–")]
        if started:
            line1.append(("params", fmt_count(started.parameters)))
        hp = self.hparams
        if hp["clip_mode"] == "off":
            clip = "off"
        else:
            clip = f"{hp.get('clip_mode', 'norm')} {fmt_float(hp['clip'])}"
            if step and step.clipped:
                clip += " (clipped)"
        lr = fmt_float(step.lr) if step else fmt_float(hp["lr"])
        peak = fmt_float(hp["lr"])
        lr_text = lr if lr == peak else f"{lr} (peak {peak})"
        if step and step.lr > hp["lr"] * (1 + 1e-9):  # lowered since the last step (paused)
            lr_text = f"{fmt_float(hp['lr'])} from the next step (was {lr})"
        kept = self.controller.run.kept  # live changes of earlier runs that this one started with
        line2 = [("lr", lr_text), ("clip", clip), *view_line2,
                 *([("kept", " ".join(f"{k}={short(v)}" for k, v in kept.items()))]
                   if kept else []),
                 ("device", self._device_text(started, step)),
                 ("ckpt", f"step {ckpt.step}" if ckpt else "–")]
        width = bar.size.width - 2  # (its padding)
        text = join_fields(fit_fields(line1, width, STATUS_FIRST_OUT, STATUS_KEEP))
        text.append("\n")
        text.append_text(join_fields(fit_fields(line2, width, STATUS_FIRST_OUT, STATUS_KEEP)))
        bar.set_text(text)
        bar.set_class(self.state == "paused", "-paused")
        bar.set_class(self.state == "error", "-error")

    def _device_text(self, started: ev.Started | None, step: ev.TrainStep | None) -> str:
        """The device, and the CPU threads in use now when the engine picks them."""
        opened: ev.Opened | None = self.info.get("opened")
        if started is None:
            return opened.device if opened is not None and self.state == "opened" else "–"
        threads = getattr(step, "threads", None) if step is not None else None
        if threads is None or not started.device.startswith("cpu"):
            return started.device
        # The engine's own description (auto, the precision) with the count in use now.
        return re.sub(r"\d+ threads?", f"{threads} thread{'s' if threads != 1 else ''}",
                      started.device, count=1)

    def render_loss_info(self) -> None:
        chart = self.main_screen.query_one("#loss-chart")
        fields = [("axis", chart.scale), ("unit", chart.unit_label)]
        base: ev.Baselines | None = self.info.get("baselines")
        if base:  # the two strongest, best first
            for name, value in sorted(base.losses.items(), key=lambda kv: kv[1])[:2]:
                fields.append((name, in_unit(value, chart.unit)))
        if self.best_val is not None:
            fields.append(("min val", in_unit(self.best_val, chart.unit)))
        own = self.main_screen.loss_fields()  # the family's headline: kept
        line = self.main_screen.query_one("#loss-info", TextLine)
        line.update(join_fields(fit_fields(fields + own, line.size.width, LOSS_FIRST_OUT,
                                           keep=("unit", *(label for label, _ in own)))))

    def _layer_label(self) -> str:
        return f"layer {self.layer + 1}/{self.n_layers}"

    def render_gradients(self, new: ev.Probe | None = None) -> None:
        s = self.main_screen
        self.layer %= max(1, self.n_layers)
        if not self.probes:
            return
        last = self.probes[-1]
        D = min(s.probe_rows(), len(last.grad_norms))  # 2: a row per direction
        layer = min(self.layer, len(last.grad_norms) // D - 1)
        back = s.query_one("#grad-bars-back")
        back.display = D > 1
        for d, bars in enumerate((s.query_one("#grad-bars"), back)[:D]):
            title = s.GRAD_TITLE.format(layer=self._layer_label(),
                                        direction=s.GRAD_DIRECTIONS[d])
            bars.update_norms(last.grad_norms[layer * D + d], title=f"{title} · step "
                              f"{last.step}", index_name=s.GRAD_INDEX)
        layer *= D  # the history below: the layer's (forward) row
        heatmap = s.query_one("#grad-heatmap")
        if new is not None and len(self.probes) > 1:
            heatmap.append_row(new.grad_norms[layer], label=str(new.step))
        else:
            rows = [p.grad_norms[min(layer, len(p.grad_norms) - 1)] for p in self.probes]
            heatmap.set_matrix(rows, row_labels=[str(p.step) for p in self.probes], log=True,
                               title=f"history: steps × {s.GRAD_WHAT}", keep_last_rows=True)
        s.query_one("#grad-info", TextLine).update(join_fields([
            ("", self._layer_label()),
            ("global norm", f"{fmt_float(last.global_norm)} → {fmt_float(last.clipped_norm)}"),
            ("clipped", f"{last.clip_fraction:.0%} of steps"),
        ]))

    def render_tabs(self) -> None:
        out = Text(no_wrap=True)
        panels = self.main_screen.panels
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
