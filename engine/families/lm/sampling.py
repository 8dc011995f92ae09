"""Token-by-token sampling (characters or words) that carries the hidden state.

The prime is read once; then each step feeds the previously drawn token and the carried
hidden state to `model.step` - never re-running the prefix (that would cost O(n^2)).
A word model reads <eos> first (the start of a line, as in training), then the prime's
words (a word it never saw is read as <unk>, as rare words were in training).

    p = softmax(logits / T)         T < 1 sharpens, T > 1 flattens, T -> 0 is argmax
    top-k: keep the k most likely characters, renormalise, draw

Sampling draws from its own `torch.Generator`, so taking a sample during training never
disturbs the training RNG (dropout): a resumed run stays identical to an uninterrupted one.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from typing import Callable, Iterator

import torch

from engine.config import check_seed
from engine.errors import EngineError, check_cancel
from engine.data.tokens import EOS, Tokenizer
from engine.families.lm import numpy_step


@torch.no_grad()
def generate(model, vocab, prime: str = "", length: int = 200, temperature: float = 1.0,
             top_k: int | None = None, greedy: bool = False, seed: int | None = None,
             device: torch.device | str = "cpu", cancel=None,
             tokenizer: Tokenizer | None = None, fast: bool = True
             ) -> Iterator[tuple[str, float]]:
    """Yield (token, probability the model gave it) one at a time (`cancel()`, asked every
    token, ends it with engine.errors.Cancelled). TOKENIZER: how the prime is read (None:
    characters). FAST=False: through `model.step` even where numpy_step.py could (tests).

    The probability is that of the *untempered* distribution, so colouring text by it shows
    what the model believes, independently of the temperature used to draw.
    """
    from engine.families.lm.config import MAX_SAMPLE_LENGTH

    if length < 0:
        raise EngineError(f"length must be >= 0, got {length}")
    if length > MAX_SAMPLE_LENGTH:
        raise EngineError(f"length {length:,} is over the cap of {MAX_SAMPLE_LENGTH:,} tokens "
                          f"a sample; sample in pieces (--prime with the end of the last)")
    if not greedy and not (temperature > 0 and math.isfinite(temperature)):
        raise EngineError(f"temperature must be a finite number > 0, got {temperature}")
    if top_k is not None and top_k < 1:
        raise EngineError(f"top-k must be >= 1, got {top_k}")
    start = _start_ids(vocab, prime, tokenizer)
    if seed is not None:
        check_seed(seed)
    gen = torch.Generator(device="cpu")
    gen.manual_seed(seed if seed is not None else torch.seed() % (2**63))
    was_training = model.training
    model.eval()
    try:
        yield from _generate(model, vocab, start, length, temperature, top_k, greedy, gen,
                             torch.device(device), cancel, fast)
    finally:
        model.train(was_training)


def _start_ids(vocab, prime: str, tokenizer: Tokenizer | None) -> list[int]:
    """The ids read before the first draw: the prime (and, for words, <eos> before it)."""
    if tokenizer is None or tokenizer.kind == "char":
        unknown = sorted({ch for ch in prime if ch not in vocab})
        if unknown:
            shown = ", ".join(repr(c) for c in unknown[:8])
            raise EngineError(f"the prime text has characters the model never saw: {shown}")
        # An empty prime starts from a newline, the most neutral "start of text" character.
        start = prime or ("\n" if "\n" in vocab else vocab.tokens[0])
        return vocab.encode(start).tolist()
    start = [EOS] if EOS in vocab else []
    return vocab.encode(start + tokenizer(prime)).tolist() or [0]


# As a decorator on a generator, inference_mode is entered and left around each resumption:
# the caller's code between two tokens (a training step in the app) runs with autograd on.
@torch.inference_mode()
def _generate(model, vocab, start, length, temperature, top_k, greedy, gen, device, cancel,
              fast):
    """The sampling loop: one step per token, the state carried, nothing else per token but
    the softmax and the draw (this loop is what `rnn-tui sample`, the app's `g` and word
    models spend their time in: benchmarks/sampling.py)."""
    step = stepper(model, device, fast)
    threads = numpy_step.threads_for(step) if isinstance(step, numpy_step.NumpyStep) \
        else contextlib.nullcontext()
    with threads:
        logits = None
        for i in start:  # read the prime: one step per token, state carried
            logits = step(i)
        for _ in range(length):
            check_cancel(cancel)
            row = logits.float().cpu()  # (V,)
            probs = torch.softmax(row, dim=-1)  # untempered: what the model believes
            nxt = _draw(row, probs, temperature, top_k, greedy, gen)
            p = float(probs[nxt])
            if not math.isfinite(p):  # NaN logits give NaN everywhere (argmax picks one)
                raise _not_a_distribution()
            yield vocab.tokens[nxt], p
            logits = step(nxt)


def stepper(model, device: torch.device, fast: bool = True) -> Callable[[int], torch.Tensor]:
    """token id -> the next token's logits (V,), the hidden state carried between calls.
    FAST: numpy's step where it computes exactly `model.step` (numpy_step.py: a CharLM on
    the CPU), else `model.step` itself."""
    if fast and numpy_step.supports(model, device):
        return numpy_step.NumpyStep(model)
    hidden = model.init_hidden(1, device)
    token = torch.empty(1, dtype=torch.long, device=device)  # reused: no tensor per token

    def step(i: int) -> torch.Tensor:
        nonlocal hidden
        logits, hidden = model.step(token.fill_(i), hidden)
        return logits[0]

    return step


def _not_a_distribution() -> EngineError:
    return EngineError("the model's output is not a probability (NaN or inf): its weights "
                       "overflow; use a checkpoint from before it diverged")


def _draw(logits: torch.Tensor, probs: torch.Tensor, temperature: float, top_k: int | None,
          greedy: bool, gen: torch.Generator) -> int:
    """The next token id. logits, probs (V,): the untempered scores and their softmax (drawn
    from as they are when neither a temperature nor a top-k changes them)."""
    if greedy:
        return int(torch.argmax(logits))
    if temperature != 1.0 or (top_k is not None and top_k < logits.numel()):
        scaled = logits / temperature
        if top_k is not None and top_k < scaled.numel():
            kth = torch.topk(scaled, top_k).values[-1]
            scaled = scaled.masked_fill(scaled < kth, float("-inf"))
        probs = torch.softmax(scaled, dim=-1)
    try:
        return int(torch.multinomial(probs, 1, generator=gen))
    except RuntimeError:  # "probability tensor contains either inf, nan or element < 0"
        raise _not_a_distribution() from None


def sample_text(model, vocab, **kwargs) -> tuple[str, list[float]]:
    """The whole sample at once: (text, per-token probabilities)."""
    tokens, probs = sample_tokens(model, vocab, **kwargs)
    return join_tokens(tokens, kwargs.get("tokenizer")), probs


def sample_tokens(model, vocab, **kwargs) -> tuple[list[str], list[float]]:
    """The whole sample at once: (tokens, per-token probabilities)."""
    tokens, probs = [], []
    for token, p in generate(model, vocab, **kwargs):
        tokens.append(token)
        probs.append(p)
    return tokens, probs


def written(model, vocab, prime: str = "", tokenizer: Tokenizer | None = None,
            **kwargs) -> Iterator[str]:
    """The sample as text to write while it is drawn (`rnn-tui sample`): the prime, each
    token as join_tokens reads it, then a newline. Bad options (`generate`'s) are refused
    before the first piece."""
    tokens = generate(model, vocab, prime=prime, tokenizer=tokenizer, **kwargs)
    first = next(tokens, None)  # (generate checks its options when first asked)
    yield prime
    after_text = bool(prime.strip())
    for token, _ in itertools.chain([first] if first is not None else [], tokens):
        yield join_tokens([token], tokenizer, after_text=after_text)
        after_text = token != EOS
    yield "\n"


def join_tokens(tokens: list[str], tokenizer: Tokenizer | None = None,
                after_text: bool = False) -> str:
    """Tokens as text to read: characters as they are; words with a space between them and
    a newline for each <eos>. AFTER_TEXT: a prime comes before (start with a space)."""
    if tokenizer is None or tokenizer.kind == "char":
        return "".join(tokens)
    out, line_start = [], not after_text
    for token in tokens:
        if token == EOS:
            out.append("\n")
            line_start = True
        else:
            out.append(token if line_start else " " + token)
            line_start = False
    return "".join(out)
