"""Engine vs a bare PyTorch loop doing the same work, in the same run.

    python benchmarks/throughput.py [--corpus FILE] [--steps 100] [--rounds 3] [--model gru]

Trains the default configuration (or the one given) three ways, interleaved round by round
so that machine noise hits all of them alike:
  bare     benchmarks/bare_loop.py: fused module, Adam, clipping, nothing else, in the
           precision the engine's config resolves to (--precision auto: bf16 on a CPU with
           native bf16), so both sides do the same arithmetic
  engine   engine.training.loop.Trainer with the probes off (eval/sampling/checkpoints off too)
  probes   the engine with the gradient probes at their default cadence
and prints tokens/s (median over rounds) and the ratios engine/bare and probes/engine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.bare_loop import bare_train  # noqa: E402
from engine import events as ev  # noqa: E402
from engine.data.corpus import load_corpus  # noqa: E402
from engine.training.device import configure_threads  # noqa: E402
from engine.families.lm.config import LMConfig  # noqa: E402
from engine.families.lm.data import split_text  # noqa: E402
from engine.training.loop import Trainer  # noqa: E402
from engine.training.precision import resolve_precision  # noqa: E402
from engine.data.tokens import Vocab  # noqa: E402


def engine_tps(cfg: LMConfig, steps: int, warmup: int) -> float:
    """Tokens/s over the steps after `warmup`, timed around the generator like a user would."""
    t_start, tokens = None, 0
    for e in Trainer(cfg.replace(steps=warmup + steps, log_every=1)).events():
        if isinstance(e, ev.TrainStep):
            if e.step == warmup:
                t_start = time.perf_counter()
            elif e.step > warmup:
                tokens += cfg.batch_size * cfg.bptt
    return tokens / (time.perf_counter() - t_start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default="prose")
    ap.add_argument("--steps", type=int, default=100)  # >= probe_every
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--model", default=None)
    ap.add_argument("--hidden", type=int, default=None)
    ap.add_argument("--batch-size", type=int, default=None)
    ap.add_argument("--precision", default=None, help="both sides (default: the config's)")
    args = ap.parse_args()

    base = LMConfig(corpus=args.corpus, device="cpu")
    over = {k: v for k, v in (("model", args.model), ("hidden", args.hidden),
                              ("batch_size", args.batch_size),
                              ("precision", args.precision)) if v is not None}
    base = base.replace(**over).validate()
    threads = configure_threads(base.threads)
    precision = resolve_precision(base.precision, torch.device("cpu"))  # the bare loop's too
    text = load_corpus(base.corpus).text
    train, _ = split_text(text, base.val_fraction)
    vocab = Vocab.build([text])
    ids = torch.from_numpy(vocab.encode(train))
    quiet = dict(eval_every=10**9, sample_every=0, baseline_order=0, checkpoint_every_s=1e9,
                 lr_schedule="constant", warmup_steps=0)
    plain = base.replace(probe_every=0, **quiet)
    probed = base.replace(**quiet)  # probe_every at its default
    print(f"{base.model} {base.hidden}x{base.layers}, batch {base.batch_size}x{base.bptt}, "
          f"{threads} threads, {precision} (both sides), probes every {base.probe_every} steps, "
          f"torch {torch.__version__}")
    runs: dict[str, list[float]] = {"bare": [], "engine": [], "probes": []}
    for r in range(args.rounds):
        tps, _ = bare_train(ids, len(vocab), steps=args.steps, batch=base.batch_size,
                            bptt=base.bptt, lr=base.lr, clip=base.clip, embed=base.embed,
                            hidden=base.hidden, layers=base.layers, dropout=base.dropout,
                            cell=base.model, precision=precision)
        runs["bare"].append(tps)
        runs["engine"].append(engine_tps(plain, args.steps, args.warmup))
        runs["probes"].append(engine_tps(probed, args.steps, args.warmup))
        print(f"round {r + 1}: " + "  ".join(f"{k} {v[-1]:,.0f}" for k, v in runs.items()),
              flush=True)
    med = {k: statistics.median(v) for k, v in runs.items()}
    print(f"tokens/s (median of {args.rounds}): bare {med['bare']:,.0f} · engine "
          f"{med['engine']:,.0f} · engine+probes {med['probes']:,.0f}")
    print(f"engine / bare = {med['engine'] / med['bare']:.3f}")
    print(f"probe overhead = {100 * (1 - med['probes'] / med['engine']):.1f}% "
          f"(engine+probes / engine = {med['probes'] / med['engine']:.3f})")


if __name__ == "__main__":
    main()
