"""The error-surface view: the heatmap with both paths, the clipping panel's pseudo-code
with the live numbers, and the real engine's paths arriving in the app."""

from __future__ import annotations

import asyncio

from fake_surface import FakeSurfaceFactory
from pilot_helpers import run, static_text, wait_for

from engine.families.surface.config import SurfaceConfig
from rnn_tui.app import create_app
from rnn_tui.views.surface import BOTH, CLIPPED, UNCLIPPED, SurfaceScreen, surface_picture

CONFIG = SurfaceConfig(device="cpu")


async def finished_script(pilot) -> None:
    await wait_for(lambda: pilot.app.main_screen.paths is not None
                   and pilot.app.main_screen.paths.step == 20, pilot=pilot)


def test_surface_and_paths_are_drawn():
    async def body(app, pilot, factory):
        await finished_script(pilot)
        view = app.main_screen
        assert isinstance(view, SurfaceScreen)
        picture = surface_picture(view.surface, view.paths)
        styles = " ".join(str(span.style) for span in picture.spans)
        # the clipped path and the stretch both paths share are on the map (the
        # unclipped one left it at the step they parted)
        assert CLIPPED in styles and BOTH in styles and UNCLIPPED not in styles
        assert "the unclipped path left the window at step 7" in static_text(
            app, "#surface-outside")
        text = static_text(app, "#clipping-text")
        assert "if ‖ĝ‖ ≥ threshold then" in text and "jumped off the cliff" in text
        assert "threshold = 1: no" in text
        assert "T = 50" in static_text(app, "#surface-info")
        await pilot.press("q")

    run(body, FakeSurfaceFactory(), config=CONFIG)


def test_snapshot_surface(snap_compare):
    assert snap_compare(create_app(CONFIG, FakeSurfaceFactory()), terminal_size=(160, 48),
                        run_before=finished_script)


def test_real_engine_paths_in_the_app():
    async def main():
        app = create_app(CONFIG.replace(steps=12))
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(lambda: app.state == "finished", 60, pilot)
            view = app.main_screen
            assert view.surface is not None and view.paths.step == 12
            assert view.paths.jumped and "jumped off the cliff" in static_text(
                app, "#clipping-text")
            await pilot.press("q")

    asyncio.run(main())


def test_c_explains_instead_of_clipping_both_paths():
    async def body(app, pilot, factory):
        await finished_script(pilot)
        await pilot.press("c")
        await pilot.pause(0.2)
        assert not factory.trainers[-1].calls_named("set_hparam")
        assert any("always clips" in str(n.message) for n in app._notifications)
        await pilot.press("right_square_bracket")  # the threshold: live, as usual
        await wait_for(lambda: factory.trainers[-1].calls_named("set_hparam"), pilot=pilot)
        assert factory.trainers[-1].calls_named("set_hparam")[0] == ("set_hparam", "clip", 2.0)
        await pilot.press("q")

    run(body, FakeSurfaceFactory(), config=CONFIG)


def test_p_starts_both_paths_somewhere_else():
    from rnn_tui.views.surface import parse_start

    assert parse_start("w=2, b=-0.3") == (2.0, -0.3)
    for bad in ("2", "x 1", "1e9 0", "nan 0"):
        try:
            parse_start(bad)
        except ValueError:
            continue
        raise AssertionError(bad)

    async def body(app, pilot, factory):
        await finished_script(pilot)
        await pilot.press("p", *"2.5 -0.5", "enter")
        await wait_for(lambda: len(factory.trainers) == 2, pilot=pilot)
        assert (factory.last.config.w_start, factory.last.config.b_start) == (2.5, -0.5)
        await pilot.press("q")

    run(body, FakeSurfaceFactory(), config=CONFIG)
