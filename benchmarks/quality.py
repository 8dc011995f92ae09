"""Quality in a fixed time: the bare LSTM loop on a text, evaluated like the engine.

    python benchmarks/quality.py --corpus FILE --minutes 10 [--chars 1100000]

Prints the full-validation loss (nats/char, hidden state carried, the last 10% of the text)
at 1, 2, 4, 6, 8 and 10 minutes of training time. Run `rnn-tui run --corpus FILE --minutes 10`
on the same text (same first --chars characters) to compare: its eval events are in
metrics.jsonl. quality_compare.sh runs both and prints the two numbers side by side.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import torch

sys.path.insert(0, __file__.rsplit("/", 2)[0])
from benchmarks.bare_loop import bare_train  # noqa: E402
from engine.families.lm.data import split_text
from engine.data.tokens import Vocab  # noqa: E402
from engine.families.lm.evaluate import evaluate  # noqa: E402


def read_prefix(corpus: str, chars: int = 0) -> str:
    """The text of `corpus`, only its first `chars` characters when chars > 0 (the results'
    War and Peace split: the first 1,100,000 characters, the last 10% of those held out)."""
    text = open(corpus, encoding="utf-8").read()
    return text[:chars] if chars else text


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--chars", type=int, default=0, help="use only the first N characters")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="write the curve here")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    text = read_prefix(args.corpus, args.chars)
    train, val = split_text(text, 0.1)
    vocab = Vocab.build([text])
    train_ids, val_ids = (torch.from_numpy(vocab.encode(t)) for t in (train, val))
    marks = [m * 60 for m in (1, 2, 4, 6, 8, 10) if m <= args.minutes]
    if args.minutes * 60 not in marks:
        marks.append(args.minutes * 60)
    curve = []

    def on_eval(model, minutes):
        t0 = time.perf_counter()
        loss = evaluate(model, val_ids, torch.device("cpu"))
        curve.append((minutes, loss))
        print(f"bare loop  {minutes:5.1f} min  val {loss:.4f} nats/char "
              f"(eval {time.perf_counter() - t0:.1f}s)", flush=True)

    tps, steps = bare_train(train_ids, len(vocab), seconds=args.minutes * 60, eval_at=marks,
                            on_eval=on_eval)
    print(f"bare loop: {steps} steps, {tps:,.0f} tokens/s", flush=True)
    if args.json:
        json.dump({"curve": curve, "tokens_per_s": tps, "steps": steps}, open(args.json, "w"))


if __name__ == "__main__":
    main()
