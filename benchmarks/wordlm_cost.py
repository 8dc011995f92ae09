"""Where a word LM's training step goes on a CPU: the recurrent part, the V-way softmax, the
update. Indicative (a shared machine); medians of a few steps after a warm-up.

    python benchmarks/wordlm_cost.py --threads 1 [--sizes 200,650] [--vocabs 10000,33278]

Per step of batch B x BPTT T, in ms:
  rnn      embedding + 2-layer LSTM forward and backward (to a fixed random readout)
  softmax  Linear(H -> V) + cross-entropy forward and backward, on the (B, T, H) output
  update   clip_grad_norm + SGD over every parameter (the dense V x H rows included)
  adaptive the softmax replaced by nn.AdaptiveLogSoftmaxWithLoss (cutoffs 2k, 10k; 2k, V/2 for V <= 12k)
  proj     H -> 200 projection, then a 200-wide softmax (what tying a wide LSTM to a
           200-wide embedding costs)
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import torch
import torch.nn as nn


def timed(fn, steps):
    fn()  # warm-up: allocations, oneDNN primitive creation
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1000 * statistics.median(times)


def measure(h, v, b, t, steps):
    emb, rnn = nn.Embedding(v, h), nn.LSTM(h, h, 2, batch_first=True)
    head = nn.Linear(h, v)
    x, y = torch.randint(0, v, (b, t)), torch.randint(0, v, (b, t))
    readout = torch.randn(b, t, h)
    out = torch.randn(b, t, h, requires_grad=True)

    def rnn_part():
        o, _ = rnn(emb(x))
        (o * readout).sum().backward()

    def softmax_part(layer=head, inp=out):
        nn.functional.cross_entropy(layer(inp).reshape(-1, v), y.reshape(-1)).backward()

    params = [*emb.parameters(), *rnn.parameters(), *head.parameters()]
    for p in params:
        p.grad = torch.randn_like(p)

    def update():
        nn.utils.clip_grad_norm_(params, 0.25)
        with torch.no_grad():
            for p in params:
                p.add_(p.grad, alpha=-20)

    cutoffs = [2000, 10000 if v > 12000 else v // 2]
    adaptive = nn.AdaptiveLogSoftmaxWithLoss(h, v, cutoffs=cutoffs, div_value=4.0)
    proj = nn.Sequential(nn.Linear(h, 200, bias=False), nn.Linear(200, v))
    row = {"rnn": timed(rnn_part, steps), "softmax": timed(softmax_part, steps),
           "update": timed(update, steps),
           "adaptive": timed(lambda: adaptive(out.reshape(-1, h), y.reshape(-1))
                             .loss.backward(), steps),
           "proj": timed(lambda: softmax_part(proj), steps) if h > 200 else float("nan")}
    total = row["rnn"] + row["softmax"] + row["update"]
    print(f"H {h:4d}  V {v:6d} | rnn {row['rnn']:7.1f} | softmax {row['softmax']:7.1f} | "
          f"update {row['update']:6.1f} | softmax share {row['softmax'] / total:4.0%} | "
          f"{b * t / total * 1000:7.0f} tok/s | adaptive {row['adaptive']:6.1f} | "
          f"proj->200 {row['proj']:6.1f}", flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--sizes", default="200,400,650")
    ap.add_argument("--vocabs", default="10000,20000,33278")
    ap.add_argument("--batch", type=int, default=20)
    ap.add_argument("--bptt", type=int, default=35)
    ap.add_argument("--steps", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(f"batch {args.batch} x bptt {args.bptt}, {args.threads} thread(s), ms per step",
          file=sys.stderr)
    for h in map(int, args.sizes.split(",")):
        for v in map(int, args.vocabs.split(",")):
            measure(h, v, args.batch, args.bptt, args.steps)


if __name__ == "__main__":
    main()
