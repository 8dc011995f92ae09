"""An opened run (engine/storage/opened.py): ready at once from its checkpoint, nothing written until
it continues, then resumed in place; and the language model's probe and sample details."""

from __future__ import annotations

import json

import pytest

from engine import events as ev
from engine.errors import EngineError
from engine.families.lm.events import Gates, Sample
from engine.families.lm.task import request_seed, word_aligned
from engine.training.loop import Trainer
from engine.storage.opened import OpenedRun
from engine.storage.state import load_run


def files_of(path):
    return {p.name: p.read_bytes() for p in path.iterdir() if p.is_file()}


def steps_logged(path):
    rows = [json.loads(line) for line in (path / "metrics.jsonl").read_text().splitlines()]
    return [r["step"] for r in rows if r["event"] == "train"], rows


@pytest.fixture
def trained(tiny_config, tmp_path):
    out = tmp_path / "run"
    list(Trainer(tiny_config.replace(steps=12), out_dir=out).events())
    return out


def test_opening_answers_at_once_and_writes_nothing(trained):
    before = files_of(trained)
    run = OpenedRun(trained)
    first = run.serve_requests()
    opened = first[0]
    assert isinstance(opened, ev.Opened) and opened.step == 12 and opened.spent == "steps"
    assert opened.config["model"] == "lstm" and opened.parameters > 0
    gates = [e for e in first if isinstance(e, Gates)]
    assert gates and gates[0].hidden and gates[0].step == 12  # the model at work, at once
    assert any(isinstance(e, Sample) for e in first)
    run.request("sample", prime="the ", length=8)
    run.set_hparam("temperature", 0.5)
    answered = run.serve_requests()
    sample = next(e for e in answered if isinstance(e, Sample))
    assert sample.prime == "the " and len(sample.text) == 8
    assert any(isinstance(e, ev.HParamChange) and e.new == 0.5 for e in answered)
    run.set_hparam("model", "gru")  # not live: a warning, not an exception
    assert any(isinstance(e, ev.Warning) for e in run.serve_requests())
    run.stop()
    assert list(run.events()) == []  # closed without continuing
    assert files_of(trained) == before  # not a byte changed, no lock taken


def test_continuing_resumes_in_place_with_a_new_budget(trained):
    run = OpenedRun(trained, overrides={"log_every": 1})
    run.serve_requests()
    run.set_hparam("temperature", 0.5)
    run.serve_requests()
    run.continue_with(steps=20)
    events = list(run.events())
    started = events[0]
    assert isinstance(started, ev.Started) and started.resumed and started.step == 12
    assert started.config["temperature"] == 0.5  # a setting changed while opened is kept
    assert events[-1].reason == "steps" and events[-1].step == 20
    steps, rows = steps_logged(trained)
    assert steps == list(range(1, 21))  # appended once, the step counting on
    assert sum(r["event"] == "start" for r in rows) == 2
    assert load_run(trained).meta["step"] == 20


def test_an_opened_run_in_use_elsewhere_is_refused_only_when_it_continues(trained):
    from engine.storage.rundir import DirLock

    lock = DirLock(trained)
    lock.acquire()  # (this process: the lock says so)
    try:
        run = OpenedRun(trained)
        assert isinstance(run.serve_requests()[0], ev.Opened)  # reading needs no lock
        with pytest.raises(EngineError, match="in use"):
            list(run.events())
    finally:
        lock.release()


def test_a_vanilla_rnn_shows_its_hidden_states(tiny_config):
    events = list(Trainer(tiny_config.replace(model="rnn", steps=5)).events())
    gates = [e for e in events if isinstance(e, Gates)]
    assert gates and gates[0].gates == {}
    layers, T, H = len(gates[0].hidden), len(gates[0].hidden[0]), len(gates[0].hidden[0][0])
    assert (layers, T, H) == (2, len(gates[0].text), 32)


def test_the_probe_text_starts_and_ends_at_word_breaks():
    text = "ing the cat sat on the mat and the dog sat on the log today"
    piece = word_aligned(text, 30)
    assert piece.startswith("the cat") and text.index(piece) == 4
    assert len(piece) <= 30 and not piece.endswith(" ") and text[4 + len(piece)] == " "
    assert word_aligned("nospaceshere", 8) == "nospaces"  # nothing to align to: cut


def test_a_primed_sample_has_its_own_seed():
    plain = 1337 + 40  # the periodic sample at step 40
    seeds = {request_seed(1337, 40, "", 1), request_seed(1337, 40, "The ", 1),
             request_seed(1337, 40, "The ", 2), plain}
    assert len(seeds) == 4


def test_eval_counts_characters_outside_the_vocabulary(trained, tmp_path):
    text = tmp_path / "other.txt"
    text.write_text("the cat sat on the mat. Ωmega ☃ the dog. " * 20, encoding="utf-8")
    run = load_run(trained)
    shares = []
    run.task.progress = shares.append
    lines = run.task.evaluate_data(run.model, str(text))
    assert "40 of 820 characters" in lines[0] and "'Ω'" in lines[0] and "'☃'" in lines[0]
    assert "on 779 predicted characters" in lines[-1]  # 780 kept, the first not predicted
    assert shares and shares[-1] == 1.0


def test_a_first_look_comes_early_when_asked(tiny_config):
    """The app's first looks (first_look_at=5: steps 5, 20, 50): a probe and a sample, and
    from the second one a held-out loss, then on cadence."""
    cfg = tiny_config.replace(steps=12, sample_every=10, probe_every=10, eval_every=100)
    events = list(Trainer(cfg.replace(first_look_at=1, steps=14)).events())
    assert [e.step for e in events if isinstance(e, Sample)] == [1, 4, 10, 14]
    assert [e.step for e in events if isinstance(e, ev.Probe)] == [1, 4, 10]
    assert [e.step for e in events if isinstance(e, ev.Eval)] == [4, 10, 14]
    events = list(Trainer(cfg).events())
    assert [e.step for e in events if isinstance(e, Sample)] == [10, 12]
    assert [e.step for e in events if isinstance(e, ev.Probe)] == [10]


def test_rnn_tui_open_reads_and_checks_the_checkpoint_once(trained, monkeypatch):
    """`rnn-tui open` checks the run before the app opens (one line for a bad checkpoint)
    and hands what it read to the app: the opened run neither reads the checkpoint nor
    builds its config again; a later open of the run (after it trained on) reads afresh."""
    import rnn_tui.app as app_pkg
    from cli_helpers import run_main
    from engine.storage import checkpoint, state

    reads, built = [], []
    real_load, real_config = checkpoint.load, state.checkpoint_config
    monkeypatch.setattr(checkpoint, "load", lambda *a, **k: reads.append(1) or real_load(*a, **k))
    monkeypatch.setattr(state, "checkpoint_config",
                        lambda *a, **k: built.append(1) or real_config(*a, **k))
    opened = []

    def fake_run_app(config, out_dir=None, resume=False, saved=None, **kwargs):
        factory = app_pkg.default_trainer_factory(None, saved=saved)
        trainer = factory.open(out_dir, config)  # what the app's open_run asks for
        opened.append((config, trainer.serve_requests()))
        trainer.stop()
        again = factory.open(out_dir, config)  # e.g. `space` after the budget: read again
        again.serve_requests()
        again.stop()
        return 0

    monkeypatch.setattr(app_pkg, "run_app", fake_run_app)
    assert run_main("open", str(trained)) == 0
    (config, events), = opened
    assert isinstance(events[0], ev.Opened) and events[0].config == config.to_dict()
    assert config.FAMILY == "lm" and events[0].step == 12
    assert len(reads) == 2 and len(built) == 2  # the check, then only the second open
