"""The seq2seq training loop as a lazy generator of events (same shape as engine.trainer).

    trainer = Seq2SeqTrainer(Seq2SeqConfig(task="dates", minutes=5), out_dir="runs/dates")
    for event in trainer.events():  # Started, Warning..., TrainStep..., Eval, Attention, ...
        ...

Thread-safe controls: stop(), set_hparam() (teacher_forcing, lr, clip, eval_every,
attention_every), request_sample(source, beam) (answers with an Attention event) and
request_checkpoint(); the generator serves them between optimizer steps.
"""

from __future__ import annotations

import math
import random
import time
from pathlib import Path
from typing import Any, Iterator, Optional

import torch

from engine import budget
from engine import checkpoint as ckpt
from engine import events as ev
from engine.controls import Controls
from engine.errors import Cancelled
from engine.guard import DivergenceGuard, diverged_message
from engine.metrics import bits_per_char, perplexity
from engine.optim import clip_gradients, scheduled_lr
from engine.rundir import RunDir, out_path
from engine.seq2seq.config import LIVE_KEYS, Seq2SeqConfig, teacher_forcing_at
from engine.seq2seq.evaluate import (KIND, batch_loss, check_memory, checkpoint_config,
                                     evaluate)
from engine.seq2seq.events import Attention, Seq2SeqEval, Seq2SeqTrainStep
from engine.seq2seq.probes import same_length_batch
from engine.seq2seq.tasks import TaskData, Vocab, build_data, make_batch


class Seq2SeqTrainer(Controls):
    """Trains an encoder-decoder on a task and reports what happens as events."""

    LIVE_KEYS = LIVE_KEYS

    def __init__(self, config: Seq2SeqConfig, out_dir: str | Path | None = None,
                 resume: bool = False, force: bool = False,
                 overrides: dict[str, Any] | None = None):
        self.config = config.validate()
        self.out_dir = out_path(out_dir)  # None: keep nothing; "" is refused
        self.resume, self.force = resume, force
        self.overrides = overrides or {}
        super().__init__()
        self.model = None
        self.vocab: Optional[Vocab] = None
        self.data: Optional[TaskData] = None
        self.run = RunDir(None)  # engine.rundir: lock, metrics, checkpoints
        self.diverged_at: tuple | None = None  # (loss, gradient norm) once it is NaN/inf
        self._last_batch = None  # the latest step's batch: checkpoints test on it
        self.step = 0
        self.elapsed = 0.0

    # --- thread-safe controls (stop, set_hparam, request_checkpoint: engine/controls.py) ---

    def request_sample(self, source: str | None = None, beam: int = 1) -> None:
        """Translate `source` (default: the first probe example) -> an Attention event;
        with beam > 1 by beam search, the event listing every beam."""
        self._requests.put(("sample", source, beam))

    def _ready(self) -> bool:
        return self.model is not None

    def _current_step(self) -> int:
        return self.step

    # --- setup ---------------------------------------------------------------------------

    def _setup(self) -> None:
        """Lock the run directory, build everything, and only then write to it (see
        engine.rundir): a failed setup leaves an old run as it was, even with --force."""
        self.run = RunDir.open(self.out_dir, resume=self.resume, force=self.force)
        try:
            self._build()
            self.run.commit(self.config.to_dict(), self.step if self.resume else None)
        except BaseException:
            self.run.close()
            raise

    def _build(self) -> None:
        from engine.device import configure_threads, describe, resolve_device
        from engine.seq2seq.model import Seq2Seq

        saved = None
        if self.resume:
            saved = ckpt.load(self.out_dir)
            self.config = checkpoint_config(saved, str(self.out_dir), self.overrides)
        cfg = self.config
        self.device = resolve_device(cfg.device)
        self.device_name = describe(self.device, configure_threads(cfg.threads))
        torch.manual_seed(cfg.seed)
        self.data = build_data(cfg)
        self.vocab = Vocab(saved.meta["vocab"]) if saved else self.data.vocab
        self.max_out = cfg.max_output_len or self.data.max_target_len + 10
        check_memory(cfg, len(self.vocab), self.data.max_source_len, self.data.max_target_len,
                     self.device)
        self.guard = DivergenceGuard(math.log(len(self.vocab)))
        self.model = Seq2Seq.from_config(cfg, len(self.vocab)).to(self.device)
        self.params = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.Adam(self.params, lr=cfg.lr)
        self.best_val: Optional[float] = None
        self.best_exact: Optional[float] = None
        self.last_eval_step = self.last_checkpoint_step = None
        self.last_checkpoint_at = 0.0
        if saved:
            self._restore(saved)
        # The stream of training examples continues deterministically after a resume.
        self.sampler = self.data.sampler(cfg.seed * 1_000_003 + self.step)
        self.coin = random.Random(cfg.seed + 7 * self.step)  # teacher-forcing draws
        self.probes = self.data.heldout[: cfg.probe_examples]
        # The gradient probe's batch: held-out pairs as long as the first probe example.
        self.grad_pairs = same_length_batch(self.data.heldout, len(self.probes[0][0]))
        self._acc_loss = torch.zeros((), device=self.device)
        self._acc_n = 0
        self._tokens, self._train_time = 0, 0.0
        self._norm = torch.zeros(())
        self._clipped = torch.zeros((), device=self.device)  # steps clipped since the probe
        self._steps_since_probe = 0
        self.lr = cfg.lr

    def _restore(self, saved: ckpt.CheckpointData) -> None:
        ckpt.load_weights(self.model, saved.model)
        ckpt.optimizer_from_flat(self.optimizer, saved.optim,
                                 saved.meta.get("optimizer_groups", []))
        self.step = int(saved.meta["step"])
        self.elapsed = float(saved.meta.get("elapsed", 0.0))
        self.best_val = saved.meta.get("best_val")
        self.best_exact = saved.meta.get("best_exact")
        self.last_eval_step = saved.meta.get("last_eval_step")
        self.last_checkpoint_at, self.last_checkpoint_step = self.elapsed, self.step
        self.guard = DivergenceGuard(self.guard.uniform, saved.meta.get("train_loss"))
        self.guard.kept(self.step, saved.meta.get("train_loss"))

    # --- the loop ----------------------------------------------------------------------

    def events(self) -> Iterator[ev.Event]:
        self._setup()
        try:
            yield from self._start_events()
            while True:
                yield from self._serve()
                reason = self._finish_reason()
                if reason:
                    yield from self._finish(reason)
                    return
                self._train_step()
                diverged = yield from self._scheduled()
                if diverged:
                    yield from self._diverge(*diverged)
                    return
        finally:
            self.run.close()

    def _start_events(self) -> Iterator[ev.Event]:
        d = self.data
        train_chars = sum(len(s) + len(t) for s, t in d.train) if d.train else 0
        yield self._emit(ev.Started(
            config=self.config.to_dict(), device=self.device_name, vocab_size=len(self.vocab),
            parameters=sum(p.numel() for p in self.params), train_chars=train_chars,
            val_chars=sum(len(s) + len(t) for s, t in d.heldout), step=self.step,
            resumed=self.step > 0))
        for msg in d.warnings:
            yield self._emit(ev.Warning(step=self.step, message=msg))

    def _train_step(self) -> None:
        cfg = self.config
        t0 = time.perf_counter()
        batch = self._last_batch = make_batch(self.vocab, self.sampler.batch(cfg.batch_size)
                                              ).to(self.device)
        T = batch.tgt_in.shape[1]
        r = self.teacher_ratio()
        # Each decoder step of the batch is fed the true previous character with probability
        # r, else the model's own argmax (free running, as at test time).
        teacher = None if r >= 1.0 else [self.coin.random() < r for _ in range(T)]
        lr = scheduled_lr(cfg, cfg.lr, self.step, self._progress())
        for g in self.optimizer.param_groups:
            g["lr"] = lr
        self.model.train()
        loss = batch_loss(self.model, batch, teacher)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self._norm = clip_gradients(self.params, cfg.clip_mode, cfg.clip or float("inf"))
        if cfg.clip:  # a device tensor: counting costs no sync
            self._clipped = self._clipped + (self._norm > cfg.clip)
        self._steps_since_probe += 1
        self.optimizer.step()
        self._acc_loss = self._acc_loss + loss.detach()
        self._acc_n += 1
        self.step += 1
        self.lr = lr
        self._tokens += batch.target_tokens
        dt = time.perf_counter() - t0
        self._train_time += dt
        self.elapsed += dt

    def _scheduled(self):
        cfg = self.config
        events: list[ev.Event] = []
        if self.step % cfg.log_every == 0 or self._finish_reason():
            loss = float(self._acc_loss) / max(self._acc_n, 1)
            norm = float(self._norm)
            if not (math.isfinite(loss) and math.isfinite(norm)):
                self.diverged_at = (loss, norm)
                return self.diverged_at
            self.guard.observe(loss)
            events.append(self._emit(Seq2SeqTrainStep(
                step=self.step, epoch=self._epoch(), train_loss=loss,
                tokens_per_s=self._tokens / max(self._train_time, 1e-9), lr=self.lr,
                grad_norm=norm, clipped=bool(cfg.clip and norm > cfg.clip),
                elapsed_s=self.elapsed, teacher_forcing=self.teacher_ratio())))
            self._acc_loss = torch.zeros((), device=self.device)
            self._acc_n, self._tokens, self._train_time = 0, 0, 0.0
        # Every step, not only on log steps: a kill -9 loses at most one interval.
        if self.elapsed - self.last_checkpoint_at >= cfg.checkpoint_every_s:
            events += self._timed(self._checkpoint, "interval")
        if self.step % cfg.eval_every == 0 and not self.diverged_at:
            events += self._timed(self._eval)
        if cfg.attention_every and self.step % cfg.attention_every == 0:
            events += self._timed(self._probe)
        if cfg.probe_every and self.step % cfg.probe_every == 0:
            events += self._timed(self._grad_probe)
        for e in events:
            yield e
        return self.diverged_at

    def _timed(self, job, *args) -> list[ev.Event]:
        """A side job; a stop() cancels a long evaluation part-way (engine.errors.Cancelled)."""
        t0 = time.perf_counter()
        try:
            out = list(job(*args))
        except Cancelled:
            out = []
        self.elapsed += time.perf_counter() - t0
        return out

    def _epoch(self) -> float:
        n = len(self.data.train) if self.data.train else 0
        return self.step * self.config.batch_size / n if n else 0.0

    # --- side jobs ------------------------------------------------------------------------

    def _eval(self) -> Iterator[ev.Event]:
        m = evaluate(self.model, self.vocab, self.data.heldout, self.max_out, self.device,
                     with_bleu=self.data.name == "pairs", cancel=self._stop.is_set)
        loss = m["val_loss"]
        best = self.best_val is None or loss < self.best_val
        self.best_val = loss if best else self.best_val
        best_exact = self.best_exact is None or m["exact_match"] > self.best_exact
        self.best_exact = m["exact_match"] if best_exact else self.best_exact
        self.last_eval_step = self.step
        yield self._emit(Seq2SeqEval(
            step=self.step, val_loss=loss, bits_per_char=bits_per_char(loss),
            perplexity=perplexity(loss), best=best, token_accuracy=m["token_accuracy"],
            exact_match=m["exact_match"], bleu=m["bleu"], chrf=m["chrf"],
            examples=m["examples"], best_exact=best_exact))

    def translate(self, sources: list[str]):
        from engine.seq2seq.decode import greedy

        return greedy(self.model, self.vocab, sources, self.max_out, self.device)

    def _probe(self, sources: list[tuple[str, str]] | None = None,
               beam: int = 1) -> Iterator[ev.Event]:
        pairs = sources if sources is not None else self.probes
        beams: list[list] = []
        if beam > 1 and len(pairs) == 1:
            from engine.seq2seq.decode import beam_search

            found = beam_search(self.model, self.vocab, pairs[0][0], beam, self.max_out,
                                self.device)
            hyps, beams = found[:1], [[h.text, h.score] for h in found]
        else:
            hyps = self.translate([s for s, _ in pairs])
        for (src, tgt), h in zip(pairs, hyps):
            yield self._emit(Attention(step=self.step, source=src, output=h.text, target=tgt,
                                       weights=h.attention, probs=h.probs,
                                       attention=self.config.attention, beams=beams))

    def _grad_probe(self) -> Iterator[ev.Event]:
        """||dL/dh_j|| per encoder layer and source position (see engine.seq2seq.probes)."""
        from engine.seq2seq.probes import encoder_gradient

        norms = encoder_gradient(self.model, self.vocab, self.grad_pairs, self.device)
        norm, clip = float(self._norm), self.config.clip
        share = float(self._clipped) / max(self._steps_since_probe, 1)
        self._clipped = torch.zeros((), device=self.device)
        self._steps_since_probe = 0
        yield self._emit(ev.Probe(step=self.step, grad_norms=norms, global_norm=norm,
                                  clipped_norm=min(norm, clip) if clip else norm,
                                  clip_fraction=share))

    @torch.no_grad()
    def _loss_now(self) -> float | None:
        """The loss of the weights as they are now (after the last update) on the last
        batch: what a checkpoint written now would hold. None before the first step."""
        if self._last_batch is None:
            return None
        self.model.eval()
        loss = float(batch_loss(self.model, self._last_batch))
        self.model.train()
        return loss

    def _checkpoint(self, reason: str) -> Iterator[ev.Event]:
        """Save, if the model is fit to keep (engine.guard); a NaN loss here is divergence."""
        if not self.run.active:
            return
        loss = self._loss_now()
        if not self.guard.fit_to_keep(loss, self.params):
            if loss is not None and not math.isfinite(loss):
                self.diverged_at = (loss, float(self._norm))
            elif reason != "interval":
                yield self._emit(ev.Warning(step=self.step,
                                            message=self.guard.refusal(self.step, loss)))
            return
        path = self.run.save_checkpoint(self.snapshot(loss))
        self.guard.kept(self.step, loss)
        self.last_checkpoint_at, self.last_checkpoint_step = self.elapsed, self.step
        yield self._emit(ev.Checkpoint(step=self.step, path=str(path), reason=reason))

    def snapshot(self, train_loss: float | None = None) -> ckpt.CheckpointData:
        optim, groups = ckpt.optimizer_to_flat(self.optimizer)
        meta = {"kind": KIND, "config": self.config.to_dict(), "vocab": self.vocab.to_list(),
                "step": self.step, "elapsed": self.elapsed, "best_val": self.best_val,
                "best_exact": self.best_exact, "last_eval_step": self.last_eval_step,
                "optimizer_groups": groups, "max_source_len": self.data.max_source_len,
                "max_target_len": self.data.max_target_len, "train_loss": train_loss}
        return ckpt.CheckpointData(meta=meta, model=self.model.state_dict(), optim=optim)

    # --- requests ---------------------------------------------------------------------------

    def _handle(self, req: tuple) -> Iterator[ev.Event]:
        if req[0] == "hparam":
            yield from self._apply_hparam(req[1], req[2])
        elif req[0] == "sample":
            yield from self._translate_request(req[1], req[2])
        elif req[0] == "checkpoint":
            yield from self._checkpoint("request")

    def _translate_request(self, src: str | None, beam: int) -> Iterator[ev.Event]:
        """A translation the user asked for (None: the first probe example), with warnings
        about unknown characters or an input cut (engine.seq2seq.decode.check_source)."""
        from engine.seq2seq.decode import check_source

        if src is None:
            yield from self._probe(self.probes[:1], beam)
            return
        src, warnings = check_source(self.vocab, src, self.data.max_source_len)
        for message in warnings:
            yield self._emit(ev.Warning(step=self.step, message=message))
        yield from self._probe([(src, "")], beam)

    def _apply_hparam(self, key: str, value: Any) -> Iterator[ev.Event]:
        old = getattr(self.config, key)
        new = self.config.replace(**{key: value}).validate()
        self.config = new
        yield self._emit(ev.HParamChange(step=self.step, key=key, old=old, new=value))

    # --- the end ---------------------------------------------------------------------------

    def teacher_ratio(self) -> float:
        """The teacher-forcing ratio now (engine.seq2seq.config.teacher_forcing_at)."""
        return teacher_forcing_at(self.config, self._progress())

    def _progress(self) -> float | None:
        return budget.progress(self.config, self.step, self.elapsed)

    def _finish_reason(self) -> str | None:
        return budget.finish_reason(self.config, self.step, self.elapsed, self._stop.is_set())

    def _finish(self, reason: str) -> Iterator[ev.Event]:
        if self.step > 0 and self.last_eval_step != self.step and reason != "stopped":
            yield from self._timed(self._eval)
            reason = "stopped" if self._stop.is_set() else reason  # it cancelled the eval
            if reason != "stopped":
                yield from self._probe()
        if self.step > 0 and self.last_checkpoint_step != self.step:
            yield from self._checkpoint("interrupt" if reason == "stopped" else "end")
        if self.diverged_at:
            yield from self._diverge(*self.diverged_at)
            return
        msg = budget.FINISH_MESSAGES[reason]
        yield self._emit(ev.Finished(step=self.step, reason=reason, message=msg,
                                     best_val_loss=self.best_val))

    def _diverge(self, loss: float, norm: float) -> Iterator[ev.Event]:
        msg = diverged_message(self.step, loss, norm, f"lower the learning rate (now "
                               f"{self.config.lr:g}) or clip (--clip 1.0)", self.guard)
        yield self._emit(ev.Finished(step=self.step, reason="diverged", message=msg,
                                     best_val_loss=self.best_val))

    def _emit(self, event: ev.Event) -> ev.Event:
        self.run.write(event)
        return event
