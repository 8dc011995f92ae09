"""The bare PyTorch classifier the engine's classify family is measured against:
embedding -> GRU -> linear on the last state, over packed sequences; Adam, clipping.

    python benchmarks/classify_bare.py --data ../shared/corpora/sentiment --tokens word
    python benchmarks/classify_bare.py --data sample_corpora/names --tokens char

The split is the engine's (engine.families.classify.data.load_labelled: stratified, seeded),
so both sides see the same examples; everything else is plain PyTorch. tokens/s counts real
tokens (not padding) per second of training; evaluation time is off the clock.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from engine.families.classify.data import load_labelled  # noqa: E402


class BareGRU(nn.Module):
    def __init__(self, vocab, classes, embed=64, hidden=128):
        super().__init__()
        self.emb = nn.Embedding(vocab, embed, padding_idx=0)
        self.rnn = nn.GRU(embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, classes)

    def forward(self, ids, lengths):
        packed = pack_padded_sequence(self.emb(ids), lengths, batch_first=True,
                                      enforce_sorted=False)
        return self.head(self.rnn(packed)[1][-1])  # h_n of the top layer: (B, classes)


def tensors(examples, tokenize, vocab):
    seqs = [[vocab.get(t, 1) for t in tokenize(x)] or [1] for x, _ in examples]  # 1 = <unk>
    ids = torch.zeros(len(seqs), max(map(len, seqs)), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
    return ids, torch.tensor(list(map(len, seqs))), torch.tensor([y for _, y in examples])


def accuracy(model, ids, lengths, y):
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(ids[i:i + 256], lengths[i:i + 256]).argmax(-1)
                          for i in range(0, len(y), 256)])
    model.train()
    return (pred == y).float().mean().item()


def train_bare(data, tokens="word", minutes=3.0, batch=32, lr=2e-3, eval_every=30.0,
               log=print):
    """Train on `data` (a LabelledData) for `minutes` of training time; evaluate every
    `eval_every` seconds of it. -> {"tokens_per_s", "final", "best", "best_at", "curve"}."""
    torch.manual_seed(0)
    tokenize = list if tokens == "char" else (lambda s: re.findall(r"\w+|[^\w\s]", s.lower()))
    words = sorted({t for x, _ in data.train for t in tokenize(x)})
    vocab = {t: i + 2 for i, t in enumerate(words)}  # 0 = <pad>, 1 = <unk>
    tr, va = tensors(data.train, tokenize, vocab), tensors(data.val, tokenize, vocab)
    model = BareGRU(len(vocab) + 2, len(data.classes))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    rng, clock, tokens, next_eval, curve = random.Random(0), 0.0, 0, eval_every, []
    while clock < minutes * 60:
        order = list(range(len(tr[2])))
        rng.shuffle(order)
        for i in range(0, len(order), batch):
            t0 = time.perf_counter()
            idx = torch.tensor(order[i:i + batch])
            ids, lengths, y = tr[0][idx], tr[1][idx], tr[2][idx]
            ids = ids[:, :int(lengths.max())]
            loss = nn.functional.cross_entropy(model(ids, lengths), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            clock += time.perf_counter() - t0
            tokens += int(lengths.sum())
            if clock >= next_eval or clock >= minutes * 60:
                curve.append((clock, accuracy(model, *va)))
                log(f"{clock / 60:5.2f} min  loss {loss.item():.3f}  held-out accuracy "
                    f"{curve[-1][1]:.4f}  {tokens / clock:,.0f} tokens/s")
                next_eval += eval_every
            if clock >= minutes * 60:
                break
    best_at, best = max(curve, key=lambda c: (c[1], -c[0]))
    return {"tokens_per_s": tokens / clock, "final": curve[-1][1], "best": best,
            "best_at": best_at, "curve": curve}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default="../shared/corpora/sentiment")
    p.add_argument("--tokens", choices=["char", "word"], default="word")
    p.add_argument("--minutes", type=float, default=3.0)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--eval-every", type=float, default=30.0, help="seconds of training")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    data = load_labelled(a.data, val_fraction=0.2, seed=0)
    r = train_bare(data, a.tokens, a.minutes, a.batch, a.lr, a.eval_every)
    print(f"bare GRU: {len(data.train)} train / {len(data.val)} held out, {len(data.classes)} "
          f"classes; {r['tokens_per_s']:,.0f} tokens/s; held-out accuracy {r['final']:.4f}"
          f" (best {r['best']:.4f})")


if __name__ == "__main__":
    main()
