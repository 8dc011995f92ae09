"""Sampling speed: the engine's token-by-token sampler vs a bare nn.GRUCell loop.

    python benchmarks/sampling.py [--chars 20000] [--rounds 3] [--threads 1,2] [--model gru]
                                  [--hidden 512] [--layers 2] [--vocab 96] [--words 33278]

Both sides use the SAME weights (a CharLM with random weights: speed does not depend on
what the weights are) and the same draws (softmax, then torch.multinomial from a seeded
generator), so they must produce the same characters: the script checks it, then times
them, interleaved round by round, and prints characters/s (median) and the ratio.

    engine  engine.families.lm.sampling.sample_tokens: what `rnn-tui sample`, the app's `g`
            and word models run (on the CPU engine/families/lm/numpy_step.py's step per
            token, the state carried, per-token probs)
    step    the same with fast=False: torch's `model.step` per token
    bare    the ~15-line loop a PyTorch user would write: nn.GRUCell layers sharing the
            model's tensors, one step per character

`--words N` adds a word model of N tokens (WikiText-2's vocabulary is 33,278): there the
softmax over the vocabulary, not the recurrence, is the cost.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn as nn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from engine.families.lm.model import CharLM  # noqa: E402
from engine.families.lm.sampling import sample_tokens  # noqa: E402
from engine.data.tokens import Vocab  # noqa: E402

_CELLS = {"gru": nn.GRUCell, "lstm": nn.LSTMCell, "rnn": nn.RNNCell}


def bare_cells(model: CharLM) -> list[nn.Module]:
    """nn.*Cell layers whose parameters ARE the model's fused weights (no copy)."""
    rnn = model.rnn
    cells = []
    for k in range(rnn.num_layers):
        w_ih, w_hh, b_ih, b_hh = rnn._weights(k, False)
        cell = _CELLS[rnn.cell](w_ih.shape[1], rnn.hidden_size)
        cell.weight_ih, cell.weight_hh = w_ih, w_hh
        cell.bias_ih, cell.bias_hh = b_ih, b_hh
        cells.append(cell)
    return cells


@torch.no_grad()
def bare_sample(model: CharLM, start: list[int], length: int, seed: int) -> list[int]:
    """The plain loop: embed, cells, head, softmax, multinomial. Returns the drawn ids."""
    model.eval()
    cells = bare_cells(model)
    lstm = model.rnn.cell == "lstm"
    gen = torch.Generator().manual_seed(seed)
    h = [None] * len(cells)
    out, logits = [], None
    for i in start + [None] * length:
        if i is None:  # draw the next id from the last logits
            i = int(torch.multinomial(torch.softmax(logits[0], -1), 1, generator=gen))
            out.append(i)
            if len(out) == length:
                break
        x = model.embedding(torch.tensor([i]))
        for k, cell in enumerate(cells):
            h[k] = cell(x, h[k])
            x = h[k][0] if lstm else h[k]
        logits = model.head(x)
    return out


def random_model(vocab: int, model: str, hidden: int, layers: int, embed: int) -> CharLM:
    torch.manual_seed(0)
    return CharLM(vocab, cell=model, embed=embed, hidden=hidden, layers=layers,
                  dropout=0.0).eval()


def vocab_of(size: int) -> Vocab:
    tokens = [chr(32 + i) for i in range(size - 1)] + ["\n"]
    return Vocab(tokens)


def engine_ids(model, vocab, length, seed, fast=True) -> list[int]:
    tokens, _ = sample_tokens(model, vocab, prime="", length=length, seed=seed, fast=fast)
    return [vocab.index[t] for t in tokens]


def time_it(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def agreement(a: list[int], b: list[int]) -> str:
    """'yes', or how many tokens agree before the first difference (float rounding: the
    numpy step sums its products in another order, so a draw that lands within ~1e-7 of a
    boundary between two tokens can go the other way, and the texts part there)."""
    if a == b:
        return "yes"
    first = next(i for i, (x, y) in enumerate(zip(a, b)) if x != y)
    return f"first {first} of {len(a)}"


def compare(label: str, model: CharLM, vocab: Vocab, chars: int, rounds: int) -> None:
    start = vocab.encode("\n").tolist()
    check = min(chars, 2000)
    bare = bare_sample(model, start, check, 7)
    same = agreement(engine_ids(model, vocab, check, 7), bare)
    same_step = agreement(engine_ids(model, vocab, check, 7, fast=False), bare)
    rates: dict[str, list[float]] = {"engine": [], "step": [], "bare": []}
    for _ in range(rounds):  # interleaved, so machine noise hits all alike
        rates["engine"].append(chars / time_it(lambda: engine_ids(model, vocab, chars, 1)))
        rates["step"].append(chars / time_it(
            lambda: engine_ids(model, vocab, chars, 1, fast=False)))
        rates["bare"].append(chars / time_it(lambda: bare_sample(model, start, chars, 1)))
    med = {k: statistics.median(v) for k, v in rates.items()}
    print(f"| {label} | {torch.get_num_threads()} | {med['engine']:,.0f} | {med['step']:,.0f} "
          f"| {med['bare']:,.0f} | {med['engine'] / med['bare']:.3f} | {same} | {same_step} |",
          flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chars", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--model", default="gru", choices=sorted(_CELLS))
    ap.add_argument("--hidden", type=int, default=512)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--embed", type=int, default=64)
    ap.add_argument("--vocab", type=int, default=96)
    ap.add_argument("--words", type=int, default=0, help="also a word model of this vocabulary")
    args = ap.parse_args()
    print(f"torch {torch.__version__}; {args.chars} tokens per measurement, median of "
          f"{args.rounds} interleaved rounds\n")
    print("| model | threads | engine tokens/s | engine, model.step | bare tokens/s "
          "| engine/bare | same tokens as bare | model.step: same as bare |")
    print("|---|---:|---:|---:|---:|---:|---|---|")
    cases = [(f"char {args.model.upper()} {args.hidden}x{args.layers}", args.vocab)]
    if args.words:
        cases.append((f"word {args.model.upper()} {args.hidden}x{args.layers}, "
                      f"{args.words:,} words", args.words))
    for threads in (int(t) for t in args.threads.split(",")):
        torch.set_num_threads(threads)
        for label, size in cases:
            model = random_model(size, args.model, args.hidden, args.layers, args.embed)
            compare(label, model, vocab_of(size), args.chars, args.rounds)


if __name__ == "__main__":
    main()
