"""The tagging task on the single loop: it learns, its events, span F1 through the whole
pipeline on the IOB file written for the tests, exact resume, predict and eval."""

from __future__ import annotations

import json

import pytest
import torch
from tag_data import tiny_tag

from engine import events as ev
from engine.families.tag.events import TagScores, Tagged
from engine.training.loop import Trainer
from engine.storage.state import load_run
from engine.task import Request


def run(cfg, out=None, **kw):
    return list(Trainer(cfg, out_dir=out, **kw).events())


def test_training_lowers_the_loss_and_yields_every_event(small_conllu, tmp_path):
    events = run(tiny_tag(data=str(small_conllu), steps=30), tmp_path / "run")
    names = {e.name for e in events}
    assert {"start", "baselines", "train", "eval", "probe", "tagged", "tag_scores",
            "checkpoint", "end"} <= names
    train = [e for e in events if isinstance(e, ev.TrainStep)]
    assert train[-1].train_loss < 0.5 * train[0].train_loss
    last = [e for e in events if isinstance(e, ev.Eval)][-1]
    assert 0.9 <= last.accuracy <= 1 and last.tokens > 0 and "span_f1" not in last.metrics
    base = next(e for e in events if isinstance(e, ev.Baselines))
    assert 0 < base.metrics["most frequent tag"]["accuracy"] <= 1
    assert last.val_loss < base.losses["word→tag counts"]  # the count model's loss line
    probe = next(e for e in events if isinstance(e, ev.Probe))
    assert len(probe.grad_norms) == 2  # one layer, two directions
    tagged = next(e for e in events if isinstance(e, Tagged))
    assert tagged.kind == "probe" and len(tagged.sentences) == 2
    s = tagged.sentences[0]
    assert len(s["tokens"]) == len(s["tags"]) == len(s["probs"]) == len(s["gold"])
    scores = [e for e in events if isinstance(e, TagScores)]
    evals = [e for e in events if isinstance(e, ev.Eval)]
    assert [s.step for s in scores] == [e.step for e in evals]  # one after every evaluation
    assert events.index(scores[0]) == events.index(evals[0]) + 1
    assert scores[-1].accuracy == evals[-1].accuracy and scores[-1].split == "held-out"
    assert {t["tag"] for t in scores[0].per_tag} <= set(scores[0].confusion["tags"])
    rows = [json.loads(x) for x in (tmp_path / "run/metrics.jsonl").read_text().splitlines()]
    eval_row = next(r for r in rows if r["event"] == "eval")
    assert {"accuracy", "accuracy_unseen", "val_loss"} <= eval_row.keys()
    assert "confusion" not in eval_row  # the eval rows stay a line of numbers


def test_the_iob_file_is_learned_to_span_f1_one(iob_file):
    cfg = tiny_tag(data=str(iob_file), val=str(iob_file), steps=120, eval_every=120,
                   sample_every=0, probe_every=0, hidden=32, lr=2e-2)
    last = [e for e in run(cfg) if isinstance(e, ev.Eval)][-1]
    assert last.accuracy == 1.0
    assert last.span_f1 == last.span_precision == last.span_recall == 1.0


def test_span_f1_of_hand_checked_predictions(iob_file):
    from engine.families.tag.task import TagTask

    task = TagTask(tiny_tag(data=str(iob_file), val=str(iob_file)))
    task.load_data()
    gold = [tags for _, tags in task.data.val]
    pred = [list(t) for t in gold]
    pred[0][3] = "O"  # "Harry Potter" cut to "Harry": a wrong chunk and a missed one
    pred[3][4] = "B-LOC"  # "and" as a location: one chunk too many
    pred[5][4] = "B-LOC"  # Hogwarts a location, not an organisation: wrong type
    task.tag = lambda model, sentences: (pred, [[1.0] * len(t) for t in pred], 0.5)
    m = task.evaluate(None).metrics
    # 15 gold chunks, 16 predicted, 13 right (counted by hand from the file)
    assert m["span_precision"] == pytest.approx(13 / 16)
    assert m["span_recall"] == pytest.approx(13 / 15)
    assert m["span_f1"] == pytest.approx(26 / 31)
    assert m["accuracy"] == pytest.approx(1 - 3 / 49)


def test_resume_continues_exactly(small_conllu, tmp_path):
    # batches of 6 from 36 training sentences: the stop at step 7 is inside epoch 2
    cfg = tiny_tag(data=str(small_conllu), dropout=0.3, eval_every=100, sample_every=0,
                   probe_every=0, batch_size=6, steps=12)
    straight = run(cfg, tmp_path / "a")
    first = Trainer(cfg, out_dir=tmp_path / "b")
    for e in first.events():
        if isinstance(e, ev.TrainStep) and e.step == 7:
            first.stop()
    resumed = run(None, tmp_path / "b", resume=True)
    losses = lambda evs: [e.train_loss for e in evs  # noqa: E731
                          if isinstance(e, ev.TrainStep) and e.step > 7]
    assert losses(resumed) == losses(straight) and len(losses(resumed)) == 5
    a, b = load_run(tmp_path / "a").model, load_run(tmp_path / "b").model
    for (name, x), y in zip(a.state_dict().items(), b.state_dict().values()):
        assert torch.equal(x, y), name


def test_predict_request_and_eval_of_a_saved_run(iob_file, tmp_path):
    events = run(tiny_tag(data=str(iob_file), steps=4, test=str(iob_file)), tmp_path / "r")
    test = [e for e in events if isinstance(e, TagScores) and e.split == "test"]
    assert len(test) == 1 and test[0].step == 4 and "span_f1" in test[0].metrics  # at the end
    assert events.index(test[0]) > max(i for i, e in enumerate(events) if e.name == "eval")
    loaded = load_run(tmp_path / "r")
    task, model = loaded.task, loaded.model
    found = task.predict(model, ["Yesterday, Harry Potter met Hermione Granger.", "  "])
    words = found[0].line.split()
    assert [w.rsplit("/", 1)[0] for w in words] == \
        ["Yesterday", ",", "Harry", "Potter", "met", "Hermione", "Granger", "."]
    assert all(w.rsplit("/", 1)[1] in task.vocabs.tags for w in words)
    assert len(found[0].columns[2].split()) == 8 and found[1].line == "(no token)"
    asked = task.request(model, Request("predict", {"text": "Ron met Luna"}), 4)
    assert asked[0].kind == "yours" and asked[0].sentences[0]["gold"] == []
    assert task.request(model, Request("predict", {"text": " "}), 4)[0].name == "warning"
    lines = task.evaluate_data(model, str(iob_file))
    assert lines[0].startswith("accuracy ") and "span F1" in lines[0]
    assert "most frequent tag baseline" in lines[-1]
    own = task.evaluate_data(model, None)
    assert "held-out" in own[0] and any("test sentences" in line for line in own)


def test_character_level_tagging(iob_file):
    cfg = tiny_tag(data=str(iob_file), val=str(iob_file), chars=True, steps=6,
                   sample_every=6, eval_every=6)
    events = run(cfg)
    tagged = next(e for e in events if isinstance(e, Tagged))
    assert tagged.chars and all(len(t) == 1 for t in tagged.sentences[0]["tokens"])
    last = [e for e in events if isinstance(e, ev.Eval)][-1]
    assert last.span_f1 is not None  # characters are tagged as IOB2 chunks
    assert "char features" not in cfg.describe()


def test_a_changed_batch_size_on_resume_starts_the_next_epoch(small_conllu):
    from engine.families.tag.task import TagTask

    task = TagTask(tiny_tag(data=str(small_conllu)))
    task.load_data()
    task.restore({"position": [2, 3, 8]}, {}, 10)
    assert (task.epoch_no, task.cursor) == (2, 3)
    task.config = task.config.replace(batch_size=4)
    task.restore({"position": [2, 3, 8]}, {}, 10)
    assert (task.epoch_no, task.cursor) == (3, 0)
