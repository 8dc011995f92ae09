"""Sequence to sequence as a task family: an encoder-decoder on fresh batches of pairs.

Each step draws `batch_size` (source, target) pairs from the task's seeded stream (never a
held-out source), encodes the sources and trains the decoder on the targets: fed the true
previous character (teacher forcing) with probability `teacher_forcing` per output step,
else its own argmax. Nothing is carried from one batch to the next.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import torch

from engine.events import Event, Warning
from engine.families.seq2seq.config import Seq2SeqConfig
from engine.families.seq2seq.events import Attention
from engine.families.seq2seq.metrics import SIGNATURE
from engine.families.seq2seq.tasks import Batch, TaskData, build_data, char_vocab, make_batch
from engine.metrics import bits_per_char, perplexity
from engine.recurrent import eval_mode
from engine.task import Evaluation, Request, Task


@dataclass
class PairBatch:
    batch: Batch  # sources and targets as padded ids (engine/families/seq2seq/tasks.py)
    teacher: list[bool] | None  # per output step: feed the true previous char (None: all)
    ratio: float  # the teacher-forcing ratio in force


class Seq2SeqTask(Task):
    Config = Seq2SeqConfig
    requests = ("translate",)
    unit = "target char"
    metric_notes = {"bleu": f"  BLEU and chrF are sacrebleu's: {SIGNATURE}"}

    def __init__(self, config: Seq2SeqConfig, saved_meta: dict[str, Any] | None = None):
        if saved_meta and "best_exact" in saved_meta:  # a checkpoint of an older version:
            best = saved_meta.pop("best_exact")  # its best exact match is the best metric
            if isinstance(best, (int, float)) and not isinstance(best, bool):
                saved_meta.setdefault("best_metric", best)
        super().__init__(config, saved_meta)
        self.vocab = char_vocab(saved_meta["vocab"]) if saved_meta else None
        self.data: TaskData | None = None

    # --- setup --------------------------------------------------------------------------

    def load_data(self) -> None:
        cfg = self.config
        self.data = build_data(cfg)
        if self.vocab is None:
            self.vocab = self.data.vocab
        self.probes = self.data.heldout[: cfg.probe_examples]
        self.restore({}, {}, 0)  # the stream of examples for a new run (step 0)

    @property
    def max_out(self) -> int:
        """Decoding limit: the config's, or the longest target seen + 10."""
        if self.config.max_output_len:
            return self.config.max_output_len
        from engine.families.seq2seq.config import MAX_OUTPUT_LEN

        longest = self.data.max_target_len if self.data else \
            int((self.saved_meta or {}).get("max_target_len", 50))
        return min(longest + 10, MAX_OUTPUT_LEN)  # an edited checkpoint's 10**12 too

    @property
    def max_source_len(self) -> int:
        if self.data:
            return self.data.max_source_len
        return int((self.saved_meta or {}).get("max_source_len") or 10**9)

    def build_model(self) -> torch.nn.Module:
        from engine.families.seq2seq.model import Seq2Seq

        return Seq2Seq.from_config(self.config, len(self.vocab))

    def summary(self) -> dict[str, int]:
        d = self.data  # sizes in the loss's unit: target characters (sources are read only)
        return {"vocab_size": len(self.vocab),
                "train_size": sum(len(t) for _, t in d.train) if d.train else 0,
                "val_size": sum(len(t) for _, t in d.heldout)}

    def warnings(self) -> list[str]:
        return list(self.data.warnings)

    def activation_bytes(self) -> int:
        from engine.training.memory import activation_bytes

        # Per position autograd keeps embeddings and each layer's gates and states; per
        # target position also the attention over every source position, and the logits.
        cfg, S, T = self.config, self.data.max_source_len, self.data.max_target_len
        states = cfg.layers * cfg.hidden * {"lstm": 6, "gru": 5, "rnn": 2}[cfg.model]
        attend = S * (cfg.attn_size if cfg.attention == "bahdanau" else 1)
        return activation_bytes(cfg.batch_size, S + 1, cfg.embed + states) + \
            activation_bytes(cfg.batch_size, T + 1,
                             cfg.embed + states + attend + 3 * len(self.vocab))

    def smaller_hint(self) -> str:
        return "make it smaller (--hidden, --layers, --batch-size, --attn-size, --max-pair-len)"

    # --- training -----------------------------------------------------------------------

    def teacher_ratio(self, progress: float | None) -> float:
        """The teacher-forcing ratio now: constant, or annealed linearly from
        `teacher_forcing` to `teacher_forcing_final` over the budget (scheduled sampling,
        Bengio et al. 2015: the model learns to recover from its own mistakes)."""
        cfg = self.config
        if cfg.teacher_forcing_final is None or progress is None:
            return cfg.teacher_forcing
        p = min(1.0, max(0.0, progress))
        return cfg.teacher_forcing + (cfg.teacher_forcing_final - cfg.teacher_forcing) * p

    def next_batch(self, step: int, progress: float | None) -> PairBatch:
        pairs = self.sampler.batch(self.config.batch_size)
        batch = make_batch(self.vocab, self.shard.take(pairs))  # under torchrun: a share
        r = self.teacher_ratio(progress)
        T = batch.tgt_in.shape[1]
        # Each decoder step of the batch is fed the true previous character with probability
        # r, else the model's own argmax (free running, as at test time).
        teacher = None if r >= 1.0 else [self.coin.random() < r for _ in range(T)]
        return PairBatch(batch.to(self.device), teacher, r)

    def forward(self, model, batch: PairBatch) -> tuple[Any, torch.Tensor]:
        from engine.families.seq2seq.evaluate import batch_loss

        return None, batch_loss(model, batch.batch, batch.teacher)

    @torch.no_grad()
    def loss_now(self, model, batch: PairBatch) -> float:
        from engine.families.seq2seq.evaluate import batch_loss

        with eval_mode(model):  # teacher forced throughout, as the held-out loss
            return float(batch_loss(model, batch.batch))

    def batch_tokens(self, batch: PairBatch) -> int:
        return batch.batch.target_tokens

    def loss_weight(self, batch: PairBatch) -> int:
        return batch.batch.target_tokens  # the loss is a mean over them

    def epoch(self, step: int) -> float | None:
        train = self.data.train
        return step * self.config.batch_size / len(train) if train else None

    def train_extras(self, progress: float | None) -> dict[str, Any]:
        return {"teacher_forcing": self.teacher_ratio(progress)}

    # --- side jobs ------------------------------------------------------------------------

    def evaluate(self, model) -> Evaluation:
        from engine.families.seq2seq.evaluate import evaluate

        m = evaluate(model, self.vocab, self.data.heldout, self.max_out, self.device,
                     with_bleu=self.data.name == "pairs", cancel=self.cancel)
        loss = m.pop("val_loss")
        return Evaluation(loss, {"bits_per_char": bits_per_char(loss),
                                 "perplexity": perplexity(loss), **m})

    def evaluate_data(self, model, spec: str | None) -> list[str]:
        """Held-out metrics on a TSV file of pairs, or on the run's own held-out set."""
        from engine.families.seq2seq.evaluate import evaluate
        from engine.families.seq2seq.tasks import read_pairs

        if spec is None:
            self.load_data()
            pairs, what = self.data.heldout, f"the run's held-out {self.config.task} set"
        else:
            pairs, _ = read_pairs(spec, self.config.max_pair_len)
            what = spec
        m = evaluate(model, self.vocab, pairs, self.max_out, self.device,
                     with_bleu=spec is not None or self.config.task == "pairs",
                     cancel=self.cancel)
        line = (f"exact match {m['exact_match']:.2%} · token accuracy "
                f"{m['token_accuracy']:.2%} · loss {m['val_loss']:.4f} nats/char")
        if m["bleu"] is not None:
            line += f" · BLEU {100 * m['bleu']:.1f} · chrF {100 * m['chrf']:.1f}"
        lines = [f"{line} on {len(pairs):,} pairs of {what}"]
        return lines + ([self.metric_notes["bleu"]] if m["bleu"] is not None else [])

    def gradient_probe(self, model) -> list[list[float]]:
        """||dL/dh_j|| per encoder layer and source position (engine/families/seq2seq/probes)."""
        from engine.families.seq2seq.probes import encoder_gradient

        return encoder_gradient(model, self.vocab, self.grad_pairs, self.device)

    def sample(self, model, step: int) -> list[Event]:
        return self.decode(model, self.probes, step)

    def request(self, model, request: Request, step: int) -> list[Event]:
        """A translation the user asked for (source None: the first probe example), with
        `beam` (1: greedy) and `max_len` (0 or none: max_out). Unknown characters are read
        as <unk>, an input longer than any in training is cut and so is an output that
        reaches max_len, each with a warning."""
        args = request.args
        src, beam = args.get("source"), int(args.get("beam", 1))
        limit = int(args.get("max_len") or 0) or self.max_out
        if src is None:
            return self.decode(model, self.probes[:1], step, beam, limit)
        src, warnings = self.check_input(src)
        found = self.decode(model, [(src, "")], step, beam, limit)
        warnings += [f"no <eos> within {limit} characters (output cut)"
                     for e in found if not e.finished]
        return [Warning(step=step, message=w) for w in warnings] + found

    def check_input(self, src: str) -> tuple[str, list[str]]:
        """An input to translate, as the model will read it, and the warnings
        (engine/families/seq2seq/decode.py check_source)."""
        from engine.families.seq2seq.decode import check_source

        return check_source(self.vocab, src, self.max_source_len)

    def decode(self, model, pairs: list[tuple[str, str]], step: int,
               beam: int = 1, limit: int | None = None) -> list[Attention]:
        """Attention events for (source, target) pairs: greedy, or beam search for one;
        at most `limit` output characters (None: max_out)."""
        from engine.families.seq2seq.decode import beam_search, greedy

        limit = limit or self.max_out
        beams: list[list] = []
        if beam > 1 and len(pairs) == 1:
            found = beam_search(model, self.vocab, pairs[0][0], beam, limit, self.device)
            hyps, beams = found[:1], [[h.text, h.score, h.finished] for h in found]
        else:
            hyps = greedy(model, self.vocab, [s for s, _ in pairs], limit, self.device)
        return [Attention(step=step, source=src, output=h.text, target=tgt,
                          weights=h.attention, probs=h.probs, attention=self.config.attention,
                          beams=beams, finished=h.finished)
                for (src, tgt), h in zip(pairs, hyps)]

    # --- checkpoint -----------------------------------------------------------------------

    def state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        return ({"vocab": self.vocab.to_list(), "max_source_len": self.data.max_source_len,
                 "max_target_len": self.data.max_target_len}, {})

    def restore(self, meta: dict[str, Any], tensors: dict[str, torch.Tensor],
                step: int) -> None:
        from engine.families.seq2seq.probes import same_length_batch

        seed = self.config.seed
        # The stream of training examples continues deterministically after a resume.
        self.sampler = self.data.sampler(seed * 1_000_003 + step)
        self.coin = random.Random(seed + 7 * step)  # teacher-forcing draws
        # The gradient probe's batch: held-out pairs as long as the first probe example.
        self.grad_pairs = same_length_batch(self.data.heldout, len(self.probes[0][0]))

