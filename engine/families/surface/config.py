"""`SurfaceConfig`: the rough error surface of a one-unit RNN (shared fields in RunConfig).

    h_0 = h0,  h_t = tanh(w h_{t-1} + b) for t = 1..T,  loss(w, b) = (h_T - target)^2

For w > 1 the map has two stable fixed points and b decides which one h_T lands on: along the
bifurcation curve the loss jumps from about 0 to about 2.9 - the cliff. The defaults (T = 50,
h0 = 0.5, target 0.7, start (1.75, -0.1), plain SGD at 0.3, threshold 1) were chosen by
scanning starts and rates: the unclipped path meets a gradient of ~6.6e3 at its 7th step and
is thrown to (886, 1781), where tanh saturates and the gradient is 0 for good; the clipped
path crosses the same spot with a step of at most lr x threshold and settles near loss 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from engine.config import check_int, check_limit, check_positive, check_range
from engine.config import RunConfig
from engine.errors import EngineError


@dataclass
class SurfaceConfig(RunConfig):
    FAMILY: ClassVar[str] = "surface"
    REPORT_METRICS: ClassVar[tuple] = (("loss_unclipped", "unclipped", ".4f"),
                                       ("loss_clipped", "clipped", ".4f"))
    MODELS: ClassVar[tuple[str, ...]] = ("rnn",)
    CELLS: ClassVar[tuple[str, ...]] = ("rnn",)
    DRY_RUN: ClassVar[dict] = {"grid_w": 8, "grid_b": 6}
    FIXED_ON_RESUME: ClassVar[tuple[str, ...]] = RunConfig.FIXED_ON_RESUME + (
        "timesteps", "h0", "target", "w_start", "b_start")
    # --- model (shared fields with this family's defaults) ------------------------------
    model: str = "rnn"  # the one-unit tanh RNN (the only cell here)
    embed: int = 1  # unused: the RNN reads no input, only its own state
    hidden: int = 1  # one unit: the surface has two axes, w and b
    layers: int = 1  # one layer
    dropout: float = 0.0  # none
    # --- optimisation: plain gradient descent, as on the slide -------------------------
    batch_size: int = 1  # the one sequence
    optimizer: str = "sgd"  # adam | sgd | rmsprop (sgd with momentum 0: gradient descent)
    momentum: float = 0.0  # 0: each step is -lr * g, so the clipped step is at most lr * clip
    lr: float = 0.3  # the gradient-descent step size
    lr_schedule: str = "constant"  # constant | wsd | cosine
    warmup_steps: int = 0  # linear warmup steps from ~0 to lr
    clip_mode: str = "off"  # the loop's own clipping stays off: the clipped path clips itself
    clip: float = 1.0  # the clipped path's threshold: if ||g|| > clip, g <- clip * g / ||g||
    steps: int | None = 60  # stop after this many gradient steps
    threads: int = 1  # CPU intra-op threads: two scalars gain nothing from more
    log_every: int = 1  # a train event every step
    eval_every: int = 5  # both paths' losses every N steps (and at the end)
    probe_every: int = 5  # the paths so far every N steps (0 = off)
    sample_every: int = 0  # (nothing to sample)
    # --- the surface --------------------------------------------------------------------
    timesteps: int = 50  # T: steps of the recurrence before the loss is taken
    h0: float = 0.5  # the initial state h_0
    target: float = 0.7  # the loss is (h_T - target)^2
    w_start: float = 1.75  # where both paths start: the recurrent weight w
    b_start: float = -0.1  # ... and the bias b
    w_min: float = 0.5  # the window of the surface drawn: w from w_min
    w_max: float = 3.0  # to w_max
    b_min: float = -1.0  # b from b_min
    b_max: float = 1.0  # to b_max
    grid_w: int = 64  # grid points along w
    grid_b: int = 28  # grid points along b
    jump: float = 1.0  # a step longer than this in (w, b) counts as jumping off the cliff

    def validate(self) -> "SurfaceConfig":
        super().validate()
        if self.hidden != 1 or self.layers != 1:
            raise EngineError("the error surface is of a one-unit, one-layer RNN: leave "
                              "--hidden and --layers out")
        if self.clip_mode != "off":
            raise EngineError("the surface clips its own path (threshold --clip); the loop's "
                              "clipping must stay off (--clip-mode off)")
        check_positive("clip", self.clip)
        check_int("timesteps", self.timesteps, least=1)
        check_limit("timesteps", self.timesteps, 1000)
        for name in ("grid_w", "grid_b"):
            check_int(name, getattr(self, name), least=2)
            check_limit(name, getattr(self, name), 400)
        for name in ("h0", "target"):
            check_range(name, getattr(self, name), -1.0, 1.0)
        for name in ("w_start", "b_start", "w_min", "w_max", "b_min", "b_max"):
            check_range(name, getattr(self, name), -100.0, 100.0)
        if not (self.w_min < self.w_max and self.b_min < self.b_max):
            raise EngineError("the window needs w_min < w_max and b_min < b_max")
        check_positive("jump", self.jump)
        return self

    def describe(self) -> str:
        return f"1-unit RNN · T={self.timesteps}"

    def data_label(self) -> str:
        return f"surface T={self.timesteps}"

    def short_name(self) -> str:
        return "surface"

    def dry_run(self) -> "SurfaceConfig":
        return self.replace(steps=3, minutes=None, eval_every=3, log_every=1, probe_every=2,
                            sample_every=0, **self.DRY_RUN)
