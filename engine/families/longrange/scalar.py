"""The CS286 slide's univariate example of a vanishing or exploding gradient, in plain Python:
the app's view prints its numbers on the UI thread, which never imports torch (jacobian.py
measures the real thing)."""

from __future__ import annotations

from engine.errors import EngineError


def scalar_gradient(w: float, T: int, start: int = 1) -> float:
    """dh^(T)/dh^(start) = w^(T - start) for the univariate linear RNN h^(t) = w h^(t-1) + u x^(t).

    The CS286 slide (Lecture 8, "Why gradients explode or vanish") writes dh^(T)/dh^(1) =
    w^(T-1), so start=1 is its formula: w = 1.1, T = 50 gives 1.1^49 = 106.7. The numbers it
    prints, 117.4 and 0.00515, are 1.1^50 and 0.9^50: dh^(50)/dh^(0), i.e. start=0 (50 steps
    from the initial state). The slide is off by one between its formula and its figures.
    """
    if T < start:
        raise EngineError(f"T must be >= {start}, got {T}")
    return float(w) ** (T - start)
