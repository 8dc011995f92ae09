"""Every family's view at 80x24, the smallest size the app lays out (the fake trainer: no
torch, a few seconds each). The 160x48 layouts are in test_app_snapshots.py,
test_app_classify_snapshots.py and test_app_longrange.py. Regenerate after an intended
change with --snapshot-update and look at the SVGs (as PNGs) first."""

from __future__ import annotations

import time

import pytest
from fake_trainer import FakeFactory

from engine.families.classify.config import ClassifyConfig
from engine.families.lm.config import LMConfig
from engine.families.longrange.config import LongRangeConfig
from engine.families.seq2seq.config import Seq2SeqConfig
from engine.families.tag.config import TagConfig
from rnn_tui.app import create_app

pytestmark = pytest.mark.timeout(120)

# Pinned as in the 160x48 snapshots (engine defaults may change).
CONFIGS = {
    "lm": LMConfig(model="lstm", hidden=64, layers=2, lr=2e-3, bptt=100, clip=1.0,
                   clip_mode="norm", temperature=0.8),
    "seq2seq": Seq2SeqConfig(task="dates", hidden=128, layers=1, attention="bahdanau",
                             lr=3e-3, clip=1.0, teacher_forcing=1.0),
    "classify": ClassifyConfig(data="names", hidden=128, layers=1, lr=3e-3, clip=1.0),
    "tag": TagConfig(data="ud-gum/en_gum-ud-dev.conllu", val="ud-gum/en_gum-ud-test.conllu",
                     hidden=128, layers=1, lr=2e-3),
    "longrange": LongRangeConfig(model="lstm", length=60, hidden=64, lr=3e-3, clip=1.0,
                                 clip_mode="norm"),
}


async def settle(pilot) -> None:
    app = pilot.app
    deadline = time.monotonic() + 60
    while not (app.info.get("eval") is not None and app.info["eval"].step == 40
               and not app.revealing):
        assert time.monotonic() < deadline, "the fake's events never arrived"
        await pilot.pause(0.01)
    await pilot.pause(0.2)


@pytest.mark.parametrize("family", list(CONFIGS))
def test_every_view_at_80x24(snap_compare, family):
    app = create_app(CONFIGS[family], FakeFactory())
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)
