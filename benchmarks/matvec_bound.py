"""How fast this machine reads the sampler's weights: batch-1 products, torch vs numpy.

    python benchmarks/matvec_bound.py

Sampling writes one character at a time, so every character reads the recurrent weights of
a GRU 512x2 once: three 1536x512 matrices (the hidden side of both layers and the input side
of layer 2; layer 1's input side is a table lookup in the numpy step) - 9.4 MB in float32.
Their matrix-vector products alone bound sampling's characters/s from above;
benchmarks/sampling.py is measured against that bound. Timed for torch.mv (MKL in torch's
CPU wheel) and numpy's `@` (OpenBLAS in numpy's wheel, what engine/families/lm/numpy_step.py
uses) on 1 and 2 threads.
"""

from __future__ import annotations

import time

import numpy as np
import torch

ROWS, COLS, MATRICES = 1536, 512, 3


def seconds_per_call(fn, n: int) -> float:
    for _ in range(max(10, n // 40)):  # warm the caches and the allocator
        fn()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def main() -> None:
    from engine.families.lm.numpy_step import _local_setter

    setter = _local_setter()
    weights = [torch.randn(ROWS, COLS) for _ in range(MATRICES)]
    x = torch.randn(COLS)
    arrays, v = [w.numpy() for w in weights], x.numpy()
    nbytes = sum(w.numel() * 4 for w in weights)
    print(f"{MATRICES} x {ROWS}x{COLS} float32 = {nbytes / 1e6:.1f} MB a token\n")
    print("| product | threads | us a token | GB/s | at most tokens/s |")
    print("|---|---:|---:|---:|---:|")
    for threads in (1, 2):
        torch.set_num_threads(threads)
        if setter is not None:
            setter(threads)
        with torch.inference_mode():
            cases = {"torch.mv (MKL)": lambda: [torch.mv(w, x) for w in weights],
                     "numpy @ (OpenBLAS)": lambda: [a @ v for a in arrays]}
            for name, fn in cases.items():
                t = seconds_per_call(fn, 1000)
                print(f"| {name} | {threads} | {t * 1e6:.0f} | {nbytes / t / 1e9:.1f} "
                      f"| {1 / t:,.0f} |", flush=True)
    if setter is None:
        print("\n(numpy's OpenBLAS cannot be told its threads here: both rows use its default)")


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
