"""Task generators, the fixed held-out set, the TSV reader and the vocabulary."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from engine.errors import EngineError
from engine.families.seq2seq.tasks import (DATE_FORMATS, EOS, PAD, SOS, UNK, build_task,
                                           char_vocab, decode_output, encode_text,
                                           make_batch, parse_date, read_pairs, unknown_chars)


def test_every_date_format_parses_back_to_the_target():
    rng = random.Random(0)
    for i, (render, _) in enumerate(DATE_FORMATS):
        for _ in range(200):
            d = dt.date(1970, 1, 1) + dt.timedelta(days=rng.randrange(36000))
            assert parse_date(render(d), i) == d, (i, render(d))


def test_dates_task_examples_are_correct():
    data = build_task("dates", heldout=300)
    for src, tgt in data.heldout + data.sampler(1).batch(300):
        d = dt.date.fromisoformat(tgt)
        assert any(_parses(src, i) == d for i in range(len(DATE_FORMATS))), src
    sources = {s for s, _ in data.heldout}
    assert any("of" in s for s in sources) and any("/" in s for s in sources)


def _parses(text, i):
    try:
        return parse_date(text, i)
    except ValueError:
        return None


@pytest.mark.parametrize("task", ["dates", "reverse", "sort", "add"])
def test_heldout_is_fixed_and_disjoint_from_training(task):
    a = build_task(task, heldout=200)
    b = build_task(task, heldout=200)
    assert a.heldout == b.heldout  # fixed: depends on data_seed only
    assert len({s for s, _ in a.heldout}) == 200
    held = {s for s, _ in a.heldout}
    assert not held & {s for s, _ in a.sampler(99).batch(3000)}
    assert build_task(task, heldout=200, data_seed=7).heldout != a.heldout


def test_string_tasks():
    rev = build_task("reverse", heldout=50)
    assert all(t == s[::-1] and 30 <= len(s) <= 50 for s, t in rev.heldout)
    short = build_task("reverse", heldout=50, min_len=3, max_len=5)
    assert all(3 <= len(s) <= 5 for s, _ in short.heldout)
    srt = build_task("sort", heldout=50)
    assert all(t == "".join(sorted(s)) for s, t in srt.heldout)
    add = build_task("add", heldout=50)
    for s, t in add.heldout:
        a, b = s.split("+")
        assert int(t) == int(a) + int(b)
    with pytest.raises(EngineError, match="unknown task"):
        build_task("nope")
    with pytest.raises(EngineError, match="distinct"):
        build_task("reverse", heldout=1000, min_len=1, max_len=1)


def test_pairs_reader_skips_malformed_lines(tmp_path):
    f = tmp_path / "p.tsv"
    f.write_text("hello\tbonjour\tCC-BY attribution\nno tab here\n\tempty source\n"
                 "cat\t\n\nyes\toui\ndog\tchien\nbig\tgrand\n", encoding="utf-8")
    pairs, warnings = read_pairs(f)
    assert pairs == [("hello", "bonjour"), ("yes", "oui"), ("dog", "chien"), ("big", "grand")]
    assert len(warnings) == 1 and "skipped 3 malformed" in warnings[0]
    data = build_task("pairs", pairs_path=str(f), val_fraction=0.25)
    assert len(data.heldout) == 1 and len(data.train) == 3
    assert not {s for s, _ in data.heldout} & {s for s, _ in data.train}
    assert data.warnings == warnings


def test_pairs_errors(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("no tabs\nat all\n", encoding="utf-8")
    with pytest.raises(EngineError, match="no usable"):
        build_task("pairs", pairs_path=str(bad))
    with pytest.raises(EngineError, match="not found"):
        build_task("pairs", pairs_path=str(tmp_path / "missing.tsv"))
    one = tmp_path / "one.tsv"
    one.write_text("a\tb\n", encoding="utf-8")
    with pytest.raises(EngineError, match="at least 2"):
        build_task("pairs", pairs_path=str(one))
    binary = tmp_path / "bin.tsv"
    binary.write_bytes(b"\xff\xfe\x00a\tb")
    with pytest.raises(EngineError, match="UTF-8"):
        build_task("pairs", pairs_path=str(binary))


def test_vocab_specials_and_unknown_characters():
    v = char_vocab("abc")
    assert v.tokens[:4] == ["<pad>", "<sos>", "<eos>", "<unk>"]
    assert (PAD, SOS, EOS, UNK) == (0, 1, 2, 3)
    assert encode_text(v, "abz") == [4, 5, UNK]
    assert decode_output(v, [4, 5, EOS, 6]) == "ab"
    assert unknown_chars(v, "abzy") == "yz"
    b = make_batch(v, [("ab", "c"), ("a", "abc")])
    assert b.src.tolist() == [[4, 5], [4, 0]] and b.src_len.tolist() == [2, 1]
    assert b.tgt_in.tolist() == [[SOS, 6, 0, 0], [SOS, 4, 5, 6]]
    assert b.tgt_out.tolist() == [[6, EOS, 0, 0], [4, 5, 6, EOS]]


def test_pairs_file_as_spreadsheets_save_it(tmp_path):
    """A UTF-8 BOM and CRLF line ends (Excel, Notepad): neither becomes a vocabulary symbol."""
    f = tmp_path / "excel.tsv"
    f.write_bytes("\ufeffhello\tbonjour\r\nyes\toui\r\n".encode("utf-8"))
    pairs, _ = read_pairs(f)
    assert pairs == [("hello", "bonjour"), ("yes", "oui")]


def test_pairs_all_too_long_names_the_limit_and_the_option(tmp_path):
    f = tmp_path / "long.tsv"
    f.write_text(("a" * 30 + "\tb\n") * 3, encoding="utf-8")
    with pytest.raises(EngineError, match=r"all 3 pair\(s\) have a side longer than "
                                          r"max_pair_len = 10 .*--max-pair-len"):
        read_pairs(f, max_len=10)
