"""The long-range view (fake trainer): the Jacobian picture, the task panel, the scalar
example, the T keys; and the shell's explode key with the way back to the last good
checkpoint."""

from __future__ import annotations

from fake_trainer import FakeFactory
from pilot_helpers import CONFIG, run, settled, static_text, wait_for, wait_for_screen

from engine.families.longrange.config import LongRangeConfig
from rnn_tui.app.screens import ConfirmScreen
from rnn_tui.views.longrange import LongRangeScreen, parse_scalar, scalar_example

LR_CONFIG = LongRangeConfig(model="lstm", length=60, hidden=64, lr=3e-3, clip=1.0,
                            clip_mode="norm")


def test_the_slides_scalar_numbers():
    # The CS286 slide prints 117.4 and 0.00515 for T = 50: they are w^T (to h^(0)); its
    # formula w^(T-1) gives 106.7 and 0.00573 (the "1.1^49 = 117.4" mixes the two).
    grow, fade = scalar_example(1.1, 50), scalar_example(0.9, 50)
    assert "w^T = 117.4" in grow[0] and "w^(T−1) = 106.7" in grow[1]
    assert "w^T = 0.00515" in fade[0] and "w^(T−1) = 0.00573" in fade[1]
    assert "10^4139" in scalar_example(1.1, 100_000)[0]  # past a float: shown as 10^k
    assert parse_scalar("w=0.95, T=200") == (0.95, 200)
    for bad in ("1.1", "x 5", "1.1 -3", "inf 3"):
        try:
            parse_scalar(bad)
        except ValueError:
            continue
        raise AssertionError(bad)


def test_jacobian_and_task_panels():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        assert isinstance(app.main_screen, LongRangeScreen)
        info = static_text(app, "#jacobian-info")
        assert "‖∂h_T/∂h_0‖" in info and "× 0.985" in info  # the fake's gain per step
        sigma = str(app.main_screen.query_one("#sigma-lines").render())
        assert "σ_max W_hh layer 1" in sigma and "forget 1.1" in sigma
        assert len(app.main_screen.query_one("#jacobian-bars").norms) == 60
        assert len(app.main_screen.query_one("#grad-bars").norms) == 60
        about = str(app.main_screen.query_one("#task-about").render())
        assert "T=60" in about and "baseline predict 1 0.1667" in about and "mse" in about
        assert "0.42@t=3" in str(app.main_screen.query_one("#examples").render())
        await pilot.press("p")
        await pilot.press(*"0.9 50", "enter")
        assert "0.00515" in str(app.main_screen.query_one("#scalar-lines").render())

    run(body, config=LR_CONFIG)


def test_t_keys_change_the_distance_and_restart():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        await pilot.press("T")
        await wait_for(lambda: len(factory.trainers) == 2, pilot=pilot)
        assert factory.last.config.length == 100  # 60 -> the next rung of the ladder
        await pilot.press("t")
        await wait_for(lambda: factory.last.config.length == 50, pilot=pilot)
        await pilot.press("i")
        await wait_for(lambda: factory.last.config.init == "default", pilot=pilot)

    run(body, config=LR_CONFIG)


def test_m_cycles_every_cell_of_the_lab_and_quick_presses_start_one_run():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        binding = next(b for b in app.main_screen.BINDINGS if b.key == "m")
        assert "rnn → irnn → gru → lstm" in binding.tooltip
        for expected in ("rnn", "irnn", "gru", "lstm"):
            n = len(factory.trainers)
            await pilot.press("m")
            await wait_for(lambda: len(factory.trainers) == n + 1, pilot=pilot)
            assert factory.last.config.model == expected
        # three quick presses pick the third cell: one new run, not three
        n = len(factory.trainers)
        await pilot.press("m", "m", "m")
        await wait_for(lambda: len(factory.trainers) == n + 1, pilot=pilot)
        await pilot.pause(1.0)
        assert len(factory.trainers) == n + 1 and factory.last.config.model == "gru"

    run(body, config=LR_CONFIG)


def test_explode_then_back_to_the_last_good_checkpoint():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        first = factory.last
        await pilot.press("x")
        await wait_for_screen(app, pilot, ConfirmScreen)
        calls = [c for c in first.calls if c[0] in ("set_hparam", "request_checkpoint")]
        assert calls == [("request_checkpoint",), ("set_hparam", "optimizer", "sgd"),
                         ("set_hparam", "clip_mode", "off"), ("set_hparam", "lr", 10.0)]
        question = str(app.screen.query_one("#confirm-question").render())
        assert "last good checkpoint (step 40)" in question and "lr 0.002" in question
        assert app.state == "error"
        await pilot.press("y")
        await wait_for(lambda: len(factory.trainers) == 2 and app.state == "running",
                       pilot=pilot)
        assert factory.resumed == ["runs/fake"]
        assert app.hparams["lr"] == 0.002 and app.hparams["clip_mode"] == "norm"
        assert factory.last.config.lr == 0.002

    run(body, config=CONFIG)


def test_divergence_without_a_checkpoint_explains_only():
    from rnn_tui.app.screens import MessageScreen

    async def body(app, pilot, factory):
        await wait_for_screen(app, pilot, MessageScreen)
        assert not factory.resumed

    run(body, FakeFactory(diverge_at=5, out_dir=None))


def test_snapshot_longrange_view(snap_compare):
    from fake_trainer import FakeFactory as Factory

    from rnn_tui.app import create_app

    async def run_before(pilot):
        await settled(pilot.app, pilot)
        await pilot.pause()

    app = create_app(LR_CONFIG, Factory())
    assert snap_compare(app, terminal_size=(160, 48), run_before=run_before)


def test_real_engine_explode_and_back(tmp_path):
    """The real trainer: the Jacobian picture arrives, x blows the run up, the guard stops
    it, y resumes the run directory from the checkpoint written when x was pressed."""
    import asyncio

    from rnn_tui.app import create_app

    cfg = LongRangeConfig(model="gru", hidden=16, length=12, heldout=32, batch_size=16,
                          probe_batch=2, device="cpu")
    out = tmp_path / "run"

    async def main():
        app = create_app(cfg, out_dir=str(out))
        async with app.run_test(size=(160, 48)) as pilot:
            def step() -> int:
                train = app.info.get("train")
                return train.step if train else 0

            await wait_for(lambda: app.main_screen.last_jacobian is not None, 30, pilot)
            await pilot.press("x")
            await wait_for(lambda: isinstance(app.screen, ConfirmScreen), 30, pilot)
            kept = app.info["checkpoint"].step
            assert app.info["finished"].reason == "diverged"
            await pilot.press("y")
            await wait_for(lambda: app.info.get("started") is not None
                           and app.info["started"].resumed and step() > kept, 30, pilot)
            assert app.info["started"].step == kept
            assert app.info["started"].config["optimizer"] == "adam"
            assert app.hparams["clip_mode"] == "norm"
            await pilot.press("q")

    asyncio.run(main())
    assert (out / "checkpoint.safetensors").is_file()


def test_the_adding_tasks_loss_is_an_mse_not_nats():
    async def body(app, pilot, factory):
        await settled(app, pilot)
        chart = app.main_screen.query_one("#loss-chart")
        assert chart.unit_label == "MSE" and "MSE" in chart.render_lines_now()[0].text
        await pilot.press("v")
        assert chart.unit == "nats" and chart.unit_label == "MSE"  # nothing to convert
        assert any("not a log-likelihood" in n.message for n in app._notifications)
        assert "unit MSE" in static_text(app, "#loss-info")

    run(body, config=LR_CONFIG)
