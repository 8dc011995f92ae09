"""The training loop, written once for every family (loop.py), and what it is made of:
controls.py (live settings and requests from the UI), guard.py (divergence), optim.py
(optimizer, clipping, schedule), budget.py (steps / minutes), device.py, threads.py (CPU
threads) and memory.py (the size estimate refused before allocating)."""
