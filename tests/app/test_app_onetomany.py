"""The one-to-many view: names for the chosen label, one name per label, `,`/`.` choosing
the label (the names for it come at once) - on a fake trainer and on the real engine."""

from __future__ import annotations

import asyncio

from fake_onetomany import FakeOneToManyFactory
from pilot_helpers import run, static_text, wait_for

from engine.families.onetomany.config import OneToManyConfig
from rnn_tui.app import create_app
from rnn_tui.views.onetomany import OneToManyScreen

CONFIG = OneToManyConfig(device="cpu")


async def settled(pilot) -> None:
    await wait_for(lambda: pilot.app.main_screen.samples
                   and pilot.app.main_screen.samples[-1].step == 20, pilot=pilot)


def test_names_and_the_label_keys():
    async def body(app, pilot, factory):
        await settled(pilot)
        assert isinstance(app.main_screen, OneToManyScreen)
        assert "Abnen" in static_text(app, "#names-list")
        labels = static_text(app, "#labels-list")
        assert "▶ Essari" in labels and "Kaov" in labels
        await pilot.press("full_stop")
        await wait_for(lambda: app.main_screen.samples[-1].label == "Kroslav", pilot=pilot)
        assert "Abov" in static_text(app, "#names-list")
        assert ("set_hparam", "label", "Kroslav") in factory.last.calls
        await wait_for(lambda: app.hparams["label"] == "Kroslav", pilot=pilot)
        await pilot.press("comma", "comma")
        await wait_for(lambda: app.main_screen.samples[-1].label == "Bovena", pilot=pilot)
        assert "▶ Bovena" in static_text(app, "#labels-list")
        await pilot.press("q")

    run(body, FakeOneToManyFactory(), config=CONFIG)


def test_snapshot_onetomany(snap_compare):
    async def run_before(pilot):
        await settled(pilot)
        await pilot.press("full_stop")
        await wait_for(lambda: pilot.app.main_screen.samples[-1].label == "Kroslav",
                       pilot=pilot)
        await pilot.pause()

    assert snap_compare(create_app(CONFIG, FakeOneToManyFactory()), terminal_size=(160, 48),
                        run_before=run_before)


def test_real_engine_writes_names_for_the_chosen_label():
    async def main():
        app = create_app(CONFIG.replace(hidden=32, embed=16, steps=30, label="Kroslav"))
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(lambda: app.main_screen.samples, 60, pilot)
            first = app.main_screen.samples[-1]
            assert first.label == "Kroslav" and len(first.names) == 8
            assert len(first.per_label) == 20
            await pilot.press("full_stop")
            await wait_for(lambda: app.main_screen.samples[-1].label == "Lelani", 60, pilot)
            await pilot.press("q")

    asyncio.run(main())
