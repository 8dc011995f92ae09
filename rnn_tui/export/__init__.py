"""Runs taken elsewhere: `rnn-tui export` (CSV, JSON, TensorBoard event files) and
`rnn-tui run --tensorboard DIR` (the same, live).

    runs = read_runs(["runs/a", "runs/b"])       # checked: a run, finished, whole
    write(runs, "csv", Path("scalars.csv"))      # or "json", "tensorboard" (a log dir)

scalars.py turns one metrics.jsonl row (or a live event) into its scalars, the one
definition both paths share; runs.py reads run directories through the project's readers;
writers.py writes each format into place atomically (nothing partial on a failure);
tensorboard.py is the only module that imports the optional TensorBoard writer.
"""
