"""Word language models through the training loop: the events a word run yields (word
baselines, per-word metrics, word samples, gates over words), the feed-forward LM with no
recurrent state, exact resume, the checkpoint's word vocabulary, scoring requests."""

from __future__ import annotations

import math

import pytest
import torch

from engine.storage import checkpoint as ckpt
from engine import events as ev
from engine.errors import EngineError
from engine.families.lm.events import Gates, Sample, Scores
from engine.families.lm.ngram_words import word_baselines
from engine.families.lm.splits import load_splits
from engine.families.lm.task import LanguageModelTask
from engine.training.loop import Trainer
from engine.data.tokens import EOS, UNK


def run(trainer):
    return list(trainer.events())


def of(events, kind):
    return [e for e in events if isinstance(e, kind)]


def test_a_word_run_reports_per_word_against_word_baselines(word_config):
    events = run(Trainer(word_config.replace(steps=12)))
    start = of(events, ev.Started)[0]
    data = load_splits(word_config)
    assert data.vocab.tokens[:2] == [UNK, EOS] and start.vocab_size == len(data.vocab)
    assert start.train_chars == data.train.numel()  # tokens, not characters
    # the baselines: the word KN n-gram on the same ids, unigram, uniform over the words
    base = of(events, ev.Baselines)[0]
    assert list(base.losses) == ["uniform", "unigram", "KN 3-gram"]
    want = word_baselines(data.train.numpy(), data.val.numpy(), len(data.vocab), 3,
                          context=data.train.numpy())
    assert base.losses["KN 3-gram"] == pytest.approx(want["ngram"])
    assert base.losses["uniform"] == pytest.approx(math.log(len(data.vocab)))
    # val_loss in nats per token; perplexity and bits per word of the text (whitespace
    # words + <eos>: "mat." is one word, two tokens), the per-token perplexity beside
    e = of(events, ev.Eval)[-1]
    total = e.val_loss * (data.val.numel() - 1)  # every token but the first is predicted
    words = data.words["val"] - 1
    assert words < data.val.numel() - 1
    assert e.metrics["perplexity"] == pytest.approx(math.exp(total / words))
    assert e.metrics["token_perplexity"] == pytest.approx(math.exp(e.val_loss))
    assert e.metrics["bits_per_word"] == pytest.approx(total / words / math.log(2))
    assert "bits_per_char" not in e.metrics
    # samples are words of the vocabulary, joined for reading
    sample = of(events, Sample)[-1]
    assert len(sample.tokens) == word_config.sample_length == len(sample.probs)
    assert set(sample.tokens) <= set(data.vocab.tokens)
    assert EOS not in sample.text and sample.text.count("\n") == sample.tokens.count(EOS)
    # the gates, one timestep per word, laid over the words' characters
    gates = of(events, Gates)[-1]
    assert all(len(layer) == len(gates.text) for g in gates.gates.values() for layer in g)
    assert gates.text.split()[:3] == [w if w != EOS else "⏎" for w in
                                      data.vocab.decode(data.val[:3].tolist())]
    assert of(events, ev.Probe)  # gradient through time, over words


def test_the_feed_forward_lm_trains_through_the_same_loop_without_probes(word_config):
    cfg = word_config.replace(model="ffnn", window=3, steps=12)
    events = run(Trainer(cfg))
    assert not of(events, ev.Probe) and not of(events, Gates)  # no recurrent state
    train = of(events, ev.TrainStep)
    assert train[-1].train_loss < train[0].train_loss
    assert of(events, ev.Eval) and of(events, Sample)
    assert of(events, ev.Finished)[0].reason == "steps"


@pytest.mark.parametrize("changes", [{}, {"model": "ffnn", "window": 3, "dropout": 0.2},
                                     {"model": "gru", "tied": False, "softmax": "adaptive",
                                      "dropout": 0.2}],
                         ids=["lstm-tied", "ffnn", "gru-adaptive"])
def test_exact_resume(word_config, tmp_path, changes):
    cfg = word_config.replace(steps=14, sample_every=0, **changes)
    whole = of(run(Trainer(cfg, out_dir=tmp_path / "a")), ev.TrainStep)
    first = Trainer(cfg, out_dir=tmp_path / "b")
    for e in first.events():
        if isinstance(e, ev.TrainStep) and e.step == 6:
            first.stop()
    resumed = of(run(Trainer(None, out_dir=tmp_path / "b", resume=True)), ev.TrainStep)
    assert resumed[0].step == 7
    assert [e.train_loss for e in resumed] == [e.train_loss for e in whole[6:]]


def test_the_checkpoint_keeps_the_word_vocabulary_and_the_tokenizer(word_config, tmp_path):
    run(Trainer(word_config.replace(steps=3), out_dir=tmp_path / "r"))
    saved = ckpt.load(tmp_path / "r")
    assert saved.meta["tokenizer"] == "word"  # "auto" on raw text, as resolved
    assert UNK not in saved.meta["vocab"] and "cat" in saved.meta["vocab"]
    task = LanguageModelTask(word_config, saved.meta)
    assert task.vocab == load_splits(word_config).vocab and task.tokenizer.kind == "word"
    for bad, message in ((["cat", "cat"], "duplicate words"), (["cat", 3], "list of words"),
                         ([], "list of words")):
        with pytest.raises(EngineError, match=message):
            LanguageModelTask(word_config, {**saved.meta, "vocab": bad})


def test_resume_refuses_another_tokenizer(word_config, tmp_path):
    run(Trainer(word_config.replace(steps=3), out_dir=tmp_path / "r"))
    with pytest.raises(EngineError, match="--tokenizer whitespace cannot change on --resume"):
        run(Trainer(None, out_dir=tmp_path / "r", resume=True,
                    overrides={"tokenizer": "whitespace", "steps": 6}))


def test_a_score_request_answers_with_per_token_log_probs(word_config):
    trainer = Trainer(word_config.replace(steps=4))
    scores = []
    for e in trainer.events():
        if isinstance(e, ev.TrainStep) and e.step == 2:
            trainer.request("score", sentences=["The cat sat.", "The zebra sat."])
        if isinstance(e, Scores):
            scores.append(e)
    (found,) = scores
    a, b = found.sentences
    assert a["tokens"] == ["The", "cat", "sat", ".", EOS] and b["unknown"][1] is True
    assert all(lp < 0 for lp in a["log_probs"])
    assert "ln P = " in found.summary()


def test_eval_reports_words_unknowns_and_the_test_split(word_config, tmp_path):
    cfg = word_config.replace(steps=3, test_fraction=0.1)
    run(Trainer(cfg, out_dir=tmp_path / "r"))
    from engine.storage.state import load_run

    loaded = load_run(tmp_path / "r")
    lines = loaded.task.evaluate_data(loaded.model, None)
    assert len(lines) == 2 and "held-out" in lines[0] and "test text" in lines[1]
    assert all("nats/token" in line and "% <unk>" in line for line in lines)
    other = tmp_path / "other.txt"
    other.write_text("The zebra sat on the mat.\n" * 10, encoding="utf-8")
    (line,) = loaded.task.evaluate_data(loaded.model, str(other))
    # 8 tokens a line ("mat." is two), the first never predicted; zebra is unknown
    assert "on 79 predicted tokens (12.5% <unk>)" in line
    assert "per word (69 words with <eos>)" in line  # 6 words + <eos> a line, less the first


def test_a_tied_model_shares_its_embedding_and_survives_the_checkpoint(word_config, tmp_path):
    run(Trainer(word_config.replace(steps=3), out_dir=tmp_path / "r"))
    from engine.storage.state import load_run

    model = load_run(tmp_path / "r").model
    decoder = model.head[1]  # hidden 24 -> embed 16 projection, then the shared matrix
    assert decoder.weight is model.embedding.weight


def test_the_adaptive_softmax_loss_is_the_nll_of_its_log_probs(word_config):
    from engine.families.lm.model import CharLM

    torch.manual_seed(0)
    model = CharLM(3000, "lstm", embed=16, hidden=24, layers=1, dropout=0.0,
                   softmax="adaptive").eval()
    x, y = torch.randint(0, 3000, (2, 5)), torch.randint(0, 3000, (2, 5))
    logits, loss, _ = model(x, None, y)
    assert logits is None  # training never builds the (B, T, V) logits
    log_probs, none, _ = model(x)
    assert none is None and torch.allclose(log_probs.exp().sum(-1), torch.ones(2, 5))
    nll = torch.nn.functional.nll_loss(log_probs.reshape(-1, 3000), y.reshape(-1))
    assert float(loss.detach()) == pytest.approx(float(nll.detach()), rel=1e-5)
