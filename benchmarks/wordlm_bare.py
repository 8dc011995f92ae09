"""The bare side of the word-LM benchmark: pytorch/examples word_language_model, on a clock.

    python benchmarks/wordlm_bare.py --corpus wikitext --minutes 10
    python benchmarks/wordlm_bare.py --corpus war-and-peace --minutes 10

Its loop as `main.py` writes it: LSTM 2x200 with embedding 200 and tied weights, uniform
±0.1 init, dropout 0.2, plain SGD with lr 20 (p -= lr * grad), gradient clip 0.25, BPTT 35,
batch 20, hidden state carried and detached; at the end of every epoch the validation loss
decides: best so far -> keep those weights, else lr /= 4. When the minutes run out, the best
weights (the current ones if better) are evaluated on the held-out test split.

Corpora (word_language_model's tokenising: <eos> at each line end, no vocabulary cap):
  wikitext       train on /work/shared/corpora/wikitext-2/valid.txt (its train file is not
                 here), test on test.txt; validation = the last --val-fraction of valid.txt
  war-and-peace  the first --max-chars of war-and-peace.txt, word-and-punctuation tokens;
                 validation and test = the last 10% each
Losses use engine.families.lm.evaluate.evaluate (hidden carried, every token scored), like quality.py,
so the engine's numbers compare. The clock counts training only (evaluation excluded).
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, __file__.rsplit("/", 2)[0])
from engine.families.lm.evaluate import evaluate  # noqa: E402
from engine.families.lm.words import load_word_splits  # noqa: E402

SHARED = "/work/shared/corpora"


class WordLSTM(nn.Module):
    """word_language_model's RNNModel (LSTM, tied): Embedding -> LSTM -> Dropout -> Linear."""

    def __init__(self, vocab, size=200, layers=2, dropout=0.2):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(vocab, size)
        self.rnn = nn.LSTM(size, size, layers, dropout=dropout, batch_first=True)
        self.decoder = nn.Linear(size, vocab)
        self.decoder.weight = self.encoder.weight  # --tied
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)

    def forward(self, x, h=None, targets=None):  # the engine's LM signature, for evaluate()
        out, h = self.rnn(self.drop(self.encoder(x)), h)
        return self.decoder(self.drop(out)), None, h

    def init_hidden(self, batch, device):
        return None


def load(args):
    if args.corpus == "wikitext":
        return load_word_splits(f"{SHARED}/wikitext-2/valid.txt",
                                test=f"{SHARED}/wikitext-2/test.txt", tokens="whitespace",
                                val_fraction=args.val_fraction)
    return load_word_splits(f"{SHARED}/war-and-peace.txt", max_chars=args.max_chars,
                            tokens="word", eos=args.eos, val_fraction=0.1, test_fraction=0.1)


def train(train_ids, val_ids, vocab, seconds, batch=20, bptt=35, lr=20.0, clip=0.25,
          seed=1111, max_steps=None):
    """word_language_model's loop for SECONDS of training time (or MAX_STEPS steps, with no
    evaluation: a throughput run). Returns the best model, tokens/s and a log of (epoch,
    train seconds, val loss, lr)."""
    torch.manual_seed(seed)
    model = WordLSTM(vocab)
    n = train_ids.numel() // batch
    data = train_ids[: n * batch].view(batch, n)  # batchify: B contiguous streams
    best, best_loss, log, steps, clock, epoch = None, math.inf, [], 0, 0.0, 0
    done = lambda: clock >= seconds or (max_steps is not None and steps >= max_steps)  # noqa: E731
    while not done():
        epoch += 1
        model.train()
        h = None
        for pos in range(0, n - 1, bptt):
            if done():
                break
            t0 = time.perf_counter()
            t = min(bptt, n - 1 - pos)
            x, y = data[:, pos:pos + t], data[:, pos + 1:pos + 1 + t]
            h = None if h is None else tuple(s.detach() for s in h)
            logits, _, h = model(x, h)
            loss = nn.functional.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
            model.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), clip)
            with torch.no_grad():
                for p in model.parameters():
                    p.add_(p.grad, alpha=-lr)
            steps += 1
            clock += time.perf_counter() - t0
        if max_steps is not None:
            return model, steps * batch * bptt / max(clock, 1e-9), log
        val = evaluate(model, val_ids, torch.device("cpu"))
        log.append((epoch, round(clock, 1), val, lr))
        print(f"epoch {epoch:3d}  {clock / 60:5.2f} min  val loss {val:.3f}  "
              f"ppl {math.exp(val):8.2f}  lr {lr:g}", flush=True)
        if val < best_loss:
            best, best_loss = copy.deepcopy(model.state_dict()), val
        else:
            lr /= 4.0  # anneal when validation did not improve
    model.load_state_dict(best)
    return model, steps * batch * bptt / max(clock, 1e-9), log


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", choices=("wikitext", "war-and-peace"), default="wikitext")
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--val-fraction", type=float, default=0.1, help="wikitext validation")
    ap.add_argument("--max-chars", type=int, default=3_000_000, help="war-and-peace prefix")
    ap.add_argument("--eos", choices=("line", "paragraph"), default="line")
    ap.add_argument("--json", help="write the result here")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    splits = load(args)
    print(splits.summary(), flush=True)
    as_tensor = lambda a: torch.from_numpy(a)  # noqa: E731
    model, tok_s, log = train(as_tensor(splits.train), as_tensor(splits.val),
                              len(splits.vocab), args.minutes * 60)
    test = evaluate(model, as_tensor(splits.test), torch.device("cpu"))
    params = sum(p.numel() for p in model.parameters())
    print(f"bare word LM  {args.corpus}  {args.minutes:g} min  {tok_s:,.0f} tokens/s  "
          f"{params / 1e6:.2f}M params  test loss {test:.3f} nats/token  "
          f"ppl {math.exp(test):.1f}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"corpus": args.corpus, "minutes": args.minutes, "tokens_per_s": tok_s,
                       "test_loss": test, "test_ppl": math.exp(test), "epochs": log,
                       "params": params, "split": splits.summary()}, fh, indent=1)


if __name__ == "__main__":
    main()
