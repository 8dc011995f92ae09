"""The rough error surface (engine/families/surface): the grid is the model's own loss, the
clipped path clips as ADL's pseudo-code says and never steps farther than lr x threshold,
and from the default start the unclipped path is thrown off the cliff while the clipped one
settles."""

from __future__ import annotations

import math

import pytest
import torch

from engine.errors import EngineError
from engine.families.surface.config import SurfaceConfig
from engine.families.surface.grid import loss_grid
from engine.families.surface.model import SurfaceModel, clip_norm


def direct_loss(w: float, b: float, T: int, h0: float, target: float) -> float:
    """The recurrence in plain Python floats: the slide's h_t = tanh(w h_{t-1} + b)."""
    h = h0
    for _ in range(T):
        h = math.tanh(w * h + b)
    return (h - target) ** 2


def test_the_grid_is_the_loss_of_a_direct_forward_pass():
    cfg = SurfaceConfig()
    w = torch.linspace(cfg.w_min, cfg.w_max, 9, dtype=torch.float64)
    b = torch.linspace(cfg.b_min, cfg.b_max, 7, dtype=torch.float64)
    grid = loss_grid(w, b, cfg.timesteps, cfg.h0, cfg.target)
    assert grid.shape == (7, 9)
    for i in range(7):
        for j in range(9):
            want = direct_loss(float(w[j]), float(b[i]), cfg.timesteps, cfg.h0, cfg.target)
            assert float(grid[i, j]) == pytest.approx(want, abs=1e-12)
            m = SurfaceModel(float(w[j]), float(b[i]), cfg.timesteps, cfg.h0, cfg.target, 1.0)
            losses, _ = m()
            assert float(losses[0].detach()) == pytest.approx(want, abs=1e-5)


def test_the_surface_has_a_cliff():
    """Across the bifurcation the loss jumps from near 0 to near (1 + 0.7)^2 between
    neighbouring grid points: the slide's "either very flat or very steep"."""
    cfg = SurfaceConfig()
    w = torch.linspace(cfg.w_min, cfg.w_max, cfg.grid_w)
    b = torch.linspace(cfg.b_min, cfg.b_max, cfg.grid_b)
    grid = loss_grid(w, b, cfg.timesteps, cfg.h0, cfg.target)
    steps = (grid[1:] - grid[:-1]).abs()  # between neighbouring b
    assert float(steps.max()) > 2.0 and float(grid.min()) < 1e-3


def test_clip_norm_is_adls_algorithm():
    g = torch.tensor([3.0, 4.0])
    assert clip_norm(g, 1.0).tolist() == pytest.approx([0.6, 0.8])
    assert clip_norm(g, 10.0).tolist() == [3.0, 4.0]


def test_the_hook_clips_only_the_clipped_path():
    m = SurfaceModel(1.46, -0.18, 50, 0.5, 0.7, threshold=1.0)  # on the cliff's wall
    _, total = m()
    total.backward()
    from engine.families.surface.grid import run_unit

    theta = m.clipped.detach().clone().requires_grad_(True)  # no hook on this copy
    loss = (run_unit(theta[0], theta[1], 50, 0.5) - 0.7) ** 2
    raw = torch.autograd.grad(loss, theta)[0]
    assert float(raw.norm()) > 2  # near the wall: longer than the threshold
    assert m.last_norms[1] == pytest.approx(float(raw.norm()), rel=1e-5)
    assert float(m.clipped.grad.norm()) == pytest.approx(1.0, rel=1e-6)
    assert torch.allclose(m.clipped.grad, raw / raw.norm(), rtol=1e-5)
    assert float(m.unclipped.grad.norm()) == pytest.approx(float(raw.norm()), rel=1e-5)


@pytest.mark.parametrize("bad", [{"hidden": 2}, {"clip_mode": "norm"}, {"w_min": 4.0},
                                 {"timesteps": 0}, {"h0": 2.0}])
def test_bad_settings_are_refused(bad):
    with pytest.raises(EngineError):
        SurfaceConfig(**bad).validate()


def run_paths(**changes):
    from engine.training.loop import Trainer

    cfg = SurfaceConfig(device="cpu", **changes)
    events = list(Trainer(cfg).events())
    return cfg, events


def test_clipped_steps_never_exceed_the_threshold_and_the_unclipped_one_jumps():
    cfg, events = run_paths()
    paths = [e for e in events if e.name == "paths"]
    surfaces = [e for e in events if e.name == "surface"]
    assert len(surfaces) == 1 and len(surfaces[0].loss) == cfg.grid_b
    p = paths[-1]
    assert p.step == cfg.steps and len(p.clipped) == cfg.steps + 1
    assert p.clipped[0] == pytest.approx([cfg.w_start, cfg.b_start])
    for a, b in zip(p.clipped, p.clipped[1:]):
        assert math.dist(a, b) <= cfg.lr * cfg.clip * (1 + 1e-5)
    # The clipped path met the same kind of huge gradient, and clipped it.
    assert max(p.norms_clipped) > 100 * cfg.clip
    assert p.jumped and not p.jumped_clipped
    assert p.largest_step_unclipped > 100 and p.max_grad_norm > 1000
    assert p.loss_clipped < 0.01 < p.loss_unclipped
    # every recorded loss is the direct forward pass at that point
    for (w, b), loss in zip(p.clipped[::10], p.losses_clipped[::10]):
        assert loss == pytest.approx(direct_loss(w, b, cfg.timesteps, cfg.h0, cfg.target),
                                     abs=1e-5)
    last = [e for e in events if e.name == "eval"][-1]
    assert last.metrics["jumped"] == 1.0
    assert last.metrics["loss_clipped"] == pytest.approx(p.loss_clipped)
    assert last.val_loss == pytest.approx(p.loss_clipped + p.loss_unclipped)
    assert [e for e in events if e.name == "end"][-1].reason == "steps"


def test_gradient_probe_is_dL_dh_t_of_each_path():
    _, events = run_paths(steps=3, probe_every=1)
    probe = [e for e in events if e.name == "probe"][0]
    assert len(probe.grad_norms) == 2 and len(probe.grad_norms[0]) == 50
    # at the last step dL/dh_T = 2 (h_T - target)
    p = [e for e in events if e.name == "paths"][0]
    assert probe.grad_norms[0][-1] == pytest.approx(2 * math.sqrt(p.loss_unclipped),
                                                    rel=1e-4)


def test_a_resumed_run_continues_the_paths(tmp_path):
    from engine.training.loop import Trainer

    out = tmp_path / "run"
    cfg = SurfaceConfig(device="cpu", steps=10)
    first = [e for e in Trainer(cfg, out_dir=out).events() if e.name == "paths"][-1]
    more = [e for e in Trainer(None, out_dir=out, resume=True, overrides={"steps": 20})
            .events() if e.name == "paths"][-1]
    whole = [e for e in Trainer(cfg.replace(steps=20)).events() if e.name == "paths"][-1]
    flat = lambda points: [v for point in points for v in point]  # noqa: E731
    assert flat(more.clipped[:11]) == pytest.approx(flat(first.clipped))
    assert flat(more.clipped) == pytest.approx(flat(whole.clipped))
    assert flat(more.unclipped) == pytest.approx(flat(whole.unclipped))
    assert more.norms_unclipped == pytest.approx(whole.norms_unclipped)


def test_cli_runs_it(capsys):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from cli_helpers import assert_clean_error, cli

    code, out, err = cli(capsys, "run", "--task", "surface", "--steps", "20")
    assert code == 0, err
    assert "jumped off the cliff" in out
    code, out, err = cli(capsys, "run", "--task", "surface", "--clip-mode", "norm")
    assert_clean_error(code, out, err, "clip")
