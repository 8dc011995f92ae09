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
