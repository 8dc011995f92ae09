"""The language model as a task family: truncated BPTT over B carried streams of tokens.

The corpus becomes token ids (characters, or words with <eos>: splits.load_splits), is
split (the last `val_fraction` held out, or files of their own), cut into B contiguous
streams (data.StreamBatcher), and read window by window: each step trains on the next
`bptt` tokens of every stream, starting from the hidden state the previous window ended
in, detached (gradients stop at the window edge; the state's values carry the context on).
The feed-forward LM (--model ffnn) reads the same windows; its "state" is the last n-1 ids
of each stream, so nothing here depends on the model being recurrent but the probes, which
look at a recurrent state and are skipped without one (the config says: `recurrent`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import torch

from engine.errors import EngineError
from engine.events import Baselines, Event
from engine.families.lm.config import LMConfig
from engine.families.lm.events import Gates, Sample, Scores
from engine.metrics import LN2, perplexity
from engine.recurrent import Hidden, detach_hidden, eval_mode
from engine.task import Evaluation, Request, Task
from engine.data.tokens import Tokenizer

PROBE_TEXT_CHARS = 96  # characters of validation text shown in the gates view
PROBE_WORDS = 20  # words of validation text, for a word model's gates view
CELL_WIDTH = {"lstm": 6, "gru": 5, "rnn": 2}  # values per hidden unit autograd keeps per step


@dataclass
class StreamBatch:
    x: torch.Tensor  # (B, T) input ids
    y: torch.Tensor  # (B, T) the next token of each
    new_epoch: bool  # the streams start over: forget the carried state
    probe: bool  # keep this window for the gradient probe after the step


class LanguageModelTask(Task):
    Config = LMConfig
    requests = ("sample", "score")

    @classmethod
    def unit_of(cls, config: LMConfig) -> str:
        return config.tokens

    def __init__(self, config: LMConfig, saved_meta: dict[str, Any] | None = None) -> None:
        from engine.families.lm.splits import saved_vocab

        super().__init__(config, saved_meta)
        self.vocab = saved_vocab(saved_meta, config.tokens) if saved_meta else None
        kind = (saved_meta or {}).get("tokenizer") or \
            ("char" if config.tokens == "char" else config.tokenizer)
        # A word run's "auto" is resolved on its text (load_data); the checkpoint keeps it.
        self.tokenizer = Tokenizer("word" if kind == "auto" else kind, config.lower)
        self.hidden: Hidden | None = None  # the B streams' state, carried across windows
        self.start_hidden: Hidden | None = None  # the state the last window started from
        self.probe_input: tuple | None = None
        self.requests_answered = 0  # samples asked for (each gets its own seed)

    # --- setup --------------------------------------------------------------------------

    def load_data(self) -> None:
        from engine.families.lm.data import StreamBatcher
        from engine.families.lm.splits import load_splits

        cfg = self.config
        self.data = load_splits(cfg, self.vocab)
        self.vocab, self.tokenizer = self.data.vocab, self.data.tokenizer
        self.train_text, self.val_text = self.data.train_text, self.data.val_text
        self.train_ids, self.val_ids = self.data.train, self.data.val
        self.batcher = StreamBatcher(self.train_ids, cfg.batch_size, cfg.bptt)
        self.shard.rows(cfg.batch_size)  # under torchrun: a batch that cannot split, now
        self.probe_text = word_aligned(self.val_text, PROBE_TEXT_CHARS)

    def encode(self, text: str) -> torch.Tensor:
        """The ids of TEXT as training reads it (a character the vocabulary lacks: an error)."""
        if self.config.tokens == "word":  # unknown words -> <unk>, as in training
            from engine.families.lm.words import tokenize_text

            tokens = tokenize_text(text, self.tokenizer, self.config.eos)
            return torch.from_numpy(self.vocab.encode(tokens))
        return torch.from_numpy(self.vocab.encode(text, unknown="error"))

    def build_model(self) -> torch.nn.Module:
        cfg = self.config
        if cfg.model == "ffnn":
            from engine.families.lm.ffnn import FeedForwardLM

            return FeedForwardLM(len(self.vocab), order=cfg.window + 1, embed=cfg.embed,
                                 hidden=cfg.hidden, direct=cfg.direct, dropout=cfg.dropout)
        from engine.families.lm.model import CharLM

        return CharLM.from_config(self.config, len(self.vocab))

    def summary(self) -> dict[str, int]:
        return {"vocab_size": len(self.vocab), "train_size": self.train_ids.numel(),
                "val_size": self.val_ids.numel()}

    def warnings(self) -> list[str]:
        return list(self.data.notes)

    def baselines(self) -> Baselines | None:
        from engine.families.lm.baselines import lm_baselines

        return lm_baselines(self.config, self.data, cancel=self.cancel)

    def activation_bytes(self) -> int:
        from engine.training.memory import activation_bytes

        # Per position autograd keeps the embedding, each layer's gates and states, logits.
        cfg = self.config
        if cfg.recurrent:
            width = cfg.embed + cfg.layers * cfg.hidden * CELL_WIDTH[cfg.model]
        else:  # the feed-forward LM: its window of vectors, its tanh layer
            width = 2 * cfg.window * cfg.embed + 2 * cfg.hidden
        return activation_bytes(cfg.batch_size, cfg.bptt, width + 3 * len(self.vocab))

    def smaller_hint(self) -> str:
        more = ", --max-vocab" if self.config.tokens == "word" else ""
        return f"make it smaller (--hidden, --layers, --batch-size, --bptt{more})"

    def check_saved(self, tensors: dict[str, torch.Tensor], where: str) -> None:
        """The B streams' carried state: (layers, B, H), two of them for an LSTM; for the
        feed-forward LM the last `window` ids of each stream, (B, window) integers."""
        if not tensors:
            return
        cfg = self.config
        if cfg.recurrent:
            want, kind = (cfg.layers, cfg.batch_size, cfg.hidden), "float"
        else:
            want, kind = (cfg.batch_size, cfg.window), "integer"
        parts = [tensors.get(str(i)) for i in range(2 if cfg.model == "lstm" else 1)]
        if len(tensors) != len(parts) or any(
                t is None or tuple(t.shape) != want or t.is_floating_point() != (kind == "float")
                for t in parts):
            raise EngineError(f"checkpoint {where}: the saved hidden state does not fit its "
                              f"config ({len(parts)} {kind} tensor(s) of shape {want} "
                              f"expected, found {[tuple(t.shape) for t in tensors.values()]})")

    # --- training -----------------------------------------------------------------------

    def next_batch(self, step: int, progress: float | None) -> StreamBatch:
        cfg = self.config
        x, y, new_epoch = self.batcher.next_batch(cfg.bptt)
        rows = self.shard.rows(cfg.batch_size)  # under torchrun: this rank's streams
        x, y = x[rows], y[rows]
        probe = cfg.recurrent and bool(cfg.probe_every) and (
            (step + 1) % cfg.probe_every == 0 or step + 1 in cfg.first_looks())
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
        from engine.families.lm.evaluate import evaluate_total

        total, count = evaluate_total(model, self.val_ids, self.device, cancel=self.cancel)
        return Evaluation(total / max(count, 1),
                          self.loss_metrics(total, count, self.data.words.get("val")))

    def loss_metrics(self, total: float, count: int, words: int | None = None
                     ) -> dict[str, float]:
        """Bits and perplexity per character, or per word of the corpus.

        TOTAL nats over COUNT predicted tokens; WORDS: the words + <eos>s of the text they
        came from. Every token but the first is predicted, and the first begins a word, so
        the words predicted are WORDS - 1 (= COUNT when each token is a word)."""
        per_token = total / max(count, 1)
        if self.config.tokens != "word" or not words or words - 1 == count:
            return {f"bits_per_{self.config.tokens}": per_token / LN2,
                    "perplexity": perplexity(per_token)}
        per_word = total / max(words - 1, 1)
        return {"bits_per_word": per_word / LN2, "perplexity": perplexity(per_word),
                "token_perplexity": perplexity(per_token)}

    def gradient_probe(self, model) -> list[list[float]] | None:
        from engine.families.lm.probes import gradient_per_timestep

        if self.probe_input is None:
            return None
        x, y, h = self.probe_input
        self.probe_input = None
        return gradient_per_timestep(model, x, y, h)

    def probe_events(self, model, step: int) -> list[Event]:
        """The gates on the probe text (a word model's: one timestep per word, spread over
        its characters); a vanilla RNN has none: its hidden states only."""
        from engine.families.lm.probes import gate_activity, spread_over_chars

        if not self.config.recurrent:  # the feed-forward LM: no state to look at
            return []
        if self.config.tokens == "word":
            ids = self.val_ids[:PROBE_WORDS].to(self.device)  # one timestep per word
            words = self.vocab.decode(ids.tolist())
            return [Gates(step=step, **spread_over_chars(words, gate_activity(model, ids)))]
        if not self.probe_text:
            return []
        ids = torch.from_numpy(self.vocab.encode(self.probe_text)).to(self.device)
        return [Gates(step=step, text=self.probe_text, **gate_activity(model, ids))]

    def sample(self, model, step: int) -> list[Event]:
        cfg = self.config
        return [self._sample(model, step, "", cfg.sample_length, cfg.temperature)]

    def evaluate_data(self, model, spec: str | None) -> list[str]:
        """`rnn-tui eval`: the loss on a text or the run's own splits (evaluate.py)."""
        from engine.families.lm.evaluate import evaluate_text

        return evaluate_text(self, model, spec)

    def request(self, model, request: Request, step: int) -> list[Event]:
        cfg, args = self.config, request.args
        if request.kind == "score":
            return [self.score(model, args.get("sentences") or [], step,
                               bool(args.get("end", True)))]
        prime = args.get("prime", "")
        self.requests_answered += 1
        return [self._sample(model, step, prime, args.get("length") or cfg.sample_length,
                             args.get("temperature") or cfg.temperature,
                             request_seed(cfg.seed, step, prime, self.requests_answered))]

    def stream(self, model, request: Request) -> Iterator[str]:
        """`rnn-tui sample`: the text as it is drawn (sampling.written), with the command's
        length, temperature, top_k, prime, seed, greedy."""
        from engine.families.lm.sampling import written

        a = request.args
        if request.kind != "sample":
            return super().stream(model, request)
        if a.get("label") is not None:
            raise EngineError("--label: a language model is not conditioned on a label")
        return written(model, self.vocab, a.get("prime", ""), self.tokenizer,
                       length=a.get("length", self.config.sample_length),
                       temperature=a.get("temperature", self.config.temperature),
                       top_k=a.get("top_k"), greedy=bool(a.get("greedy")), seed=a.get("seed"),
                       device=self.device, cancel=self.cancel)

    def score(self, model, sentences: list[str], step: int = 0, end: bool = True) -> Scores:
        """ln P of each sentence and of each of its tokens (scoring.score_sentence); END:
        the sentence's end (<eos>, a newline) is scored too."""
        from engine.families.lm.scoring import score_sentence

        if not sentences:
            raise EngineError("nothing to score: give one sentence or more")
        found = [score_sentence(model, self.vocab, self.tokenizer, s, end, self.device)
                 for s in sentences]
        return Scores(step=step, sentences=[{"text": s.text, "tokens": s.tokens,
                                             "unknown": s.unknown, "log_probs": s.log_probs}
                                            for s in found])

    def _sample(self, model, step: int, prime: str, length: int,
                temperature: float, seed: int | None = None) -> Sample:
        from engine.families.lm.sampling import join_tokens, sample_tokens

        seed = self.config.seed + step if seed is None else seed
        tokens, probs = sample_tokens(model, self.vocab, prime=prime, length=length,
                                      temperature=temperature, seed=seed,
                                      device=self.device, cancel=self.cancel,
                                      tokenizer=self.tokenizer)
        words = tokens if self.config.tokens == "word" else []
        return Sample(step=step, prime=prime, text=join_tokens(tokens, self.tokenizer),
                      probs=probs, temperature=temperature, tokens=words)

    # --- checkpoint -----------------------------------------------------------------------

    def state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        parts = () if self.hidden is None else \
            (self.hidden if isinstance(self.hidden, tuple) else (self.hidden,))
        # Under torchrun: every rank's streams, so the file holds all B of them.
        parts = tuple(self.shard.gather(h, self._stream_dim) for h in parts)
        meta = {"vocab": self.vocab.to_list(), "data": self.batcher.state_dict()}
        if self.config.tokens == "word":
            meta["tokenizer"] = self.tokenizer.kind  # "auto" as it was resolved
        return meta, {str(i): h for i, h in enumerate(parts)}

    def restore(self, meta: dict[str, Any], tensors: dict[str, torch.Tensor],
                step: int) -> None:
        self.batcher.load_state_dict(meta["data"])
        if tensors:
            parts = tuple(self.shard.part(tensors[str(i)], self._stream_dim).to(self.device)
                          for i in range(len(tensors)))
            self.hidden = parts if len(parts) > 1 else parts[0]

    @property
    def _stream_dim(self) -> int:
        """Where the streams are in the carried state: (layers, B, H), or (B, window)."""
        return 1 if self.config.recurrent else 0


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


def _first(hidden: Hidden, n: int) -> Hidden:
    """The first n streams of a carried state (for the probe batch)."""
    if isinstance(hidden, tuple):
        return tuple(h[:, :n].detach() for h in hidden)  # type: ignore[return-value]
    return hidden[:, :n].detach()
