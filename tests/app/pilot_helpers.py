"""Helpers for the Pilot tests: run a test app on the fake trainer, wait for a condition."""

from __future__ import annotations

import asyncio
import time

from fake_trainer import FakeFactory

from engine.families.lm.config import LMConfig
from rnn_tui.app import create_app
from rnn_tui.app.app import RnnTuiApp

# Everything the assertions and snapshots depend on is pinned (engine defaults may change).
CONFIG = LMConfig(model="lstm", hidden=64, layers=2, lr=2e-3, bptt=100, clip=1.0,
                     clip_mode="norm", temperature=0.8)
SIZE = (160, 48)


# Generous: on a loaded machine (other programs, a CPU hog) the app and the fake are slow
# to answer; a wait that succeeds returns at once, only a failing one waits this long.
PATIENCE_S = 30.0


async def wait_for(predicate, timeout: float = PATIENCE_S, pilot=None) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        if pilot is not None:
            await pilot.pause(0.01)
        else:
            await asyncio.sleep(0.01)


def run(coro_fn, factory: FakeFactory | None = None, size=SIZE, config=CONFIG):
    """Run `coro_fn(app, pilot, factory)` inside a test app driven by a fake factory."""
    factory = factory or FakeFactory()

    async def main():
        app = create_app(config, factory)
        async with app.run_test(size=size) as pilot:
            await coro_fn(app, pilot, factory)
        return app

    return asyncio.run(main())


async def settled(app: RnnTuiApp, pilot, step: int = 40) -> None:
    """Wait until the fake's script has been shown (and its samples typed out)."""
    await wait_for(lambda: app.info.get("eval") is not None and app.info["eval"].step == step
                   and not app.revealing, pilot=pilot)


async def wait_for_screen(app: RnnTuiApp, pilot, cls) -> None:
    """Wait until a screen of type `cls` is on top and composed."""
    await wait_for(lambda: isinstance(app.screen, cls) and app.screen.is_mounted
                   and len(app.screen.children) > 0, pilot=pilot)


def status_text(app: RnnTuiApp) -> str:
    return app.main_screen.query_one("#status").text.plain


def static_text(app: RnnTuiApp, selector: str) -> str:
    widget = app.main_screen.query_one(selector)
    return widget.text.plain if hasattr(widget, "text") else str(widget.render())
