"""Decoding a trained model: greedy (batched) and beam search (one source at a time).

Both stop a hypothesis at <eos> or after `max_len` symbols. Beam search keeps the k best
partial outputs by total log-probability; a finished hypothesis stays in the beam with its
score frozen, so with k = 1 it is exactly greedy decoding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from engine.errors import EngineError
from engine.families.seq2seq.tasks import EOS, SOS, decode_output, encode_sources, unknown_chars
from engine.data.tokens import Vocab


def check_source(vocab: Vocab, text: str, longest: int) -> tuple[str, list[str]]:
    """An input as the model will read it, and warnings: characters never seen in training
    are read as <unk>; an input longer than any in training (LONGEST) is cut."""
    if not text:
        raise EngineError("nothing to translate: the input is empty")
    warnings = []
    unknown = unknown_chars(vocab, text)
    if unknown:
        warnings.append(f"characters never seen in training ({unknown!r}) are read as <unk>")
    if len(text) > longest:
        warnings.append(f"the input has {len(text)} characters, more than any training input "
                        f"({longest}); it was cut to {longest}")
        text = text[:longest]
    return text, warnings


@dataclass
class Hypothesis:
    ids: list[int]  # emitted symbols, including the final <eos> if it was reached
    text: str  # ids decoded (no <eos>)
    score: float  # total log-probability
    probs: list[float]  # probability of each emitted symbol
    attention: list[list[float]]  # len(ids) x source length ([] without attention)
    finished: bool  # ended with <eos> (not cut at max_len)


def _select(state, idx: Tensor):
    if isinstance(state, tuple):
        return tuple(s[:, idx] for s in state)
    return state[:, idx]


def check_max_len(max_len: int) -> None:
    """A decoding runs at most MAX_OUTPUT_LEN steps (a typo of 10,000,000 would run for
    hours)."""
    from engine.families.seq2seq.config import MAX_OUTPUT_LEN

    if max_len > MAX_OUTPUT_LEN:
        raise EngineError(f"the output length {max_len:,} is over the cap of "
                          f"{MAX_OUTPUT_LEN:,} characters")


@torch.no_grad()
def greedy(model, vocab: Vocab, sources: list[str], max_len: int,
           device: torch.device | str = "cpu") -> list[Hypothesis]:
    """Argmax at every step, for a batch of sources at once."""
    check_max_len(max_len)
    was = model.training
    model.eval()
    src, lens = encode_sources(vocab, sources)
    enc = model.encode(src.to(device), lens)
    B = len(sources)
    y = torch.full((B,), SOS, dtype=torch.long, device=device)
    state = enc.state
    steps, logps, alphas = [], [], []
    done = torch.zeros(B, dtype=torch.bool, device=device)
    for _ in range(max_len):
        logits, state, alpha = model.step(y, state, enc)
        lp = torch.log_softmax(logits.float(), -1)
        best, y = lp.max(-1)
        steps.append(y)
        logps.append(best)
        if alpha is not None:
            alphas.append(alpha)
        done |= y == EOS
        if bool(done.all()):
            break
    ids = torch.stack(steps, 1).cpu()  # (B, T)
    lp = torch.stack(logps, 1).cpu()
    att = torch.stack(alphas, 1).cpu() if alphas else None  # (B, T, S)
    model.train(was)
    out = []
    for b in range(B):
        row = ids[b].tolist()
        n = row.index(EOS) + 1 if EOS in row else len(row)
        S = int(lens[b])
        out.append(Hypothesis(
            ids=row[:n], text=decode_output(vocab, row[:n]), score=float(lp[b, :n].sum()),
            probs=lp[b, :n].exp().tolist(),
            attention=att[b, :n, :S].tolist() if att is not None else [],
            finished=EOS in row[:n]))
    return out


@torch.no_grad()
def beam_search(model, vocab: Vocab, source: str, k: int, max_len: int,
                device: torch.device | str = "cpu") -> list[Hypothesis]:
    """The k best outputs for one source, best first (by total log-probability)."""
    if k < 1:
        raise ValueError("beam width must be >= 1")
    check_max_len(max_len)
    was = model.training
    model.eval()
    src, lens = encode_sources(vocab, [source])
    enc = model.encode(src.to(device), lens)
    S = int(lens[0])
    # beams: (ids, score, probs, attention rows, finished); start with one live beam
    beams = [([], 0.0, [], [], False)]
    state = enc.state
    for _ in range(max_len):
        live = [i for i, b in enumerate(beams) if not b[4]]
        if not live:
            break
        n = len(live)
        y = torch.tensor([beams[i][0][-1] if beams[i][0] else SOS for i in live], device=device)
        st = _select(state, torch.tensor(live, device=device))
        e = _expand(enc, n)
        logits, new_state, alpha = model.step(y, st, e)
        lp = torch.log_softmax(logits.float(), -1).cpu()  # (n, V)
        top_lp, top_id = lp.topk(min(k, lp.shape[1]), dim=-1)
        cands = []  # (score, origin beam index, token, logp, live row)
        for r, i in enumerate(live):
            for lpv, tok in zip(top_lp[r].tolist(), top_id[r].tolist()):
                cands.append((beams[i][1] + lpv, i, tok, lpv, r))
        for i, b in enumerate(beams):
            if b[4]:
                cands.append((b[1], i, None, 0.0, None))  # a finished beam competes as is
        cands.sort(key=lambda c: -c[0])  # stable: ties keep the earlier (higher-ranked) beam
        chosen = cands[:k]
        new_beams, rows = [], []
        att_rows = alpha.cpu()[:, :S].tolist() if alpha is not None else None
        for score, i, tok, lpv, r in chosen:
            ids, _, probs, att, fin = beams[i]
            if tok is None:
                new_beams.append(beams[i])
                rows.append(0)  # state of a finished beam is never used again
                continue
            new_beams.append((ids + [tok], score, probs + [math.exp(lpv)],
                              att + ([att_rows[r]] if att_rows is not None else []),
                              tok == EOS))
            rows.append(r)
        beams = new_beams
        state = _select(new_state, torch.tensor(rows, device=device))
    model.train(was)
    return [Hypothesis(ids=b[0], text=decode_output(vocab, b[0]), score=b[1], probs=b[2],
                       attention=b[3], finished=b[4]) for b in beams]


def _expand(enc, n: int):
    """The single encoded source repeated for n beams."""
    from engine.families.seq2seq.model import Encoded

    rep = lambda t: t.expand(n, *t.shape[1:]) if t is not None else None  # noqa: E731
    return Encoded(rep(enc.out), rep(enc.mask), rep(enc.keys), enc.state)
