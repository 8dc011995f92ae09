"""The classify family's defaults against the bare PyTorch loop, side by side.

    python benchmarks/classify_vs_bare.py --data ../shared/corpora/sentiment --minutes 3
    python benchmarks/classify_vs_bare.py --data names --minutes 3

Both train on the same split (engine.families.classify.data.load_labelled: stratified 80/20,
seed 0) for the same minutes, one after the other (never at once: they would share the
cores), with the same number of threads. The bare loop (benchmarks/classify_bare.py) counts
only its optimizer steps against the minutes; the engine's budget also pays for its side
jobs (evaluations, probes, the baselines), so the engine trains a little less. tokens/s are
real tokens (no padding) per second of optimizer steps, on both sides. Both evaluate every
`--eval-seconds` of training; "best" is the highest held-out accuracy seen, "final" the
last. The Naive Bayes and majority-class numbers are the engine's baselines (same split).

`--set key=value` changes an engine option (to try other defaults); `--only engine|bare`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from classify_bare import train_bare  # noqa: E402

from engine import events as ev  # noqa: E402
from engine.families.classify.config import ClassifyConfig, data_path  # noqa: E402
from engine.families.classify.data import load_labelled  # noqa: E402
from engine.training.loop import Trainer  # noqa: E402


def train_engine(cfg: ClassifyConfig, log=print) -> dict:
    """Run the engine on `cfg`; the same summary as train_bare, plus the baselines."""
    trainer = Trainer(cfg)
    curve, tokens, seconds, last, base = [], 0, 0.0, 0, None
    for e in trainer.events():
        if isinstance(e, ev.TrainStep):
            batcher = trainer.state.task.batcher
            n = sum(batcher.lengths[i] for s in range(last, e.step)
                    for i in batcher.indices(s))  # the real tokens of these steps
            tokens, seconds, last = tokens + n, seconds + n / e.tokens_per_s, e.step
        elif isinstance(e, ev.Eval):
            curve.append((seconds, e.accuracy))
            log(f"{seconds / 60:5.2f} min training  held-out accuracy {e.accuracy:.4f}  "
                f"{tokens / max(seconds, 1e-9):,.0f} tokens/s  (step {e.step})")
        elif isinstance(e, ev.Baselines):
            base = e.metrics
        elif isinstance(e, ev.Finished):
            log(f"engine finished at step {e.step}: {e.message}")
    best_at, best = max(curve, key=lambda c: (c[1], -c[0]))
    return {"tokens_per_s": tokens / seconds, "final": curve[-1][1], "best": best,
            "best_at": best_at, "curve": curve, "baselines": base, "steps": last}


def engine_config(data: str, minutes: float, threads: int, eval_steps: int,
                  changes: list[str]) -> ClassifyConfig:
    cfg = ClassifyConfig(data=data, minutes=minutes, threads=threads, device="cpu",
                         eval_every=eval_steps, sample_every=0, log_every=10)
    hints = {f: type(getattr(cfg, f)) for f in cfg.to_dict()}
    for item in changes:
        key, _, value = item.partition("=")
        kind = hints[key] if getattr(cfg, key) is not None else float
        cfg = cfg.replace(**{key: value.lower() in ("1", "true", "yes") if kind is bool
                             else kind(value)})
    return cfg.validate()


def table(data, minutes: float, bare: dict | None, engine: dict | None) -> str:
    rows = [f"{len(data.train)} train / {len(data.val)} "
            f"held-out examples, {len(data.classes)} classes, {minutes:g} minutes each",
            f"{'':22}{'tokens/s':>10}  {'best acc':>8} {'(at min)':>9}  {'final acc':>9}"]
    for name, r in (("bare GRU loop", bare), ("engine defaults", engine)):
        if r:
            rows.append(f"{name:22}{r['tokens_per_s']:>10,.0f}  {r['best']:>8.4f} "
                        f"{r['best_at'] / 60:>9.2f}  {r['final']:>9.4f}")
    if engine and engine["baselines"]:
        for name, m in engine["baselines"].items():
            rows.append(f"{name:22}{'-':>10}  {m['accuracy']:>8.4f} {'':>9}  "
                        f"{m['accuracy']:>9.4f}   (macro-F1 {m['macro_f1']:.4f})")
    if bare and engine:
        rows.append(f"engine / bare: tokens/s x{engine['tokens_per_s'] / bare['tokens_per_s']:.3f}"
                    f" · best accuracy {engine['best'] - bare['best']:+.4f} · final "
                    f"{engine['final'] - bare['final']:+.4f}")
    return "\n".join(rows)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="../shared/corpora/sentiment",
                   help="labelled data (a path, or `names`)")
    p.add_argument("--minutes", type=float, default=3.0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--eval-seconds", type=float, default=10.0,
                   help="bare loop: evaluate every N seconds of training")
    p.add_argument("--eval-steps", type=int, default=0,
                   help="engine: evaluate every N steps (0: about every --eval-seconds)")
    p.add_argument("--only", choices=["engine", "bare"])
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="an engine option other than its default")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    path = data_path(a.data)
    data = load_labelled(path, val_fraction=0.2, seed=0)
    cfg = engine_config(str(path), a.minutes, a.threads, a.eval_steps or 1, a.set)
    from engine.families.classify.encode import choose_tokens

    tokens = cfg.tokens if cfg.tokens != "auto" else choose_tokens([t for t, _ in data.train])
    print(f"{path}: {data.source}\ntokens: {tokens}")
    bare = None if a.only == "engine" else train_bare(data, tokens, a.minutes,
                                                      eval_every=a.eval_seconds)
    engine = None
    if a.only != "bare":
        if not a.eval_steps:  # evaluate about as often as the bare loop does
            rate = bare["tokens_per_s"] if bare else 50_000
            mean = sum(len(t) if tokens == "char" else len(t.split()) for t, _ in data.train)
            per_step = mean / len(data.train) * cfg.batch_size
            cfg = cfg.replace(eval_every=max(10, int(a.eval_seconds * rate / per_step)))
        print(f"engine: {cfg.describe()}, eval every {cfg.eval_every} steps, "
              f"{' '.join(a.set) or 'defaults'}")
        engine = train_engine(cfg)
    print()
    print(table(data, a.minutes, bare, engine))


if __name__ == "__main__":
    main()
