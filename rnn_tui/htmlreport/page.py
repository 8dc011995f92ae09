"""The report page of one or more runs (rnn-tui report): what a teacher opens.

    html = render(read_runs(["runs/gru", "runs/lstm"]))   # rnn_tui/export/runs.py checks

Sections: the runs (summary table), their configs (differences first, in bold), the loss
curves of every run on one chart (one colour per run, train solid, validation dashed, the
baselines dotted), the gradient at each timestep over training (one heatmap per run and
layer), the standings when there are several runs of one family (the race's table: each
judged by the family's headline metric), and each run's own pictures, drawn by the module its family
registers as `report` (engine/families): this page never asks which family a run is.
"""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np

from engine import events as ev
from engine import families
from engine.racing.standings import Standings
from rnn_tui.compare.runs import SUMMARY_HEADER, ComparedRun, config_rows, load_runs, \
    summary_rows
from rnn_tui.export.runs import ExportedRun
from rnn_tui.htmlreport import charts
from rnn_tui.htmlreport.html import STYLE, esc, figure, section, table
from rnn_tui.format import fmt_duration
from rnn_tui.race.table import fmt_metric


def render(runs: list[ExportedRun]) -> str:
    compared = load_runs([run.path for run in runs])
    names = ", ".join(run.name for run in runs)
    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    body = [f"<h1>rnn-tui report: {esc(names)}</h1>",
            f"<p class=note>{len(runs)} run{'s' * (len(runs) > 1)}, written {when} by "
            f"<span class=mono>rnn-tui report</span> from each run's metrics.jsonl and "
            f"config.json.</p>",
            section("Runs", table(SUMMARY_HEADER, summary_rows(compared), numeric={4, 5, 6})),
            config_section(compared), loss_section(runs, compared), gradient_section(runs)]
    if len(runs) > 1 and len({run.family for run in runs}) == 1:  # comparable headlines
        body.append(standings_section(runs))
    for run in runs:
        family = families.get(run.family)
        pictures = family.report_pictures()(run.records)
        if pictures:
            body.append(section(f"{run.name}: {family.title}", *pictures))
    return ("<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
            f"<title>rnn-tui report: {esc(names)}</title><style>{STYLE}</style></head>"
            f"<body>{''.join(body)}</body></html>\n")


def config_section(compared: list[ComparedRun]) -> str:
    """Several runs: a table of what differs, then what they share in one paragraph."""
    rows = config_rows(compared)
    differ = [[key, *values] for key, values, differs in rows if differs or len(compared) == 1]
    shared = [f"{key} {values[0]}" for key, values, differs in rows
              if not differs and len(compared) > 1]
    parts = [table(["key", *[r.name for r in compared]], differ)] if differ else []
    if shared:
        parts.append(f"<p class=note>{'Same in every run' if differ else 'Every run'}: "
                     f"{esc(' · '.join(shared))}</p>")
    return section("Config", *parts)


def loss_section(runs: list[ExportedRun], compared: list[ComparedRun]) -> str:
    series: list[tuple[str, Any, Any, dict]] = []
    for k, run in enumerate(compared):
        c = charts.color(k)
        series.append((f"{run.name} train", run.train.steps, run.train.loss,
                       {"color": c, "alpha": 0.55, "linewidth": 1}))
        series.append((f"{run.name} validation", run.val.steps, run.val.loss,
                       {"color": c, "linestyle": "--", "marker": "o", "markersize": 3}))
    seen: set[tuple[str, float]] = set()
    for run in runs:
        row = next((r for r in run.records if r.get("event") == ev.Baselines.name), None)
        for label, value in ((row or {}).get("losses") or {}).items():
            if isinstance(value, (int, float)) and (label, round(value, 6)) not in seen:
                seen.add((label, round(value, 6)))
                last = max((float(r.train.steps[-1]) for r in compared if len(r.train.steps)),
                           default=1.0)
                series.append((f"baseline {label} ({value:.3f})", [0, last], [value, value],
                               {"color": "#555", "linestyle": ":", "linewidth": 1}))
    svg = charts.lines(series, "Loss (nats per token) by step", "step", "loss")
    return section("Loss curves", figure(svg, "Train loss (solid), held-out loss (dashed), "
                                              "count-based baselines on the same split "
                                              "(dotted)."))


def gradient_section(runs: list[ExportedRun]) -> str:
    """||dL/dh_t|| at every timestep t of each probe (rows: training steps), one panel per
    run and layer (or direction), all on one colour scale."""
    panels = []
    for run in runs:
        probes = [r for r in run.records if r.get("event") == ev.Probe.name
                  and r.get("grad_norms")]
        for layer in range(len(probes[-1]["grad_norms"]) if probes else 0):
            kept = [p for p in probes if len(p["grad_norms"]) > layer]
            width = min(len(p["grad_norms"][layer]) for p in kept)
            matrix = np.log10(np.maximum(np.array(
                [p["grad_norms"][layer][:width] for p in kept], dtype=np.float64), 1e-12))
            panels.append((f"{run.name}, row {layer}", matrix,
                           [str(p["step"]) for p in kept]))
    if not panels:
        return ""
    svg = charts.heatmap_row(panels, "timestep t", "probe step", "log10 ||dL/dh_t||")
    return section("Gradient per timestep", figure(
        svg, "How much the loss at the end of a window still depends on the hidden state at "
             "each earlier timestep, over training (a row per layer, or per direction of a "
             "bidirectional model): vanishing gradients fade to the left."))


def standings_section(runs: list[ExportedRun]) -> str:
    """The race's table for these runs: each judged by its family's headline metric."""
    standings = Standings([run.name for run in runs])
    for run in runs:
        family = families.get(run.family)
        config = family.config_class().from_dict(run.config, source=str(run.path))
        standings.judge_by(run.name, family.task_class().headline, config.describe())
        for record in run.records:
            event = ev.from_record(record)
            if event is not None:
                standings.update(run.name, event)
    rows = [[k + 1, s.name, s.describe, f"{s.steps:,}", fmt_duration(s.own_s),
             s.metric.replace("_", " "), fmt_metric(s, s.best),
             "–" if s.best_step is None else f"{s.best_step:,}", s.status]
            for k, s in enumerate(standings.ranked())]
    return section("Standings", table(["#", "run", "model", "steps", "own time", "judged by",
                                       "best", "at step", "status"], rows,
                                      numeric={0, 3, 4, 6, 7}))
