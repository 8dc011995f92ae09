"""A run on disk and in memory: rundir.py (the directory: files, lock, writing metrics.jsonl),
metrics.py (reading metrics.jsonl back: its one parser), identity.py (what is a run: its
marker), removal.py (deleting only what rnn-tui wrote), header.py (a checkpoint's name and
metadata, read without torch), checkpoint.py (the safetensors file), state.py (what a
training run holds: built, saved, restored, loaded for use) and opened.py (a saved run opened
for use, continued in place)."""
