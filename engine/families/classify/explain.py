"""Why the classifier decided what it did: one number per token of one text.

  occlusion         score_i = p_c(text) - p_c(text with token i replaced by <unk>)
                    how much the predicted class's probability drops without token i
                    (negative: the token argued against c). One batched forward of T copies.
  gradient_x_input  score_i = sum_k e_ik * d log p_c / d e_ik   on the embedding e_i of token
                    i: a first-order estimate of the same thing, from one backward pass
  attention         score_i = alpha_i, the pooling weights (pooling "attention" only)

c is the predicted class unless `target` names another. The model runs in eval mode (no
dropout) and is put back in the mode it was in.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator, Optional, Sequence

import torch

from engine.errors import EngineError
from engine.families.classify.encode import UNK_ID, TextEncoder, pad
from engine.families.classify.model import Classifier
from engine.data.tokens import Tokenizer

METHODS = ("occlusion", "gradient_x_input", "attention")


@dataclass
class Influence:
    tokens: list[str]  # the text's tokens as typed (case kept), one per model step
    scores: list[float]  # one per token: how much it moved the decision towards `target`
    target: int  # the class explained (the predicted one by default)
    probs: list[float]  # P(class | text) for every class
    method: str  # one of METHODS


@contextmanager
def evaluating(model: torch.nn.Module) -> Iterator[None]:
    was = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was)


def shown_tokens(encoder: TextEncoder, text: str) -> list[str]:
    """The model's tokens, but in the user's case when the tokenizer lower-cases (and
    lower-casing did not change the token boundaries)."""
    toks = encoder.tokens(text)
    if not toks:  # the model reads one <unk> (see encode.py)
        return [encoder.vocab.tokens[UNK_ID]]
    if encoder.tokenizer.lower:
        plain = Tokenizer(encoder.tokenizer.kind, lower=False)(text)[: len(toks)]
        if len(plain) == len(toks) and all(p.lower() == t for p, t in zip(plain, toks)):
            return plain
    return toks


def _device(model: torch.nn.Module) -> torch.device:
    return next(model.parameters()).device


@torch.no_grad()
def predict_proba(model: Classifier, encoder: TextEncoder, texts: Sequence[str]
                  ) -> list[list[float]]:
    """P(class | text) for each text: len(texts) lists of C floats."""
    with evaluating(model):
        ids, lengths = encoder.batch(texts)
        return torch.softmax(model(ids.to(_device(model)), lengths)[0], -1).tolist()


def occlusion(model: Classifier, encoder: TextEncoder, text: str,
              target: Optional[int] = None) -> Influence:
    ids = torch.from_numpy(encoder.ids(text)).to(_device(model))  # (T,)
    T = len(ids)
    variants = ids.repeat(T + 1, 1)  # row 0: the text; row i + 1: token i -> <unk>
    variants[torch.arange(1, T + 1), torch.arange(T)] = UNK_ID
    with evaluating(model), torch.no_grad():
        probs = torch.cat([torch.softmax(model(chunk, torch.full((len(chunk),), T))[0], -1)
                           for chunk in variants.split(256)])  # (T + 1, C)
    c = int(probs[0].argmax()) if target is None else target
    drop = probs[0, c] - probs[1:, c]  # (T,)
    return Influence(shown_tokens(encoder, text), drop.tolist(), c, probs[0].tolist(),
                     "occlusion")


def gradient_x_input(model: Classifier, encoder: TextEncoder, text: str,
                     target: Optional[int] = None) -> Influence:
    ids, lengths = pad([encoder.ids(text)])  # (1, T), (1,)
    with evaluating(model), torch.enable_grad():
        emb = model.embedding(ids.to(_device(model))).detach().requires_grad_(True)  # (1, T, E)
        logp = torch.log_softmax(model.encode(emb, lengths).logits[0], -1)  # (C,)
        c = int(logp.argmax()) if target is None else target
        (grad,) = torch.autograd.grad(logp[c], [emb])
    scores = (grad * emb).sum(-1)[0]  # (T,)
    return Influence(shown_tokens(encoder, text), scores.tolist(), c,
                     logp.detach().exp().tolist(), "gradient_x_input")


def attention(model: Classifier, encoder: TextEncoder, text: str,
              target: Optional[int] = None) -> Influence:
    if model.cfg.pooling != "attention":
        raise EngineError(f"attention weights need pooling 'attention' (this model pools "
                          f"'{model.cfg.pooling}'); use occlusion or gradient_x_input")
    ids, lengths = pad([encoder.ids(text)])
    with evaluating(model), torch.no_grad():
        r = model.read(ids.to(_device(model)), lengths)
    probs = torch.softmax(r.logits[0], -1)
    c = int(probs.argmax()) if target is None else target
    return Influence(shown_tokens(encoder, text), r.attention[0].tolist(), c, probs.tolist(),
                     "attention")


def explain(model: Classifier, encoder: TextEncoder, text: str, method: str = "occlusion",
            target: Optional[int] = None) -> Influence:
    fns = {"occlusion": occlusion, "gradient_x_input": gradient_x_input,
           "attention": attention}
    if method not in fns:
        raise EngineError(f"unknown explanation {method!r}; choose one of: {', '.join(METHODS)}")
    return fns[method](model, encoder, text, target)
