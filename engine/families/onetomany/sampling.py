"""Names for one label: start from the boundary, sample a character, feed it back, until
the model writes the end (or MAX_NAME characters)."""

from __future__ import annotations

import torch

from engine.families.onetomany.data import MAX_NAME
from engine.families.onetomany.model import OneToManyModel
from engine.recurrent import eval_mode


@torch.no_grad()
def names_for(model: OneToManyModel, label: int, count: int, vocab: list[str],
              temperature: float = 0.8, prime: str = "", seed: int | None = None,
              greedy: bool = False) -> list[str]:
    """`count` names for label id `label`, each starting with `prime` (its characters must be
    in the vocabulary), sampled together as one batch of `count`."""
    device = model.head.weight.device
    gen = torch.Generator(device=device)
    if seed is not None:
        gen.manual_seed(seed)
    else:
        gen.seed()
    index = {c: i for i, c in enumerate(vocab)}
    with eval_mode(model):
        e, h = model.initial(torch.full((count,), label, dtype=torch.long, device=device))
        ids = [0] + [index[c] for c in prime]
        out = [list(prime) for _ in range(count)]
        x = torch.tensor([ids] * count, device=device)  # (count, P+1): boundary + prime
        done = torch.zeros(count, dtype=torch.bool, device=device)
        for _ in range(MAX_NAME - len(prime)):
            o, h = model.rnn(model.features(x, e), h)
            logits = model.head(o[:, -1])  # (count, V)
            if greedy:
                nxt = logits.argmax(-1)
            else:
                probs = torch.softmax(logits / temperature, -1)
                nxt = torch.multinomial(probs, 1, generator=gen).squeeze(1)
            done |= nxt == 0
            if bool(done.all()):
                break
            for i in range(count):
                if not done[i]:
                    out[i].append(vocab[int(nxt[i])])
            x = nxt.unsqueeze(1)
    return ["".join(chars) for chars in out]
