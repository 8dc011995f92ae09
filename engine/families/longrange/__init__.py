"""The vanishing-gradient lab: synthetic tasks whose one dependency spans a distance T.

Modules: config (LongRangeConfig: --task adding|copy|recall, --length T, --init, ...), task
(LongRangeTask: the family's side of the single training loop), events (the Jacobian picture,
held-out examples), tasks (the adding, copy-memory and recall generators, held-out sets,
baselines), model (input projection -> Recurrent -> head), weight_init (default / identity /
orthogonal W_hh; LSTM forget-gate bias or chrono init), jacobian (||dh_T/dh_t|| over t,
sigma_max of each W_hh block, the CS286 scalar example), probes (the gradient per position,
the Jacobian picture and decoded examples on held-out sequences). Like the rest of `engine`,
nothing here imports textual, rich or typer.
"""
