"""A run's life beyond one training session: opening a saved run, continuing it in place
(with a new budget when the old one is spent), the previous runs' curves kept as references
on the chart after a switch or reset, and where the runs are when the app ends.

`LifecycleMixin` is part of `RnnTuiApp` (app.py). States it adds: "opening" (reading the
checkpoint) and "opened" (its model answers g/p; space continues the same run, exactly like
`rnn-tui run --out DIR --resume`; nothing is written before that).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rnn_tui.app.screens import AskScreen, parse_budget

MAX_REFERENCES = 3  # earlier runs kept on the chart (per family)
REF_COLORS = ("#9575cd", "#4db6ac", "#e57373")


@dataclass
class Reference:
    """An earlier run's curves, drawn dashed under the live ones."""

    label: str
    train: tuple[np.ndarray, np.ndarray]
    val: tuple[np.ndarray, np.ndarray]


class LifecycleMixin:
    """Opening, continuing, references and the farewell of RnnTuiApp."""

    # ------------------------------------------------------------------ opening

    def open_run(self, run_dir: str, config: Any) -> None:
        """Show a saved run: its history at once, then its model (ready to sample); space
        continues it in place. Another family's run switches the view first."""
        if type(config).FAMILY != self.mode:
            self.switch_family(config, lambda: self._open_now(run_dir, config))
            return
        self.controller.begin(config, "opening")
        self._reset_view_state()
        self.main_screen.reset_view()
        self._clear_views()
        self._open_now(run_dir, config)

    def _open_now(self, run_dir: str, config: Any) -> None:
        factory = self.trainer_factory
        self._launch(config, build=lambda: factory.open(run_dir, config), paused=True,
                     history_dir=run_dir, state="opening")

    def continue_run(self, one_step: bool = False) -> None:
        """space (n: one step) on an opened run: it trains on in its own directory."""
        opened = self.info.get("opened")
        if self.state == "opening" or opened is None:
            self.notify("the run is still opening…", timeout=2)
            return
        go = (lambda o: self._continue_opened(o, one_step))
        if opened.spent:
            self._ask_budget(opened.step, opened.elapsed_s, opened.spent, go)
        else:
            go({})

    def _continue_opened(self, overrides: dict[str, Any], one_step: bool) -> None:
        runner = self.runner
        if overrides:
            runner.continue_with(**overrides)
        if one_step:
            runner.step()
        else:
            runner.resume()
        self.controller.set_status("starting")
        self.render_status()
        self.refresh_bindings()

    def can_continue(self) -> bool:
        """A run of this launch that reached its budget and has a checkpoint to go on from."""
        fin, runner = self.info.get("finished"), self.runner
        return (self.state == "finished" and fin is not None and fin.reason in ("steps", "time")
                and runner is not None and runner.run_dir is not None
                and self.info.get("checkpoint") is not None)

    def continue_finished(self) -> None:
        """space after the budget was reached: ask for more, continue in place."""
        fin, train = self.info["finished"], self.info.get("train")
        run_dir, config, factory = self.runner.run_dir, self.config, self.trainer_factory

        def go(overrides: dict[str, Any]) -> None:
            def build() -> Any:
                trainer = factory.open(run_dir, config)
                trainer.continue_with(**overrides)
                return trainer

            self._launch(build=build, fresh=False)  # the chart keeps its points

        self._ask_budget(fin.step, train.elapsed_s if train else 0.0, fin.reason, go)

    def _ask_budget(self, step: int, elapsed: float, spent: str, then) -> None:
        what = f"its {step:,} steps" if spent == "steps" else \
            f"its {elapsed / 60:.1f} minutes"
        question = (f"The run has used {what}. Continue it (same directory, step "
                    f"{step:,} on) for how long?\nSteps (500) or time (5m, 90s, 1h):")

        def answered(overrides: Any) -> None:
            if overrides:
                then(overrides)

        self.push_screen(AskScreen(question, lambda text: parse_budget(text, step, elapsed),
                                   value="500", placeholder="500 or 5m"), answered)

    # ------------------------------------------------------------------ references

    def keep_reference(self) -> None:
        """Before a restart: the curves on the chart become a reference for the next run."""
        try:
            chart = self.main_screen.query_one("#loss-chart")
        except Exception:
            return
        train, val = chart.series_points("train"), chart.series_points("val")
        if len(train[0]) < 2:
            return
        refs = self.references.setdefault(self.reference_key(), [])
        refs.append(Reference(f"{self.config.describe()} (run {self.run_number})", train, val))
        del refs[:-MAX_REFERENCES]

    def reference_key(self) -> tuple[str, str]:
        """Earlier runs are drawn only under runs of the same family AND data (another
        task's curves, eng-fra under dates, would compare nothing)."""
        return self.mode, self.config.data_label()

    def draw_references(self, chart: Any) -> None:
        for name in [n for n in chart.series_names() if n.startswith("ref")]:
            chart.remove_series(name)
        for k, ref in enumerate(self.references.get(self.reference_key(), [])):
            color = REF_COLORS[k % len(REF_COLORS)]
            chart.set_series_style(f"ref{k}:train", color, ref.label, dotted=True, behind=True)
            chart.set_series_style(f"ref{k}:val", color, ref.label, dotted=True, behind=True,
                                   legend=False)
            chart.add_points(f"ref{k}:train", *ref.train)
            chart.add_points(f"ref{k}:val", *ref.val)

    # ------------------------------------------------------------------ the end

    def remember_run_dir(self) -> None:
        runner = self.runner
        where = runner.run_dir if runner is not None else None
        self.controller.set_run_dir(where)
        if where and where not in self.run_dirs:
            self.run_dirs.append(where)

    def farewell(self) -> list[str]:
        """What the terminal shows after the app: where the runs are, how to reopen them."""
        from rnn_tui.workspace import is_run

        dirs = [d for d in self.run_dirs if is_run(Path(d))]
        if not dirs:
            return []
        last = dirs[-1]
        lines = [f"rnn-tui: the run is in {last}",
                 f"  reopen it (sample, continue):  rnn-tui open {shlex.quote(last)}"]
        if len(dirs) > 1:
            lines.append(f"  this launch's {len(dirs)} runs on one chart:  rnn-tui compare "
                         + " ".join(shlex.quote(d) for d in dirs))
        return lines
