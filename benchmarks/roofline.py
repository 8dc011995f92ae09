"""How close to the machine's own limit each family's training step runs.

    python benchmarks/roofline.py [--steps 60] [--warmup 10] [--threads 2] [--precision fp32]
                                  [--families lm,seq2seq,...] [--tag-data FILE]

1. The limit: the machine's measured matmul rate on the run's threads, `torch.mm` of two
   2048 x 2048 matrices (fp32, and bf16 where the CPU has bf16 kernels), the median of a few
   repetitions. A recurrent training step is mostly matmuls, so this is its roofline.
2. FLOPs per token of each family's DEFAULT configuration, counted from the shapes of the
   operations of one real training step (forward + backward) by
   torch.utils.flop_counter.FlopCounterMode (2·m·n·k per matmul: the head, attention,
   feed-forward layers), plus the recurrent layers from their shapes (the counter cannot see
   inside oneDNN's or cuDNN's fused kernels): for a layer of G gates, H units and input size
   `in`, 6·G·H·(in + H) FLOPs per token, 2 forward + 4 backward), divided by the tokens the step
   trained on (the family's own `batch_tokens`: characters, words, source + target tokens).
   Element-wise work (gates' sigmoids, softmax) is not counted: it is memory-bound and small.
3. The engine's tokens/s on that configuration (engine.training.loop.Trainer, evaluations, probes,
   samples and checkpoints off, median of the per-step rates after `--warmup` steps), and
   so its GFLOP/s and its share of the measured peak.

The goal of issue 24 is >= 70% of the fp32 peak for the character LM's step at its defaults.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn
from torch.nn.utils.rnn import PackedSequence
from torch.utils.flop_counter import FlopCounterMode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from engine import events as ev  # noqa: E402
from engine import families  # noqa: E402
from engine.training.loop import Trainer  # noqa: E402
from engine.training.precision import bf16_supported  # noqa: E402
from engine.storage.state import build_state  # noqa: E402

DEFAULT_TAG_DATA = ROOT.parent / "shared" / "corpora" / "ud-gum" / "en_gum-ud-dev.conllu"
# Side jobs off, so that only optimizer steps are timed (fields a family lacks are skipped).
QUIET = dict(eval_every=10**9, probe_every=0, sample_every=0, first_look_at=0,
             checkpoint_every_s=1e9, baseline_order=0, log_every=1)


def matmul_peak(dtype: torch.dtype, n: int = 2048, reps: int = 5) -> float:
    """GFLOP/s of torch.mm(n x n, n x n) on the current threads: median of `reps`."""
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    torch.mm(a, b)  # warm up (thread pool, kernel choice)
    rates = []
    for _ in range(reps):
        t0 = time.perf_counter()
        torch.mm(a, b)
        rates.append(2 * n ** 3 / (time.perf_counter() - t0) / 1e9)
    return statistics.median(rates)


def default_config(family, threads: int, precision: str, tag_data: Path):
    """The family's default config (its first task), quiet, on the CPU."""
    cls = family.config_class()
    data = {"task": family.tasks[0]} if family.tasks else {}
    if family.name == "tag":  # the one family without a bundled default corpus
        data["data"] = str(tag_data)
    cfg = cls.from_dict(data).replace(device="cpu", threads=threads, precision=precision)
    names = {f.name for f in dataclasses.fields(cfg)}
    return cfg.replace(**{k: v for k, v in QUIET.items() if k in names}).validate()


def flops_per_token(cfg) -> float:
    """Training FLOPs of one real batch (forward + backward) / the tokens it holds."""
    st = build_state(cfg, None, False, False, {})
    try:
        batch = st.task.next_batch(0, 0.0)
        st.model.train()
        rnns = {name: m for name, m in st.model.named_modules() if isinstance(m, nn.RNNBase)}
        counted: dict[str, float] = {}
        hooks = [m.register_forward_hook(
            lambda m, inp, out, name=name: counted.__setitem__(
                name, counted.get(name, 0.0) + recurrent_flops(m, inp[0])))
            for name, m in rnns.items()]
        with FlopCounterMode(display=False) as counter:
            _, loss = st.task.forward(st.model, batch)
            loss.backward()
        for hook in hooks:
            hook.remove()
        # A fused kernel (oneDNN's LSTM, cuDNN) is invisible to the counter, a decomposed one
        # (the CPU GRU) is counted through its mm/addmm: drop what it saw inside the
        # recurrent modules and count them from their shapes instead, the same way for all.
        per_module = counter.get_flop_counts()
        root = type(st.model).__name__
        seen_inside = sum(sum(per_module.get(f"{root}.{name}", {}).values()) for name in rnns)
        total = counter.get_total_flops() - seen_inside + sum(counted.values())
        return total / st.task.batch_tokens(batch)
    finally:
        st.run.close()


def recurrent_flops(module: nn.RNNBase, x) -> float:
    """Training FLOPs of a fused recurrent module on input x: per layer and direction,
    2·G·H·(in + H) per step forward (the gates' two matmuls), 3x that with backward."""
    steps = x.data.shape[0] if isinstance(x, PackedSequence) else \
        (x.shape[0] * x.shape[1] if x.dim() == 3 else x.shape[0])  # sequence-steps
    gates = {"LSTM": 4, "GRU": 3}.get(module.mode, 1)
    h, d = module.hidden_size, 2 if module.bidirectional else 1
    forward = sum(d * 2 * gates * h * ((module.input_size if k == 0 else d * h) + h)
                  for k in range(module.num_layers))
    return 3.0 * forward * steps


def tokens_per_s(cfg, steps: int, warmup: int) -> float:
    """Median of the per-step tokens/s the engine reports after `warmup` steps."""
    rates = [e.tokens_per_s for e in Trainer(cfg.replace(steps=warmup + steps)).events()
             if isinstance(e, ev.TrainStep) and e.step > warmup]
    return statistics.median(rates)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=60)
    ap.add_argument("--warmup", type=int, default=10)
    ap.add_argument("--threads", type=int, default=torch.get_num_threads())
    ap.add_argument("--precision", default="fp32", choices=("fp32", "bf16"))
    ap.add_argument("--families", default=",".join(f.name for f in families.FAMILIES))
    ap.add_argument("--tag-data", type=Path, default=DEFAULT_TAG_DATA)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    peak32 = matmul_peak(torch.float32)
    has_bf16 = bf16_supported(torch.device("cpu"))
    peak16 = matmul_peak(torch.bfloat16) if has_bf16 else None
    print(f"torch {torch.__version__}, {args.threads} threads, training in {args.precision}")
    print(f"measured matmul peak (mm 2048²): fp32 {peak32:.0f} GFLOP/s"
          + (f", bf16 {peak16:.0f} GFLOP/s" if peak16 else ", no bf16 kernels"))
    peak = peak16 if args.precision == "bf16" else peak32
    print("\n| family | default model | FLOPs/token | tokens/s | GFLOP/s | share of peak |")
    print("|---|---|---:|---:|---:|---:|")
    for name in args.families.split(","):
        family = families.get(name)
        if family.name == "tag" and not args.tag_data.is_file():
            print(f"| {name} | (no --tag-data file: skipped) | | | | |")
            continue
        cfg = default_config(family, args.threads, args.precision, args.tag_data)
        fpt = flops_per_token(cfg)
        torch.set_num_threads(args.threads)  # building the state may have set it
        tps = tokens_per_s(cfg, args.steps, args.warmup)
        gflops = fpt * tps / 1e9
        print(f"| {name} | {cfg.describe()} | {fpt / 1e6:,.2f} M | {tps:,.0f} | "
              f"{gflops:,.1f} | {gflops / peak:.0%} |", flush=True)


if __name__ == "__main__":
    main()
