"""The word-LM benchmark, both sides in one command: the bare word_language_model loop
(benchmarks/wordlm_bare.py) and the engine's word defaults, the same minutes each, on the
same split; then the throughput of the engine against the bare loop on the bare loop's own
model, interleaved round by round.

    python benchmarks/wordlm_vs_bare.py --corpus wikitext --minutes 10
    python benchmarks/wordlm_vs_bare.py --corpus war-and-peace --minutes 10
    python benchmarks/wordlm_vs_bare.py --corpus wikitext --minutes 0.5 --rounds 1   # check

Quality (--minutes each, one after the other, --threads threads):
  bare    LSTM 2x200 tied, SGD lr 20, clip 0.25, BPTT 35, batch 20, lr /4 when an epoch's
          validation does not improve; the best epoch's weights are tested
  engine  `rnn-tui run --tokens word` with its defaults on the same data (what a user gets:
          its evaluations, probes and baselines count toward its minutes; the bare loop's
          evaluations do not); the final weights are tested
Both are tested on the same test split with engine.families.lm.evaluate.evaluate (state
carried, every token scored); perplexities are per word of the corpus (whitespace words +
<eos>, as the literature counts them), with per token beside when the tokenizer splits words
(War and Peace: "said," is one word, two tokens): WikiText-2 trains on valid.txt (its train file is not here),
validates on the last 10% of it, tests on test.txt; War and Peace is its first --max-chars
characters, word-and-punctuation tokens, validation and test the last 10% each.
Throughput (--rounds x --steps): the engine with the bare loop's model and optimizer (SGD,
constant lr, no side jobs) against the bare loop, tokens/s of optimizer steps; the issue
asks engine/bare >= 0.95. `--only quality|throughput` runs one half; `--json F` keeps all.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import wordlm_bare  # noqa: E402
from engine.families.lm.config import LMConfig  # noqa: E402
from engine.families.lm.evaluate import evaluate  # noqa: E402
from engine.families.lm.ngram_words import fit_kneser_ney, ngram_log_probs  # noqa: E402
from engine.training.loop import Trainer  # noqa: E402

SHARED = wordlm_bare.SHARED
BARE_MODEL = dict(model="lstm", embed=200, hidden=200, layers=2, dropout=0.2, tied=True,
                  batch_size=20, bptt=35, optimizer="sgd", momentum=0.0, lr=20.0, clip=0.25)


def engine_data(args, tmp: Path) -> dict:
    """The engine's data options for the split wordlm_bare.load(args) makes."""
    if args.corpus == "wikitext":
        return dict(corpus=f"{SHARED}/wikitext-2/valid.txt", test=f"{SHARED}/wikitext-2/test.txt",
                    tokenizer="whitespace", val_fraction=args.val_fraction)
    text = Path(f"{SHARED}/war-and-peace.txt").read_text(encoding="utf-8")
    cut = text.rfind("\n", 0, args.max_chars)  # as load_word_splits(max_chars=) cuts
    prefix = tmp / f"war-and-peace-{args.max_chars}.txt"
    prefix.write_text(text[:cut + 1], encoding="utf-8")
    return dict(corpus=str(prefix), tokenizer="word", eos=args.eos, val_fraction=0.1,
                test_fraction=0.1)


def per_word(loss: float, ids, words: int) -> float:
    """Nats per word of the corpus from a mean per token over IDS (every id but the first
    predicted; the first begins a word, so WORDS - 1 are predicted)."""
    return loss * (len(ids) - 1) / max(words - 1, 1)


def run_engine(cfg: LMConfig) -> dict:
    """A whole engine run; its final weights on the test split."""
    trainer, speeds, val = Trainer(cfg), [], math.nan
    for e in trainer.events():
        if e.name == "train":
            speeds.append(e.tokens_per_s)
        elif e.name == "eval":
            val = e.val_loss
    st = trainer.state
    test = evaluate(st.model, st.task.data.test, st.device)
    return {"model": cfg.describe(), "params": sum(p.numel() for p in st.model.parameters()),
            "tokens_per_s": statistics.mean(speeds), "epochs": st.task.batcher.epoch_progress,
            "val_loss": val, "test_loss": test,
            "val_word_loss": per_word(val, st.task.data.val, st.task.data.words["val"]),
            "test_word_loss": per_word(test, st.task.data.test, st.task.data.words["test"])}


def run_bare(splits, minutes: float) -> dict:
    as_t = lambda a: torch.from_numpy(a)  # noqa: E731
    model, tps, log = wordlm_bare.train(as_t(splits.train), as_t(splits.val),
                                        len(splits.vocab), minutes * 60)
    best_val = min(v for _, _, v, _ in log) if log else math.nan
    test = evaluate(model, as_t(splits.test), torch.device("cpu"))
    return {"model": "LSTM 200×2 tied, SGD 20 (word_language_model)",
            "params": sum(p.numel() for p in model.parameters()), "tokens_per_s": tps,
            "epochs": float(len(log)), "val_loss": best_val, "test_loss": test,
            "val_word_loss": per_word(best_val, splits.val, splits.words["val"]),
            "test_word_loss": per_word(test, splits.test, splits.words["test"])}


def throughput(splits, data: dict, args) -> dict:
    """Interleaved rounds: bare steps, then the engine on the same model and data."""
    ids = torch.from_numpy(splits.train)
    cfg = LMConfig(tokens="word", **data, **BARE_MODEL, threads=args.threads, device="cpu",
                   steps=args.steps + 5, lr_schedule="constant", warmup_steps=0, log_every=1,
                   eval_every=10**9, probe_every=0, sample_every=0, baseline_order=0,
                   checkpoint_every_s=1e9)
    bare, engine = [], []
    for _ in range(args.rounds):
        bare.append(wordlm_bare.train(ids, None, len(splits.vocab), 1e9,
                                      max_steps=args.steps)[1])
        speeds = [e.tokens_per_s for e in Trainer(cfg).events()
                  if e.name == "train" and e.step > 5]
        engine.append(statistics.mean(speeds))
    b, e = statistics.median(bare), statistics.median(engine)
    return {"bare": b, "engine": e, "ratio": e / b, "rounds": {"bare": bare, "engine": engine}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", choices=("wikitext", "war-and-peace"), default="wikitext")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=60, help="throughput: steps per round")
    ap.add_argument("--only", choices=("quality", "throughput"))
    ap.add_argument("--val-fraction", type=float, default=0.1)
    ap.add_argument("--max-chars", type=int, default=3_000_000)
    ap.add_argument("--eos", choices=("line", "paragraph"), default="line")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="change one of the engine's word defaults (repeatable)")
    ap.add_argument("--json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    splits = wordlm_bare.load(args)
    print(splits.summary(), flush=True)
    result = {"corpus": args.corpus, "minutes": args.minutes, "threads": args.threads}
    with tempfile.TemporaryDirectory() as tmp:
        data = engine_data(args, Path(tmp))
        if args.only != "throughput":
            result["quality"] = quality(splits, data, args)
        if args.only != "quality":
            result["throughput"] = t = throughput(splits, data, args)
            print(f"\nthroughput, the bare loop's model (LSTM 200x2 tied, SGD, batch 20x35), "
                  f"{args.rounds} rounds of {args.steps} steps: bare {t['bare']:,.0f} · engine "
                  f"{t['engine']:,.0f} tokens/s · engine/bare {t['ratio']:.3f}", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1), encoding="utf-8")


def quality(splits, data: dict, args) -> dict:
    mine = dict(kv.split("=", 1) for kv in args.set)
    cfg = LMConfig.from_dict({"tokens": "word", **data, "threads": args.threads,
                              "device": "cpu", "minutes": args.minutes,
                              **{k: json.loads(v) if v[:1].isdigit() or v in ("true", "false")
                                 else v for k, v in mine.items()}}).validate()
    t0 = time.perf_counter()
    rows = {"bare": run_bare(splits, args.minutes)}
    print(f"bare done in {time.perf_counter() - t0:.0f} s", flush=True)
    rows["engine"] = run_engine(cfg)
    kn = fit_kneser_ney(splits.train, len(splits.vocab), 4)
    kn_test = float(-ngram_log_probs(kn, splits.test).mean())  # every test token scored
    kn_word = kn_test * len(splits.test) / splits.words["test"]
    split = splits.words["test"] != len(splits.test)  # the tokenizer splits words
    print(f"\n{args.corpus}, {args.minutes:g} min each, {args.threads} threads "
          f"(KN 4-gram on the same split: test ppl {math.exp(kn_word):.1f} per word"
          + (f", {math.exp(kn_test):.1f} per token)" if split else ")"))
    print("perplexity per word of the corpus (whitespace words + <eos>)"
          + (", per token in brackets" if split else ""))
    print(f"{'side':7} {'model':46} {'params':>8} {'tokens/s':>9} {'epochs':>7} "
          f"{'val ppl':>16} {'test ppl':>16}")
    for side, r in rows.items():
        ppl = lambda key: f"{math.exp(r[key + '_word_loss']):.1f}" + (  # noqa: E731
            f" ({math.exp(r[key + '_loss']):.1f})" if split else "")
        print(f"{side:7} {r['model']:46} {r['params'] / 1e6:7.2f}M {r['tokens_per_s']:9,.0f} "
              f"{r['epochs']:7.2f} {ppl('val'):>16} {ppl('test'):>16}")
    rows["kn4_test_loss"], rows["kn4_test_word_loss"] = kn_test, kn_word
    return rows


if __name__ == "__main__":
    main()
