"""Races: 2-8 training runs of any family side by side on one machine, sharing it fairly.

    race = Race([Racer("rnn", cfg_a), Racer("lstm", cfg_b)], out_dir="runs/race", minutes=3)
    for name, event in race.events():   # (racer, engine event) as they happen
        ...
    race.standings.ranked()             # engine/racing/standings.py

Every racer is an ordinary `engine.training.loop.Trainer` (any family's config) writing its own run
directory OUT/<name>, which `rnn-tui open` reads like any other run.

How the CPU is shared, and why (benchmarks/race_sharing.py; benchmarks/results/longrange/
README.md): every racer trains with ONE intra-op thread, and the racers are dealt out to
one *lane* per core (a cheap and a costly cell in each, in the order given); a lane is a
Python thread taking one turn (one log interval, `log_every` steps) of each of its racers in
turn, and the lanes move in lockstep, at most `slack` rounds apart. So every racer gets the
same steps (within one turn), whatever its step costs: the race compares cells on the same
data, not on who burns the CPU fastest. The kernels release the GIL, so two lanes use two
cores. Measured on 2 cores, 4 racers (adding T = 100, hidden 128, batch 50): one thread
round robin 35 steps/s in all; lanes as threads 70 steps/s on an otherwise idle machine (35
when another job held the second core); one process per lane, the same; free processes 40-64
steps/s but the vanilla RNNs got 2.8-3.1x the gated cells' steps. Threads keep every event in
this process (the app draws them) and need no pickling or process start-up.

`--minutes` is the race's wall clock: when it runs out every racer ends as at the end of its
budget (a final evaluation, a checkpoint). `--steps` is each racer's own budget.
Reproducibility: the racers are built one after the other (seeded weights), but they share
torch's global random stream while they train, so dropout noise depends on the interleaving.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from engine import events as ev
from engine.config import RunConfig
from engine.training.device import usable_cores
from engine.errors import EngineError
from engine.racing.standings import Standings

MAX_RACERS = 8


@dataclass
class Racer:
    name: str  # also the name of its run directory
    config: RunConfig


class Lockstep:
    """Lanes start a round only while at most `slack` rounds ahead of the slowest lane
    still racing; a lane that is done leaves."""

    def __init__(self, lanes: int, slack: int = 1) -> None:
        self.done = [0] * lanes
        self.active = set(range(lanes))
        self.slack = slack
        self.cond = threading.Condition()

    def wait_turn(self, lane: int, cancelled) -> None:
        with self.cond:
            while not cancelled() and self.done[lane] - min(
                    self.done[i] for i in self.active) >= self.slack:
                self.cond.wait(0.05)

    def round_done(self, lane: int) -> None:
        with self.cond:
            self.done[lane] += 1
            self.cond.notify_all()

    def leave(self, lane: int) -> None:
        with self.cond:
            self.active.discard(lane)
            if not self.active:
                self.active.add(lane)  # (min over an empty set)
            self.cond.notify_all()


class Race:
    """Train `racers` side by side (see the module docstring)."""

    def __init__(self, racers: list[Racer], out_dir: str | Path | None = None,
                 minutes: float | None = None, lanes: int = 0, force: bool = False,
                 threshold: float | None = None, slack: int = 1) -> None:
        from engine.training.loop import Trainer

        names = [r.name for r in racers]
        if not 2 <= len(racers) <= MAX_RACERS:
            raise EngineError(f"a race needs 2 to {MAX_RACERS} racers, got {len(racers)}")
        if len(set(names)) != len(names):
            raise EngineError(f"two racers have the same name: {', '.join(names)}")
        if minutes is not None and not minutes > 0:
            raise EngineError(f"--minutes must be > 0, got {minutes}")
        self.racers = racers
        self.out_dir, self.force = None if out_dir is None else Path(out_dir), force
        self.minutes = minutes
        self.lanes = max(1, min(lanes or usable_cores(), len(racers)))
        self.slack = slack
        self.trainers = {r.name: Trainer(r.config.replace(threads=1), force=force,
                                         out_dir=None if out_dir is None
                                         else self.out_dir / r.name) for r in racers}
        self.standings = Standings(names, threshold)
        self.threshold = threshold
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._stop = threading.Event()
        self._time_up = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self.started_at: float | None = None  # wall clock of the first round
        self.ended_at: float | None = None  # and of the last racer's end

    def preflight(self) -> None:
        """What the racers' setup can fail on, checked before anything is built (the app
        does this before its screen opens): their run directories and their data."""
        from engine.storage import rundir

        for r in self.racers:
            try:
                if self.out_dir is not None:
                    rundir.check_free(self.out_dir / r.name)
                    rundir.check_usable(self.out_dir / r.name, False, self.force)
                r.config.preflight()
            except EngineError as exc:
                raise EngineError(f"racer {r.name}: {exc}") from None

    # --- controls (any thread) -------------------------------------------------------------

    def stop(self) -> None:
        """Stop every racer at once (each checkpoints; no final evaluation)."""
        self._stop.set()
        self._running.set()
        for t in self.trainers.values():
            t.stop()

    def finish(self) -> None:
        """End the race now as if its time were up (final evaluations, checkpoints)."""
        self._time_up.set()
        self._running.set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def elapsed(self) -> float:
        """Seconds since the race started (until it ended)."""
        if self.started_at is None:
            return 0.0
        return (self.ended_at or time.monotonic()) - self.started_at

    # --- the race ----------------------------------------------------------------------------

    def events(self) -> Iterator[tuple[str, ev.Event]]:
        """(racer name, event) for every event of every racer, until all have finished."""
        gens = {}
        for r in self.racers:  # built one at a time: each seeds torch and draws its weights
            gens[r.name] = self.trainers[r.name].events()
            try:
                first = next(gens[r.name])
            except EngineError as exc:
                self._close(gens)
                raise EngineError(f"racer {r.name}: {exc}") from None
            self._note(r.name, first)
            yield r.name, first
        gate = Lockstep(self.lanes, self.slack)
        self.started_at = time.monotonic()
        lanes = [threading.Thread(target=self._lane, args=(i, gate, gens), daemon=True,
                                  name=f"race-lane-{i}") for i in range(self.lanes)]
        for lane in lanes:
            lane.start()
        try:
            while any(lane.is_alive() for lane in lanes) or not self._queue.empty():
                try:
                    name, event = self._queue.get(timeout=0.1)
                except queue.Empty:
                    continue
                self.standings.update(name, event)
                yield name, event
        finally:  # the consumer gave up (or Ctrl+C): stop the lanes, let them checkpoint
            if any(lane.is_alive() for lane in lanes):
                self.stop()
                for lane in lanes:
                    lane.join(timeout=30)
            self.ended_at = time.monotonic()

    def _note(self, name: str, event: ev.Event) -> None:
        """The Started event: which metric the racer is judged by."""
        trainer = self.trainers[name]
        task = trainer.state.task
        self.standings.judge_by(name, task.headline, trainer.config.describe())
        if self.threshold is None and self.standings.threshold is None:
            self.standings.threshold = task.target
        self.standings.update(name, event)

    def _lane(self, lane: int, gate: Lockstep, gens: dict[str, Iterator]) -> None:
        mine = [r.name for r in self.racers[lane::self.lanes]]
        deadline = None if self.minutes is None else self.started_at + 60 * self.minutes
        try:
            while mine and not self._stop.is_set():
                self._running.wait()
                gate.wait_turn(lane, self._stop.is_set)
                if self._time_up.is_set() or (deadline and time.monotonic() >= deadline):
                    for name in mine:
                        self.trainers[name].finish()
                for name in list(mine):
                    if not self._turn(name, gens[name]):
                        mine.remove(name)
                gate.round_done(lane)
            for name in mine:  # stopped: let each checkpoint and say Finished
                while self._turn(name, gens[name]):
                    pass
        finally:
            gate.leave(lane)

    def _turn(self, name: str, gen: Iterator[ev.Event]) -> bool:
        """Run racer `name` to its next train event (one log interval); False once it has
        finished (or failed)."""
        try:
            for event in gen:
                self._queue.put((name, event))
                if isinstance(event, ev.Finished):
                    return False
                if isinstance(event, ev.TrainStep):
                    return True
        except Exception as exc:  # one racer's failure does not end the race
            message = str(exc) if isinstance(exc, EngineError) else \
                f"{type(exc).__name__}: {exc}"
            step = self.trainers[name].state.step if self.trainers[name].state else 0
            self._queue.put((name, ev.Finished(step=step, reason="failed", message=message)))
        return False

    @staticmethod
    def _close(gens: dict[str, Any]) -> None:
        for gen in gens.values():
            gen.close()
