"""The character language model as a task family: truncated BPTT over B carried streams.

The corpus is split (the last `val_fraction` held out), cut into B contiguous streams
(data.StreamBatcher), and read window by window: each step trains on the next `bptt`
characters of every stream, starting from the hidden state the previous window ended in,
detached (gradients stop at the window edge; the state's values carry the context on).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from engine.errors import EngineError
from engine.events import Baselines, Event
from engine.families.lm.config import LMConfig
from engine.families.lm.events import Gates, Sample
from engine.metrics import bits_per_char, perplexity
from engine.recurrent import Hidden, detach_hidden, eval_mode
from engine.task import Evaluation, Request, Task
from engine.tokens import Vocab

PROBE_TEXT_CHARS = 96  # characters of validation text shown in the gates view
CELL_WIDTH = {"lstm": 6, "gru": 5, "rnn": 2}  # values per hidden unit autograd keeps per step


@dataclass
class StreamBatch:
    x: torch.Tensor  # (B, T) input ids
    y: torch.Tensor  # (B, T) the next character of each
    new_epoch: bool  # the streams start over: forget the carried state
    probe: bool  # keep this window for the gradient probe after the step


class LanguageModelTask(Task):
    family = "lm"
    Config = LMConfig
    requests = ("sample",)
    report_metrics = (("bits_per_char", "bits/char", ".3f"), ("perplexity", "ppl", ".2f"))

    def __init__(self, config: LMConfig, saved_meta: dict[str, Any] | None = None) -> None:
        super().__init__(config, saved_meta)
        self.vocab = _saved_vocab(saved_meta) if saved_meta else None
        self.hidden: Hidden | None = None  # the B streams' state, carried across windows
        self.start_hidden: Hidden | None = None  # the state the last window started from
        self.probe_input: tuple | None = None
        self.requests_answered = 0  # samples asked for (each gets its own seed)

    # --- setup --------------------------------------------------------------------------

    def load_data(self) -> None:
        from engine.corpus import load_corpus
        from engine.families.lm.data import StreamBatcher, split_text

        cfg = self.config
        corpus = load_corpus(cfg.corpus)
        self.train_text, self.val_text = split_text(corpus.text, cfg.val_fraction)
        if self.vocab is None:
            self.vocab = Vocab.build([corpus.text])
        else:
            unknown = self.vocab.unknown(set(corpus.text))
            if unknown:
                raise EngineError(f"the corpus has characters the checkpoint's vocabulary "
                                  f"lacks ({''.join(sorted(unknown)[:10])!r}): resume on the "
                                  f"corpus it was trained on")
        self.train_ids = self._ids(self.train_text)
        self.val_ids = self._ids(self.val_text)
        self.batcher = StreamBatcher(self.train_ids, cfg.batch_size, cfg.bptt)
        self.probe_text = word_aligned(self.val_text, PROBE_TEXT_CHARS)

    def _ids(self, text: str) -> torch.Tensor:
        return torch.from_numpy(self.vocab.encode(text, unknown="error"))

    def build_model(self) -> torch.nn.Module:
        from engine.families.lm.model import CharLM

        return CharLM.from_config(self.config, len(self.vocab))

    def summary(self) -> dict[str, int]:
        return {"vocab_size": len(self.vocab), "train_size": self.train_ids.numel(),
                "val_size": self.val_ids.numel()}

    def baselines(self) -> Baselines | None:
        order = self.config.baseline_order
        if not order:
            return None
        from engine.ngram import baselines

        b = baselines(self.train_text, self.val_text, order=order, cancel=self.cancel)
        return Baselines(losses={"uniform": b["uniform"], "unigram": b["unigram"],
                                 f"KN {order}-gram": b["ngram"]})

    def activation_bytes(self) -> int:
        from engine.memory import activation_bytes

        # Per position autograd keeps the embedding, each layer's gates and states, logits.
        cfg = self.config
        width = cfg.embed + cfg.layers * cfg.hidden * CELL_WIDTH[cfg.model] \
            + 3 * len(self.vocab)
        return activation_bytes(cfg.batch_size, cfg.bptt, width)

    def smaller_hint(self) -> str:
        return "make it smaller (--hidden, --layers, --batch-size, --bptt)"

    def check_saved(self, tensors: dict[str, torch.Tensor], where: str) -> None:
        """The B streams' carried state: (layers, B, H), two of them for an LSTM."""
        if not tensors:
            return
        cfg = self.config
        want = (cfg.layers, cfg.batch_size, cfg.hidden)
        parts = [tensors.get(str(i)) for i in range(2 if cfg.model == "lstm" else 1)]
        if len(tensors) != len(parts) or any(
                t is None or tuple(t.shape) != want or not t.is_floating_point() for t in parts):
            raise EngineError(f"checkpoint {where}: the saved hidden state does not fit its "
                              f"config ({len(parts)} float tensor(s) of shape {want} expected, "
                              f"found {[tuple(t.shape) for t in tensors.values()]})")

    # --- training -----------------------------------------------------------------------

    def next_batch(self, step: int, progress: float | None) -> StreamBatch:
        cfg = self.config
        x, y, new_epoch = self.batcher.next_batch(cfg.bptt)
        probe = bool(cfg.probe_every) and ((step + 1) % cfg.probe_every == 0
                                           or step + 1 == cfg.first_look_at)
        return StreamBatch(x.to(self.device, non_blocking=True),
                           y.to(self.device, non_blocking=True), new_epoch, probe)

    def forward(self, model, batch: StreamBatch) -> tuple[Any, torch.Tensor]:
        if batch.new_epoch or self.hidden is None:
            self.hidden = model.init_hidden(batch.x.shape[0], self.device)
        # Detach: gradients flow back through this window only (truncated BPTT), while the
        # state's *values* still carry the context of everything the stream read before.
        self.hidden = self.start_hidden = detach_hidden(self.hidden)
        if batch.probe:
            n = self.config.probe_batch
            self.probe_input = (batch.x[:n], batch.y[:n], _first(self.hidden, n))
        logits, loss, self.hidden = model(batch.x, self.hidden, batch.y)
        return logits, loss

    def batch_tokens(self, batch: StreamBatch) -> int:
        return batch.x.numel()

    @torch.no_grad()
    def loss_now(self, model, batch: StreamBatch) -> float:
        """The last window again from the state it started in (the carried state is left
        as training left it)."""
        with eval_mode(model):
            return float(model(batch.x, self.start_hidden, batch.y)[1])

    def epoch(self, step: int) -> float:
        return self.batcher.epoch_progress

    # --- side jobs ------------------------------------------------------------------------

    def evaluate(self, model) -> Evaluation:
        from engine.families.lm.evaluate import evaluate

        loss = evaluate(model, self.val_ids, self.device, cancel=self.cancel)
        return Evaluation(loss, {"bits_per_char": bits_per_char(loss),
                                 "perplexity": perplexity(loss)})

    def gradient_probe(self, model) -> list[list[float]] | None:
        from engine.families.lm.probes import gradient_per_timestep

        if self.probe_input is None:
            return None
        x, y, h = self.probe_input
        self.probe_input = None
        return gradient_per_timestep(model, x, y, h)

    def probe_events(self, model, step: int) -> list[Event]:
        """The gates on the probe text; a vanilla RNN has none: its hidden states only."""
        from engine.families.lm.probes import gate_activity

        if not self.probe_text:
            return []
        ids = torch.from_numpy(self.vocab.encode(self.probe_text)).to(self.device)
        return [Gates(step=step, text=self.probe_text, **gate_activity(model, ids))]

    def sample(self, model, step: int) -> list[Event]:
        cfg = self.config
        return [self._sample(model, step, "", cfg.sample_length, cfg.temperature)]

    def evaluate_data(self, model, spec: str | None) -> list[str]:
        """The loss on a text (a corpus spec), or on the run's own held-out split. Characters
        the vocabulary lacks are left out of the text and counted (not refused)."""
        from engine.corpus import load_corpus
        from engine.families.lm.evaluate import evaluate

        lines: list[str] = []
        if spec is None:
            self.load_data()
            ids, what = self.val_ids, f"the run's held-out text ({self.config.corpus})"
        else:
            ids, lines = self._known_ids(load_corpus(spec).text)
            what = spec
        loss = evaluate(model, ids, self.device, cancel=self.cancel, progress=self.progress)
        if not math.isfinite(loss):
            raise EngineError(f"the model's loss on {what} is {loss}: its predictions overflow "
                              f"(a checkpoint from a run that was diverging)")
        return lines + [f"{loss:.4f} nats/char · {bits_per_char(loss):.4f} bits/char · "
                        f"perplexity {perplexity(loss):.3f} on {ids.numel():,} characters "
                        f"of {what}"]

    def _known_ids(self, text: str) -> tuple[torch.Tensor, list[str]]:
        """The ids of `text` without the characters the vocabulary lacks, and a line that
        counts those (none: no line)."""
        from collections import Counter

        unknown = set(self.vocab.unknown(set(text)))
        if not unknown:
            return self._ids(text), []
        kept = text.translate({ord(ch): None for ch in unknown})
        dropped = len(text) - len(kept)
        counts = Counter(ch for ch in text if ch in unknown)
        shown = " ".join(repr(c) for c, _ in counts.most_common(8))
        if len(kept) < 2:
            raise EngineError(f"nothing to evaluate: every character of {len(text):,} is "
                              f"outside the model's vocabulary ({shown})")
        line = (f"{dropped:,} of {len(text):,} characters ({100 * dropped / len(text):.2g}%) are "
                f"outside the model's vocabulary and were left out: {len(unknown)} distinct, "
                f"most frequent {shown}")
        return self._ids(kept), [line]

    def request(self, model, request: Request, step: int) -> list[Event]:
        cfg, args = self.config, request.args
        prime = args.get("prime", "")
        self.requests_answered += 1
        return [self._sample(model, step, prime, args.get("length") or cfg.sample_length,
                             args.get("temperature") or cfg.temperature,
                             request_seed(cfg.seed, step, prime, self.requests_answered))]

    def _sample(self, model, step: int, prime: str, length: int,
                temperature: float, seed: int | None = None) -> Sample:
        from engine.families.lm.sampling import sample_text

        seed = self.config.seed + step if seed is None else seed
        text, probs = sample_text(model, self.vocab, prime=prime, length=length,
                                  temperature=temperature, seed=seed,
                                  device=self.device, cancel=self.cancel)
        return Sample(step=step, prime=prime, text=text, probs=probs, temperature=temperature)

    # --- checkpoint -----------------------------------------------------------------------

    def state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        parts = () if self.hidden is None else \
            (self.hidden if isinstance(self.hidden, tuple) else (self.hidden,))
        return ({"vocab": self.vocab.to_list(), "data": self.batcher.state_dict()},
                {str(i): h for i, h in enumerate(parts)})

    def restore(self, meta: dict[str, Any], tensors: dict[str, torch.Tensor],
                step: int) -> None:
        self.batcher.load_state_dict(meta["data"])
        if tensors:
            parts = tuple(tensors[str(i)].to(self.device) for i in range(len(tensors)))
            self.hidden = parts if len(parts) > 1 else parts[0]



def word_aligned(text: str, length: int) -> str:
    """About `length` characters of `text` that start after its first word break (the
    held-out split begins mid-word) and end before its last one."""
    head = text[:length // 2]
    breaks = [i for i, ch in enumerate(head) if ch.isspace()]
    start = breaks[0] + 1 if breaks else 0
    while start < len(text) and text[start].isspace():
        start += 1
    piece = text[start:start + length]
    if start + length < len(text):  # cut at the last break, not in a word
        end = max(piece.rfind(" "), piece.rfind("\n"))
        if end > length // 2:
            piece = piece[:end]
    return piece


def request_seed(seed: int, step: int, prime: str, n: int) -> int:
    """The seed of the n-th sample a user asked for: its own, not the periodic sample's
    (seed + step), and another for another prime, so that on an untrained model (nearly
    uniform predictions) a prime still changes what follows."""
    import zlib

    return (seed + step + 7919 * n + zlib.crc32(prime.encode("utf-8"))) % (2**63 - 1)


def _saved_vocab(meta: dict[str, Any]) -> Vocab:
    """A checkpoint's character vocabulary (single characters, in their saved order)."""
    chars = meta.get("vocab")
    if not isinstance(chars, list) or not all(isinstance(c, str) and len(c) == 1
                                              for c in chars):
        raise EngineError("the checkpoint's 'vocab' must be a list of distinct single "
                          "characters (a character language model's)")
    return Vocab(chars)


def _first(hidden: Hidden, n: int) -> Hidden:
    """The first n streams of a carried state (for the probe batch)."""
    if isinstance(hidden, tuple):
        return tuple(h[:, :n].detach() for h in hidden)  # type: ignore[return-value]
    return hidden[:, :n].detach()
