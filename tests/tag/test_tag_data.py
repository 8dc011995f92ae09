"""Tag file readers: CoNLL-U and column files as they are shipped, bad input, splits."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import EngineError
from engine.families.tag.data import (detect_format, load_tag_data, read_columns,
                                      read_conllu, read_tagged, split_sentences)

GUM = Path("/work/shared/corpora/ud-gum")


def conllu_line(wid, form, upos="NOUN", xpos="NN", misc="_"):
    return "\t".join([str(wid), form, form.lower(), upos, xpos, "_", "0", "root", "_", misc])


# A UD sentence with the quirks of real treebanks: comments, a multiword token (3-4), an empty
# node (4.1), SpaceAfter=No, and a FORM with a space in it.
UD = "\n".join([
    "# newdoc id = doc1",
    "# sent_id = 1",
    "# text = I don't know 10 000.",
    conllu_line(1, "I", "PRON", "PRP"),
    "2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_",
    conllu_line(2, "do", "AUX", "VBP"),
    conllu_line(3, "n't", "PART", "RB"),
    conllu_line(4, "know", "VERB", "VB"),
    "4.1\tknow\tknow\tVERB\tVB\t_\t_\t_\t4:conj\tCopyOf=4",
    conllu_line(5, "10 000", "NUM", "CD", "SpaceAfter=No"),
    conllu_line(6, ".", "PUNCT", "."),
    "",
    "# sent_id = 2",
    conllu_line(1, "Hi", "INTJ", "UH"),
    "",
])


def write(tmp_path: Path, name: str, text: str, encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_conllu_skips_comments_ranges_and_empty_nodes(tmp_path):
    sentences, warnings = read_conllu(write(tmp_path, "a.conllu", UD))
    assert warnings == []
    assert sentences == [(["I", "do", "n't", "know", "10 000", "."],
                          ["PRON", "AUX", "PART", "VERB", "NUM", "PUNCT"]),
                         (["Hi"], ["INTJ"])]


def test_conllu_xpos_column(tmp_path):
    sentences, _ = read_conllu(write(tmp_path, "a.conllu", UD), tag_column="xpos")
    assert sentences[0][1] == ["PRP", "VBP", "RB", "VB", "CD", "."]


def test_conllu_bom_crlf_and_no_final_blank_line(tmp_path):
    text = "\ufeff" + UD.rstrip("\n").replace("\n", "\r\n")
    sentences, warnings = read_conllu(write(tmp_path, "a.conllu", text))
    assert sentences == read_conllu(write(tmp_path, "b.conllu", UD))[0]
    assert warnings == [] and sentences[0][0][0] == "I"  # no BOM left on the first token


def test_xpos_underscore_everywhere_is_refused_with_a_hint(tmp_path):
    text = "\n".join([conllu_line(1, "Hello", "INTJ", "_"), conllu_line(2, "!", "PUNCT", "_")])
    with pytest.raises(EngineError, match=r"XPOS column is `_` on every word.*--tag-column upos"):
        read_conllu(write(tmp_path, "nox.conllu", text), tag_column="xpos")
    sentences, _ = read_conllu(tmp_path / "nox.conllu")  # UPOS is there
    assert sentences == [(["Hello", "!"], ["INTJ", "PUNCT"])]


def test_a_sentence_with_an_untagged_word_is_skipped_with_a_warning(tmp_path):
    text = "\n".join([conllu_line(1, "a", xpos="_"), "", conllu_line(1, "b", xpos="NN"), ""])
    sentences, warnings = read_conllu(write(tmp_path, "part.conllu", text), tag_column="xpos")
    assert sentences == [(["b"], ["NN"])]
    assert len(warnings) == 1 and "part.conllu" in warnings[0] and "line 1" in warnings[0]


def test_forms_all_underscore_is_refused(tmp_path):
    text = "\n".join([conllu_line(1, "_", "NOUN"), conllu_line(2, "_", "VERB")])
    with pytest.raises(EngineError, match="every FORM is `_`"):
        read_conllu(write(tmp_path, "hidden.conllu", text))


def test_word_one_without_a_blank_line_starts_a_new_sentence(tmp_path):
    text = "\n".join([conllu_line(1, "a"), conllu_line(2, "b"), conllu_line(1, "c")])
    sentences, _ = read_conllu(write(tmp_path, "a.conllu", text))
    assert [tokens for tokens, _ in sentences] == [["a", "b"], ["c"]]


def test_conllu_bad_lines_name_file_and_line_and_drop_their_sentence(tmp_path):
    lines = [conllu_line(1, "good"), "", conllu_line(1, "x"), "2 bad spaces only", "",
             conllu_line(1, "y", upos=""), "", "x1\tz\t_\tNOUN\t_\t_\t_\t_\t_\t_", ""]
    sentences, warnings = read_conllu(write(tmp_path, "bad.conllu", "\n".join(lines)))
    assert sentences == [(["good"], ["NOUN"])]
    assert warnings[0].startswith("bad.conllu:4: expected 10 TAB-separated fields, found 1")
    assert warnings[1].startswith("bad.conllu:6: empty UPOS field")
    assert warnings[2].startswith("bad.conllu:8: ID 'x1' is not a word number")


def test_many_bad_lines_are_counted_after_the_first_few(tmp_path):
    text = "\n".join(["a b"] * 2 + [""] + ["only"] * 9 + ["", "a b"])
    sentences, warnings = read_columns(write(tmp_path, "many.txt", text))
    assert len(sentences) == 2
    assert len(warnings) == 6 and warnings[-1] == ("many.txt: 4 more bad line(s), their "
                                                  "sentences skipped too")


def test_columns_conll2003_with_docstart_crlf_and_bom(tmp_path):
    text = ("\ufeff-DOCSTART- -X- -X- O\r\n\r\nEU NNP B-NP B-ORG\r\nrejects VBZ B-VP O\r\n"
            "\r\nPeter NNP B-NP B-PER\r\nBlackburn NNP I-NP I-PER")
    sentences, warnings = read_columns(write(tmp_path, "eng.train", text))
    assert warnings == []
    assert sentences == [(["EU", "rejects"], ["B-ORG", "O"]),
                         (["Peter", "Blackburn"], ["B-PER", "I-PER"])]


def test_columns_tab_separated_keep_spaces_in_tokens(tmp_path):
    text = "New York\tB-LOC\ncity\tO\n\n:)\tO\n"
    sentences, _ = read_columns(write(tmp_path, "wnut.tsv", text))
    assert sentences == [(["New York", "city"], ["B-LOC", "O"]), ([":)"], ["O"])]


def test_columns_bad_lines(tmp_path):
    text = "a DT O\nb NN\n\nc NN O\nd\n\ne\tNN\t\n\nf NN O\n"
    sentences, warnings = read_columns(write(tmp_path, "bad.txt", text))
    assert sentences == [(["f"], ["O"])]
    assert warnings[0].startswith("bad.txt:2: 2 columns, but the first token line has 3")
    assert warnings[1].startswith("bad.txt:5: expected a token and a tag")
    assert warnings[2].startswith("bad.txt:7: empty tag")


def test_no_usable_sentence_is_one_error_naming_file_and_line(tmp_path):
    path = write(tmp_path, "words.txt", "\nhello\nworld\n")
    with pytest.raises(EngineError) as err:
        read_tagged(path)
    assert str(err.value) == ("tag file " + str(path) + " has no usable token-and-tag sentence "
                              "(first problem: words.txt:2: expected a token and a tag "
                              "separated by spaces or a TAB, found one column)")


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"), (b"\n\n  \n", "is empty"), (b"\n#\n", "no usable"),
    (b"a\xffb O\n", "not valid UTF-8"),
    (b"\x00\x01binary", "binary"),
])
def test_unreadable_files(tmp_path, content, message):
    path = tmp_path / "f.txt"
    path.write_bytes(content)
    with pytest.raises(EngineError, match=message):
        read_tagged(path)


def test_missing_file_directory_and_bad_options(tmp_path):
    with pytest.raises(EngineError, match="not found"):
        read_tagged(tmp_path / "nope.conllu")
    with pytest.raises(EngineError, match="is a directory"):
        read_tagged(tmp_path)
    path = write(tmp_path, "a.conllu", UD)
    with pytest.raises(EngineError, match="unknown tag column 'lemma'"):
        read_tagged(path, tag_column="lemma")
    with pytest.raises(EngineError, match="unknown tag file format"):
        read_tagged(path, fmt="json")


def test_format_detection(tmp_path):
    assert detect_format(Path("x.conllu"), "") == "conllu"
    assert detect_format(Path("x.CONLLU"), "anything") == "conllu"
    assert detect_format(Path("x.txt"), UD) == "conllu"  # by content: comment, then 10 fields
    assert detect_format(Path("x.txt"), "EU NNP B-NP B-ORG\n") == "columns"
    assert detect_format(Path("x.conll"), "3-4\t" + "\t".join("_" * 9)) == "conllu"
    assert read_tagged(write(tmp_path, "ud.txt", UD))[0] == read_conllu(
        write(tmp_path, "ud.conllu", UD))[0]


def test_long_sentences_are_cut_with_a_warning(tmp_path):
    text = "\n".join(f"w{i} O" for i in range(12)) + "\n\nshort O\n"
    sentences, warnings = read_columns(write(tmp_path, "long.txt", text), max_len=5)
    assert sentences[0] == ([f"w{i}" for i in range(5)], ["O"] * 5)
    assert sentences[1] == (["short"], ["O"])
    assert warnings == ["long.txt: 1 sentence(s) longer than 5 tokens cut to 5 "
                        "(the longest, 12, starts at line 1)"]


def test_chars_keep_the_real_spacing_of_conllu(tmp_path):
    sentences, _ = read_tagged(write(tmp_path, "a.conllu", UD), chars=True)
    chars, tags = sentences[0]
    assert "".join(chars) == "I don't know 10 000."  # SpaceAfter=No and the "don't" range
    assert tags[:8] == ["B-PRON", "O", "B-AUX", "I-AUX", "B-PART", "I-PART", "I-PART", "O"]
    assert tags[13:19] == ["B-NUM"] + ["I-NUM"] * 5 and tags[19] == "B-PUNCT"


# --- splits ---------------------------------------------------------------------------------

def test_split_sentences_is_seeded_disjoint_and_keeps_order():
    sentences = [([f"w{i}"], ["X"]) for i in range(50)]
    kept, held = split_sentences(sentences, 0.2, seed=7)
    assert len(held) == 10 and len(kept) == 40
    assert sorted(kept + held) == sorted(sentences)
    assert kept == sorted(kept, key=sentences.index) and held == sorted(held, key=sentences.index)
    assert split_sentences(sentences, 0.2, seed=7) == (kept, held)
    assert split_sentences(sentences, 0.2, seed=8)[1] != held
    assert len(split_sentences(sentences[:2], 0.01, 1)[1]) == 1  # at least one held out
    assert len(split_sentences(sentences[:2], 0.99, 1)[0]) == 1  # at least one kept


@pytest.mark.parametrize("n, fraction", [(1, 0.1), (10, 0.0), (10, 1.0), (10, -0.5)])
def test_split_sentences_refuses_what_cannot_be_split(n, fraction):
    with pytest.raises(EngineError):
        split_sentences([(["a"], ["X"])] * n, fraction, 0)


def test_load_tag_data_with_files_and_with_fractions(tmp_path):
    train = write(tmp_path, "train.txt",
                  "\n\n".join(f"w{i} B-PER\nx O" for i in range(20)) + "\n")
    val = write(tmp_path, "val.txt", "y B-LOC\n")
    data = load_tag_data(train, val=val)
    assert (len(data.train), len(data.val), data.test) == (20, 1, [])
    assert data.scheme == "iob2" and data.tags == ["B-PER", "O"]
    assert data.warnings == ["val has 1 tag(s) never seen in training: B-LOC"]
    split = load_tag_data(train, val_fraction=0.1, test_fraction=0.25, seed=3)
    assert (len(split.train), len(split.val), len(split.test)) == (13, 2, 5)
    everything = split.train + split.val + split.test
    assert sorted(everything) == sorted(read_columns(train)[0])
    assert load_tag_data(train, val_fraction=0.1, test_fraction=0.25, seed=3) == split


# --- the real treebank ------------------------------------------------------------------------

@pytest.mark.skipif(not (GUM / "en_gum-ud-dev.conllu").is_file(), reason="UD GUM not present")
def test_ud_gum_dev_reads_cleanly_and_its_text_comes_back():
    path = GUM / "en_gum-ud-dev.conllu"
    sentences, warnings = read_conllu(path)
    assert warnings == []
    assert len(sentences) == 1575
    assert 27_000 < sum(len(tokens) for tokens, _ in sentences) < 29_000
    assert {tag for _, tags in sentences for tag in tags} <= {
        "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON",
        "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X"}
    texts = [line[len("# text = "):] for line in path.read_text(encoding="utf-8").splitlines()
             if line.startswith("# text = ")]
    chars, _ = read_tagged(path, chars=True)
    assert ["".join(c) for c, _ in chars] == texts  # spacing rebuilt exactly, every sentence
