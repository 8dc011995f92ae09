"""Character-level tagging: token tags to one tag per character and back."""

from __future__ import annotations

from engine.families.tag.chars import segments, to_chars
from engine.families.tag.metrics import span_scores


def test_entity_chunks_cover_their_inner_spaces():
    tokens = ["Harry", "Potter", "met", "Hermione", "."]
    chars, tags = to_chars(tokens, ["B-PER", "I-PER", "O", "B-PER", "O"],
                           space_after=[True, True, True, False, True], chunked=True)
    assert "".join(chars) == "Harry Potter met Hermione."
    assert tags[:13] == ["B-PER"] + ["I-PER"] * 11 + ["O"]  # "Harry Potter" and its space
    assert tags[17:25] == ["B-PER"] + ["I-PER"] * 7 and tags[25] == "O"
    assert segments(chars, tags) == [("Harry Potter", "PER"), (" met ", None),
                                     ("Hermione", "PER"), (".", None)]


def test_pos_tags_mark_each_token_and_leave_spaces_outside():
    chars, tags = to_chars(["The", "cat", "."], ["DET", "NOUN", "PUNCT"], [True, False, True])
    assert "".join(chars) == "The cat."
    assert tags == ["B-DET", "I-DET", "I-DET", "O", "B-NOUN", "I-NOUN", "I-NOUN", "B-PUNCT"]
    assert segments(chars, tags) == [("The", "DET"), (" ", None), ("cat", "NOUN"),
                                     (".", "PUNCT")]


def test_ptb_tags_with_hyphens_survive_the_round_trip():
    chars, tags = to_chars(["(", "a", ")"], ["-LRB-", "DT", "-RRB-"])
    assert segments(chars, tags) == [("(", "-LRB-"), (" ", None), ("a", "DT"), (" ", None),
                                     (")", "-RRB-")]


def test_segmentation_errors_show_in_char_span_f1():
    gold = to_chars(["ab", "c"], ["X", "Y"], [False, True])[1]  # "abc": B-X I-X B-Y
    merged = ["B-X", "I-X", "I-X"]  # the model missed the word boundary
    assert span_scores([gold], [gold])["f1"] == 1.0
    s = span_scores([gold], [merged])
    assert (s["correct"], s["predicted"], s["gold"]) == (0, 1, 2)


def test_empty_and_any_predicted_tags_give_pieces_covering_the_text():
    assert to_chars([], []) == ([], [])
    chars = list("xy z")
    pieces = segments(chars, ["I-A", "O", "E-B", "B-A"])
    assert "".join(p for p, _ in pieces) == "xy z"
    assert pieces == [("x", "A"), ("y", None), (" ", "B"), ("z", "A")]
