"""The "hello" view: the network unrolled with the model's numbers, forward and backward,
the timestep keys, and `n` training the real tiny model one step at a time until it spells
"hello"."""

from __future__ import annotations

import asyncio

from fake_hello import FakeHelloFactory
from pilot_helpers import static_text, wait_for

from engine.families.hello.config import HelloConfig
from rnn_tui.app import create_app
from rnn_tui.views.hello import HelloScreen

CONFIG = HelloConfig(model="rnn", hidden=3, lr=0.1, device="cpu")


def run_fake(body, config=CONFIG):
    factory = FakeHelloFactory()

    async def main():
        app = create_app(config, factory)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(lambda: app.main_screen.last is not None
                           and app.main_screen.last.step == 12, pilot=pilot)
            await body(app, pilot, factory)

    asyncio.run(main())


def picture_text(app) -> str:
    return str(app.main_screen.query_one("#unrolled-picture").render())


def test_forward_then_backward_through_time():
    async def body(app, pilot, factory):
        assert isinstance(app.main_screen, HelloScreen)
        text = picture_text(app)
        for t, (x, y) in enumerate(zip("hell", "ello")):
            assert f"t = {t}" in text and f"target '{y}'" in text and f"input '{x}'" in text
        assert "x_t 1000" in text and "x_t 0010" in text and "h_t →" in text
        assert "t = 0 of 3 · forward" in static_text(app, "#step-detail")
        await pilot.press("full_stop", "full_stop")
        detail = static_text(app, "#step-detail")
        assert "t = 2 of 3 · forward" in detail and "one-hot('l') = [0 0 1 0]" in detail
        assert "✓ spells 'hello'" in detail
        await pilot.press("b")
        detail = static_text(app, "#step-detail")
        assert "t = 2 of 3 · backward" in detail and "∂L/∂h_t" in detail
        u = app.main_screen.last
        assert f"{u.grad_norms[2]:.4g}" in detail
        assert "∂L/∂h_t ←" in picture_text(app)
        await pilot.press("full_stop", "full_stop", "full_stop")  # stops at the last t
        assert "t = 3 of 3" in static_text(app, "#step-detail")
        await pilot.press("comma")
        assert "t = 2 of 3" in static_text(app, "#step-detail")
        await pilot.press("b")
        assert "forward" in static_text(app, "#unrolled-info")

    run_fake(body)


def test_snapshot_hello_forward(snap_compare):
    async def run_before(pilot):
        await wait_for(lambda: pilot.app.main_screen.last is not None
                       and pilot.app.main_screen.last.step == 12, pilot=pilot)
        await pilot.press("full_stop")
        await pilot.pause()

    assert snap_compare(create_app(CONFIG, FakeHelloFactory()), terminal_size=(160, 48),
                        run_before=run_before)


def test_snapshot_hello_backward(snap_compare):
    async def run_before(pilot):
        await wait_for(lambda: pilot.app.main_screen.last is not None
                       and pilot.app.main_screen.last.step == 12, pilot=pilot)
        await pilot.press("full_stop", "full_stop", "b")
        await pilot.pause()

    assert snap_compare(create_app(CONFIG, FakeHelloFactory()), terminal_size=(160, 48),
                        run_before=run_before)


def test_n_trains_the_real_model_one_step_at_a_time_until_it_spells_hello():
    """The real engine, started paused: each `n` is one optimizer step, and the picture
    follows the model (the view asks for the pass of the step on screen)."""

    async def main():
        app = create_app(CONFIG, autostart=False)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(lambda: app.main_screen.is_mounted, pilot=pilot)
            app.start_training(paused=True)
            view = app.main_screen
            for k in range(1, 41):
                await pilot.press("n")
                await wait_for(lambda: view.last is not None and view.last.step == k, 30,
                               pilot)
                assert app.info["train"].step == k and app.state == "paused"
                if view.last.spells:
                    break
            assert view.last.spells and view.last.greedy == "hello"
            assert 1 < k < 40  # fresh weights did not spell it; a few dozen steps do
            assert "✓ spells 'hello'" in static_text(app, "#step-detail")
            await pilot.press("q")

    asyncio.run(main())


def test_the_hello_chapter_starts_paused_at_step_0_and_n_moves_it(tmp_path, monkeypatch):
    """The lesson's first step asks to look before anything moves ([steps.run] paused): the
    real run is set up and shows the untrained model (step 0), and waits; `n` trains one
    step and the picture follows (the step's check: two pictures)."""
    from pathlib import Path

    import rnn_tui.lessons
    from engine.lessons.schema import load_chapter

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    chapter = load_chapter(Path(rnn_tui.lessons.__file__).parent / "02-hello.toml")
    assert chapter.steps[0].run.paused

    async def main():
        app = create_app(chapter.run_for(0).config(), lesson=(chapter, True))
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(lambda: app.lesson is not None and app.main_screen.last is not None,
                           30, pilot)
            await pilot.pause(0.5)
            view = app.main_screen
            assert view.last.step == 0 and app.state == "paused" and not app.lesson.passed
            assert app.info.get("train") is None  # nothing moved
            await pilot.press("n")
            await wait_for(lambda: view.last.step == 1 and app.lesson.passed, 30, pilot)
            assert app.state == "paused"
            await pilot.press("q")

    asyncio.run(main())
