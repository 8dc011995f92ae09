"""The runs screen (o): every run under runs/ (or --out's folder), newest first, with its
family, model, steps, best metric and size; open one (it replaces what is on screen), mark
several and compare them on one chart, rename or delete one. The run training now is
marked and cannot be renamed or deleted (neither can one another process trains)."""

from __future__ import annotations

from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from engine.errors import EngineError
from rnn_tui.app.screens import AskScreen, ConfirmScreen, page_keys
from rnn_tui.workspace import RunInfo, delete, human_size, kept_note, rename, scan

COLUMNS = ("", "run", "family", "model", "data", "steps", "best", "size")


class RunsScreen(Screen):
    """A table of runs; its keys act on the highlighted row (space marks for compare)."""

    DEFAULT_CSS = """
    RunsScreen { layout: vertical; }
    RunsScreen #runs-title { height: 1; padding: 0 1; background: $panel; }
    RunsScreen DataTable { height: 1fr; }
    RunsScreen #runs-hint { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = page_keys(("enter,o", "open", "Open"), ("space", "mark", "Mark"),
                         ("c", "compare", "Compare"), ("R", "rename", "Rename"),
                         ("d", "delete", "Delete"))

    def __init__(self, root: str | Path | None = None) -> None:
        super().__init__()
        self.root = Path(root) if root is not None else None
        self.runs: list[RunInfo] = []
        self.marked: set[Path] = set()

    def compose(self) -> ComposeResult:
        yield Static("runs", id="runs-title")
        yield DataTable(id="runs-table", cursor_type="row", zebra_stripes=True)
        yield Static("space marks runs to compare (none marked: the highlighted one and the "
                     "current run)", id="runs-hint")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        table.focus()
        self.refresh_runs()

    @property
    def where(self) -> Path:
        if self.root is not None:
            return self.root
        factory = getattr(self.app, "trainer_factory", None)
        workspace = getattr(factory, "workspace", None)
        return workspace.runs_root if workspace is not None else Path("runs")

    @work(thread=True, exclusive=True, group="runs-scan")
    def refresh_runs(self) -> None:
        runs = scan(self.where) if self.where.is_dir() else []
        self.app.call_from_thread(self._show, runs)

    def _show(self, runs: list[RunInfo]) -> None:
        self.runs = runs
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        current = self._current_dir()
        for r in runs:
            mark = "●" if r.path.resolve() == current else ("✓" if r.path in self.marked
                                                              else "")
            table.add_row(mark, r.name, r.family, r.model, r.data[:20], f"{r.steps:,}",
                          r.best, human_size(r.size), key=str(r.path))
        if runs:
            table.move_cursor(row=min(row, len(runs) - 1))
        total = human_size(sum(r.size for r in runs))
        self.query_one("#runs-title", Static).update(
            f"runs in {self.where}/ · {len(runs)} runs, {total} · ● the run on screen")

    def _current_dir(self) -> Path | None:
        runner = getattr(self.app, "runner", None)
        where = runner.run_dir if runner is not None else None
        return Path(where).resolve() if where else None

    def _highlighted(self) -> RunInfo | None:
        table = self.query_one(DataTable)
        if not self.runs or table.cursor_row is None:
            return None
        return self.runs[min(table.cursor_row, len(self.runs) - 1)]

    # ------------------------------------------------------------------ keys

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_mark(self) -> None:
        run = self._highlighted()
        if run is not None:
            self.marked.symmetric_difference_update({run.path})
            self._show(self.runs)

    def action_open(self) -> None:
        run = self._highlighted()
        if run is None:
            return
        try:
            config = run.config_object()
        except EngineError as exc:
            self.app.notify(str(exc), severity="error")
            return
        if not run.checkpoint:
            self.app.notify(f"{run.name} has no checkpoint: nothing to open",
                            severity="warning")
            return
        self.app.pop_screen()
        self.app.open_run(str(run.path), config)

    def action_compare(self) -> None:
        from rnn_tui.compare.app import CompareScreen

        paths = [r.path for r in self.runs if r.path in self.marked]
        if not paths:
            run, current = self._highlighted(), self._current_dir()
            paths = [r.path for r in self.runs
                     if r is run or (current is not None and r.path.resolve() == current)]
        if len(paths) < 1:
            self.app.notify("mark runs with space first", severity="warning")
            return
        try:
            self.app.push_screen(CompareScreen.of_paths(paths))
        except EngineError as exc:
            self.app.notify(str(exc), severity="error")

    def action_rename(self) -> None:
        run = self._highlighted()
        if run is None:
            return

        def parse(text: str) -> Path:
            try:
                return rename(run.path, text)
            except (EngineError, OSError) as exc:
                raise ValueError(str(exc)) from None

        def done(path) -> None:
            if path is not None:
                self.app.notify(f"renamed to {path}", timeout=3)
                self.refresh_runs()

        self.app.push_screen(AskScreen(f"New name for {run.name}:", parse, value=run.path.name),
                             done)

    def action_delete(self) -> None:
        run = self._highlighted()
        if run is None:
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                freed, kept = delete(run.path)
            except (EngineError, OSError) as exc:
                self.app.notify(str(exc), severity="error")
                return
            self.marked.discard(run.path)
            self.app.notify(f"deleted {run.name}'s files ({human_size(freed)}){kept_note(kept)}",
                            timeout=3)
            self.refresh_runs()

        self.app.push_screen(ConfirmScreen(f"Delete the files rnn-tui wrote in {run.path} "
                                           f"({human_size(run.size)}, {run.steps:,} steps)?\n"
                                           f"Other files stay. This cannot be undone."),
                             answered)
