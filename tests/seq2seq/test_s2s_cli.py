"""`rnn-tui run --task ...` and `rnn-tui translate`: happy path, and bad input = exit 2, no traceback."""

from __future__ import annotations

import json
import sys

import pytest

from cli_helpers import assert_clean_error, cli
from rnn_tui.cli import main

TINY = ["--task", "reverse", "--min-len", "3", "--max-len", "6", "--heldout", "30",
        "--hidden", "32", "--embed", "8", "--attn-size", "16", "--batch-size", "16",
        "--eval-every", "5", "--sample-every", "5", "--device", "cpu"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("s2s") / "run"
    old = sys.argv
    sys.argv = ["rnn-tui", "run", *TINY, "--steps", "10", "--out", str(out)]
    try:
        main()
    except SystemExit as exc:
        assert not exc.code
    finally:
        sys.argv = old
    return out


def test_run_writes_a_run_directory(trained, capsys):
    records = [json.loads(x) for x in (trained / "metrics.jsonl").read_text().splitlines()]
    kinds = {r["event"] for r in records}
    assert {"start", "train", "eval", "attention", "checkpoint", "end"} <= kinds
    att = next(r for r in records if r["event"] == "attention")
    assert isinstance(att["weights"], list) and len(att["weights"][0]) == len(att["source"])
    assert (trained / "config.json").is_file() and (trained / "checkpoint.safetensors").is_file()


def test_translate_prints_output_beam_and_grid(trained, capsys):
    code, out, err = cli(capsys, "translate", str(trained), "abcd", "--beam", "3")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] and "beam (k=3)" in out and "attention" in out
    assert " abcd" in out  # the grid's header row: the input characters
    code, out, err = cli(capsys, "translate", str(trained), "abcdefghijklmnop")
    assert code == 0 and "cut to 6" in err
    code, out, err = cli(capsys, "translate", str(trained), "ab#")
    assert code == 0 and "<unk>" in err


def test_resume_and_existing_directory(trained, capsys, tmp_path):
    code, out, err = cli(capsys, "run", *TINY, "--steps", "5", "--out", str(trained))
    assert_clean_error(code, out, err, "already exists")


@pytest.mark.parametrize("args,needle", [
    (["run", "--task", "poetry", "--steps", "1"], "unknown task"),
    (["run", "--task", "dates", "--attention", "cosine", "--steps", "1"], "unknown attention"),
    (["run", "--task", "pairs", "--steps", "1"], "--pairs FILE"),
    (["run", "--task", "pairs", "--pairs", "/nonexistent.tsv", "--steps", "1",
      "--device", "cpu"], "not found"),
    (["run", "--task", "dates", "--teacher-forcing", "3", "--steps", "1"], "teacher_forcing"),
    (["run", "--resume"], "--resume needs --out"),
    (["translate", "/nonexistent-run", "abc"], "no checkpoint"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, args, needle):
    assert_clean_error(*cli(capsys, *args), needle)


def test_malformed_tsv(capsys, tmp_path):
    f = tmp_path / "bad.tsv"
    f.write_text("no tab\nstill none\n\t\n", encoding="utf-8")
    code, out, err = cli(capsys, "run", "--task", "pairs", "--pairs", str(f),
                         "--steps", "1", "--device", "cpu")
    assert_clean_error(code, out, err, "no usable")


def test_translate_refuses_a_language_model_and_empty_input(capsys, trained, tmp_path,
                                                            small_corpus):
    lm = tmp_path / "lm"
    code, _, err = cli(capsys, "run", "--corpus", str(small_corpus), "--steps", "2", "--out",
                       str(lm), "--hidden", "16", "--embed", "8", "--batch-size", "4",
                       "--bptt", "8", "--baseline-order", "2", "--device", "cpu")
    assert code == 0, err
    assert_clean_error(*cli(capsys, "translate", str(lm), "abc"), "language model")
    assert_clean_error(*cli(capsys, "translate", str(trained), ""), "empty")


def test_run_reads_a_toml_config(tmp_path, capsys):
    toml = tmp_path / "s2s.toml"
    toml.write_text('[seq2seq]\ntask = "sort"\nhidden = 16\nembed = 8\nattn_size = 8\n'
                    'batch_size = 8\nheldout = 20\nmax_len = 5\nmin_len = 3\n')
    code, out, err = cli(capsys, "run", "--config", str(toml), "--steps", "2",
                         "--device", "cpu", "--out", str(tmp_path / "run"))
    assert code == 0, err
    config = json.loads((tmp_path / "run/config.json").read_text())
    assert (config["task"], config["hidden"], config["max_len"]) == ("sort", 16, 5)


@pytest.mark.parametrize("args, needle", [
    (["run", "--task", "poetry"], "task"),
    (["run", "--config", "missing.toml"], "config file not found"),
])
def test_bad_seq2seq_input_is_one_clean_line(args, needle, capsys):
    code, out, err = cli(capsys, *args)
    assert_clean_error(code, out, err, needle)


def test_bleu_is_reported_with_sacrebleus_signature(capsys, trained, tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("abc\tcba\nhello\tolleh\nxyz\tzyx\n", encoding="utf-8")
    code, out, err = cli(capsys, "eval", str(trained), "--data", str(pairs))
    assert code == 0, err
    assert "BLEU" in out and "chrF" in out
    assert "nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp" in out and "nc:6|nw:0" in out
