"""The tagger: padding never changes a tag, fused and textbook paths agree, the loss counts
real tokens only, and the character features are there only when they should be."""

from __future__ import annotations

import pytest
import torch

from engine.families.tag.batches import TagVocabs, singletons
from engine.families.tag.model import Tagger

TRAIN = [("Harry Potter met Hermione".split(), ["PROPN", "PROPN", "VERB", "PROPN"]),
         ("the owl flew over the big castle yesterday".split(),
          ["DET", "NOUN", "VERB", "ADP", "DET", "ADJ", "NOUN", "ADV"]),
         (["Ron"], ["PROPN"])]
TAGS = ["PROPN", "DET", "NOUN", "VERB", "ADP", "ADJ", "ADV"]


def tagger(cell="lstm", bidirectional=True, chars=True, layers=2, dropout=0.0):
    torch.manual_seed(0)
    vocabs = TagVocabs.build(TRAIN, TAGS, chars=chars)
    model = Tagger(len(vocabs.words), len(TAGS), len(vocabs.chars) if chars else 0,
                   cell=cell, embed=8, hidden=6, layers=layers, dropout=dropout,
                   bidirectional=bidirectional, char_embed=5, char_hidden=4)
    return vocabs, model.double().eval()


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("bidirectional", [True, False])
def test_padding_never_changes_a_tag(cell, bidirectional):
    vocabs, model = tagger(cell, bidirectional)
    short = TRAIN[0]
    alone = model.read(vocabs.batch([short])).logits[0]  # (4, n_tags)
    for unrolled in (False, True):
        # padded to 8 tokens next to a longer sentence, and after it: same logits
        for batch in ([short, TRAIN[1]], [TRAIN[1], TRAIN[2], short]):
            logits = model.read(vocabs.batch(batch), unrolled=unrolled).logits
            row = logits[batch.index(short), :4]
            torch.testing.assert_close(row, alone, rtol=1e-9, atol=1e-9)
            assert row.argmax(-1).tolist() == alone.argmax(-1).tolist()


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_fused_and_textbook_paths_agree_on_a_padded_batch(cell):
    vocabs, model = tagger(cell, bidirectional=True, layers=2)
    batch = vocabs.batch(TRAIN)
    fused, textbook = model.read(batch), model.read(batch, unrolled=True)
    mask = fused.mask
    torch.testing.assert_close(fused.logits[mask], textbook.logits[mask], rtol=1e-9,
                               atol=1e-9)
    assert len(textbook.unrolled.by_direction) == 2  # layers
    assert all(len(layer) == 2 for layer in textbook.unrolled.by_direction)  # directions


def test_the_loss_is_the_mean_over_real_tokens_only():
    vocabs, model = tagger()
    n = sum(len(t) for t, _ in TRAIN)
    with torch.no_grad():
        _, loss = model(vocabs.batch(TRAIN))
        each = sum(float(model(vocabs.batch([s]))[1]) * len(s[0]) for s in TRAIN) / n
    assert float(loss) == pytest.approx(each, rel=1e-9)


def test_a_word_never_seen_gets_its_vector_from_its_letters():
    vocabs, model = tagger(chars=True)
    ids = vocabs.word_ids(["Hermione", "Hagrid"])
    assert ids.tolist()[1] == 1  # <unk>: the embedding cannot tell unseen words apart
    batch = vocabs.batch([(["Hagrid"], ["PROPN"]), (["Dobby"], ["PROPN"])])
    x = model.inputs(batch)  # (2, 1, embed + 2*char_hidden)
    assert torch.equal(x[0, 0, :8], x[1, 0, :8])  # the same <unk> embedding
    assert not torch.allclose(x[0, 0, 8:], x[1, 0, 8:])  # different spellings
    _, plain = tagger(chars=False)
    assert plain.char_rnn is None and plain.inputs(vocabs.batch(TRAIN)).shape[-1] == 8


def test_word_dropout_replaces_only_rare_words_and_is_seeded():
    import random

    vocabs, _ = tagger()
    rare = singletons(TRAIN)
    assert "the" not in rare and "Harry" in rare
    dropped = vocabs.batch(TRAIN, rare, 0.99, random.Random(1)).words
    kept = vocabs.batch(TRAIN).words
    the = vocabs.words.index["the"]
    assert (dropped == the).sum() == (kept == the).sum() == 2  # never dropped
    assert int((dropped == 1).sum()) > 5  # the singletons, read as <unk>
    again = vocabs.batch(TRAIN, rare, 0.99, random.Random(1)).words
    assert torch.equal(dropped, again)


def test_vocabularies_round_trip_through_the_checkpoint_metadata():
    import json

    vocabs, _ = tagger()
    back = TagVocabs.from_meta(json.loads(json.dumps(vocabs.to_meta())))
    assert back.words == vocabs.words and back.chars == vocabs.chars
    assert back.tags == vocabs.tags
    assert torch.equal(back.batch(TRAIN).words, vocabs.batch(TRAIN).words)
