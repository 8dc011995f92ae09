"""The rough error surface's view (ADL, after Pascanu et al. 2013): the loss of a one-unit RNN
over (w, b) as a heatmap where the cliff shows, with the two gradient-descent paths drawn
on it as they are trained: without clipping (red) and with norm clipping (green).

    Surface panel   log10 of the loss, two grid rows per text row (▀: the upper half is the
                    higher b), the paths' points on top; a point outside the window is said
    Clipping panel  ADL's pseudo-code with the live numbers of the last step, each path's
                    loss now and its longest step, and the last steps' gradient norms
Keys: `p` where both paths start (w b; restarts), `[` / `]` the threshold (the shell's clip
keys: they act on the clipped path here); `c` says why the loop's own clipping stays off.
"""

from __future__ import annotations

import math
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input, Static

from engine.families.surface.events import Paths, Surface
from rnn_tui.app.actions import shell_bindings
from rnn_tui.app.layout import DashboardScreen
from rnn_tui.app.panels import Panel, TextLine, join_fields
from rnn_tui.widgets.canvas import VIRIDIS, level

WAITING = "waiting for the surface (it comes with the first probe)…"
# The paths' colours, apart from viridis: red, white, and pink where both passed.
UNCLIPPED, CLIPPED, BOTH = "#ff3d00", "#ffffff", "#ff80ff"
FLOOR = 1e-4  # losses below this share the darkest colour (log scale)
LAST_STEPS = 6  # gradient norms listed in the clipping panel


def colour_of(loss: float, lo: float, hi: float) -> str:
    """Viridis of log10(loss) between log10(lo) and log10(hi)."""
    v = math.log10(max(loss, FLOOR))
    return VIRIDIS[level((v - lo) / (hi - lo) if hi > lo else 0.0)]


def cell_of(s: Surface, w: float, b: float) -> tuple[int, int] | None:
    """(column, grid row) of the point (w, b) on the surface's grid; None outside it."""
    w0, w1, b0, b1 = s.w[0], s.w[-1], s.b[0], s.b[-1]
    if not (w0 <= w <= w1 and b0 <= b <= b1):
        return None
    col = round((w - w0) / (w1 - w0) * (len(s.w) - 1))
    row = round((b - b0) / (b1 - b0) * (len(s.b) - 1))
    return col, row


def marks(s: Surface, p: Paths | None) -> dict[tuple[int, int], str]:
    """Grid cell -> the colour of the path points in it (BOTH where the paths share it)."""
    out: dict[tuple[int, int], str] = {}
    if p is None:
        return out
    for points, colour in ((p.unclipped, UNCLIPPED), (p.clipped, CLIPPED)):
        for w, b in points:
            cell = cell_of(s, w, b)
            if cell is not None:
                out[cell] = BOTH if out.get(cell, colour) != colour else colour
    return out


def surface_picture(s: Surface, p: Paths | None) -> Text:
    """The heatmap, top row the largest b; two grid rows per line with ▀ (upper = higher b).
    A path point colours its half-cell, so both paths' points show on one line."""
    flat = [v for row in s.loss for v in row]
    lo, hi = math.log10(max(min(flat), FLOOR)), math.log10(max(max(flat), FLOOR))
    on = marks(s, p)
    rows = len(s.b)
    out = Text(no_wrap=True, overflow="crop")
    top = rows - 1
    for line in range((rows + 1) // 2):
        upper, lower = top - 2 * line, top - 2 * line - 1  # grid rows (b index)
        label = f"{s.b[upper]:+5.2f} " if line in (0, (rows + 1) // 4) else "      "
        out.append(label, style="dim")
        for col in range(len(s.w)):
            fg = on.get((col, upper)) or colour_of(s.loss[upper][col], lo, hi)
            bg = (on.get((col, lower)) or colour_of(s.loss[lower][col], lo, hi)) \
                if lower >= 0 else "black"
            out.append("▀", style=f"{fg} on {bg}")
        out.append("\n")
    out.append(f"{s.b[0]:+5.2f} ", style="dim")
    ticks = f"w = {s.w[0]:g}".ljust(len(s.w) // 2) + f"{(s.w[0] + s.w[-1]) / 2:g}"
    out.append(ticks.ljust(len(s.w) - len(f"{s.w[-1]:g}")) + f"{s.w[-1]:g}", style="dim")
    return out


def parse_start(text: str) -> tuple[float, float]:
    """'2 -0.3' (or '2, -0.3', 'w=2 b=-0.3') -> (2.0, -0.3); ValueError with the reason."""
    parts = [p.split("=")[-1] for p in text.replace(",", " ").split()]
    if len(parts) != 2:
        raise ValueError("type w and b, e.g. 2.0 -0.3")
    w, b = float(parts[0]), float(parts[1])
    if not (math.isfinite(w) and math.isfinite(b) and abs(w) <= 100 and abs(b) <= 100):
        raise ValueError("w and b must be numbers in [-100, 100]")
    return w, b


def outside(s: Surface, p: Paths) -> list[str]:
    """Where a path left the window drawn, said in words."""
    lines = []
    for name, points in (("unclipped", p.unclipped), ("clipped", p.clipped)):
        k = next((k for k, (w, b) in enumerate(points) if cell_of(s, w, b) is None), None)
        if k is not None:
            w, b = points[-1]
            lines.append(f"the {name} path left the window at step {k}; it is now at "
                         f"(w, b) = ({w:.4g}, {b:.4g})")
    return lines


def clipping_text(p: Paths) -> Text:
    """ADL's Algorithm 1 with the numbers of the last step, then both paths now."""
    g_u = p.norms_unclipped[-1] if p.norms_unclipped else 0.0
    g_c = p.norms_clipped[-1] if p.norms_clipped else 0.0
    out = Text("Algorithm 1 (norm clipping), the clipped path's last step:\n", style="bold")
    out.append("  ĝ ← ∂E/∂θ", style="dim")
    out.append(f"              ‖ĝ‖ = {g_c:.4g}\n")
    out.append("  if ‖ĝ‖ ≥ threshold then", style="dim")
    out.append(f"   threshold = {p.threshold:g}: "
               f"{'yes, clipped' if g_c >= p.threshold else 'no'}\n")
    out.append("      ĝ ← threshold/‖ĝ‖ · ĝ", style="dim")
    out.append(f"    step = lr · {min(g_c, p.threshold):.4g}\n")
    out.append("  end if\n\n", style="dim")
    for name, colour, loss, longest, jumped, (w, b) in (
            ("without clipping", UNCLIPPED, p.loss_unclipped, p.largest_step_unclipped,
             p.jumped, p.unclipped[-1]),
            ("with clipping", CLIPPED, p.loss_clipped, p.largest_step_clipped,
             p.jumped_clipped, p.clipped[-1])):
        out.append("● ", style=colour)
        out.append(f"{name}: ", style="bold")
        out.append(f"loss {loss:.4f} at (w, b) = ({w:.4g}, {b:.4g}); longest step "
                   f"{longest:.3g}")
        out.append("  jumped off the cliff\n" if jumped else "\n",
                   style="bold red" if jumped else "")
    out.append(f"\nlargest ‖g‖ met: {p.max_grad_norm:.4g} · unclipped ‖g‖ last step "
               f"{g_u:.4g}\n", style="dim")
    recent = list(zip(p.norms_unclipped, p.norms_clipped))[-LAST_STEPS:]
    first = len(p.norms_unclipped) - len(recent) + 1
    out.append("‖g‖ per step (unclipped / clipped, before clipping): ", style="dim")
    out.append("  ".join(f"{first + i}: {u:.3g}/{c:.3g}" for i, (u, c) in enumerate(recent)))
    return out


class SurfacePanel(Panel):
    def compose(self) -> ComposeResult:
        yield TextLine(WAITING, id="surface-info", classes="info")
        yield Static("", id="surface-picture")
        yield Static("", id="surface-outside")
        yield Input(placeholder="where both paths start: w b, e.g. 2.0 -0.3 (Enter restarts; "
                                "Esc cancels)", id="start-prompt", classes="prompt")


class ClippingPanel(Panel):
    def compose(self) -> ComposeResult:
        yield Static("", id="clipping-text")


class SurfaceScreen(DashboardScreen):
    """The dashboard of the rough error surface."""

    FAMILY = "surface"
    PANELS = (("surface-panel", "Error surface"), ("clipping-panel", "Clipping"))
    INTERACTIVE = {"probe_every": 1, "sample_every": 0}  # two scalars: every step is free
    GRAD_TITLE = "‖∂L/∂h_t‖ over the T steps · {layer} (1 unclipped, 2 clipped)"
    # `c` (the loop's clipping on/off) would clip both paths' gradients together: here it
    # says so instead; the clipped path always clips, at the threshold [ and ] set.
    PROMPT_ID = "#start-prompt"
    BINDINGS = [b for b in shell_bindings(
        first=[Binding("p", "app.prompt", "Start", tooltip="Type where both paths start, "
                       "w and b (restarts)")], middle=[], cells=("rnn",)) if b.key != "c"] \
        + [Binding("c", "clip_note", "Clipping", show=False,
                   tooltip="The clipped path always clips; [ and ] set its threshold")]
    DEFAULT_CSS = """
    #surface-picture { height: auto; }
    #surface-outside { height: auto; color: $text-muted; }
    #clipping-text { height: 1fr; }
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reset_view()

    def compose_panels(self) -> ComposeResult:
        yield SurfacePanel(id="surface-panel", classes="panel")
        yield ClippingPanel(id="clipping-panel", classes="panel")

    # ------------------------------------------------------------------ the app's calls

    def reset_view(self) -> None:
        self.surface: Surface | None = None
        self.paths: Paths | None = None

    def clear_view(self) -> None:
        self.query_one("#surface-info", TextLine).update(WAITING)
        for name in ("#surface-picture", "#surface-outside", "#clipping-text"):
            self.query_one(name, Static).update("")

    def handle_event(self, event: Any) -> None:
        if isinstance(event, Surface):
            self.surface = event
        elif isinstance(event, Paths):
            self.paths = event
        else:
            return
        self.render_surface()

    def status_fields(self) -> tuple[list, list]:
        cfg = self.app.config
        return [("T", str(cfg.timesteps))], [
            ("threshold", f"{self.app.hparams['clip']:g} (the clipped path)"),
            ("start", f"({cfg.w_start:g}, {cfg.b_start:g})")]

    def loss_fields(self) -> list[tuple[str, str]]:
        p = self.paths
        if p is None:
            return []
        return [("unclipped", f"{p.loss_unclipped:.4f}"), ("clipped", f"{p.loss_clipped:.4f}")]

    @classmethod
    def choices(cls, config: Any) -> list[tuple[str, str, Any]]:
        return [("surface", f"The rough error surface · T={config.timesteps}, with and "
                 f"without clipping", config)]

    def submit_prompt(self, text: str) -> None:
        try:
            w, b = parse_start(text)
        except ValueError as exc:
            self.app.notify(str(exc), severity="warning", timeout=3)
            return
        self.app.controller.start(self.app.config.replace(w_start=w, b_start=b),
                                  why=f"both paths start at (w, b) = ({w:g}, {b:g})")

    def action_clip_note(self) -> None:
        self.app.notify("here one path always clips and the other never does: [ and ] set "
                        "the threshold (the loop's own clipping stays off)", timeout=4)

    # ------------------------------------------------------------------ drawing

    def render_surface(self) -> None:
        s, p = self.surface, self.paths
        if s is None:
            return
        fields = [("", f"(h_T − {s.target:g})² · h_t = tanh(w·h_(t−1) + b) · T = "
                   f"{s.timesteps} · h_0 = {s.h0:g}")]
        if p is not None:
            fields.append(("step", f"{p.step:,}"))
        self.query_one("#surface-info", TextLine).update(join_fields(fields))
        picture = surface_picture(s, p)
        picture.append("\n● ", style=UNCLIPPED)
        picture.append("without clipping  ")
        picture.append("● ", style=CLIPPED)
        picture.append("with clipping  ")
        picture.append("● ", style=BOTH)
        picture.append("both  ·  colour: log₁₀ loss (dark: low)")
        self.query_one("#surface-picture", Static).update(picture)
        self.query_one("#surface-outside", Static).update(
            "\n".join(outside(s, p)) if p is not None else "")
        if p is not None:
            self.query_one("#clipping-text", Static).update(clipping_text(p))
