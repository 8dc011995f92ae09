"""load_corpus: every bad input is one clear EngineError; every good one loads normalised."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.data import corpus as corpus_mod
from engine.data.corpus import MIN_CHARS, list_bundled, load_corpus
from engine.errors import EngineError

TEXT = "The quick brown fox jumps over the lazy dog. " * 10


def test_missing_path_lists_bundled_names(tmp_path):
    with pytest.raises(EngineError, match=r"corpus not found: .*nope.*bundled names are: .*prose"):
        load_corpus(str(tmp_path / "nope.txt"))


def test_unknown_name_is_missing():
    with pytest.raises(EngineError, match="corpus not found: no-such-corpus"):
        load_corpus("no-such-corpus")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with pytest.raises(EngineError, match="is empty"):
        load_corpus(str(path))
    path.write_bytes(b"  \n\n ")
    with pytest.raises(EngineError, match="is empty"):
        load_corpus(str(path))


def test_binary_file_with_nul(tmp_path):
    path = tmp_path / "model.bin"
    path.write_bytes(b"abc" * 100 + b"\x00\x01\x02" + b"x" * 100)
    with pytest.raises(EngineError, match="binary file .*NUL byte at offset 300"):
        load_corpus(str(path))


def test_binary_file_with_control_chars(tmp_path):
    path = tmp_path / "noise.dat"
    path.write_bytes(bytes(range(1, 32)) * 40)
    with pytest.raises(EngineError, match="binary file .*control characters"):
        load_corpus(str(path))


def test_undecodable_utf8_names_the_offset(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(TEXT.encode() + "café".encode("latin-1"))
    offset = len(TEXT.encode()) + 3
    with pytest.raises(EngineError, match=rf"not valid UTF-8: bad byte 0xe9 at byte offset {offset}"):
        load_corpus(str(path))


def test_too_short(tmp_path):
    path = tmp_path / "short.txt"
    path.write_text("hello world\n")
    with pytest.raises(EngineError, match=rf"has only 12 characters; need at least {MIN_CHARS}"):
        load_corpus(str(path))


def test_file_is_normalised(tmp_path):
    path = tmp_path / "win.txt"
    path.write_bytes(b"\xef\xbb\xbf" + TEXT.replace(". ", ".\r\n").encode())
    c = load_corpus(str(path))
    assert "\r" not in c.text and not c.text.startswith("\ufeff")
    assert c.text == TEXT.replace(". ", ".\n")
    assert c.name == "win" and str(path) in c.source


def test_directory_recursive_sorted_skips_hidden_and_binary(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "a.txt").write_text("A" * 60)
    (tmp_path / "b" / "c.md").write_text("C" * 60)
    (tmp_path / "b" / "img.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (tmp_path / ".git" / "config").write_text("HIDDEN" * 20)
    (tmp_path / ".hidden.txt").write_text("HIDDEN" * 20)
    c = load_corpus(str(tmp_path))
    assert c.text == "A" * 60 + "\n" + "C" * 60
    assert "2 files" in c.source and "1 non-text skipped" in c.source


def test_directory_without_text(tmp_path):
    (tmp_path / "x.bin").write_bytes(b"\x00" * 500)
    with pytest.raises(EngineError, match=r"has no text files \(1 non-text files skipped\)"):
        load_corpus(str(tmp_path))
    empty = tmp_path / "empty_dir"
    empty.mkdir()
    with pytest.raises(EngineError, match="has no text files"):
        load_corpus(str(empty))


@pytest.mark.parametrize("name", ["hello", "prose", "code", "structured"])
def test_bundled_names_load(name):
    c = load_corpus(name)
    assert c.name == name and len(c.text) > 1000 and "\r" not in c.text


def test_prose_is_readable_english():
    text = load_corpus("prose").text
    assert 300_000 <= len(text) <= 600_000
    assert text.count(" the ") > 1000


def test_path_that_looks_like_a_path_wins_over_name(tmp_path, monkeypatch):
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "x.txt").write_text(TEXT)
    monkeypatch.chdir(tmp_path)
    assert load_corpus("./code").text == TEXT
    assert load_corpus("code").source.startswith("bundled")


def test_stdlib_corpus():
    c = load_corpus("stdlib")
    assert 100_000 < len(c.text) <= corpus_mod.STDLIB_CAP
    assert "def " in c.text and "import " in c.text


def test_download_name_not_fetched(tmp_path, monkeypatch):
    monkeypatch.setenv("RNN_TUI_CACHE", str(tmp_path))
    with pytest.raises(EngineError, match="run: rnn-tui corpus download tiny-shakespeare"):
        load_corpus("tiny-shakespeare")


def test_list_bundled():
    rows = {name: (desc, size, where) for name, desc, size, where in list_bundled()}
    assert {"hello", "prose", "code", "structured", "stdlib", "tiny-shakespeare"} <= set(rows)
    assert rows["prose"][1] > 100_000 and rows["stdlib"][1] is None
    assert Path(rows["prose"][2]).is_file() and Path(rows["prose"][2]).name == "prose.txt"


def test_a_nul_byte_is_refused_wherever_it_is(tmp_path):
    """Not only in the first 64 KB: a NUL at byte 100,000 used to enter the vocabulary."""
    late = tmp_path / "late.txt"
    late.write_bytes(b"words and more words\n" * 5000 + b"\x00")
    with pytest.raises(EngineError, match="NUL byte at offset 105000"):
        load_corpus(str(late))
    (tmp_path / "ok.txt").write_text(TEXT)
    loaded = load_corpus(str(tmp_path))  # in a directory: skipped and counted
    assert "\x00" not in loaded.text and "1 non-text skipped" in loaded.source


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_named_with_its_conversion(tmp_path, encoding):
    path = tmp_path / "u16.txt"
    path.write_text(TEXT, encoding=encoding)
    with pytest.raises(EngineError, match=r"UTF-16 text, not UTF-8.*iconv -f UTF-16 -t UTF-8"):
        load_corpus(str(path))
