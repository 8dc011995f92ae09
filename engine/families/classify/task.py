"""Sequence classification as a task family: one RNN reads a text, one label comes out.

Each step trains on the next batch of an epoch of the training texts (texts of similar
length together, engine/families/classify/batching.py); the loss is the cross-entropy of
the one prediction per text, so "nats per example". Nothing is carried between batches.
Every evaluation scores the held-out set (accuracy, macro-F1, and a Confusion event with
the matrix and the per-class scores); a test set, if given, is scored once at the end. The
baselines are the majority class and a bag-of-words Naive Bayes on the same split.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from engine.errors import EngineError
from engine.events import Baselines, Event, Warning
from engine.families.classify.config import ClassifyConfig, data_path
from engine.families.classify.encode import UNK_ID, TextEncoder, choose_tokens, pad
from engine.families.classify.events import Confusion, Explanation, Misclassified
from engine.task import Evaluation, Prediction, Request, Task

CELL_WIDTH = {"lstm": 6, "gru": 5, "rnn": 2}  # values per hidden unit autograd keeps per step


@dataclass
class TextBatch:
    ids: torch.Tensor  # (B, T) long, padded with 0
    lengths: torch.Tensor  # (B,) long, on the CPU (pack_padded_sequence wants it there)
    targets: torch.Tensor  # (B,) long


class ClassifyTask(Task):
    Config = ClassifyConfig
    requests = ("predict",)
    unit = "example"

    def __init__(self, config: ClassifyConfig, saved_meta: dict[str, Any] | None = None):
        super().__init__(config, saved_meta)
        self.encoder: TextEncoder | None = None
        self.classes: list[str] | None = None
        if saved_meta:
            self.classes, self.encoder = _saved(saved_meta, config)
        self.data = None
        self.nb = None  # the Naive Bayes baseline, fitted when first needed
        self.steps_done = 0  # optimizer steps taken: the step of an evaluation's events
        self._scored: tuple[int, np.ndarray] | None = None  # (step, held-out log-probs)

    # --- setup --------------------------------------------------------------------------

    def load_data(self) -> None:
        from engine.families.classify.batching import EpochBatcher
        from engine.families.classify.data import load_for_run

        cfg = self.config
        self.data = d = load_for_run(cfg)
        if self.classes is None:
            self.classes = d.classes
        elif d.classes != self.classes:
            raise EngineError(f"the data's classes ({', '.join(d.classes[:6])}...) are not "
                              f"the checkpoint's ({', '.join(self.classes[:6])}...): resume "
                              f"on the data the run was trained on")
        texts = [t for t, _ in d.train]
        if self.encoder is None:
            kind = cfg.tokens if cfg.tokens != "auto" else choose_tokens(texts)
            self.encoder = TextEncoder.build(texts, kind, cfg.lower, cfg.min_count,
                                             cfg.max_vocab, cfg.max_tokens)
        self.train_seqs = self.encoder.encode_all(texts)
        self.train_labels = [y for _, y in d.train]
        self.val_texts, self.val_labels = [t for t, _ in d.val], [y for _, y in d.val]
        self.notes = list(d.warnings) + self._cut_note(d.train + d.val + d.test)
        self.batcher = EpochBatcher([len(s) for s in self.train_seqs], cfg.batch_size,
                                    cfg.seed)
        self.probe_set = self._probe_examples()

    def _cut_note(self, examples) -> list[str]:
        limit, tok = self.config.max_tokens, self.encoder.tokenizer
        n = sum(len(tok(t)) > limit for t, _ in examples)
        return [f"{n} texts are longer than max_tokens = {limit} tokens: the model reads "
                f"their first {limit}"] if n else []

    def _probe_examples(self) -> list[int]:
        """Held-out texts for the gradient probe: up to probe_batch of one length (the
        most common among the longer half), so position t means the same in each."""
        lengths = [len(self.encoder.ids(t)) for t in self.val_texts]
        if not lengths:
            return []
        long = sorted(lengths)[len(lengths) // 2:]
        target = max(set(long), key=lambda n: (long.count(n), n))
        return [i for i, n in enumerate(lengths) if n == target][: self.config.probe_batch]

    def build_model(self) -> torch.nn.Module:
        from engine.families.classify.model import Classifier, ClassifierConfig

        cfg = self.config
        return Classifier(len(self.encoder.vocab), len(self.classes), ClassifierConfig(
            cell=cfg.model, embed=cfg.embed, hidden=cfg.hidden, layers=cfg.layers,
            dropout=cfg.dropout, bidirectional=cfg.bidirectional, pooling=cfg.pooling,
            attn_size=cfg.attn_size, nonlinearity=cfg.nonlinearity))

    def summary(self) -> dict[str, int]:
        return {"vocab_size": len(self.encoder.vocab), "train_size": len(self.train_seqs),
                "val_size": len(self.val_texts)}

    def warnings(self) -> list[str]:
        return list(self.notes)

    def baselines(self) -> Baselines:
        """The majority class (its probabilities: the training class frequencies) and the
        bag-of-words Naive Bayes, on the held-out set: cross-entropy and scores."""
        from engine.families.classify.evaluate import scored

        C = len(self.classes)
        prior = np.bincount(self.train_labels, minlength=C) / len(self.train_labels)
        with np.errstate(divide="ignore"):  # (N, C) as a view: 5,000 classes tiled is 200 MB
            flat = np.broadcast_to(np.log(prior), (len(self.val_labels), C))
        nb_logp = self.naive_bayes().log_proba(self.val_texts, self.cancel)
        losses, metrics = {}, {}
        for name, logp in (("majority", flat), ("naive Bayes", nb_logp)):
            losses[name], s = scored(logp, self.val_labels, self.classes)
            metrics[name] = {"accuracy": s.accuracy, "macro_f1": s.macro_f1}
        return Baselines(losses=losses, metrics=metrics)

    def naive_bayes(self):
        from engine.families.classify.baselines import NaiveBayes, features

        if self.nb is None and self.data is not None:
            tok = self.encoder.tokenizer
            self.nb = NaiveBayes(features(tok.kind, tok.lower)).fit(
                [t for t, _ in self.data.train], self.train_labels, len(self.classes))
        return self.nb

    def activation_bytes(self) -> int:
        from engine.training.memory import activation_bytes

        # Per position autograd keeps the embedding and each layer's gates and states.
        cfg, T = self.config, max(len(s) for s in self.train_seqs)
        D = 2 if cfg.bidirectional else 1
        width = cfg.embed + cfg.layers * D * cfg.hidden * CELL_WIDTH[cfg.model]
        return activation_bytes(cfg.batch_size, T, width + cfg.attn_size)

    def smaller_hint(self) -> str:
        return "make it smaller (--hidden, --layers, --batch-size, --max-tokens)"

    # --- training -----------------------------------------------------------------------

    def next_batch(self, step: int, progress: float | None) -> TextBatch:
        idx = self.shard.take(self.batcher.indices(step))  # under torchrun: a share
        ids, lengths = pad([self.train_seqs[i] for i in idx])
        targets = torch.tensor([self.train_labels[i] for i in idx], dtype=torch.long)
        self.steps_done = step + 1  # (the side jobs after it run at this step)
        return TextBatch(ids.to(self.device), lengths, targets.to(self.device))

    def forward(self, model, batch: TextBatch) -> tuple[Any, torch.Tensor]:
        return model(batch.ids, batch.lengths, batch.targets)

    def batch_tokens(self, batch: TextBatch) -> int:
        return int(batch.lengths.sum())  # real tokens, not padding

    def loss_weight(self, batch: TextBatch) -> int:
        return len(batch.lengths)  # the loss is a mean over texts

    def epoch(self, step: int) -> float:
        return self.batcher.epoch(step)

    # --- side jobs ------------------------------------------------------------------------

    def evaluate(self, model) -> Evaluation:
        logp = self._held_out(model)
        loss, s, event = self._confusion(logp, self.val_labels, "held-out")
        return Evaluation(loss, {"accuracy": s.accuracy, "macro_f1": s.macro_f1,
                                 "examples": len(self.val_labels)}, events=[event])

    def _held_out(self, model) -> np.ndarray:
        """The held-out log-probabilities now (computed once per step)."""
        from engine.families.classify.evaluate import log_probs

        if self._scored is None or self._scored[0] != self.steps_done:
            self._scored = (self.steps_done, log_probs(model, self.encoder, self.val_texts,
                                                       self.device, self.cancel))
        return self._scored[1]

    def _confusion(self, logp: np.ndarray, labels: list[int], split: str):
        from engine.families.classify.evaluate import scored

        loss, s = scored(logp, labels, self.classes)
        return loss, s, Confusion(step=self.steps_done, split=split, classes=self.classes,
                                  matrix=s.confusion, per_class=s.per_class,
                                  accuracy=s.accuracy, macro_f1=s.macro_f1, loss=loss)

    def finish(self, model, step: int) -> list[Event]:
        """The test set, scored once at the end of the run."""
        from engine.families.classify.evaluate import log_probs

        if not self.data.test:
            return []
        texts, labels = zip(*self.data.test)
        logp = log_probs(model, self.encoder, list(texts), self.device, self.cancel)
        return [self._confusion(logp, list(labels), "test")[2]]

    def gradient_probe(self, model) -> list[list[float]] | None:
        """||dL/dh_t|| per layer (and direction) and input position, averaged over the
        probe texts (engine/families/classify/probes.py)."""
        from engine.families.classify.probes import gradient_per_position, mean_over_batch

        if not self.probe_set:
            return None
        ids, lengths = pad([self.encoder.ids(self.val_texts[i]) for i in self.probe_set])
        targets = torch.tensor([self.val_labels[i] for i in self.probe_set])
        norms = gradient_per_position(model, ids.to(self.device), lengths,
                                      targets.to(self.device))
        return mean_over_batch(norms, align="end")

    def sample(self, model, step: int) -> list[Event]:
        """The held-out examples the model gets wrong now, the most confident first."""
        from engine.families.classify.evaluate import mistakes

        wrong, worst = mistakes(self.val_texts, self.val_labels, self._held_out(model),
                                self.classes, self.config.log_errors)
        return [Misclassified(step=step, wrong=wrong, total=len(self.val_labels),
                              examples=worst)]

    def request(self, model, request: Request, step: int) -> list[Event]:
        """A typed text: the model's and the Naive Bayes baseline's class probabilities,
        and how much each token moved the model's decision."""
        text = str(request.args.get("text", ""))
        if not text.strip():
            return [Warning(step=step, message="nothing to classify: type a text")]
        return [self.explanation(model, text, step)]

    def explanation(self, model, text: str, step: int = 0) -> Explanation:
        from engine.families.classify.explain import explain

        found = explain(model, self.encoder, text, self.config.explain_method())
        nb = self.naive_bayes()
        return Explanation(
            step=step, text=text, tokens=found.tokens, scores=found.scores,
            method=found.method, classes=list(self.classes), probs=found.probs,
            baseline_probs=nb.predict_proba([text])[0].tolist() if nb is not None else [],
            unknown=int((self.encoder.ids(text) == UNK_ID).sum()),
            joiner=self.encoder.tokenizer.joiner)

    # --- a trained model: rnn-tui predict / eval ------------------------------------------

    def predict(self, model, texts: list[str], pretokenized: bool = False) -> list[Prediction]:
        """The class of each text and the top probabilities; --file: text, label, p. A text
        is read as in training (its tokens are the model's own): PRETOKENIZED changes
        nothing."""
        from engine.families.classify.evaluate import log_probs

        probs = np.exp(log_probs(model, self.encoder, texts, self.device, self.cancel))
        out = []
        for text, p in zip(texts, probs):
            top = np.argsort(-p, kind="stable")[:3]
            line = " · ".join(f"{self.classes[k]} ({p[k]:.3f})" for k in top)
            out.append(Prediction(text, line, [" ".join(text.split()), self.classes[top[0]],
                                               f"{p[top[0]]:.4f}"]))
        return out

    def evaluate_data(self, model, spec: str | None) -> list[str]:
        """Scores, per-class table and confusion matrix on a labelled file (its labels
        among the run's classes), or on the run's own held-out split."""
        from engine.families.classify.data import load_for_classes
        from engine.families.classify.evaluate import log_probs, score_lines

        notes: list[str] = []
        if spec is None:
            self.load_data()
            examples, what = self.data.val, f"the run's held-out split of {self.config.data}"
        else:
            examples, notes = load_for_classes(data_path(spec), self.classes,
                                               **self.config.columns())
            what = spec
        texts, labels = [t for t, _ in examples], [y for _, y in examples]
        logp = log_probs(model, self.encoder, texts, self.device, self.cancel)
        _, _, event = self._confusion(logp, labels, "eval")
        return [f"warning: {n}" for n in notes] + score_lines(event, what)

    # --- checkpoint -----------------------------------------------------------------------

    def state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        return ({"vocab": self.encoder.vocab.to_list(), "classes": list(self.classes),
                 "tokens": self.encoder.tokenizer.kind}, {})

    def restore(self, meta: dict[str, Any], tensors: dict[str, torch.Tensor],
                step: int) -> None:
        self.steps_done = step  # the batches are a function of the step (batching.py)


def _saved(meta: dict[str, Any], cfg: ClassifyConfig) -> tuple[list[str], TextEncoder]:
    """A checkpoint's classes and vocabulary, checked (an edited file: one clear line)."""
    classes, vocab, kind = meta.get("classes"), meta.get("vocab"), meta.get("tokens")
    if not (isinstance(classes, list) and len(classes) >= 2 and len(set(classes)) ==
            len(classes) and all(isinstance(c, str) for c in classes)):
        raise EngineError("the checkpoint's 'classes' must be a list of at least two "
                          "distinct class names")
    if not isinstance(vocab, list) or kind not in ("char", "word"):
        raise EngineError("the checkpoint's 'vocab' must be a list of tokens and its "
                          "'tokens' char or word")
    return classes, TextEncoder.restore(kind, cfg.lower, vocab, cfg.max_tokens)
