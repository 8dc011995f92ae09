"""Labelled data as people have it: per-class files, TSV/CSV quirks, splits, bad input."""

from collections import Counter
from pathlib import Path

import pytest

from engine.errors import EngineError
from engine.families.classify.data import load_labelled, stratified_split

SENTIMENT = Path("/work/shared/corpora/sentiment")


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def names_dir(tmp_path: Path) -> Path:
    d = tmp_path / "names"
    write(d / "Arabic.txt", "Khoury\nNahas\n\nDaher\r\nGerges\nNazari\n")
    write(d / "Scottish.txt", "\ufeffSmith\nBrown\nWilson\nCampbell\n  \nStewart\n")
    write(d / "Czech.txt", "Novák\nDvořák\nČerný\nProcházka\n")
    write(d / "Empty.txt", "\n\n")
    write(d / "README.md", "names by language, one file per class\n")
    return d


# --- layouts --------------------------------------------------------------------------------

def test_directory_of_one_file_per_class(tmp_path):
    data = load_labelled(names_dir(tmp_path), val_fraction=0.25, seed=1)
    assert data.classes == ["Arabic", "Czech", "Scottish"]  # Empty.txt has no example
    texts = {t for t, _ in data.train + data.val}
    assert {"Daher", "Smith", "Dvořák", "Černý"} <= texts  # CRLF, BOM, UTF-8 handled
    assert len(data.train) + len(data.val) == 14  # blank lines skipped
    assert any("Empty.txt has no examples" in w for w in data.warnings)
    assert any("README.md" in w for w in data.warnings)
    assert "one file per class" in data.source


def test_tsv_without_header_with_spaces_before_the_tab(tmp_path):
    rows = [f"Review number {i}, a sentence.  \t{i % 2}" for i in range(20)]
    f = write(tmp_path / "reviews.txt", "\n".join(rows) + "\n")
    data = load_labelled(f)
    assert data.classes == ["0", "1"]
    assert ("Review number 3, a sentence.", 1) in data.train + data.val
    assert "TSV, no header, text = column 0, label = column 1" in data.source


def test_csv_quoting_bom_crlf_header_and_line_numbers(tmp_path):
    body = ('\ufefftext,label\r\n'
            '"Great, really great",pos\r\n'
            '"She said ""wow"" and left",neg\r\n'
            '"two\r\nlines",pos\r\n'
            'plain text,neg\r\n'
            ',pos\r\n'  # line 7: empty text
            'no label here,\r\n')  # line 8
    f = write(tmp_path / "r.csv", body)
    data = load_labelled(f, val_fraction=0.5)
    got = {t: data.classes[y] for t, y in data.train + data.val}
    assert got == {"Great, really great": "pos", 'She said "wow" and left': "neg",
                   "two\r\nlines": "pos", "plain text": "neg"}
    assert "CSV, header, text = 'text', label = 'label'" in data.source
    assert any("r.csv: 1 line skipped, empty text (line 7)" in w for w in data.warnings)
    assert any("r.csv: 1 line skipped, no label (line 8)" in w for w in data.warnings)


def test_semicolons_label_first_and_numeric_labels_under_an_unknown_header(tmp_path):
    rows = ["stars;opinion"] + [f"{i % 3 + 1};this is opinion number {i}" for i in range(30)]
    f = write(tmp_path / "o.csv", "\n".join(rows))
    data = load_labelled(f)
    assert data.classes == ["1", "2", "3"]
    assert "semicolon-separated, header, text = 'opinion', label = 'stars'" in data.source


def test_three_columns_found_by_their_statistics(tmp_path):
    langs = ["en", "fr", "de"]
    rows = [f"{1000 + i}\t{langs[i % 3]}\tsome phrase in a language {i}" for i in range(30)]
    data = load_labelled(write(tmp_path / "p.tsv", "\n".join(rows)))
    assert data.classes == ["de", "en", "fr"]
    assert "text = column 2, label = column 1" in data.source
    # and the caller can say it: by index, or by name with a header
    data = load_labelled(tmp_path / "p.tsv", text_column=2, label_column="0")
    assert len(data.classes) == 30 and data.classes[0] == "1000"
    hdr = write(tmp_path / "h.tsv", "id\tlang\tphrase\n" + "\n".join(rows))
    data = load_labelled(hdr, text_column="PHRASE", label_column="lang")
    assert data.classes == ["de", "en", "fr"] and "header" in data.source


def test_column_errors_name_the_columns(tmp_path):
    f = write(tmp_path / "h.tsv", "id\tlang\tphrase\n" + "1\ten\thello\n2\tfr\tsalut\n")
    with pytest.raises(EngineError, match="no label column named 'language'.*'id', 'lang'"):
        load_labelled(f, label_column="language")
    with pytest.raises(EngineError, match="text column 5 does not exist.*3 columns"):
        load_labelled(f, text_column=5)
    with pytest.raises(EngineError, match="both column 1"):
        load_labelled(f, text_column=1, label_column=1)


def test_tsv_with_a_quote_it_never_closes_does_not_swallow_lines(tmp_path):
    rows = ['"Best film of the year\t1', "Awful.\t0", 'He said "no" twice\t0', "Fine.\t1"]
    data = load_labelled(write(tmp_path / "q.tsv", "\n".join(rows * 3)))
    texts = {t for t, _ in data.train + data.val}
    assert texts == {'"Best film of the year', "Awful.", 'He said "no" twice', "Fine."}


def test_tsv_written_with_csv_quoting(tmp_path):
    rows = ['"a ""quoted"" word"\tpos', '"line one\nline two"\tneg', "plain\tpos", "x\tneg"]
    data = load_labelled(write(tmp_path / "p.tsv", "\n".join(rows * 3)))
    texts = {t for t, _ in data.train + data.val}
    assert texts == {'a "quoted" word', "line one\nline two", "plain", "x"}


def test_unquoted_commas_in_the_text_are_kept(tmp_path):
    rows = ["Good, very good,1", "Bad,0", "Meh, not good, not bad,0", "Nice,1"] * 3
    data = load_labelled(write(tmp_path / "u.csv", "\n".join(rows)))
    assert ("Meh, not good, not bad", 0) in data.train + data.val
    assert any("more than 2 fields" in w and "lines 1, 3, 5" in w for w in data.warnings)


def test_directory_and_glob_of_tables_utf16_and_canonical_labels(tmp_path):
    write(tmp_path / "t" / "a.txt", "one\t1\ntwo\t0\nthree\t1.0\n")
    write(tmp_path / "t" / "b.txt", "\ufefffour\t0\nfive\t01\nsix\t0\n", "utf-16")
    write(tmp_path / "t" / "readme.txt", "Format: sentence \\t score\t\n")
    for path in (tmp_path / "t", str(tmp_path / "t" / "*.txt")):
        data = load_labelled(path, val_fraction=0.34)
        assert data.classes == ["0", "1"] and data.counts("train") + data.counts("val") != []
        assert sum(data.counts("train")) + sum(data.counts("val")) == 6
        assert any("readme.txt" in w for w in data.warnings)


# --- held-out and test files ----------------------------------------------------------------

def test_val_and_test_files_with_a_label_training_never_saw(tmp_path):
    tr = write(tmp_path / "train.tsv", "good\tpos\nbad\tneg\nfine\tpos\nawful\tneg\n")
    va = write(tmp_path / "val.tsv", "great\tpos\nmeh\tneutral\nok\tneutral\nugly\tneg\n")
    te = write(tmp_path / "test.tsv", "super\tpos\nawful\tneg\n")
    data = load_labelled(tr, val=va, test=te)
    assert data.classes == ["neg", "pos"]
    assert data.val == [("great", 1), ("ugly", 0)] and len(data.train) == 4
    assert data.test == [("super", 1), ("awful", 0)]
    assert any("val.tsv: label 'neutral' is not in the training data; 2 held-out examples "
               "skipped (lines 2, 3)" in w for w in data.warnings)
    assert any("1 of 2 test texts also appear in the training data" in w
               for w in data.warnings)
    assert "held out: val.tsv" in data.source
    only_new = write(tmp_path / "new.tsv", "meh\tneutral\nso-so\tneutral\n")
    with pytest.raises(EngineError, match="held-out file has no example of a class"):
        load_labelled(tr, val=only_new)


# --- the stratified split -------------------------------------------------------------------

def test_stratified_split_keeps_class_shares_and_is_seeded():
    labels = [0] * 80 + [1] * 15 + [2] * 4 + [3]
    tr, va = stratified_split(labels, 0.2, seed=7)
    assert sorted(tr + va) == list(range(100)) and not set(tr) & set(va)
    held = Counter(labels[i] for i in va)
    assert held == {0: 16, 1: 3, 2: 1}  # round(n * 0.2), at least 1; class 3 has one example
    assert stratified_split(labels, 0.2, seed=7) == (tr, va)
    assert stratified_split(labels, 0.2, seed=8) != (tr, va)
    tr, va = stratified_split([0, 0, 1, 1], 0.9, seed=0)  # never a whole class
    assert len(tr) == 2 and {i // 2 for i in tr} == {0, 1}


def test_a_class_with_one_example_is_kept_for_training(tmp_path):
    f = write(tmp_path / "d.tsv", "a\tx\nb\tx\nc\tx\nd\ty\ne\ty\nf\tz\n")
    data = load_labelled(f, val_fraction=0.3)
    assert data.counts("val")[2] == 0 and data.counts("train")[2] == 1
    assert any("one example" in w and "'z'" in w for w in data.warnings)


# --- what the run cannot use ----------------------------------------------------------------

@pytest.mark.parametrize("content,match", [
    ("only\tpos\nthe same\tpos\nlabel\tpos\n", "only one class \\('pos'\\)"),
    ("", "no labelled examples"),
    ("just some text\nwithout any label\nat all\n", "no tab, comma or semicolon"),
    ("a\t\nb\t\nc\t\nd\tpos\n", "3 of 4 lines could not be read \\(line 1: no label\\)"),
])
def test_unusable_files_are_one_clear_error(tmp_path, content, match):
    with pytest.raises(EngineError, match=match):
        load_labelled(write(tmp_path / "bad.tsv", content))


def test_binary_non_utf8_missing_and_empty_directory(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"\x89PNG\r\n\x00\x00\x01garbage")
    with pytest.raises(EngineError, match="model.bin looks like a binary file"):
        load_labelled(tmp_path / "model.bin")
    (tmp_path / "latin.tsv").write_bytes(b"ok\t1\nno\t0\ncaf\xe9\t1\n")
    with pytest.raises(EngineError, match="latin.tsv line 3: not UTF-8 text \\(byte 0xe9\\)"):
        load_labelled(tmp_path / "latin.tsv")
    with pytest.raises(EngineError, match="no such file or directory"):
        load_labelled(tmp_path / "nope.tsv")
    (tmp_path / "empty").mkdir()
    with pytest.raises(EngineError, match="no data files"):
        load_labelled(tmp_path / "empty")
    with pytest.raises(EngineError, match="no file matches"):
        load_labelled(str(tmp_path / "*.none"))
    one = tmp_path / "one"
    write(one / "Greek.txt", "Alexis\nNikos\n")
    with pytest.raises(EngineError, match="only one class \\('Greek'\\)"):
        load_labelled(one)
    with pytest.raises(EngineError, match="val fraction"):
        load_labelled(names_dir(tmp_path), val_fraction=1.0)


def test_a_text_column_given_as_the_label_is_refused(tmp_path):
    rows = [f"sentence number {i}\t{i % 2}" for i in range(100)]
    f = write(tmp_path / "s.tsv", "\n".join(rows))
    with pytest.raises(EngineError, match="100 different labels among 100 examples"):
        load_labelled(f, label_column=0, text_column=1)


# --- the real files -------------------------------------------------------------------------

@pytest.mark.skipif(not SENTIMENT.is_dir(), reason="shared corpus absent")
def test_the_shared_sentiment_files_load():
    data = load_labelled(SENTIMENT, val_fraction=0.2, seed=0)
    assert data.classes == ["0", "1"]
    assert data.counts("train") == [1200, 1200] and data.counts("val") == [300, 300]
    assert any("readme.txt" in w for w in data.warnings)
    texts = {t for t, _ in data.train + data.val}
    # imdb lines end in two spaces before the tab: stripped
    assert "A very, very, very slow-moving, aimless movie about a distressed, drifting " \
           "young man." in texts
    one = load_labelled(SENTIMENT / "imdb_labelled.txt")
    assert len(one.train) + len(one.val) == 1000
