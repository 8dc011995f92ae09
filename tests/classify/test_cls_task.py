"""The classify family on the one training loop: it learns, its events and metrics.jsonl,
the baselines, the test set once at the end, a typed text explained, exact resume."""

from __future__ import annotations

import json

import pytest
import torch

from engine import events as ev
from engine.errors import EngineError
from engine.families.classify.config import ClassifyConfig
from engine.families.classify.events import Confusion, Explanation, Misclassified
from engine.training.loop import Trainer
from engine.storage.state import load_run

GOOD = ["a fine film", "great acting and a fine plot", "I loved it", "superb and moving",
        "a great story", "John loved the music", "fine work", "moving and great"]
BAD = ["a dull film", "awful acting and a dull plot", "I hated it", "boring and slow",
       "an awful story", "Mary hated the music", "dull work", "slow and boring"]


def write_tsv(path, pairs) -> str:
    path.write_text("".join(f"{t}\t{y}\n" for t, y in pairs), encoding="utf-8")
    return str(path)


@pytest.fixture
def data(tmp_path):
    pairs = [(t, "pos") for t in GOOD] + [(t, "neg") for t in BAD]
    return write_tsv(tmp_path / "reviews.tsv", pairs * 3)


def tiny(data: str, **kw) -> ClassifyConfig:
    base = dict(data=data, embed=16, hidden=24, batch_size=8, lr=1e-2, warmup_steps=0,
                log_every=1, eval_every=10, probe_every=10, sample_every=20, probe_batch=4,
                device="cpu", threads=1, val_fraction=0.25)
    base.update(kw)
    return ClassifyConfig(**base)


def of(events, cls):
    return [e for e in events if isinstance(e, cls)]


def test_it_learns_and_reports_every_event(data, tmp_path):
    out = tmp_path / "run"
    events = list(Trainer(tiny(data, steps=60), out_dir=out).events())
    train = of(events, ev.TrainStep)
    assert sum(e.train_loss for e in train[-5:]) < 0.5 * sum(e.train_loss for e in train[:5])
    evals = of(events, ev.Eval)
    assert 0.0 <= evals[0].accuracy <= 1.0 and evals[-1].accuracy >= 0.9
    assert evals[-1].val_loss < evals[0].val_loss and "macro_f1" in evals[-1].metrics
    conf = of(events, Confusion)
    assert len(conf) == len(evals) and conf[-1].split == "held-out"
    assert conf[-1].classes == ["neg", "pos"] and sum(map(sum, conf[-1].matrix)) == 12
    assert conf[-1].accuracy == evals[-1].accuracy and conf[-1].step == evals[-1].step
    base = of(events, ev.Baselines)[0]
    assert set(base.losses) == {"majority", "naive Bayes"}
    assert base.metrics["majority"]["accuracy"] == 0.5  # stratified: 6 and 6 held out
    probes = of(events, ev.Probe)
    assert probes and len(probes[0].grad_norms) == 1 and all(
        v > 0 for v in probes[0].grad_norms[0])
    wrong = of(events, Misclassified)
    assert [m.step for m in wrong] == [20, 40, 60] and wrong[-1].total == 12
    records = [json.loads(x) for x in (out / "metrics.jsonl").read_text().splitlines()]
    row = next(r for r in records if r["event"] == "eval")
    assert {"accuracy", "macro_f1", "val_loss"} <= row.keys() and "matrix" not in row
    assert {"confusion", "misclassified", "baselines"} <= {r["event"] for r in records}
    assert json.loads((out / "config.json").read_text())["data"] == data


def test_the_test_set_is_scored_once_at_the_end(data, tmp_path):
    test = write_tsv(tmp_path / "test.tsv", [("a fine story", "pos"), ("a dull story", "neg"),
                                             ("strange", "meh")])
    events = list(Trainer(tiny(data, steps=20, test=test)).events())
    tests = [c for c in of(events, Confusion) if c.split == "test"]
    assert len(tests) == 1 and sum(map(sum, tests[0].matrix)) == 2
    assert "test set at step 20" in tests[0].summary() and "confusion" in tests[0].summary()
    assert any("'meh' is not in the training data" in w.message and "line 3" in w.message
               for w in of(events, ev.Warning))
    assert events.index(tests[0]) > max(events.index(e) for e in of(events, ev.Eval))


def test_explanations_of_the_word_order_pair(data):
    t = Trainer(tiny(data, steps=30))
    seen = []
    for e in t.events():
        seen.append(e)
        if isinstance(e, ev.TrainStep) and e.step == 25:
            t.request("predict", text="I gave the ball to John, who gave it to Mary")
            t.request("predict", text="I gave the ball to Mary, who gave it to John")
            t.request("predict", text="   ")
    a, b = of(seen, Explanation)
    assert a.tokens[-1] == "Mary" and len(a.scores) == len(a.tokens) == 12
    assert a.method == "occlusion" and a.joiner == " " and a.unknown >= 5  # unseen words
    assert abs(sum(a.probs) - 1) < 1e-6 and abs(sum(a.baseline_probs) - 1) < 1e-6
    assert a.baseline_probs == b.baseline_probs  # one bag of words
    assert a.probs != b.probs  # the RNN reads the order
    assert any("nothing to classify" in w.message for w in of(seen, ev.Warning))


def test_exact_resume(data, tmp_path):
    cfg = tiny(data, steps=16, dropout=0.2, sample_every=0)
    whole = of(list(Trainer(cfg, out_dir=tmp_path / "a").events()), ev.TrainStep)
    first = Trainer(cfg, out_dir=tmp_path / "b")
    for e in first.events():
        if isinstance(e, ev.TrainStep) and e.step == 7:
            first.stop()
    resumed = of(list(Trainer(cfg, out_dir=tmp_path / "b", resume=True).events()),
                 ev.TrainStep)
    assert resumed[0].step == 8
    assert [e.train_loss for e in resumed] == [e.train_loss for e in whole[7:]]
    a, b = load_run(tmp_path / "a").model, load_run(tmp_path / "b").model
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(),
                                                 b.state_dict().values()))


def test_a_loaded_run_predicts_and_evaluates(data, tmp_path):
    list(Trainer(tiny(data, steps=40, tokens="char", bidirectional=True, pooling="attention"),
                 out_dir=tmp_path / "run").events())
    run = load_run(tmp_path / "run")
    assert run.task.encoder.tokenizer.kind == "char" and run.task.classes == ["neg", "pos"]
    found = run.task.predict(run.model, ["a fine film", "zzz ☃ never seen"])
    assert found[0].line.startswith(("pos (", "neg (")) and " · " in found[0].line
    assert found[1].columns[0] == "zzz ☃ never seen" and 0.5 <= float(found[1].columns[2]) <= 1
    explained = run.task.explanation(run.model, "a dull film")
    assert explained.method == "attention" and abs(sum(explained.scores) - 1) < 1e-5
    assert explained.baseline_probs == []  # no training data loaded: no baseline
    lines = run.task.evaluate_data(run.model, None)
    assert lines[0].startswith("accuracy ") and "held-out split" in lines[0]
    assert any(line.startswith("confusion") for line in lines)
    assert len(run.task.explanation(run.model, "a dull film").baseline_probs) == 2


def test_tokens_auto_picks_words_for_sentences_and_characters_for_names(data, tmp_path):
    names = tmp_path / "names"
    names.mkdir()
    (names / "A.txt").write_text("Abba\nAbbo\nAkka\nAnna\n", encoding="utf-8")
    (names / "B.txt").write_text("Bobo\nBibi\nBubu\nBaba\n", encoding="utf-8")
    for path, kind in ((data, "word"), (str(names), "char")):
        t = Trainer(tiny(path, steps=1, val_fraction=0.5))
        list(t.events())
        assert t.state.task.encoder.tokenizer.kind == kind


@pytest.mark.parametrize("bad", [dict(tokens="bytes"), dict(pooling="sum"), dict(data=""),
                                 dict(val_fraction=0.0), dict(max_tokens=0), dict(min_count=0),
                                 dict(explain="attention"), dict(header="maybe"),
                                 dict(log_errors=-1), dict(explain="lime")])
def test_config_rejects_absurd_values(bad):
    with pytest.raises(EngineError):
        ClassifyConfig(**bad).validate()
