"""The trainer: events, learning, live controls, checkpoints and resume."""

from __future__ import annotations

import json
import threading

import pytest
import torch

from engine import events as ev
from engine.errors import EngineError
from engine.families.seq2seq.config import Seq2SeqConfig
from engine.families.seq2seq.decode import greedy
from engine.families.seq2seq.events import Attention
from engine.storage.state import load_run
from rnn_tui.cli.inference import load_for
from engine.training.loop import Trainer


def tiny(**kw) -> Seq2SeqConfig:
    base = dict(task="reverse", min_len=3, max_len=6, heldout=40, embed=8, hidden=32,
                attn_size=16, batch_size=32, lr=1e-2, warmup_steps=0, log_every=5,
                eval_every=20, sample_every=20, probe_examples=1, device="cpu", threads=1)
    base.update(kw)
    return Seq2SeqConfig(**base)


def test_training_lowers_the_loss_and_yields_every_event(tmp_path):
    events = list(Trainer(tiny(steps=60), out_dir=tmp_path / "run").events())
    names = [e.name for e in events]
    assert names[0] == "start" and names[-1] == "end"
    assert {"train", "eval", "attention", "checkpoint"} <= set(names)
    train = [e for e in events if e.name == "train"]
    assert train[-1].train_loss < 0.7 * train[0].train_loss
    assert all(e.tokens_per_s > 0 and e.grad_norm >= 0 for e in train)
    evals = [e for e in events if isinstance(e, ev.Eval)]
    assert evals[-1].val_loss < evals[0].val_loss and evals[-1].examples == 40
    assert 0 <= evals[-1].exact_match <= 1 and evals[-1].bleu is None
    att = next(e for e in events if isinstance(e, Attention))
    assert len(att.weights[0]) == len(att.source)
    assert all(abs(sum(r) - 1) < 1e-4 for r in att.weights)
    records = [json.loads(x) for x in (tmp_path / "run/metrics.jsonl").read_text().splitlines()]
    assert {"start", "train", "eval", "attention", "checkpoint", "end"} <= \
        {r["event"] for r in records}
    rec = next(r for r in records if r["event"] == "eval")
    assert {"val_loss", "token_accuracy", "exact_match", "bleu", "chrf"} <= rec.keys()
    assert json.loads((tmp_path / "run/config.json").read_text())["task"] == "reverse"


def test_live_controls():
    t = Trainer(tiny(steps=12, eval_every=100, sample_every=0))
    t.set_hparam("teacher_forcing", 0.5)
    t.request("translate", source="abc")
    t.request("translate", source="abz!")  # unknown characters: a warning, still translated
    with pytest.raises(EngineError):
        t.set_hparam("hidden", 64)
    events = []
    for e in t.events():
        events.append(e)
        if e.name == "train" and e.step == 5:
            t.set_hparam("teacher_forcing", 2.0)  # invalid: a warning, not a crash
            t.stop()
    change = next(e for e in events if e.name == "hparam")
    assert (change.key, change.old, change.new) == ("teacher_forcing", 1.0, 0.5)
    assert t.config.teacher_forcing == 0.5
    samples = [e for e in events if e.name == "attention"]
    assert [s.source for s in samples] == ["abc", "abz!"]
    warnings = [e.message for e in events if e.name == "warning"]
    assert any("<unk>" in w for w in warnings) and any("teacher_forcing" in w for w in warnings)
    assert events[-1].name == "end" and events[-1].reason == "stopped"


def test_stop_from_another_thread():
    t = Trainer(tiny(eval_every=1000))
    threading.Timer(0.5, t.stop).start()
    events = list(t.events())
    assert events[-1].reason == "stopped"


def test_checkpoint_round_trip_and_resume(tmp_path):
    out = tmp_path / "run"
    t = Trainer(tiny(steps=10, attention="luong-general", bidirectional=True), out)
    list(t.events())
    run = load_run(out)
    model, vocab, cfg, meta = run.model, run.task.vocab, run.config, run.meta
    assert cfg.attention == "luong-general" and meta["step"] == 10
    trained = t.state.model
    for a, b in zip(trained.state_dict().values(), model.state_dict().values()):
        assert torch.equal(a, b)
    srcs = ["abcdef", "xyz"]
    assert [h.text for h in greedy(model, vocab, srcs, 10)] == \
        [h.text for h in greedy(trained.eval(), t.state.task.vocab, srcs, 10)]
    resumed = Trainer(tiny(), out, resume=True, overrides={"steps": 15})
    events = list(resumed.events())
    assert events[0].resumed and events[0].step == 10 and events[-1].step == 15
    assert resumed.config.attention == "luong-general"
    steps = [json.loads(x).get("step") for x in (out / "metrics.jsonl").read_text().splitlines()]
    assert steps.count(10) >= 1 and max(s for s in steps if s is not None) == 15


def test_pairs_task_reports_bleu_and_skipped_lines(tmp_path):
    f = tmp_path / "p.tsv"
    lines = [f"{w}\t{w.upper()}" for w in ["cat", "dog", "bird", "fish", "cow", "pig", "hen",
                                           "fox", "owl", "bee"]]
    f.write_text("\n".join(lines + ["broken line", "x\t"]) + "\n", encoding="utf-8")
    events = list(Trainer(tiny(task="pairs", pairs=str(f), steps=5, val_fraction=0.2,
                                      eval_every=5)).events())
    warn = next(e for e in events if e.name == "warning")
    assert "skipped 2 malformed" in warn.message
    ev = next(e for e in events if e.name == "eval")
    assert ev.bleu is not None and 0 <= ev.chrf <= 1 and ev.examples == 2


@pytest.mark.parametrize("bad", [dict(task="nope"), dict(attention="cosine"), dict(hidden=0),
                                 dict(teacher_forcing=1.5), dict(lr=float("nan")),
                                 dict(task="pairs"), dict(bidirectional=True, hidden=33),
                                 dict(min_len=9, max_len=3), dict(batch_size=10 ** 9)])
def test_config_rejects_absurd_values(bad):
    with pytest.raises(EngineError):
        Seq2SeqConfig(**bad).validate()


def test_lm_checkpoint_is_refused(tmp_path, tiny_config):
    from engine.training.loop import Trainer

    list(Trainer(tiny_config.replace(steps=2), out_dir=tmp_path / "lm").events())
    with pytest.raises(EngineError, match="language model"):
        load_for(tmp_path / "lm", "translate", "cpu")


def test_beam_requests_and_gradient_probes():
    t = Trainer(tiny(steps=10, eval_every=100, sample_every=0, probe_every=5))
    t.request("translate", source="abcd", beam=3)
    t.request("translate", source="abcabcabcabc")  # longer than any training input (max_len 6)
    events = list(t.events())
    mine = [e for e in events if e.name == "attention" and not e.target]  # requested ones
    assert [e.source for e in mine] == ["abcd", "abcabc"]  # the long one cut to 6
    beams = mine[0].beams
    assert len(beams) == 3 and mine[0].output == beams[0][0]
    assert [b[1] for b in beams] == sorted((b[1] for b in beams), reverse=True)
    assert mine[1].beams == []  # greedy
    assert any("cut to 6" in e.message for e in events if e.name == "warning")
    probes = [e for e in events if e.name == "probe"]
    assert [p.step for p in probes] == [5, 10]
    S = len(t.state.task.probes[0][0])
    assert len(probes[0].grad_norms) == 1 and len(probes[0].grad_norms[0]) == S
    assert all(v > 0 for v in probes[0].grad_norms[0])
    assert 0.0 <= probes[-1].clip_fraction <= 1.0


def test_teacher_forcing_can_be_scheduled():
    """Scheduled sampling: the ratio falls linearly from teacher_forcing to its final value
    over the budget, and every train event says which ratio was in force."""
    t = Trainer(tiny(steps=20, log_every=5, eval_every=100, sample_every=0,
                            teacher_forcing=1.0, teacher_forcing_final=0.5))
    ratios = [e.teacher_forcing for e in t.events() if e.name == "train"]
    assert ratios == pytest.approx([0.875, 0.75, 0.625, 0.5])
    with pytest.raises(EngineError):
        tiny(teacher_forcing_final=1.5).validate()
