"""The training loop as a lazy generator of events, driven by both the CLI and the app.

    trainer = Trainer(config, out_dir="runs/x")
    for event in trainer.events():   # Started, Baselines, TrainStep..., Eval, Probe, ..., Finished
        ...

Control from another thread (the app's UI) goes through small thread-safe methods - stop(),
set_hparam(), request_sample(), request_checkpoint() - that queue a request; the generator
serves the queue between optimizer steps, so the model is only ever touched by the thread
iterating the generator (engine/controls.py).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any, Iterator

import torch

from engine import budget
from engine import events as ev
from engine.config import CLIP_MODES, TrainConfig
from engine.controls import Controls
from engine.errors import Cancelled, EngineError
from engine.guard import diverged_message
from engine.metrics import bits_per_char, perplexity
from engine.optim import clip_gradients, scheduled_lr
from engine.recurrent import detach_hidden
from engine.rundir import out_path
from engine.run_state import RunState, build_state, snapshot_state

LIVE_KEYS = ("lr", "clip", "clip_mode", "bptt", "temperature")


class Trainer(Controls):
    """Trains a character-level language model and reports what happens as events."""

    LIVE_KEYS = LIVE_KEYS

    def __init__(self, config: TrainConfig, out_dir: str | Path | None = None,
                 resume: bool = False, force: bool = False,
                 overrides: dict[str, Any] | None = None):
        self.config = config.validate()
        self.out_dir = out_path(out_dir)  # None: keep nothing; "" is refused
        self.resume = resume
        self.force = force
        self.overrides = overrides or {}  # on resume: flags given again on the command line
        self.state: RunState | None = None  # everything built at setup (model, data, ...)
        super().__init__()

    # --- thread-safe controls (stop, set_hparam, request_checkpoint: engine/controls.py) ---

    def request_sample(self, prime: str = "", length: int | None = None,
                       temperature: float | None = None) -> None:
        self._requests.put(("sample", prime, length, temperature))

    def _ready(self) -> bool:
        return self.state is not None

    def _current_step(self) -> int:
        return self.state.step

    # --- the loop ----------------------------------------------------------------------

    def events(self) -> Iterator[ev.Event]:
        st = self.state = build_state(self.config, self.out_dir, self.resume, self.force,
                                      self.overrides)
        self.config = st.config
        try:
            yield from self._start_events()
            while True:
                yield from self._serve()
                reason = self._finish_reason()
                if reason:
                    yield from self._finish(reason)
                    return
                self._train_step()
                yield from self._scheduled_events()
                if st.diverged:
                    yield from self._diverge()
                    return
        finally:
            st.run.close()

    def _start_events(self) -> Iterator[ev.Event]:
        st = self.state
        yield self._emit(ev.Started(
            config=st.config.to_dict(), device=st.device_name, vocab_size=len(st.vocab),
            parameters=sum(p.numel() for p in st.model.parameters()),
            train_chars=st.train_ids.numel(), val_chars=st.val_ids.numel(),
            step=st.step, resumed=st.step > 0))
        if st.baseline_texts is not None:
            yield from self._baselines()

    def _baselines(self) -> Iterator[ev.Event]:
        from engine.ngram import baselines

        (train, val), self.state.baseline_texts = self.state.baseline_texts, None
        try:
            found = baselines(train, val, order=self.config.baseline_order,
                              cancel=self._stop.is_set)
        except Cancelled:  # a stop during them: the run ends before its first step
            return
        yield self._emit(ev.Baselines(**found))

    def _train_step(self) -> None:
        """One truncated-BPTT window: forward, backward, clip, update."""
        st, cfg = self.state, self.config
        t0 = time.perf_counter()
        x, y, new_epoch = st.batcher.next_batch(cfg.bptt)
        if new_epoch or st.hidden is None:  # the streams start over: forget the old state
            st.hidden = st.model.init_hidden(cfg.batch_size, st.device)
        x, y = x.to(st.device, non_blocking=True), y.to(st.device, non_blocking=True)
        # Detach: gradients flow back through this window only (truncated BPTT), while the
        # state's *values* still carry the context of everything the stream read before.
        st.hidden = detach_hidden(st.hidden)
        if cfg.probe_every and (st.step + 1) % cfg.probe_every == 0:
            st.probe_input = (x[: cfg.probe_batch], y[: cfg.probe_batch],
                              _slice_hidden(st.hidden, cfg.probe_batch))
        lr = scheduled_lr(cfg, cfg.lr, st.step, self._progress())
        for group in st.optimizer.param_groups:
            group["lr"] = lr
        st.last_batch = (x, y, st.hidden)
        _, loss, st.hidden = st.model(x, st.hidden, y)
        st.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = clip_gradients(st.params, cfg.clip_mode, cfg.clip)
        st.optimizer.step()
        # Accumulate on the device; read back once per log interval (no per-step GPU sync).
        st.acc.add(loss.detach(), norm.detach(), cfg.clip_mode == "norm" and cfg.clip)
        st.step += 1
        st.tokens += x.numel()
        st.lr = lr
        dt = time.perf_counter() - t0
        st.train_time += dt
        st.elapsed += dt

    def _scheduled_events(self) -> Iterator[ev.Event]:
        st, cfg = self.state, self.config
        if st.step % cfg.log_every == 0 or self._finish_reason():
            stats = st.acc.read()
            if not (math.isfinite(stats.loss) and math.isfinite(stats.grad_norm)):
                st.diverged = True
                st.diverged_at = (stats.loss, stats.grad_norm)
                return
            st.guard.observe(stats.loss)
            yield self._emit(ev.TrainStep(
                step=st.step, epoch=st.batcher.epoch_progress, train_loss=stats.loss,
                tokens_per_s=st.tokens / max(st.train_time, 1e-9), lr=st.lr,
                grad_norm=stats.grad_norm, clipped=stats.clipped_last,
                elapsed_s=st.elapsed))
            st.tokens, st.train_time = 0, 0.0
            st.clip_window.append(stats)
        # Every step, not only on log steps: a kill -9 loses at most one interval whatever
        # --log-every is (time.perf_counter costs nothing).
        if st.elapsed - st.last_checkpoint_at >= cfg.checkpoint_every_s:
            yield from self._timed(self._checkpoint, "interval")
            if st.diverged:
                return
        if st.probe_input is not None:
            yield from self._timed(self._probe)
        if st.step % cfg.eval_every == 0:
            yield from self._timed(self._eval)
        if cfg.sample_every and st.step % cfg.sample_every == 0:
            yield from self._timed(self._sample, "", cfg.sample_length, cfg.temperature)

    def _timed(self, job, *args) -> Iterator[ev.Event]:
        """Run a side job (eval, probe, ...); its time counts toward the budget. A stop()
        cancels a long evaluation or sample part-way (engine.errors.Cancelled)."""
        t0 = time.perf_counter()
        try:
            out = list(job(*args))
        except Cancelled:
            out = []
        self.state.elapsed += time.perf_counter() - t0
        yield from out

    # --- side jobs ----------------------------------------------------------------------

    def _eval(self) -> Iterator[ev.Event]:
        from engine.evaluate import evaluate

        st = self.state
        loss = evaluate(st.model, st.val_ids, st.device, cancel=self._stop.is_set)
        best = st.best_val is None or loss < st.best_val
        st.best_val = loss if best else st.best_val
        st.last_eval_step = st.step
        yield self._emit(ev.Eval(step=st.step, val_loss=loss, bits_per_char=bits_per_char(loss),
                                 perplexity=perplexity(loss), best=best))

    def _probe(self) -> Iterator[ev.Event]:
        from engine.probes import gate_activity, gradient_per_timestep

        st, cfg = self.state, self.config
        x, y, h = st.probe_input
        st.probe_input = None
        norms = gradient_per_timestep(st.model, x, y, h)
        clipped = st.clip_window.clipped_share()
        last = st.clip_window.last_norm()
        after = min(last, cfg.clip) if cfg.clip_mode == "norm" else last
        yield self._emit(ev.Probe(step=st.step, grad_norms=norms, global_norm=last,
                                  clipped_norm=after, clip_fraction=clipped))
        if cfg.model in ("lstm", "gru") and st.probe_text:
            ids = torch.tensor(st.vocab.encode(st.probe_text), device=st.device)
            yield self._emit(ev.Gates(step=st.step, text=st.probe_text,
                                      **gate_activity(st.model, ids)))

    def _sample(self, prime: str, length: int, temperature: float) -> Iterator[ev.Event]:
        from engine.sampling import sample_text

        st = self.state
        text, probs = sample_text(st.model, st.vocab, prime=prime, length=length,
                                  temperature=temperature, seed=self.config.seed + st.step,
                                  device=st.device, cancel=self._stop.is_set)
        yield self._emit(ev.Sample(step=st.step, prime=prime, text=text, probs=probs,
                                   temperature=temperature))

    def _checkpoint(self, reason: str) -> Iterator[ev.Event]:
        """Save, if the model is fit to keep (engine.guard): the file on disk is always from
        before an explosion. A NaN loss seen here ends the run as diverged."""
        st = self.state
        if not st.run.active:
            return
        loss = self._loss_now()
        if not st.guard.fit_to_keep(loss, st.params):
            if loss is not None and not math.isfinite(loss):
                st.diverged, st.diverged_at = True, (loss, float(st.acc.norm))
            elif reason != "interval":
                yield self._emit(ev.Warning(step=st.step, message=st.guard.refusal(st.step,
                                                                                   loss)))
            return
        path = st.run.save_checkpoint(snapshot_state(st, loss))
        st.guard.kept(st.step, loss)
        st.last_checkpoint_at = st.elapsed
        st.last_checkpoint_step = st.step
        yield self._emit(ev.Checkpoint(step=st.step, path=str(path), reason=reason))

    @torch.no_grad()
    def _loss_now(self) -> float | None:
        """The loss of the weights as they are now (after the last update) on the last
        batch: what a checkpoint written now would hold. None before the first step."""
        st = self.state
        if st.last_batch is None:
            return None
        x, y, hidden = st.last_batch
        st.model.eval()
        _, loss, _ = st.model(x, hidden, y)
        st.model.train()
        return float(loss)

    # --- requests from other threads -----------------------------------------------------

    def _handle(self, req: tuple) -> Iterator[ev.Event]:
        kind = req[0]
        if kind == "hparam":
            yield from self._apply_hparam(req[1], req[2])
        elif kind == "sample":
            _, prime, length, temp = req
            yield from self._sample(prime, length or self.config.sample_length,
                                    temp or self.config.temperature)
        elif kind == "checkpoint":
            yield from self._checkpoint("request")

    def _apply_hparam(self, key: str, value: Any) -> Iterator[ev.Event]:
        old = getattr(self.config, key)
        new = self.config.replace(**{key: value})
        if key == "clip_mode" and value not in CLIP_MODES:
            raise EngineError(f"clip_mode must be one of {CLIP_MODES}")
        new.validate()
        self.config = self.state.config = new
        yield self._emit(ev.HParamChange(step=self.state.step, key=key, old=old, new=value))

    # --- the end ---------------------------------------------------------------------------

    def _progress(self) -> float | None:
        return budget.progress(self.config, self.state.step, self.state.elapsed)

    def _finish_reason(self) -> str | None:
        return budget.finish_reason(self.config, self.state.step, self.state.elapsed,
                                    self._stop.is_set())

    def _finish(self, reason: str) -> Iterator[ev.Event]:
        st = self.state
        if st.step > 0 and st.last_eval_step != st.step and reason != "stopped":
            yield from self._timed(self._eval)
            reason = "stopped" if self._stop.is_set() else reason  # it cancelled the eval
        if st.step > 0 and st.last_checkpoint_step != st.step:
            yield from self._checkpoint("interrupt" if reason == "stopped" else "end")
        if st.diverged:
            yield from self._diverge()
            return
        yield self._emit(ev.Finished(step=st.step, reason=reason, best_val_loss=st.best_val,
                                     message=budget.FINISH_MESSAGES[reason]))

    def _diverge(self) -> Iterator[ev.Event]:
        st = self.state
        loss, norm = st.diverged_at
        msg = diverged_message(st.step, loss, norm, f"turn on clipping (--clip-mode norm --clip "
                               f"1.0) or lower the learning rate (now {self.config.lr:g})",
                               st.guard)
        yield self._emit(ev.Finished(step=st.step, reason="diverged", message=msg,
                                     best_val_loss=st.best_val))

    def _emit(self, event: ev.Event) -> ev.Event:
        self.state.run.write(event)
        return event


def _slice_hidden(hidden, n: int):
    if isinstance(hidden, tuple):
        return tuple(h[:, :n].detach() for h in hidden)
    return hidden[:, :n].detach()
