"""How fast this machine reads weights: torch.mv on the sampler's matrices at batch 1.

    python benchmarks/matvec_bound.py

Sampling writes one character at a time, so every character reads the four recurrent weight
matrices of a GRU 512x2 (1536x512 each for the input and hidden sides of two layers: 12.6 MB
in fp32) once. Their matrix-vector products alone bound sampling's characters/s from above;
benchmarks/sampling.py is measured against that bound (one thread, as the sampler runs).
"""

from __future__ import annotations

import time

import torch


def seconds_per_call(fn, n: int) -> float:
    for _ in range(max(10, n // 40)):  # warm the caches and the allocator
        fn()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def main() -> None:
    torch.set_num_threads(1)
    with torch.inference_mode():
        for rows, cols in [(1536, 512), (6144, 1024)]:
            w, x = torch.randn(rows, cols), torch.randn(cols)
            t = seconds_per_call(lambda: torch.mv(w, x), 2000)
            print(f"mv {rows}x{cols} fp32: {t * 1e6:.1f} us, "
                  f"{w.numel() * 4 / t / 1e9:.1f} GB/s")
        weights, x = [torch.randn(1536, 512) for _ in range(4)], torch.randn(512)
        nbytes = sum(w.numel() * 4 for w in weights)
        t = seconds_per_call(lambda: [torch.mv(w, x) for w in weights], 1000)
        print(f"4 x mv 1536x512 ({nbytes / 1e6:.1f} MB): {t * 1e6:.0f} us a token -> at most "
              f"{1 / t:,.0f} tokens/s, {nbytes / t / 1e9:.1f} GB/s")


if __name__ == "__main__":
    main()
