"""Screenshots that save where the user will look: the run's directory (else the current
one), never a ~/Downloads that may not exist; an SVG at once and, when a converter is
installed (rnn_tui/app/svg_to_png.py), a PNG beside it a moment later. The app says where.

`ScreenshotMixin` is part of RnnTuiApp and of the compare app. It replaces Textual's
`deliver_screenshot`, which the command palette's "Screenshot" calls, and gives the key
(S) its action.
"""

from __future__ import annotations

import time
from pathlib import Path


class ScreenshotMixin:
    def screenshot_dir(self) -> Path:
        """Where screenshots go: the run's directory when it has one (else the cwd)."""
        runner = getattr(self, "runner", None)
        where = runner.run_dir if runner is not None else None
        if where and Path(where).is_dir():
            return Path(where)
        return Path.cwd()

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        folder = Path(path) if path else self.screenshot_dir()
        name = filename or f"screenshot-{time.strftime('%Y%m%d-%H%M%S')}.svg"
        target = folder / name
        k = 2
        while target.exists():  # two in one second: keep both
            target = folder / f"{Path(name).stem}-{k}.svg"
            k += 1
        try:
            svg = Path(self.save_screenshot(target.name, str(folder)))
        except OSError as exc:
            self.notify(f"cannot write {target}: {exc.strerror or exc}", title="Screenshot",
                        severity="error")
            return None
        self.last_screenshot = svg
        self.notify(f"saved {svg}", title="Screenshot")
        self.run_worker(lambda: self._png_of(svg), thread=True, group="screenshot",
                        exit_on_error=False)
        return None

    def action_save_screenshot(self) -> None:
        self.deliver_screenshot()

    def _png_of(self, svg: Path) -> None:
        """On a worker thread: the PNG beside the SVG (a browser takes a second or two)."""
        from rnn_tui.app.svg_to_png import to_png

        png = to_png(svg)
        if png is not None:
            self.call_from_thread(self.notify, f"and {png.name} beside it",
                                  title="Screenshot (PNG)", timeout=4)
