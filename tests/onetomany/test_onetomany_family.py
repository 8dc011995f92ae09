"""One-to-many (engine/families/onetomany): names conditioned on one label. The data and
model shapes, sampling, the CLI's `sample --label`, and the measurement that matters: after a
short real run, the names written for a language are more like that language than another's
(per-language character bigram likelihoods, fitted on the training names)."""

from __future__ import annotations

import math
import sys
from collections import Counter
from pathlib import Path

import pytest
import torch

from engine.errors import EngineError
from engine.families.onetomany.config import OneToManyConfig
from engine.families.onetomany.data import PAD, batch, load_names
from engine.families.onetomany.model import OneToManyModel
from engine.families.onetomany.sampling import names_for
from engine.families.onetomany.task import OneToManyTask

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def test_names_become_boundary_framed_ids():
    d = load_names(OneToManyConfig())
    assert len(d.labels) == 20 and d.vocab[0] == "\n" and sum(d.counts) == len(d.train)
    x, y, labels = batch(d.train[:3], torch.device("cpu"))
    ids, lab = d.train[0]
    assert x[0, 0] == 0 and x[0, 1:len(ids) + 1].tolist() == ids
    assert y[0, :len(ids)].tolist() == ids and y[0, len(ids)] == 0  # then the end
    assert (y[0, len(ids) + 1:] == PAD).all() and labels[0] == lab


@pytest.mark.parametrize("condition", ["init", "input"])
@pytest.mark.parametrize("cell", ["gru", "lstm", "rnn"])
def test_the_label_changes_the_prediction(condition, cell):
    torch.manual_seed(0)
    m = OneToManyModel(10, 3, cell, embed=8, hidden=12, layers=2, label_embed=4,
                       condition=condition)
    x = torch.zeros(2, 5, dtype=torch.long)
    logits, _ = m(x, torch.tensor([0, 1]))
    assert logits.shape == (2, 5, 10)
    assert not torch.allclose(logits[0], logits[1])  # same characters, different labels
    names = names_for(m, 2, 4, [chr(97 + i) if i else "\n" for i in range(10)], seed=1,
                      prime="bc")
    assert len(names) == 4 and all(n.startswith("bc") for n in names)
    assert names == names_for(m, 2, 4, [chr(97 + i) if i else "\n" for i in range(10)],
                              seed=1, prime="bc")


def test_unknown_labels_and_primes_are_refused():
    task = OneToManyTask(OneToManyConfig(label="Klingon"))
    with pytest.raises(EngineError, match="unknown label 'Klingon'"):
        task.load_data()
    task = OneToManyTask(OneToManyConfig())
    task.load_data()
    with pytest.raises(EngineError, match="never saw"):
        task.names(task.build_model(), 0, "Essari", 2, 1.0, prime="Q€")


def bigram_model(names: list[str]):
    """log p(name) under an add-one character bigram model of `names` ("^" and "$" ends)."""
    pairs, firsts = Counter(), Counter()
    chars = {c for n in names for c in n} | {"$"}
    for n in names:
        s = "^" + n + "$"
        for a, b in zip(s, s[1:]):
            pairs[a, b] += 1
            firsts[a] += 1

    def logp(name: str) -> float:
        s = "^" + name + "$"
        return sum(math.log((pairs[a, b] + 1) / (firsts[a] + len(chars)))
                   for a, b in zip(s, s[1:]))
    return logp


@pytest.mark.slow
def test_names_for_a_language_are_more_like_it_than_like_another(tmp_path, capsys):
    """A short real run (GRU 64, 250 steps), then 100 names for each of two languages of
    different families: each language's bigram model prefers its own names."""
    from cli_helpers import cli

    out = tmp_path / "run"
    code, _, err = cli(capsys, "run", "--task", "onetomany", "--hidden", "64", "--steps", "250",
                       "--sample-every", "0", "--seed", "3", "--out", str(out))
    assert code == 0, err
    d = load_names(OneToManyConfig())
    by_label = {lab: [] for lab in d.labels}
    for ids, y in d.train:
        by_label[d.labels[y]].append("".join(d.vocab[i] for i in ids))
    models = {lab: bigram_model(by_label[lab]) for lab in ("Essari", "Kroslav")}
    for own, other in (("Essari", "Kroslav"), ("Kroslav", "Essari")):
        code, written, err = cli(capsys, "sample", str(out), "--label", own, "--count", "100",
                                 "--seed", "0", "--temperature", "0.8")
        assert code == 0, err
        names = [n for n in written.splitlines() if n]
        assert len(names) == 100
        margin = [models[own](n) - models[other](n) for n in names]
        assert sum(m > 0 for m in margin) >= 80, (own, names[:10])
        assert sum(margin) / len(margin) > 2.0  # nats per name, on average


def test_cli_sample_label_needs_a_one_to_many_run(tmp_path, capsys, small_corpus):
    from cli_helpers import assert_clean_error, cli

    out = tmp_path / "lm"
    code, _, err = cli(capsys, "run", "--corpus", str(small_corpus), "--hidden", "16",
                       "--layers", "1", "--embed", "8", "--steps", "2", "--out", str(out))
    assert code == 0, err
    code, out_text, err = cli(capsys, "sample", str(out), "--label", "Essari")
    assert_clean_error(code, out_text, err, "--label")


def test_the_loop_trains_it_probes_and_samples():
    from engine.training.loop import Trainer

    cfg = OneToManyConfig(hidden=16, embed=8, steps=4, probe_every=2, sample_every=4,
                          eval_every=4, label="Kroslav", device="cpu")
    events = list(Trainer(cfg).events())
    probe = [e for e in events if e.name == "probe"][-1]
    assert len(probe.grad_norms) == 1 and len(probe.grad_norms[0]) > 3
    assert all(math.isfinite(v) and v >= 0 for v in probe.grad_norms[0])
    names = [e for e in events if e.name == "names"][-1]
    assert names.label == "Kroslav" and len(names.names) == cfg.names_shown
    assert set(names.per_label) == set(names.labels) and len(names.labels) == 20
    assert [e for e in events if e.name == "eval"][-1].metrics["bits_per_char"] > 0


def test_a_resumed_run_is_the_run_that_never_stopped(tmp_path):
    from engine.training.loop import Trainer

    cfg = OneToManyConfig(hidden=16, embed=8, steps=4, eval_every=2, probe_every=0,
                          sample_every=0, dropout=0.0, device="cpu")
    out = tmp_path / "run"
    list(Trainer(cfg, out_dir=out).events())
    resumed = [e for e in Trainer(None, out_dir=out, resume=True, overrides={"steps": 8})
               .events() if e.name == "eval"][-1]
    whole = [e for e in Trainer(cfg.replace(steps=8)).events() if e.name == "eval"][-1]
    assert resumed.step == whole.step == 8
    assert resumed.val_loss == pytest.approx(whole.val_loss, rel=1e-5)
