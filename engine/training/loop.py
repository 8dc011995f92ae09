"""The training loop, written once for every task family, as a lazy generator of events.

    trainer = Trainer(config, out_dir="runs/x")    # any family's config (engine/families)
    for event in trainer.events():   # Started, Baselines, TrainStep..., Eval, Probe, ..., Finished
        ...

The loop owns what every family shares: the budget, warmup and the learning-rate schedule,
clipping and its telemetry, the NaN/inf guard, the cadence of evaluations, probes and
samples, checkpoints (only of a model fit to keep, engine/training/guard.py) and exact
resume, the best model by the family's headline (best.safetensors, written at each
evaluation that improves it: what sample / eval / open use), and honours a stop within a
second or two even in the middle of a long evaluation. The family's `Task` (engine/task.py)
says what a batch is, computes the loss, evaluates, probes and answers requests.

Control from another thread (the app's UI) goes through small thread-safe methods - stop(),
set_hparam(), request(), request_checkpoint(), request_probe() - that queue a request; the
generator serves the queue between optimizer steps, so the model is only ever touched by
the thread iterating the generator (engine/training/controls.py).

Under torchrun every rank runs this same loop (distributed.py): forward and backward go
through DDP, and every decision that could differ between ranks - the clock, a stop, the
logged loss, the checkpoint guard - is agreed first; the side jobs run on rank 0 alone.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any, Iterator

from engine.training import budget
from engine import events as ev
from engine.config import RunConfig
from engine.training.controls import Controls
from engine.errors import Cancelled, EngineError
from engine.training.guard import diverged_message, weights_finite
from engine.training.optim import build_optimizer, clip_gradients, scheduled_lr
from engine.storage.rundir import out_path
from engine.storage.state import RunState, best_snapshot, build_state, snapshot_state
from engine.task import Request

class Trainer(Controls):
    """Trains any family's model and reports what happens as events."""

    def __init__(self, config: RunConfig | None, out_dir: str | Path | None = None,
                 resume: bool = False, force: bool = False,
                 overrides: dict[str, Any] | None = None):
        """`config` may be None when resuming: the checkpoint has it (with `overrides`, the
        flags given again on the command line, on top)."""
        self.config = config.validate() if config is not None else None
        self.out_dir = out_path(out_dir)  # None: keep nothing; "" is refused
        self.resume = resume
        self.force = force
        self.overrides = overrides or {}
        self.state: RunState | None = None  # everything built at setup (model, data, ...)
        # (stop, budget spent) as last agreed (_agree): what the loop decides on, so that a
        # signal arriving mid-step cannot make one rank decide differently from another.
        self._agreed = (False, False)
        super().__init__()

    @property
    def LIVE_KEYS(self) -> tuple[str, ...]:  # noqa: N802 - the Controls contract
        """What set_hparam accepts: the config's LIVE_KEYS (every family has lr, clip and
        clip_mode; a family adds its own)."""
        return type(self.config).LIVE_KEYS if self.config is not None else RunConfig.LIVE_KEYS

    # --- thread-safe controls (stop, set_hparam, request_checkpoint, ...: controls.py) ---

    def request(self, kind: str, **args: Any) -> None:
        """Ask the model something (a sample, a translation): answered with events."""
        self._requests.put(("request", Request(kind, args)))

    def _ready(self) -> bool:
        return self.state is not None

    def _current_step(self) -> int:
        return self.state.step

    # --- the loop ----------------------------------------------------------------------

    def events(self) -> Iterator[ev.Event]:
        st = self.state = build_state(self.config, self.out_dir, self.resume, self.force,
                                      self.overrides)
        self.config = st.config
        st.task.cancel = self._stop.is_set
        try:
            yield from self._start_events()
            while True:
                yield from self._serve()
                self._agree()
                reason = self._finish_reason()
                if reason:
                    yield from self._finish(reason)
                    return
                self._train_step()
                self._agree()
                yield from self._scheduled_events()
                if st.diverged:
                    yield from self._diverge()
                    return
        finally:
            st.run.close()

    def _agree(self) -> None:
        """Under torchrun: one clock and one stop for every rank (a Ctrl+C on any of them
        stops all on the same step); alone, nothing."""
        st = self.state
        st.elapsed, stop, spent = st.world.agree(st.elapsed, self._stop.is_set(),
                                                 self._budget_spent.is_set())
        if stop:
            self._stop.set()
        if spent:
            self._budget_spent.set()
        self._agreed = (stop, spent)

    def _start_events(self) -> Iterator[ev.Event]:
        st = self.state
        size = st.task.summary()
        yield self._emit(ev.Started(
            config=st.config.to_dict(), device=st.device_name, vocab_size=size["vocab_size"],
            parameters=sum(p.numel() for p in st.model.parameters()),
            train_chars=size["train_size"], val_chars=size["val_size"], step=st.step,
            resumed=st.step > 0, family=st.task.family))
        for message in st.task.warnings() + st.notes:
            yield self._emit(ev.Warning(step=st.step, message=message))
        if st.baselines_due:  # a side job: a stop during them ends the run before step 1
            st.baselines_due = False
            yield from self._timed(self._baselines)

    def _baselines(self) -> Iterator[ev.Event]:
        found = self.state.task.baselines()
        if found is not None:
            yield self._emit(found)

    def _train_step(self) -> None:
        """One batch: forward, backward, clip, update."""
        st, cfg = self.state, self.config
        t0 = time.perf_counter()
        progress = self._progress()
        batch = st.task.next_batch(st.step, progress)
        lr = scheduled_lr(cfg, cfg.lr, st.step, progress)
        for group in st.optimizer.param_groups:
            group["lr"] = lr
        st.model.train()
        st.last_batch = batch
        with st.precision.autocast():  # --precision: bf16/fp16 forward, fp32 weights and loss
            _, loss = st.task.forward(st.train_model, batch)  # DDP under torchrun
        st.optimizer.zero_grad(set_to_none=True)
        # DDP averages the ranks' gradients: weight each by its share of the global batch.
        shared = st.world.scale_loss(loss, st.task.loss_weight(batch))
        st.precision.backward(shared, st.optimizer)  # true (unscaled) gradients, to clip
        norm = clip_gradients(st.params, cfg.clip_mode, cfg.clip)
        st.precision.step(st.optimizer)
        # Accumulate on the device; read back once per log interval (no per-step GPU sync).
        st.acc.add(loss.detach(), norm.detach(), cfg.clip_mode == "norm" and cfg.clip)
        st.step += 1
        st.tokens += st.task.batch_tokens(batch)
        st.lr = lr
        dt = time.perf_counter() - t0
        st.train_time += dt
        st.elapsed += dt
        if st.tuner is not None:  # --threads 0: adapt the thread count to the machine's load
            st.tuner.observe(dt / max(1, st.task.batch_tokens(batch)))

    def _scheduled_events(self) -> Iterator[ev.Event]:
        st, cfg = self.state, self.config
        if st.step % cfg.log_every == 0 or self._finish_reason():
            stats = st.acc.read()
            stats.loss = st.world.mean(stats.loss)  # every rank sees a NaN of any
            if not (math.isfinite(stats.loss) and math.isfinite(stats.grad_norm)):
                st.diverged = True
                st.diverged_at = (stats.loss, stats.grad_norm)
                return
            st.guard.observe(stats.loss)
            yield self._emit(ev.TrainStep(
                step=st.step, epoch=st.task.epoch(st.step), train_loss=stats.loss,
                tokens_per_s=st.world.total(st.tokens) / max(st.train_time, 1e-9), lr=st.lr,
                grad_norm=stats.grad_norm, clipped=stats.clipped_last,
                elapsed_s=st.elapsed, extras=st.task.train_extras(self._progress()),
                threads=st.tuner.threads if st.tuner is not None else None))
            st.tokens, st.train_time = 0, 0.0
            st.clip_window.append(stats)
        # Every step, not only on log steps: a kill -9 loses at most one interval whatever
        # --log-every is (time.perf_counter costs nothing).
        if st.elapsed - st.last_checkpoint_at >= cfg.checkpoint_every_s:
            yield from self._timed(self._checkpoint, "interval", every_rank=True)
            if st.diverged:
                return
        early = st.step in cfg.first_looks()
        if cfg.probe_every and (st.step % cfg.probe_every == 0 or early) \
                and st.last_probe_step != st.step:  # (a request may have probed it already)
            yield from self._timed(self._probe)
        if st.step % cfg.eval_every == 0 or (early and st.step > cfg.first_look_at):
            yield from self._timed(self._eval)
        if cfg.sample_every and (st.step % cfg.sample_every == 0 or early):
            yield from self._timed(self._sample)

    def _timed(self, job, *args, every_rank: bool = False) -> Iterator[ev.Event]:
        """Run a side job (eval, probe, ...); its time counts toward the budget. A stop()
        cancels a long evaluation, baseline or sample part-way (engine.errors.Cancelled).
        Under torchrun rank 0 alone runs them (a checkpoint needs `every_rank`)."""
        if not (every_rank or self.state.world.main):
            return
        t0 = time.perf_counter()
        try:
            out = list(job(*args))
        except Cancelled:
            out = []
        self.state.elapsed += time.perf_counter() - t0
        yield from out

    # --- side jobs ----------------------------------------------------------------------

    def _eval(self) -> Iterator[ev.Event]:
        st = self.state
        result = st.task.evaluate(st.model)
        # A NaN evaluation is never the best (kept, it would stay: x < NaN is always False).
        if math.isfinite(result.val_loss) and (st.best_val is None
                                               or result.val_loss < st.best_val):
            st.best_val = result.val_loss
        headline = st.task.headline
        value, higher = (result.metrics.get(headline[0]), headline[1]) if headline else \
            (result.val_loss, False)
        best = value is not None and math.isfinite(value) and (st.best_metric is None or (
            value > st.best_metric if higher else value < st.best_metric))
        if best:
            st.best_metric = value
        st.last_eval_step = st.step
        if best and st.run.active and weights_finite(st.params):
            st.run.save_best(best_snapshot(st))  # what sample / eval / open use by default
        yield self._emit(ev.Eval(step=st.step, val_loss=result.val_loss, best=best,
                                 metrics=result.metrics))
        for event in result.events:
            yield self._emit(event)

    def _probe(self) -> Iterator[ev.Event]:
        st, cfg = self.state, self.config
        st.last_probe_step = st.step
        norms = st.task.gradient_probe(st.model)
        if norms is not None:
            last = st.clip_window.last_norm()
            after = min(last, cfg.clip) if cfg.clip_mode == "norm" else last
            yield self._emit(ev.Probe(step=st.step, grad_norms=norms, global_norm=last,
                                      clipped_norm=after,
                                      clip_fraction=st.clip_window.clipped_share()))
        for event in st.task.probe_events(st.model, st.step):
            yield self._emit(event)

    def _sample(self) -> Iterator[ev.Event]:
        st = self.state
        st.last_sample_step = st.step
        for event in st.task.sample(st.model, st.step):
            yield self._emit(event)

    def _task_finish(self) -> Iterator[ev.Event]:
        for event in self.state.task.finish(self.state.model, self.state.step):
            yield self._emit(event)

    def _checkpoint(self, reason: str) -> Iterator[ev.Event]:
        """Save, if the model is fit to keep (guard.py): the file on disk is always from
        before an explosion. A NaN loss seen here ends the run as diverged."""
        st = self.state
        if not st.keeps:
            return
        loss = None if st.last_batch is None else st.task.loss_now(st.model, st.last_batch)
        if loss is not None:
            loss = st.world.mean(loss)  # the ranks' guards decide alike
        if not st.guard.fit_to_keep(loss, st.params):
            if loss is not None and not math.isfinite(loss):
                st.diverged, st.diverged_at = True, (loss, float(st.acc.norm) if st.acc.n
                                                     else 0.0)
            elif reason != "interval":
                yield self._emit(ev.Warning(step=st.step,
                                            message=st.guard.refusal(st.step, loss)))
            return
        data = snapshot_state(st, loss)  # (a collective under torchrun)
        path = st.run.save_checkpoint(data) if st.run.active else st.run.path
        st.guard.kept(st.step, loss)
        st.last_checkpoint_at = st.elapsed
        st.last_checkpoint_step = st.step
        yield self._emit(ev.Checkpoint(step=st.step, path=str(path), reason=reason))

    # --- requests from other threads -----------------------------------------------------

    def _handle(self, req: tuple) -> Iterator[ev.Event]:
        kind = req[0]
        if kind == "hparam":
            yield from self._apply_hparam(req[1], req[2])
        elif kind == "request":
            yield from self._answer(req[1])
        elif kind == "checkpoint":
            yield from self._checkpoint("request")
        elif kind == "probe" and self.config.probe_every and \
                self.state.last_probe_step != self.state.step:
            yield from self._timed(self._probe)

    def _answer(self, request: Request) -> Iterator[ev.Event]:
        st = self.state
        if request.kind not in st.task.requests:
            raise EngineError(f"a {st.task.family} model cannot {request.kind}")
        for event in st.task.request(st.model, request, st.step):
            yield self._emit(event)

    def _apply_hparam(self, key: str, value: Any) -> Iterator[ev.Event]:
        old = getattr(self.config, key)
        new = self.config.replace(**{key: value}).validate()
        self.config = self.state.config = self.state.task.config = new
        if key == "optimizer" and value != old:  # a fresh one: its state (moments) restarts
            self.state.optimizer = build_optimizer(self.state.params, new)
        yield self._emit(ev.HParamChange(step=self.state.step, key=key, old=old, new=value))

    # --- the end ---------------------------------------------------------------------------

    def _progress(self) -> float | None:
        return budget.progress(self.config, self.state.step, self.state.elapsed)

    def _finish_reason(self) -> str | None:
        stop, spent = self._agreed
        reason = budget.finish_reason(self.config, self.state.step, self.state.elapsed, stop)
        return reason or ("time" if spent else None)

    def _finish(self, reason: str) -> Iterator[ev.Event]:
        st, cfg = self.state, self.config
        if st.step > 0 and reason != "stopped":
            if st.last_eval_step != st.step:
                yield from self._timed(self._eval)
            if cfg.sample_every and st.last_sample_step != st.step:
                yield from self._timed(self._sample)
            yield from self._timed(self._task_finish)
            self._agree()
            reason = "stopped" if self._agreed[0] else reason  # it cancelled them
        if st.step > 0 and st.last_checkpoint_step != st.step:
            yield from self._checkpoint("interrupt" if reason == "stopped" else "end")
        if st.diverged:
            yield from self._diverge()
            return
        yield self._emit(ev.Finished(step=st.step, reason=reason,
                                     message=budget.FINISH_MESSAGES[reason], **self._best()))

    def _best(self) -> dict[str, Any]:
        """The best held-out loss, and the best headline when the family names one."""
        headline = self.state.task.headline
        return {"best_val_loss": self.state.best_val,
                "best_metric": self.state.best_metric if headline else None,
                "best_metric_name": headline[0] if headline else None}

    def _diverge(self) -> Iterator[ev.Event]:
        st = self.state
        loss, norm = st.diverged_at
        # (in words both the CLI and the app can act on: each says its own flags or keys)
        msg = diverged_message(st.step, loss, norm, f"turn on gradient clipping or lower the "
                               f"learning rate (now {self.config.lr:g})", st.guard,
                               st.clip_window.last_norm())
        yield self._emit(ev.Finished(step=st.step, reason="diverged", message=msg,
                                     **self._best()))

    def _emit(self, event: ev.Event) -> ev.Event:
        self.state.run.write(event)
        return event
