"""The rough error surface (ADL, after Pascanu, Mikolov & Bengio 2013): the loss of a one-unit
RNN h_t = tanh(w h_{t-1} + b) over its recurrent weight w and bias b, with the cliff where the
dynamics bifurcate, and two gradient-descent paths from the same start, one with norm
clipping and one without, trained live.

Modules: config (SurfaceConfig: the window, the start, T, the target, the threshold), grid
(the loss over a grid of (w, b), vectorised), model (the two paths as parameters; the clipped
one clips its own gradient, ADL's pseudo-code), events (Surface, Paths), task (SurfaceTask).
Like the rest of `engine`, nothing here imports textual, rich or typer.
"""
