"""How many steps (and seconds) does a cell need to solve a long-range task?

    python benchmarks/longrange_solve.py --model lstm --length 100 [--hidden 128] [--lr 3e-3]
        [--batch 50] [--clip 1.0] [--forget-bias 1.0 | --chrono] [--max-steps 3000] [--threads 1]

Trains one LongRangeModel with Adam on a fresh stream, scores the fixed held-out set every
--eval-every steps and stops when the metric crosses --threshold (adding: MSE < 0.01; recall:
accuracy > 0.99; copy: loss < 0.01 nats) or at --max-steps / --max-seconds. Prints one line
per evaluation and a final summary line; steps-to-solve does not depend on the machine's
load, the seconds do.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from engine.families.longrange.model import LongRangeModel, LongRangeModelConfig  # noqa: E402
from engine.families.longrange.tasks import make_task  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--task", default="adding")
    ap.add_argument("--length", type=int, default=100)
    ap.add_argument("--model", default="lstm")
    ap.add_argument("--hidden", type=int, default=128)
    ap.add_argument("--init", default=None)
    ap.add_argument("--forget-bias", type=float, default=None)
    ap.add_argument("--chrono", action="store_true",
                    help="LSTM: chrono init of the gate biases (Tallec & Ollivier 2018)")
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--clip", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threshold", type=float, default=None)
    ap.add_argument("--eval-every", type=int, default=50)
    ap.add_argument("--max-steps", type=int, default=3000)
    ap.add_argument("--max-seconds", type=float, default=600)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    task = make_task(args.task, args.length)
    thr = args.threshold if args.threshold is not None else {"adding": 0.01, "recall": 0.99,
                                                             "copy": 0.01}[args.task]
    solved = (lambda v: v > thr) if task.higher_is_better else (lambda v: v < thr)
    cfg = LongRangeModelConfig(model=args.model, hidden=args.hidden, init=args.init,
                               forget_bias=args.forget_bias, chrono=args.chrono)
    net = LongRangeModel(task, cfg)
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    hx, hy = task.heldout()
    train_s, curve, hit = 0.0, [], None
    for step, (x, y) in enumerate(task.batches(args.batch, seed=args.seed), start=1):
        t0 = time.perf_counter()
        _, loss = net(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if args.clip > 0:
            torch.nn.utils.clip_grad_norm_(net.parameters(), args.clip)
        opt.step()
        train_s += time.perf_counter() - t0
        if step % args.eval_every == 0:
            with torch.no_grad():
                value = task.score(net(hx)[0], hy)
            curve.append((step, round(value, 5)))
            print(f"step {step:5d}  {task.metric} {value:.5f}  train {train_s:6.1f}s", flush=True)
            if solved(value):
                hit = step
                break
        if step >= args.max_steps or train_s >= args.max_seconds:
            break
    print("RESULT " + json.dumps({**vars(args), "solved_at": hit, "steps": step,
                                  "train_s": round(train_s, 1),
                                  "ms_per_step": round(1000 * train_s / step, 1),
                                  "final": curve[-1][1] if curve else None}))


if __name__ == "__main__":
    main()
