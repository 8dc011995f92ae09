"""Tagging as a task family: one label per token, sentences in length-bucketed batches.

Each epoch the training sentences are shuffled (seeded by the epoch), grouped by length
(engine.data.sequences.length_batches: little padding) and read batch by batch; a training word
seen once is read as <unk> with probability `word_dropout` (seeded by the step), so <unk>
learns what an unseen word looks like. Nothing is carried from one batch to the next; the
checkpoint keeps the vocabularies, the training word forms (what "unseen" means) and the
position in the epoch, so a resumed run reads the same batches as one that never stopped.
"""

from __future__ import annotations

import random
from typing import Any, Sequence

import torch
import torch.nn.functional as F

from engine.errors import EngineError, check_cancel
from engine.events import Baselines, Event, Warning
from engine.families.tag import metrics
from engine.families.tag.batches import IGNORE, TagBatch, TagVocabs, singletons
from engine.families.tag.config import TagConfig
from engine.families.tag.data import load_tag_data
from engine.families.tag.events import TagScores, Tagged, slash_text
from engine.families.tag.probes import direction_gradients, same_length, target_position
from engine.recurrent import eval_mode
from engine.data.sequences import length_batches
from engine.task import Evaluation, Prediction, Request, Task
from engine.data.tokens import Tokenizer

EVAL_BATCH = 128  # sentences per batch when tagging held-out data (no gradients)
# probe sentences shown in the app: readable lengths, in tokens (characters with --chars)
PROBE_LENGTHS = {False: (5, 30), True: (10, 120)}
CELL_WIDTH = {"lstm": 6, "gru": 5, "rnn": 2}  # values per hidden unit autograd keeps per step


class TagTask(Task):
    Config = TagConfig
    requests = ("predict",)
    unit = "token"

    def __init__(self, config: TagConfig, saved_meta: dict[str, Any] | None = None):
        super().__init__(config, saved_meta)
        meta = _checked(saved_meta) if saved_meta else {}
        self.vocabs = TagVocabs.from_meta(meta["vocabs"]) if saved_meta else None
        self.seen: set[str] = set(meta.get("seen") or ())  # the training word forms
        self.scheme = meta.get("scheme")  # "iob2" ... for chunk tags, None for POS tags
        self.data = None
        self.step_now = 0

    # --- setup --------------------------------------------------------------------------

    def load_data(self) -> None:
        cfg = self.config
        self.data = load_tag_data(**cfg.data_args())
        train = self.data.train
        if self.vocabs is None:
            self.vocabs = TagVocabs.build(train, self.data.tags, cfg.uses_char_features,
                                          cfg.min_count, cfg.max_vocab or None)
            self.seen = {w for tokens, _ in train for w in tokens}
            self.scheme = self.data.scheme
        self.rare = singletons(train)
        self.lengths = [len(tokens) for tokens, _ in train]
        self.probes = self._pick_probes(self.data.val)
        grad = same_length(self.data.val)
        self.grad_batch = self.vocabs.batch(grad) if grad else None
        self.restore({}, {}, 0)  # the first epoch of a new run

    def _pick_probes(self, heldout: Sequence) -> list:
        low, high = PROBE_LENGTHS[self.config.chars]
        readable = [s for s in heldout if low <= len(s[0]) <= high] or list(heldout)
        return readable[: self.config.probe_sentences]

    def build_model(self) -> torch.nn.Module:
        from engine.families.tag.model import Tagger

        v = self.vocabs
        return Tagger.from_config(self.config, len(v.words), len(v.chars) if v.chars else 0,
                                  len(v.tags))

    def summary(self) -> dict[str, int]:
        count = lambda sentences: sum(len(t) for t, _ in sentences)  # noqa: E731
        return {"vocab_size": len(self.vocabs.words), "train_size": count(self.data.train),
                "val_size": count(self.data.val)}

    def warnings(self) -> list[str]:
        out = list(self.data.warnings)
        new = sorted(set(self.data.tags) - set(self.vocabs.tags))
        if new:  # resumed on other data
            out.append(f"the training data has {len(new)} tag(s) the checkpoint does not "
                       f"know ({', '.join(new[:5])}): they are not learned")
        return out

    def baselines(self) -> Baselines:
        from engine.families.tag.baselines import count_model_loss, most_frequent_tag_scores

        train, val = self.data.train, self.data.val
        return Baselines(losses={"word→tag counts": count_model_loss(train, val)},
                         metrics={"most frequent tag": most_frequent_tag_scores(train, val)})

    def activation_bytes(self) -> int:
        from engine.training.memory import activation_bytes

        cfg = self.config
        D = 2 if cfg.bidirectional else 1
        width = cfg.embed + 2 * cfg.char_hidden + \
            cfg.layers * D * cfg.hidden * CELL_WIDTH[cfg.model] + 3 * len(self.vocabs.tags)
        chars = cfg.char_embed + 12 * cfg.char_hidden if cfg.uses_char_features else 0
        return activation_bytes(cfg.batch_size, max(self.lengths, default=1), width + chars)

    def smaller_hint(self) -> str:
        return "make it smaller (--hidden, --layers, --batch-size, --max-len, --max-vocab)"

    # --- training -----------------------------------------------------------------------

    def next_batch(self, step: int, progress: float | None) -> TagBatch:
        if self.cursor >= len(self.order):
            self._start_epoch(self.epoch_no + 1)
        idx = self.shard.take(self.order[self.cursor])  # under torchrun: a share
        self.cursor += 1
        self.step_now = step + 1
        # This step's word dropout (under torchrun each rank its own draws).
        rng = random.Random(self.config.seed * 1_000_003 + step + 7919 * self.shard.rank)
        batch = self.vocabs.batch([self.data.train[i] for i in idx], self.rare,
                                  self.config.word_dropout, rng)
        return batch.to(self.device)

    def _start_epoch(self, epoch: int) -> None:
        self.epoch_no, self.cursor = epoch, 0
        self.order = length_batches(self.lengths, self.config.batch_size,
                                    seed=f"{self.config.seed}:{epoch}")

    def forward(self, model, batch: TagBatch) -> tuple[Any, torch.Tensor]:
        return model(batch)

    def batch_tokens(self, batch: TagBatch) -> int:
        return batch.tokens

    def loss_weight(self, batch: TagBatch) -> int:
        from engine.families.tag.batches import IGNORE

        return int((batch.tags != IGNORE).sum())  # the loss is a mean over these tokens

    def epoch(self, step: int) -> float | None:
        return self.epoch_no + self.cursor / max(1, len(self.order))

    # --- tagging ------------------------------------------------------------------------

    @torch.no_grad()
    def tag(self, model, sentences: Sequence) -> tuple[list[list[str]], list[list[float]],
                                                        float]:
        """(predicted tags, their probabilities, mean loss over tokens of known gold tags)
        of SENTENCES ((tokens, gold) pairs; gold "" where unknown), in eval mode."""
        tags: list = [None] * len(sentences)
        probs: list = [None] * len(sentences)
        loss, counted = 0.0, 0
        with eval_mode(model):
            for idx in length_batches([len(t) for t, _ in sentences], EVAL_BATCH, None):
                check_cancel(self.cancel)
                batch = self.vocabs.batch([sentences[i] for i in idx]).to(self.device)
                logits = model.read(batch).logits  # (B, T, n_tags)
                loss += float(F.cross_entropy(logits.flatten(0, 1), batch.tags.flatten(),
                                              ignore_index=IGNORE, reduction="sum"))
                counted += int((batch.tags != IGNORE).sum())
                p, best = logits.softmax(-1).max(-1)  # (B, T) each
                for row, i in enumerate(idx):
                    n = len(sentences[i][0])
                    tags[i] = [self.vocabs.tags[j] for j in best[row, :n].tolist()]
                    probs[i] = p[row, :n].tolist()
        return tags, probs, loss / max(1, counted)

    def scores(self, model, sentences: Sequence, split: str = "held-out"
               ) -> tuple[float, dict, TagScores]:
        """(loss, metrics.evaluate's numbers, the per-tag scores) on SENTENCES."""
        pred, _, loss = self.tag(model, sentences)
        gold = [g for _, g in sentences]
        found = metrics.evaluate([t for t, _ in sentences], gold, pred, self.seen,
                                 scheme=self.scheme)
        per_tag = TagScores(step=self.step_now, split=split, metrics=found,
                            per_tag=metrics.per_tag_accuracy(gold, pred),
                            confusion=metrics.confusion_matrix(gold, pred, self.vocabs.tags))
        return loss, found, per_tag

    def tokenize(self, text: str) -> list[str]:
        """How a typed sentence is cut into the tokens the model reads: words and
        punctuation ("Granger." -> Granger .), or every character with --chars."""
        return list(text) if self.config.chars else Tokenizer("word")(text)

    # --- side jobs ------------------------------------------------------------------------

    def evaluate(self, model) -> Evaluation:
        loss, found, per_tag = self.scores(model, self.data.val)
        return Evaluation(loss, found, events=[per_tag])

    def finish(self, model, step: int) -> list[Event]:
        """The test sentences, scored once at the end of the run (never looked at before)."""
        if not self.data.test:
            return []
        return [self.scores(model, self.data.test, "test")[2]]

    def gradient_probe(self, model) -> list[list[float]] | None:
        if self.grad_batch is None:
            return None
        k = target_position(self.grad_batch.words.shape[1])
        return direction_gradients(model, self.grad_batch.to(self.device), k)

    def sample(self, model, step: int) -> list[Event]:
        return [self._tagged(model, self.probes, step, "probe")]

    def _tagged(self, model, sentences: Sequence, step: int, kind: str) -> Tagged:
        pred, probs, _ = self.tag(model, sentences)
        return Tagged(step=step, kind=kind, chars=self.config.chars, sentences=[
            {"tokens": list(tokens), "tags": t, "probs": p,
             "gold": list(gold) if kind == "probe" else []}
            for (tokens, gold), t, p in zip(sentences, pred, probs)])

    def request(self, model, request: Request, step: int) -> list[Event]:
        """"predict": tag the user's `text` (None: re-tag the probe sentences now)."""
        text = request.args.get("text")
        if text is None:
            return [self._tagged(model, self.probes, step, "probe")]
        tokens = self.tokenize(text)
        if not tokens:
            return [Warning(step=step, message=f"nothing to tag in {text!r}")]
        return [self._tagged(model, [(tokens, [""] * len(tokens))], step, "yours")]

    def predict(self, model, texts: list[str], pretokenized: bool = False) -> list[Prediction]:
        """`rnn-tui predict`: token/TAG pairs, and per-token probabilities for --file.
        PRETOKENIZED: the tokens are the text's space-separated pieces, as given (a treebank's
        sentences: "do n't" stays two tokens, "U.S." one)."""
        cut = str.split if pretokenized else self.tokenize
        sentences = [(cut(t), []) for t in texts]
        sentences = [(tokens, [""] * len(tokens)) for tokens, _ in sentences]
        pred, probs, _ = self.tag(model, [s for s in sentences if s[0]])
        out, found = [], iter(zip(pred, probs))
        for text, (tokens, _) in zip(texts, sentences):
            tags, p = next(found) if tokens else ([], [])
            line = slash_text(tokens, tags, chars=self.config.chars) if tokens else "(no token)"
            out.append(Prediction(text, line, [text, line, " ".join(f"{x:.3f}" for x in p)]))
        return out

    def evaluate_data(self, model, spec: str | None) -> list[str]:
        """Accuracy (and span F1) on a tag file, or on the run's own held-out sets."""
        from engine.families.tag.evaluate import evaluation_lines

        return evaluation_lines(self, model, spec)

    # --- checkpoint -----------------------------------------------------------------------

    def state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        return ({"vocabs": self.vocabs.to_meta(), "seen": sorted(self.seen),
                 "scheme": self.scheme,
                 "position": [self.epoch_no, self.cursor, self.config.batch_size]}, {})

    def restore(self, meta: dict[str, Any], tensors: dict[str, torch.Tensor],
                step: int) -> None:
        self.step_now = step
        position = meta.get("position")
        if not position:
            self._start_epoch(0)
            return
        try:
            epoch, cursor, batch_size = (int(v) for v in position)
        except (TypeError, ValueError):
            raise EngineError(f"checkpoint: bad data position {position!r}") from None
        # A changed --batch-size cuts the epochs differently: go on with the next epoch.
        self._start_epoch(epoch if batch_size == self.config.batch_size else epoch + 1)
        if batch_size == self.config.batch_size:
            self.cursor = min(cursor, len(self.order))


def _strings(value: Any, empty_ok: bool = True) -> bool:
    return isinstance(value, list) and (empty_ok or bool(value)) and \
        all(isinstance(v, str) for v in value)


def _checked(meta: dict[str, Any]) -> dict[str, Any]:
    """A checkpoint's tagger entries, each of its type (an edited file: one clear line)."""
    vocabs = meta.get("vocabs")
    if not (isinstance(vocabs, dict) and _strings(vocabs.get("words"), False)
            and _strings(vocabs.get("tags"), False)
            and (vocabs.get("chars") is None or _strings(vocabs["chars"]))):
        raise EngineError("the checkpoint's 'vocabs' must be a table of 'words' and 'tags' "
                          "(lists of strings) and 'chars' (a list of strings, or null)")
    if meta.get("seen") is not None and not _strings(meta["seen"]):
        raise EngineError("the checkpoint's 'seen' must be a list of words")
    if meta.get("scheme") is not None and not isinstance(meta["scheme"], str):
        raise EngineError("the checkpoint's 'scheme' must be a string (iob2, ...) or null")
    return meta
