"""Texts -> ids: <unk> for anything unseen, never an error; padding and batches."""

import numpy as np
import torch

from engine.families.classify.encode import PAD_ID, UNK_ID, TextEncoder, batches, pad


def test_unseen_characters_and_words_are_unk():
    enc = TextEncoder.build(["abc", "abd"], tokens="char")
    assert enc.vocab.tokens[:2] == ["<pad>", "<unk>"]
    ids = enc.ids("abz€")
    assert ids.tolist()[:2] == [enc.vocab.index["a"], enc.vocab.index["b"]]
    assert ids.tolist()[2:] == [UNK_ID, UNK_ID]
    w = TextEncoder.build(["The cat sat.", "the dog"], tokens="word", lower=True, min_count=2)
    assert w.tokens("The zebra!") == ["the", "zebra", "!"]
    assert w.ids("The zebra!").tolist() == [w.vocab.index["the"], UNK_ID, UNK_ID]


def test_empty_text_is_one_unk_and_max_len_truncates():
    w = TextEncoder.build(["a b"], tokens="word")
    assert w.ids("   ").tolist() == [UNK_ID] and w.ids("").tolist() == [UNK_ID]
    c = TextEncoder.build(["abcdef"], tokens="char", max_len=3)
    assert len(c.ids("abcdef")) == 3 and c.tokens("abcdef") == ["a", "b", "c"]


def test_restore_gives_the_same_ids():
    enc = TextEncoder.build(["hello there", "general kenobi"], tokens="char", lower=True)
    again = TextEncoder.restore("char", True, enc.vocab.to_list())
    assert np.array_equal(again.ids("Hello, Kenobi"), enc.ids("Hello, Kenobi"))


def test_pad_and_batches():
    ids, lengths = pad([np.array([5, 6, 7]), np.array([8])])
    assert ids.tolist() == [[5, 6, 7], [8, PAD_ID, PAD_ID]] and lengths.tolist() == [3, 1]
    seqs = [np.array([i + 2] * (i % 3 + 1)) for i in range(10)]
    labels = list(range(10))
    got = list(batches(seqs, labels, 4, seed=0))
    assert [len(y) for _, _, y in got] == [4, 4, 2]
    seen = torch.cat([y for _, _, y in got]).tolist()
    assert sorted(seen) == labels and seen != labels  # shuffled, each once
    for ids, lengths, y in got:  # each row is its own sequence, padded after its length
        for row, n, label in zip(ids, lengths, y):
            assert row[:n].tolist() == seqs[label].tolist() and (row[n:] == PAD_ID).all()
    assert [y.tolist() for _, _, y in batches(seqs, labels, 5)] == [labels[:5], labels[5:]]
