"""A fake Trainer for the app tests: the same protocol as engine.training.loop.Trainer, no torch.

It yields a fixed script of deterministic events at once (Started, Baselines, `steps` TrainSteps
with an Eval, Probe, Gates and Sample on schedule, ending with an Eval), then, by default,
*holds*: it blocks (without yielding) until it is asked for something - a stop, a sample, an
hparam change, a checkpoint - and answers with the matching events, like the real trainer does
at a step boundary. So a test sees a stable "training" screen with known numbers.

With `hold=False` it keeps training forever instead, one TrainStep every `delay` seconds, which
the pause / single-step tests use.

`FakeFactory.open(run_dir, config)` makes one for a saved run (engine/storage/opened.py's protocol):
its first `serve_requests()` answers with Opened (at `start_step`; `spent` says whether the
budget is used up) and a preview (Gates, a Sample) without training; `events()` - only once
the app continues it - resumes from `start_step` (and yields nothing if it was stopped first);
`continue_with(steps=N)` sets the budget (the script's length).

Every call from the app is recorded in `calls` (thread-safe list appends).
"""

from __future__ import annotations

import importlib
import math
import threading
from pathlib import Path
from typing import Any, Iterator

from engine import events as ev
from engine.errors import EngineError
from engine.families.lm.config import LMConfig
from engine.families.lm.events import Gates, Sample, Scores
from rnn_tui.app.controller import live_settings

PROBE_TEXT = "the quick brown fox jumps over the lazy dog. "
SAMPLE_TEXT = "and the king said unto them, the hour is come.\nthen they went"
SAMPLE_WORDS = "and the king said unto them , the hour is come . <eos> then they went".split()


def loss_at(step: int) -> float:
    return 1.4 + 2.8 * math.exp(-step / 12.0) + 0.05 * math.sin(step)


FAKES: dict[str, type] = {}  # family name -> its fake (each fake_<x>.py registers its own)


class FakeTrainer:
    """The language model's fake, and the fake of any family that has none of its own."""

    FAMILY = "lm"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "FAMILY" not in vars(cls):  # (it would replace the language model's fake)
            raise TypeError(f"{cls.__name__}: say which family it fakes (FAMILY = ...)")
        FAKES[cls.FAMILY] = cls

    def __init__(self, config: LMConfig, *, steps: int = 40, hold: bool = True,
                 delay: float = 0.0, fail: str | None = None, crash: bool = False,
                 diverge_at: int | None = None, hidden_units: int = 8,
                 out_dir: str | None = "runs/fake", start_step: int = 0,
                 opened: bool = False, spent: str | None = None,
                 finish: bool = False) -> None:
        self.config = config
        self.script_steps = steps
        self.hold = hold
        self.delay = delay
        self.fail = fail
        self.crash = crash
        self.diverge_at = diverge_at
        self.hidden_units = hidden_units
        self.out_dir = out_dir
        self.calls: list[tuple] = []
        self.step = start_step  # > 0: a resumed run (Started says so)
        self._pending: list[tuple] = []
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._stop = False
        self.stopped = threading.Event()  # set once Finished has been yielded
        self.hp = live_settings(config)
        self.opened, self.spent = opened, spent  # a saved run, opened (not yet training)
        self.finish = finish  # end with Finished("steps") after the script instead of holding
        self.previewed = False
        self.continued = False

    # ------------------------------------------------------------- thread-safe controls

    def _request(self, req: tuple) -> None:
        with self._cond:
            self.calls.append(req)
            self._pending.append(req)
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self.calls.append(("stop",))
            self._stop = True
            self._cond.notify_all()

    def set_hparam(self, key: str, value: Any) -> None:
        if key not in self.hp:
            raise EngineError(f"{key} cannot be changed during a run")
        self._request(("set_hparam", key, value))

    def request(self, kind: str, **args: Any) -> None:
        if kind == "score":
            self._request(("request_score", list(args.get("sentences") or [])))
            return
        if kind != "sample":
            raise EngineError(f"a language model cannot {kind}")
        self._request(("request_sample", args.get("prime", ""), args.get("length"),
                       args.get("temperature")))

    def request_checkpoint(self) -> None:
        self._request(("request_checkpoint",))

    def request_probe(self) -> None:
        self._request(("request_probe",))

    def serve_requests(self) -> list[ev.Event]:
        out = []
        if self.opened and not self.previewed and not self.continued:
            self.previewed = True
            out = [ev.Opened(step=self.step, config=self.config.to_dict(), device="cpu",
                             parameters=3_300_000, elapsed_s=self.step * 0.5,
                             spent=self.spent), self._gates(),
                   Sample(step=self.step, prime="", text="opened sample", probs=[0.5] * 13,
                          temperature=self.hp["temperature"])]
        return out + list(self._serve())

    def continue_with(self, **overrides: Any) -> None:
        self.calls.append(("continue_with", overrides))
        if overrides.get("steps"):
            self.script_steps = overrides["steps"]

    # ------------------------------------------------------------- helpers for tests

    def calls_named(self, name: str) -> list[tuple]:
        return [c for c in list(self.calls) if c[0] == name]

    # ------------------------------------------------------------- the script

    def _serve(self) -> Iterator[ev.Event]:
        with self._cond:
            pending, self._pending = self._pending, []
        for req in pending:
            if req[0] == "set_hparam":
                _, key, value = req
                old, self.hp[key] = self.hp[key], value
                yield ev.HParamChange(step=self.step, key=key, old=old, new=value)
            elif req[0] == "request_sample":
                _, prime, length, temperature = req
                yield self._sample(prime, length, temperature if temperature is not None
                                   else self.hp["temperature"],
                                   lambda i: 0.05 + 0.9 * ((i * 7) % 10) / 10)
            elif req[0] == "request_score":
                yield Scores(step=self.step, sentences=[_fake_score(s) for s in req[1]])
            elif req[0] == "request_probe":  # (after a single step: what it did)
                yield from self._probe_now()
            elif req[0] == "request_checkpoint":
                yield ev.Checkpoint(step=self.step, path=f"{self.out_dir}/checkpoint.safetensors",
                                    reason="request")

    def _sample(self, prime: str, length: int | None, temperature: float, prob) -> Sample:
        """The fixed sample text (its words, for a word model), probabilities from PROB(i)."""
        if getattr(self.config, "tokens", "char") == "word":
            words = SAMPLE_WORDS[: length or len(SAMPLE_WORDS)]
            return Sample(step=self.step, prime=prime, text=" ".join(words), tokens=words,
                          probs=[prob(i) for i in range(len(words))], temperature=temperature)
        text = SAMPLE_TEXT[: length or len(SAMPLE_TEXT)]
        return Sample(step=self.step, prime=prime, text=text,
                      probs=[prob(i) for i in range(len(text))], temperature=temperature)

    def _train_step(self) -> ev.TrainStep:
        self.step += 1
        s = self.step
        return ev.TrainStep(step=s, epoch=s / 100.0, train_loss=loss_at(s), tokens_per_s=12345.0,
                            lr=self.hp["lr"], grad_norm=0.5 + 1.0 / s, clipped=s % 3 == 0,
                            elapsed_s=s * 0.5)

    def _probe(self) -> ev.Probe:
        layers, T = self.config.layers, 24
        decay = {"lstm": 0.93, "gru": 0.85, "rnn": 0.6}[self.config.model]
        norms = [[(decay ** (T - 1 - t)) * (1 + 0.1 * layer) for t in range(T)]
                 for layer in range(layers)]
        return ev.Probe(step=self.step, grad_norms=norms, global_norm=1.7, clipped_norm=1.0,
                        clip_fraction=0.25)

    def _probe_now(self) -> list[ev.Event]:
        """What request_probe answers: the probe events of the model as it is now."""
        return [self._probe(), self._gates()]

    def _gates(self) -> Gates:
        text = PROBE_TEXT
        T, H, L = len(text), self.hidden_units, self.config.layers
        names = {"lstm": ("input", "forget", "cell", "output"), "gru": ("reset", "update"),
                 "rnn": ()}[self.config.model]
        gates = {g: [[0.5 + 0.45 * math.sin(0.3 * t + i + layer) for t in range(T)]
                     for layer in range(L)] for i, g in enumerate(names)}
        sat = {g: [[abs(math.sin(0.2 * t + i)) * 0.5 for t in range(T)] for layer in range(L)]
               for i, g in enumerate(names)}
        hidden = [[[math.tanh(math.sin(0.25 * t * (u + 1) + layer)) for u in range(H)]
                   for t in range(T)] for layer in range(L)]
        return Gates(step=self.step, text=text, gates=gates, saturation=sat, hidden=hidden)

    def _finish(self, reason: str) -> Iterator[ev.Event]:
        if self.out_dir:
            yield ev.Checkpoint(step=self.step, path=f"{self.out_dir}/checkpoint.safetensors",
                                reason="interrupt" if reason == "stopped" else "end")
        yield ev.Finished(step=self.step, reason=reason, best_val_loss=loss_at(self.step))
        self.stopped.set()

    def _explode(self) -> Iterator[ev.Event]:
        kept = self.step
        for k in range(1, 4):
            step = self._train_step()
            step.grad_norm, step.train_loss = 10.0 ** (3 * k), 10.0 ** k
            yield step
        yield ev.Finished(step=self.step, reason="diverged", message=(
            f"training diverged at step {self.step}: the loss became nan (gradient norm "
            f"inf). This is an exploding gradient: turn on clipping; the last good "
            f"checkpoint (step {kept}) was kept."))
        self.stopped.set()

    def _opening(self) -> Iterator[ev.Event]:
        if self.crash:
            raise RuntimeError("boom: a bug in the fake engine")
        if self.fail:
            raise EngineError(self.fail)
        cfg = self.config
        yield ev.Started(config=cfg.to_dict(), device="cpu (2 threads)", vocab_size=65,
                         parameters=3_300_000, train_chars=900_000, val_chars=100_000,
                         step=self.step, resumed=self.step > 0, family=self.config.FAMILY)
        if not self.step:  # like the engine: a resumed run does not recompute the baselines
            yield ev.Baselines(losses={"uniform": math.log(65), "unigram": 3.3,
                                       "KN 5-gram": 1.9})

    def _scheduled(self, s: int) -> Iterator[ev.Event]:
        """The side events after train step `s`."""
        if s % 10 == 0:
            yield self._probe()
        if s % 20 == 0:
            yield self._gates()
            yield self._sample("", None, self.hp["temperature"],
                               lambda i: 0.3 + 0.7 * ((i * 3) % 10) / 10)
        if s % 15 == 0 or s == self.script_steps:
            yield ev.Eval(step=s, val_loss=loss_at(s) + 0.1, best=True,
                          metrics={"bits_per_char": 0.0, "perplexity": 0.0})

    def events(self) -> Iterator[ev.Event]:
        self.calls.append(("events",))
        if self.opened and self._stop:
            return  # opened and closed without continuing: nothing happens
        self.continued = True
        yield from self._opening()
        while True:
            yield from self._serve()
            if self.hp.get("optimizer") == "sgd" and self.hp.get("clip_mode") == "off":
                yield from self._explode()  # the app's x key: NaN after a few steps
                return
            if self._stop:
                yield from self._finish("stopped")
                return
            if self.step >= self.script_steps and self.finish:
                yield from self._finish("steps")
                return
            if self.step >= self.script_steps and self.hold:
                with self._cond:
                    while not self._stop and not self._pending:
                        self._cond.wait(0.05)
                continue
            if self.delay:
                with self._cond:
                    if not self._stop:
                        self._cond.wait(self.delay)
            step = self._train_step()
            if self.diverge_at is not None and step.step >= self.diverge_at:
                yield ev.Finished(step=step.step, reason="diverged",
                                  message=f"loss is nan at step {step.step}")
                self.stopped.set()
                return
            yield step
            yield from self._scheduled(step.step)


def _fake_score(text: str) -> dict:
    """A deterministic score: each word costs (its length + 1) bits."""
    tokens = text.split() + ["<eos>"]
    return {"text": text, "tokens": tokens, "unknown": [t == "zebra" for t in tokens],
            "log_probs": [-(len(t) + 1) * math.log(2) for t in tokens]}


class FakeFactory:
    """`config -> ` the fake of the config's family (FAKES: each fake_<family>.py's), else
    FakeTrainer, remembering every trainer it built. `resume_dir`
    (going back to a checkpoint) builds one that resumes at step 30."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.trainers: list[FakeTrainer] = []
        self.resumed: list[str] = []  # the resume_dir of each resuming trainer

    @staticmethod
    def trainer_class(config: Any) -> type:
        """The fake of the config's family (FAKES), else the language model's."""
        _import_fakes()
        return FAKES.get(config.FAMILY, FakeTrainer)

    def __call__(self, config: Any, resume_dir: str | None = None) -> FakeTrainer:
        kwargs = dict(self.kwargs)
        if resume_dir is not None:
            self.resumed.append(resume_dir)
            kwargs.update(diverge_at=None, start_step=30)
        trainer = self.trainer_class(config)(config, **kwargs)
        self.trainers.append(trainer)
        return trainer

    def resume(self, run_dir: str, config: Any) -> FakeTrainer:
        """Back to the run's last checkpoint (the app's explode path)."""
        return self(config, resume_dir=run_dir)

    def open(self, run_dir: str, config: Any) -> FakeTrainer:
        cls = self.trainer_class(config)
        trainer = cls(config, **{"out_dir": run_dir, **self.kwargs, "opened": True})
        self.trainers.append(trainer)
        return trainer

    @property
    def last(self) -> FakeTrainer:
        return self.trainers[-1]


def _import_fakes() -> None:
    """Every fake_<x>.py beside this one (each registers its trainer in FAKES)."""
    for path in sorted(Path(__file__).parent.glob("fake_*.py")):
        importlib.import_module(path.stem)
