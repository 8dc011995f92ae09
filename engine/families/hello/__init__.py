"""The CS286 / AI504 "hello" network: a character RNN with vocabulary h, e, l, o that learns
to predict "ello" from "hell", small enough to show every number on screen.

Modules: config (HelloConfig: --word, --hidden 3, ...), model (one-hot x_t -> Recurrent ->
Linear: the slide's h_t = tanh(W_hh h_{t-1} + W_xh x_t), y_t = W_hy h_t), unroll (every
number of one forward and backward pass: x_t, h_t, p_t, the target, dL/dh_t; greedy
decoding), events (Unrolled), task (HelloTask: the family's side of the training loop).
Like the rest of `engine`, nothing here imports textual, rich or typer.
"""
