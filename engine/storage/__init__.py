"""A run on disk and in memory: rundir.py (the directory: files, lock, metrics.jsonl),
identity.py (what is a run: its marker), removal.py (deleting only what rnn-tui wrote),
checkpoint.py (the safetensors file), state.py (what a training run holds: built, saved,
restored, loaded for use) and opened.py (a saved run opened for use, continued in place)."""
