"""The report's charts: matplotlib figures written as inline SVG.

Why matplotlib: it is the plotting library of the scientific Python stack, it draws
headless (the Figure API, no pyplot and no display), and its SVG is self-contained: with
svg.fonttype "path" the text is outlines, so a browser needs no font and prints it sharp.
Colours are the "tab10" palette, distinct on white and in greyscale print (with line styles:
train solid, validation dashed, baselines dotted).
"""

from __future__ import annotations

import io
from typing import Any, Sequence

import numpy as np

from engine.errors import EngineError

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")  # matplotlib's tab10


def color(k: int) -> str:
    return PALETTE[k % len(PALETTE)]


def new_figure(width: float = 8.0, height: float = 3.6) -> Any:
    try:
        import matplotlib
        from matplotlib.figure import Figure
    except ImportError:
        raise EngineError("the report draws its charts with matplotlib: "
                          "pip install 'rnn-tui[report]'") from None
    matplotlib.rcParams["svg.fonttype"] = "path"  # text as outlines: no font needed
    matplotlib.rcParams["svg.hashsalt"] = "rnn-tui"  # the same ids on every run
    return Figure(figsize=(width, height), layout="constrained")


def to_svg(fig: Any) -> str:
    """The figure as an <svg> element (the XML prolog dropped: it sits inside HTML)."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]


def heatmap(matrix: Sequence[Sequence[float]], title: str, xlabel: str, ylabel: str,
            xticks: Sequence[str] | None = None, yticks: Sequence[str] | None = None,
            log: bool = False, colorbar: str = "") -> str:
    """A matrix as an image (rows top to bottom), labelled cells where there are few."""
    data = np.asarray(matrix, dtype=np.float64)
    if log:
        data = np.log10(np.maximum(data, 1e-12))
    rows, cols = data.shape
    fig = new_figure(min(8.0, 2.5 + 0.22 * cols), min(5.5, 1.6 + 0.2 * rows))
    ax = fig.add_subplot()
    image = ax.imshow(data, aspect="auto", cmap="viridis", interpolation="nearest")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if xticks is not None and cols <= 60:  # labelled cells only where they can be read
        turn = 90 if max((len(t) for t in xticks), default=0) > 2 else 0
        ax.set_xticks(range(cols), list(xticks), fontsize=7, rotation=turn)
    if yticks is not None and rows <= 60:
        ax.set_yticks(range(rows), list(yticks), fontsize=7)
    bar = fig.colorbar(image, ax=ax, shrink=0.8)
    if colorbar:
        bar.set_label(colorbar)
    return to_svg(fig)


def lines(series: list[tuple[str, Sequence[float], Sequence[float], dict]], title: str,
          xlabel: str, ylabel: str, logy: bool = False) -> str:
    """Named lines (label, x, y, matplotlib style) on one chart with a legend."""
    fig = new_figure()
    ax = fig.add_subplot()
    for label, x, y, style in series:
        ax.plot(x, y, label=label, **style)
    if logy:
        ax.set_yscale("log")
    ax.set_title(title, fontsize=10)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    if series:  # beside the chart, so that it never hides a curve
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return to_svg(fig)


def heatmap_row(panels: list[tuple[str, np.ndarray, Sequence[str]]], xlabel: str,
                ylabel: str, colorbar: str) -> str:
    """Matrices side by side on one colour scale, so that they compare at a glance: each
    panel is (title, matrix, labels of its rows)."""
    low = min(float(m.min()) for _, m, _ in panels)
    high = max(float(m.max()) for _, m, _ in panels)
    fig = new_figure(min(11.0, 1.5 + 3.2 * len(panels)), 3.4)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (title, matrix, rows) in zip(axes, panels):
        image = ax.imshow(matrix, aspect="auto", cmap="viridis", interpolation="nearest",
                          vmin=low, vmax=high)
        ax.set_title(title, fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        every = max(1, len(rows) // 8)  # a few row labels, readable
        ax.set_yticks(range(0, len(rows), every), list(rows)[::every], fontsize=7)
    axes[0].set_ylabel(ylabel, fontsize=8)
    fig.colorbar(image, ax=list(axes), shrink=0.85).set_label(colorbar, fontsize=8)
    return to_svg(fig)
