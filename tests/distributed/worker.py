"""A rank of `rnn-tui run` whose training loss becomes NaN on ONE rank at one step, for the
test that both ranks then stop together (started by ranks.spawn with NAN_RANK, NAN_STEP).

Each rank says on stderr, as its run ends, which checkpoint it believes is the last good one:
`rank R: diverged at step S, last good checkpoint K`.
"""

import os
import sys

from engine.training.loop import Trainer

RANK, NAN_RANK, NAN_STEP = (int(os.environ[k]) for k in ("RANK", "NAN_RANK", "NAN_STEP"))
step, diverge = Trainer._train_step, Trainer._diverge


def poisoned_step(self):
    task = self.state.task
    if RANK == NAN_RANK and self.state.step == NAN_STEP:  # this rank's loss only
        forward = task.forward
        task.forward = lambda model, batch: (lambda out: (out[0], out[1] * float("nan")))(
            forward(model, batch))
        try:
            step(self)
        finally:
            del task.forward
    else:
        step(self)


def reporting_diverge(self):
    st = self.state
    print(f"rank {RANK}: diverged at step {st.step}, last good checkpoint "
          f"{st.guard.kept_step}", file=sys.stderr)
    yield from diverge(self)


Trainer._train_step, Trainer._diverge = poisoned_step, reporting_diverge
sys.argv = ["rnn-tui", *sys.argv[1:]]
from rnn_tui.cli import main  # noqa: E402

main()
