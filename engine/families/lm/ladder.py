"""The lectures' ladder of language models, on one split with one budget each:

    n-gram (counts, Kneser-Ney) -> feed-forward neural LM (a fixed window of learned word
    vectors, Bengio et al. 2003) -> recurrent LMs (RNN, GRU, LSTM: everything before)

    result = run_ladder({"corpus": "valid.txt", "test": "test.txt"}, minutes=2)
    result["rungs"]  # one dict per rung: held-out loss and perplexity, parameters, tokens/s

Every neural rung is an ordinary run of the training loop (engine.training.loop.Trainer) with the
word defaults and only `model` changed, so its run directory (OUT/<rung>) opens, samples
and scores like any other, and the ladder's numbers are the runs' own. The n-gram rung is
the Kneser-Ney model the word runs draw as their baseline, fitted on the same training ids
(its "parameters" are the n-grams it stores). `ladder.json` (in OUT) is what `--reference`
reads to draw the rungs as lines on a later run's loss chart (lm/baselines.py).
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from pathlib import Path
from typing import Any, Callable

import torch

from engine.errors import EngineError
from engine.families.lm.baselines import LADDER_FILE, data_signature
from engine.families.lm.config import LMConfig

RUNGS = ("ngram", "ffnn", "rnn", "gru", "lstm")
DEFAULT_RUNGS = ("ngram", "ffnn", "rnn", "lstm")
SAMPLE_WORDS = 30  # each rung writes this much at the end (seeded, temperature 0.8)
Progress = Callable[[str], None]


def parse_rungs(spec: str) -> tuple[str, ...]:
    rungs = tuple(r.strip().lower() for r in spec.split(",") if r.strip())
    bad = [r for r in rungs if r not in RUNGS]
    if bad or not rungs:
        raise EngineError(f"unknown rung(s) {', '.join(bad) or '(none)'}; choose from: "
                          f"{', '.join(RUNGS)}")
    return tuple(dict.fromkeys(rungs))


def base_config(settings: dict[str, Any]) -> LMConfig:
    """The ladder's word-model config from the user's settings (a budget of 2 minutes per
    rung unless one is given)."""
    settings = {"tokens": "word", **settings}
    if settings.get("tokens") != "word":
        raise EngineError("the ladder compares word models: leave --tokens out")
    if settings.get("steps") is None and settings.get("minutes") is None:
        settings["minutes"] = 2.0
    return LMConfig.from_dict(settings, source="ladder").validate()


def run_ladder(settings: dict[str, Any], rungs: tuple[str, ...] = DEFAULT_RUNGS,
               out: str | Path | None = None, force: bool = False,
               progress: Progress = lambda line: None,
               watch: Callable[[Any], Any] = lambda trainer: contextlib.nullcontext()
               ) -> dict[str, Any]:
    """Train and measure every rung; write OUT/ladder.json (and OUT/<rung>/) when OUT is
    given. `watch(trainer)` is entered around each neural rung's training (the CLI's
    Ctrl+C handling); `progress(line)` hears what is going on."""
    from engine.families.lm.task import LanguageModelTask

    base = base_config(settings)
    out = Path(out) if out is not None else None
    if out is not None and (out / LADDER_FILE).exists() and not force:
        raise EngineError(f"{out} already holds a ladder; --force replaces it")
    task = LanguageModelTask(base)
    task.load_data()
    data = task.data
    progress(f"data: {len(data.vocab):,} words in the vocabulary; {data.train.numel():,} "
             f"training, {data.val.numel():,} held-out"
             + (f", {data.test.numel():,} test" if data.test is not None else "") + " tokens")
    found = []
    for rung in rungs:
        if rung == "ngram":
            found.append(_ngram_rung(base, task, progress))
        else:
            cfg = base.replace(model=rung, baseline_order=0, probe_every=0, sample_every=0)
            found.append(_neural_rung(cfg, task, out, force, progress, watch))
            if found[-1].get("stopped"):
                break
    result = {"settings": {k: v for k, v in settings.items()}, "rungs": found,
              "data": data_signature(base, data), "corpus": base.corpus,
              "budget": {"minutes": base.minutes, "steps": base.steps}}
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / LADDER_FILE).write_text(json.dumps(result, indent=1), encoding="utf-8")
    return result


def _ngram_rung(base: LMConfig, task, progress: Progress) -> dict[str, Any]:
    from engine.families.lm.ngram_words import NgramLM, fit_kneser_ney, ngram_log_probs

    order = base.baseline_order or 4
    progress(f"KN {order}-gram: counting")
    data, t0 = task.data, time.perf_counter()
    train = data.train.numpy()
    model = fit_kneser_ney(train, len(data.vocab), order)
    seconds = time.perf_counter() - t0
    val = float(-ngram_log_probs(model, data.val.numpy(),
                                 train if data.val_follows_train else None).mean())
    test = None if data.test is None else float(-ngram_log_probs(model, data.test.numpy()).mean())
    stored = sum(len(k) for k in model.keys[1:])
    return _row(f"KN {order}-gram", "count", "ngram", val, test, stored, len(train) / seconds,
                seconds, None, _sample(NgramLM(model), task))


def _neural_rung(cfg: LMConfig, task, out: Path | None, force: bool, progress: Progress,
                 watch) -> dict[str, Any]:
    from engine.families.lm.evaluate import evaluate
    from engine.training.loop import Trainer

    name = "FFNN" if cfg.model == "ffnn" else cfg.model.upper()
    budget = f"{cfg.minutes:g} min" if cfg.minutes else f"{cfg.steps} steps"
    progress(f"{name}: training {cfg.describe()} for {budget}")
    run_dir = None if out is None else out / cfg.model
    trainer = Trainer(cfg, out_dir=run_dir, force=force)
    speeds, val, params, end = [], math.nan, 0, None
    with watch(trainer):
        for event in trainer.events():
            if event.name == "start":
                params = event.parameters
            elif event.name == "train":
                speeds.append(event.tokens_per_s)
            elif event.name == "eval":
                val = event.val_loss
            elif event.name == "end":
                end = event
    st = trainer.state
    test = None
    if task.data.test is not None and st.step:
        test = evaluate(st.model, task.data.test, st.device)
    row = _row(name, "neural", cfg.model, val, test, params,
               sum(speeds) / len(speeds) if speeds else 0.0, st.elapsed,
               None if run_dir is None else str(run_dir), _sample(st.model, task, st.device))
    row["steps"] = st.step
    if end is not None and end.reason in ("stopped", "diverged"):
        row["stopped"] = end.reason
    shown = "-" if row["val_ppl"] is None else f"{row['val_ppl']:.1f}"
    progress(f"{name}: held-out perplexity {shown} after {st.step} steps")
    return row


def _ppl(loss: float | None) -> float | None:
    return None if loss is None or not math.isfinite(loss) else math.exp(loss)


def _row(name, kind, model, val, test, params, speed, seconds, run_dir, sample) -> dict:
    return {"name": name, "kind": kind, "model": model, "val_loss": val, "val_ppl": _ppl(val),
            "test_loss": test, "test_ppl": _ppl(test), "params": int(params),
            "tokens_per_s": float(speed), "seconds": float(seconds), "run_dir": run_dir,
            "sample": sample}


def _sample(model, task, device: torch.device | str = "cpu") -> str:
    from engine.families.lm.sampling import sample_text

    text, _ = sample_text(model, task.vocab, length=SAMPLE_WORDS, temperature=0.8, seed=1,
                          device=device, tokenizer=task.tokenizer)
    return text
