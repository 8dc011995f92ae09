"""Inputs that used to end in a traceback, a crash or silence: each is one clear line and
exit code 2 now (or a defined behaviour)."""

from __future__ import annotations

import json

import pytest
import torch

from cli_helpers import TINY, assert_clean_error, cli, edit_checkpoint, files_of, train_tiny


@pytest.fixture
def lm_run(capsys, small_corpus, tmp_path):
    out = tmp_path / "lm"
    train_tiny(capsys, small_corpus, out)
    return out


@pytest.fixture
def s2s_run(capsys, tmp_path):
    out = tmp_path / "s2s"
    code, _, err = cli(capsys, "run", "--task", "add", "--out", str(out), "--steps",
                       "2", "--hidden", "16", "--embed", "8", "--heldout", "20", "--device",
                       "cpu")
    assert code == 0, err
    return out


def uses(run, corpus):
    """Every command that reads a checkpoint."""
    return (["sample", str(run), "--length", "5"], ["eval", str(run), "--corpus", str(corpus)],
            ["run", "--out", str(run), "--resume", "--steps", "9"])


def assert_one_line(code, out, err, *needles):
    assert_clean_error(code, out, err, *needles)
    assert len(err.strip().splitlines()) == 1, err


# --- tracebacks ---------------------------------------------------------------------------

def test_toml_with_bytes_that_are_not_utf8(capsys, small_corpus, tmp_path):
    toml = tmp_path / "c.toml"
    toml.write_bytes(b"hidden = 32\n# caf\xe9\n")
    assert_one_line(*cli(capsys, "run", "--config", str(toml), "--corpus", str(small_corpus)),
                    "not UTF-8")


def test_a_seed_too_big_for_torch(capsys, small_corpus, lm_run):
    huge = "99999999999999999999999"
    assert_one_line(*cli(capsys, "run", "--corpus", str(small_corpus), "--seed", huge, *TINY),
                    "seed")
    assert_one_line(*cli(capsys, "sample", str(lm_run), "--seed", huge), "seed")


def test_a_thread_count_that_would_crash_torch(capsys, small_corpus):
    assert_one_line(*cli(capsys, "run", "--corpus", str(small_corpus), "--threads", "100000",
                         "--steps", "1"), "threads")


def test_resume_cannot_switch_the_optimizer(capsys, lm_run):
    assert_one_line(*cli(capsys, "run", "--out", str(lm_run), "--resume", "--optimizer",
                         "sgd"), "--optimizer sgd cannot change on --resume", "adam")


def test_sizes_the_machine_cannot_hold_are_refused_with_the_estimate(capsys, small_corpus):
    code, out, err = cli(capsys, "run", "--corpus", str(small_corpus), "--hidden", "16384",
                         "--layers", "64", "--steps", "1", "--threads", "1")
    assert_one_line(code, out, err, "needs about", "GB", "102,283,658,451 parameters")
    code, out, err = cli(capsys, "run", "--task", "add", "--hidden", "8192",
                         "--layers", "16", "--model", "lstm", "--steps", "1")
    assert_one_line(code, out, err, "needs about", "GB")


EDITS = {  # what an editor (or a script) did to the checkpoint -> what the error names
    "vocab not a list": (dict(meta={"vocab": "abc"}), "'vocab' must be"),
    "step a string": (dict(meta={"step": "7"}), "'step' must be"),
    "data position a string": (dict(meta={"data": {"pos": "x"}}), "'data' must be"),
    "rng of the wrong shape": (dict(tensors={"rng.cpu": torch.zeros(7, dtype=torch.uint8)}),
                               "RNG state"),
    "hidden state of the wrong shape": (dict(tensors={"hidden.0": torch.zeros(2, 3, 5)}),
                                        "hidden state does not fit"),
    "NaN weights": (dict(tensors={"model.head.bias": torch.full((1,), float("nan"))}),
                    "non-finite weights"),
    "a billion hidden units": (dict(config={"hidden": 1_000_000_000}), "hidden"),
    "a weight of another shape": (dict(tensors={"model.head.weight": torch.zeros(3, 3)}),
                                  "model.head.weight has shape (3, 3) in the checkpoint but"),
    "optimizer state of another shape": (dict(tensors={"optim.0.exp_avg": torch.zeros(2)}),
                                         "optimizer state"),
}


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_edited_checkpoints(capsys, small_corpus, lm_run, edit):
    changes, needle = EDITS[edit]
    if edit == "NaN weights":  # keep the real shape, poison one value
        from engine.storage.checkpoint import load

        b = load(lm_run).model["head.bias"].clone()
        b[0] = float("nan")
        changes = dict(tensors={"model.head.bias": b})
    edit_checkpoint(lm_run, **changes)
    for args in uses(lm_run, small_corpus):
        if edit.startswith("optimizer") and args[0] != "run":
            continue  # sample and eval do not read the optimizer state
        assert_one_line(*cli(capsys, *args), needle)


@pytest.mark.parametrize("edit", ["vocab not a list", "a weight of another shape",
                                  "hidden state of the wrong shape", "a billion hidden units"])
def test_open_of_an_edited_checkpoint_fails_before_the_app(capsys, lm_run, monkeypatch, edit):
    import rnn_tui.app

    monkeypatch.setattr(rnn_tui.app, "create_app", lambda *a, **k: pytest.fail("app opened"))
    changes, needle = EDITS[edit]
    edit_checkpoint(lm_run, **changes)
    assert_one_line(*cli(capsys, "open", str(lm_run)), needle)


def test_open_of_an_edited_seq2seq_checkpoint_fails_before_the_app(capsys, s2s_run,
                                                                   monkeypatch):
    import rnn_tui.app

    monkeypatch.setattr(rnn_tui.app, "create_app", lambda *a, **k: pytest.fail("app opened"))
    edit_checkpoint(s2s_run, config={"hidden": 24})
    assert_one_line(*cli(capsys, "open", str(s2s_run)), "in the checkpoint but")


def test_resume_with_damaged_metrics(capsys, lm_run):
    path = lm_run / "metrics.jsonl"
    path.write_bytes(path.read_bytes() + b'\xff\xfe{"event": "train"\n'
                     + b'{"event": "train", "step": "many"}\n')
    code, _, err = cli(capsys, "run", "--out", str(lm_run), "--resume", "--steps", "5")
    assert code == 0, err
    steps = [json.loads(line).get("step") for line in path.read_text().splitlines()]
    assert "many" not in steps


# --- unclear or silent -------------------------------------------------------------------

def test_checkpoints_of_a_seq2seq_run_point_to_translate(capsys, small_corpus, s2s_run):
    before = files_of(s2s_run)
    assert_one_line(*cli(capsys, *uses(s2s_run, small_corpus)[0]),  # sample
                    "holds a seq2seq model", "rnn-tui translate")
    assert files_of(s2s_run) == before  # nothing written
    code, out, err = cli(capsys, "eval", str(s2s_run))  # every family evaluates
    assert code == 0 and "exact match" in out, err
    # the one run command continues any family's run
    code, _, err = cli(capsys, "run", "--out", str(s2s_run), "--resume", "--steps", "4")
    assert code == 0, err


def test_translate_and_seq2seq_resume_on_a_language_model(capsys, lm_run):
    for args in (["translate", str(lm_run), "1+1"],):
        assert_one_line(*cli(capsys, *args), "holds a language model", "rnn-tui sample")


def test_nul_bytes_are_refused_wherever_they_are(capsys, tmp_path):
    late = tmp_path / "late.txt"
    late.write_bytes(b"plain text line\n" * 5000 + b"\x00tail\n")  # the NUL after 64 KB
    assert_one_line(*cli(capsys, "run", "--corpus", str(late), "--steps", "1", *TINY),
                    "NUL byte at offset 80000")


def test_utf16_text_is_named_with_its_conversion(capsys, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Some English text, saved by an editor as UTF-16.\n" * 40,
                    encoding="utf-16")
    assert_one_line(*cli(capsys, "run", "--corpus", str(path), "--steps", "1", *TINY),
                    "UTF-16", "iconv -f UTF-16 -t UTF-8")
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("one\tun\ntwo\tdeux\n", encoding="utf-16")
    assert_one_line(*cli(capsys, "run", "--task", "pairs", "--pairs", str(pairs),
                         "--steps", "1"), "UTF-16", "iconv")


def test_a_tsv_whose_pairs_are_all_too_long_names_the_limit(capsys, tmp_path):
    pairs = tmp_path / "long.tsv"
    pairs.write_text(("x" * 50 + "\ty\n") * 10)
    assert_one_line(*cli(capsys, "run", "--task", "pairs", "--pairs", str(pairs),
                         "--max-pair-len", "20", "--steps", "1"),
                    "max_pair_len = 20", "--max-pair-len")


def test_sample_temperature_must_be_finite(capsys, lm_run):
    for t in ("inf", "nan", "0"):
        code, out, err = cli(capsys, "sample", str(lm_run), "--temperature", t)
        assert_one_line(code, out, err, "temperature")
        assert out == ""  # nothing written before the refusal


def test_eval_never_prints_nan(capsys, small_corpus, lm_run):
    from engine.storage.checkpoint import load

    w = load(lm_run).model["head.weight"] * 1e38  # finite, but logits overflow to inf
    edit_checkpoint(lm_run, tensors={"model.head.weight": w})
    code, out, err = cli(capsys, "eval", str(lm_run), "--corpus", str(small_corpus))
    assert "nan" not in out
    assert_one_line(code, out, err, "overflow")


def test_the_app_refuses_bad_input_before_its_screen_opens(capsys, tmp_path, monkeypatch):
    import rnn_tui.app

    monkeypatch.setattr(rnn_tui.app, "create_app", lambda *a, **k: pytest.fail("app opened"))
    assert_one_line(*cli(capsys, "--corpus", str(tmp_path / "nope.txt")), "not found")
    assert_one_line(*cli(capsys, "--corpus", "hello", "--out", ""), "--out is empty")
    assert_one_line(*cli(capsys, "--task", "pairs", "--pairs", str(tmp_path / "x.tsv")),
                    "not found")
    if not torch.cuda.is_available():
        assert_one_line(*cli(capsys, "--corpus", "hello", "--device", "cuda"), "CUDA")


def test_corpus_list_names_each_corpus_once(capsys):
    code, out, err = cli(capsys, "corpus", "list")
    assert code == 0, err
    names = [line.split()[0] for line in out.splitlines()]
    assert names.count("tiny-shakespeare") == 1 and len(names) == len(set(names))
