"""Inputs that used to be read wrongly without a word (issue 18): each is now read as meant
or refused with one line."""

from __future__ import annotations

import json

import pytest
from cli_helpers import assert_clean_error, cli

from engine.config import load_toml
from engine.errors import EngineError
from engine.families.classify.formats import read_examples


def test_toml_with_top_level_keys_and_a_family_table(capsys, tmp_path):
    toml = tmp_path / "s2s.toml"
    toml.write_text('steps = 2\ndevice = "cpu"\n[seq2seq]\ntask = "sort"\nhidden = 16\n'
                    'embed = 8\nattn_size = 8\nbatch_size = 8\nheldout = 20\nmax_len = 5\n'
                    'min_len = 3\n')
    assert load_toml(str(toml), ("seq2seq",))["hidden"] == 16
    code, out, err = cli(capsys, "run", "--config", str(toml), "--out", str(tmp_path / "r"))
    assert code == 0, err
    config = json.loads((tmp_path / "r" / "config.json").read_text())
    assert (config["steps"], config["task"], config["hidden"]) == (2, "sort", 16)
    toml.write_text('[seq2seq]\nhidden = 16\n[classify]\nhidden = 8\n')
    with pytest.raises(EngineError, match=r"the tables \[seq2seq\], \[classify\]"):
        load_toml(str(toml), ("seq2seq", "classify"))


def test_a_folder_mixing_a_table_with_text_files_is_refused(tmp_path):
    (tmp_path / "data.tsv").write_text("good film\tpos\nbad film\tneg\n" * 5)
    (tmp_path / "notes.txt").write_text("remember to balance the classes\n")
    with pytest.raises(EngineError, match="mixes a table \\(data.tsv\\) with other files "
                                          "\\(notes.txt\\)"):
        read_examples(tmp_path)


def test_reference_at_a_text_file_is_one_line(capsys, tmp_path):
    text = tmp_path / "ladder.txt"
    text.write_text("these are my notes, not JSON\n")
    code, out, err = cli(capsys, "run", "--corpus", "hello", "--steps", "1", "--tokens",
                         "word", "--reference", str(text), "--device", "cpu")
    assert_clean_error(code, out, err, "is not a ladder result")
    assert "Expecting value" not in err


def test_one_long_text_in_a_csv_is_read_not_the_whole_file_refused(tmp_path):
    rows = ['"a fine film",pos', '"a dull film",neg'] * 5 + [f'"{"long " * 40_000}",pos']
    (tmp_path / "reviews.csv").write_text("\n".join(rows) + "\n")
    found = read_examples(tmp_path / "reviews.csv")
    assert len(found.rows) == 11 and max(len(r.text) for r in found.rows) > 131_072


def test_labels_with_a_tab_or_newline_keep_predict_files_columns(capsys, tmp_path):
    good, bad = "good\tone", "bad\none"  # quoted CSV labels may hold both
    rows = [f'"a fine film {i}","{good}"' for i in range(12)] + \
           [f'"a dull film {i}","{bad}"' for i in range(12)]
    (tmp_path / "data.csv").write_text("\n".join(rows) + "\n")
    code, _, err = cli(capsys, "run", "--task", "classify", "--data",
                       str(tmp_path / "data.csv"), "--steps", "3", "--embed", "8", "--hidden",
                       "8", "--batch-size", "4", "--device", "cpu", "--threads", "1",
                       "--out", str(tmp_path / "run"))
    assert code == 0, err
    (tmp_path / "in.txt").write_text("a fine film\nwith a\\backslash\n")
    code, out, err = cli(capsys, "predict", str(tmp_path / "run"), "--file",
                         str(tmp_path / "in.txt"))
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 2 and all(len(line.split("\t")) == len(lines[0].split("\t"))
                                   for line in lines), out
    assert any("good\\tone" in line or "bad\\none" in line for line in lines)
    assert lines[1].startswith("with a\\\\backslash\t")


def test_a_run_with_a_bogus_start_line_is_listed_with_why(capsys, small_corpus, tmp_path):
    from cli_helpers import train_tiny

    run = tmp_path / "runs" / "r"
    train_tiny(capsys, small_corpus, run)
    lines = (run / "metrics.jsonl").read_text().splitlines()
    start = json.loads(lines[0])
    start["family"] = ["not", "a", "name"]
    (run / "metrics.jsonl").write_text("\n".join([json.dumps(start), *lines[1:]]) + "\n")
    code, out, err = cli(capsys, "runs", "list", str(tmp_path / "runs"))
    assert code == 0 and "1 runs" in out and "cannot read" in out and "family" in out, out
