"""A run on disk and in memory: rundir.py (the directory: files, lock, metrics.jsonl),
checkpoint.py (the safetensors file), state.py (what a training run holds: built, saved,
restored, loaded for use) and opened.py (a saved run opened for use, continued in place)."""
