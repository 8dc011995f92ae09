"""The controller drive of test_app_controller.py on the real engine (torch): a tiny language
model on the bundled "hello" corpus, then a tiny tagger on a toy grammar whose words are
ambiguous (`fish` is a noun after "the", a verb after "they"), so the most frequent tag of
each word is wrong on a fifth of the tokens and only a model that reads context beats it."""

from __future__ import annotations

import asyncio
import random

import pytest

pytest.importorskip("torch")

from engine.families.lm.config import LMConfig  # noqa: E402
from engine.families.tag.config import TagConfig  # noqa: E402
from rnn_tui.app import create_app  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

LM = LMConfig(corpus="hello", model="lstm", hidden=32, embed=16, layers=1, batch_size=8,
              bptt=32, baseline_order=2, threads=1, device="cpu", eval_every=5)
MOST_FREQUENT = "baseline:most frequent tag:accuracy"
PATIENCE = 120.0  # seconds: a torch import and training on a loaded 2-core machine


def toy_treebank(path, sentences: int = 120, seed: int = 0) -> None:
    """CoNLL-U: "the AMBIGUOUS swims" (DET NOUN VERB) or "they AMBIGUOUS often" (PRON VERB
    ADV), half and half."""
    rng = random.Random(seed)
    out = []
    for _ in range(sentences):
        word = rng.choice(["fish", "duck", "run", "park"])
        if rng.random() < 0.5:
            words, tags = ["the", word, rng.choice(["swims", "sleeps"])], ["DET", "NOUN", "VERB"]
        else:
            words, tags = [rng.choice(["they", "we"]), word, rng.choice(["often", "slowly"])], \
                ["PRON", "VERB", "ADV"]
        rows = [f"# text = {' '.join(words)}"]
        rows += ["\t".join([str(i), w, w, t, "_", "_", "0", "dep", "_", "_"])
                 for i, (w, t) in enumerate(zip(words, tags), 1)]
        out.append("\n".join(rows) + "\n\n")
    path.write_text("".join(out), encoding="utf-8")


def test_drive_the_real_app_only_through_the_controller(tmp_path):
    data = tmp_path / "toy.conllu"
    toy_treebank(data)
    tagger = TagConfig(data=str(data), model="lstm", hidden=16, embed=16, char_features=False,
                       batch_size=8, lr=0.02, dropout=0.0, word_dropout=0.0, eval_every=5,
                       probe_every=0, sample_every=0, threads=1, device="cpu")

    async def main():
        app = create_app(LM, out_dir=str(tmp_path / "runs"), autostart=False)
        async with app.run_test(size=(120, 36)):
            c = app.controller
            c.start()
            assert await c.wait_for(lambda run, e: "val_loss" in run.metrics, PATIENCE)
            assert c.run.family == "lm" and c.run.status == "running"

            c.set("lr", 1e-3)
            assert await c.wait_for(lambda run, e: run.settings["lr"] == 1e-3, PATIENCE)

            c.start(tagger)
            assert await c.wait_for(
                lambda run, e: run.family == "tag" and run.metrics.get("accuracy", 0)
                > run.metrics.get(MOST_FREQUENT, 1), PATIENCE)
            assert 0.6 < c.run.metrics[MOST_FREQUENT] < 0.9
            await app.action_quit()
            await asyncio.sleep(0)

    asyncio.run(main())
