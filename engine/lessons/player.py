"""`LessonPlayer`: one chapter over a live run, through the app's controller interface only.

The player sets up each step's run (`controller.start`), feeds every event the controller
reports into the step's `Observation`, evaluates the step's check after each one, and records
a passed step in the learner's progress. `autoplay` plays each step's solution (the actions
a learner would take) through the same controller and reports each step's time to its check:
in the app (the app's controller) and headless (engine/lessons/headless.py) alike.

The controller is anything with the `Controller` protocol below (rnn_tui/app/controller.py
in the app); the player never touches a widget or a trainer.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Protocol

from engine.lessons import predicates as pred
from engine.lessons.chapter import Action, Chapter, RunSpec, Step
from engine.lessons.observe import Observation
from engine.lessons.progress import Progress

FIRST_EVENT_TIMEOUT_S = 60.0  # autoplay: a run must report within this (data, torch import)


class Controller(Protocol):
    """The app as one observable run (the names rnn_tui/app/controller.py provides)."""
    # None before any run, else: .config (the family's RunConfig, built through the registry
    # in engine/families), .settings, .status, .step, .family, .metrics, .run_dir
    run: Any

    def start(self, config: Any = None, **overrides: Any) -> Any: ...
    def set(self, name: str, value: Any) -> Any: ...
    def request(self, name: str, **kwargs: Any) -> Any: ...
    def pause(self) -> Any: ...
    def resume(self) -> Any: ...
    def step_once(self) -> Any: ...
    def subscribe(self, callback: Callable[[Any], None]) -> Callable[[], None]: ...


@dataclass
class StepResult:
    """How one step went under autoplay."""
    index: int
    step: Step
    passed: bool
    seconds: float  # wall time from opening the step to its check passing (or giving up)
    train_seconds: float  # active training time of the step's runs (the engine's clock)
    held_early: bool  # the check held before any of the solution was played (a bad step)
    note: str = ""


def progress_key(chapter: Chapter, builtin: bool) -> str:
    """Progress is kept per chapter: a built-in by its name, a teacher's file by its path."""
    return chapter.id if builtin else f"file:{chapter.path.resolve()}"


class LessonPlayer:
    def __init__(self, chapter: Chapter, controller: Controller,
                 progress: Progress | None = None, key: str | None = None,
                 on_change: Callable[[], None] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.chapter, self.controller, self.progress = chapter, controller, progress
        self.key = key or chapter.id
        self.on_change = on_change  # told after anything the panel shows changed
        self.clock = clock
        self.index = 0
        self.obs = Observation()
        self.passed = False
        self.opened_at = clock()
        self.passed_after: float | None = None
        self.hints_shown = 0
        self.revealed: int | None = None  # the choice the run shows (-1: none of them)
        self._running: RunSpec | None = None  # the spec of the run the player started
        self._unsubscribe = controller.subscribe(self.feed)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._changed: asyncio.Event | None = None

    @property
    def step(self) -> Step:
        return self.chapter.steps[self.index]

    def done(self) -> set[str]:
        return self.progress.done(self.key) if self.progress else set()

    # --- moving between steps --------------------------------------------------------------

    def open(self, index: int) -> None:
        """Show step `index`: a fresh observation, its run set up (after the answer, for a
        question), the check evaluated at once."""
        self.index = max(0, min(index, len(self.chapter.steps) - 1))
        step = self.step
        self.obs = Observation(_watched(step))
        self.passed, self.passed_after, self.revealed = False, None, None
        self.hints_shown, self.opened_at = 0, self.clock()
        if self.progress:
            self.progress.move(self.key, self.index)
        if step.question is None:
            self._ensure_run(fresh=step.run is not None)
        self._evaluate()  # (a run that goes on may already show what the check asks)

    def next(self) -> None:
        self.open(self.index + 1)

    def previous(self) -> None:
        self.open(self.index - 1)

    def hint(self) -> str | None:
        """The next hint (None when there are no more)."""
        if self.hints_shown >= len(self.step.hints):
            return None
        self.hints_shown += 1
        self._changed_now()
        return self.step.hints[self.hints_shown - 1]

    def answer(self, choice: int) -> None:
        """The learner's answer to the step's question (0-based); the run starts now."""
        question = self.step.question
        if question is None or not 0 <= choice < len(question.choices) or \
                self.obs.answer is not None:
            return
        self.obs.answer = choice
        self._ensure_run(fresh=True)
        self._evaluate()

    def close(self) -> None:
        self._unsubscribe()

    def _ensure_run(self, fresh: bool) -> None:
        """Start the run in force at this step, unless it is the one already running."""
        spec = self.chapter.run_for(self.index)
        if spec is None or (not fresh and spec is self._running):
            self._seed_from_controller()
            return
        self._running = spec
        self.controller.start(spec.config())

    def _seed_from_controller(self) -> None:
        """Going on with the run that trains already: its config and latest metrics."""
        run = self.controller.run
        if run is None or run.config is None:  # nothing has run yet
            return
        values = run.config.to_dict()  # a RunConfig, whatever the family
        record = self.obs.record()
        record.config, record.settings = values, dict(values)
        for name, value in run.metrics.items():
            record.update(name, value)
        record.elapsed0 = record.metrics.get("elapsed_s")

    # --- watching ----------------------------------------------------------------------------

    def feed(self, event: Any) -> None:
        """The controller's subscriber: any thread; handled on the player's event loop."""
        if self._loop is not None and threading.get_ident() != self._loop_thread:
            self._loop.call_soon_threadsafe(self._feed, event)
        else:
            self._feed(event)

    def _feed(self, event: Any) -> None:
        self.obs.feed(event)
        self._evaluate()

    def _evaluate(self) -> None:
        question = self.step.question
        if question is not None and self.revealed is None and self.obs.answer is not None \
                and question.reveal.holds(self.obs):
            self.revealed = next((i for i, c in enumerate(question.choices)
                                  if c.when.holds(self.obs)), -1)
        if not self.passed and self.step.check.holds(self.obs):
            self.passed, self.passed_after = True, self.clock() - self.opened_at
            if self.progress:
                self.progress.finish(self.key, self.step.id)
        self._changed_now()

    def _changed_now(self) -> None:
        if self._changed is not None:
            self._changed.set()
        if self.on_change is not None:
            self.on_change()

    # --- what the panel shows ------------------------------------------------------------------

    def check_text(self) -> str:
        return self.step.check.describe(self.obs)

    def verdict(self) -> str:
        """After a question's reveal: what the run showed, against the answer and the slide."""
        q = self.step.question
        if q is None or self.revealed is None:
            return ""
        if self.revealed < 0:
            return "The run shows none of the choices clearly: look at the panel and decide."
        said = self.obs.answer
        shown = q.choices[self.revealed].text
        parts = [f"The run says: {shown}."]
        parts.append("You said the same." if said == self.revealed else
                     f"You said: {q.choices[said].text}.")
        parts.append("The slide agrees." if q.slide == self.revealed else
                     f"The slide says: {q.choices[q.slide].text}. This run disagrees with "
                     f"the slide, and the run is what happened.")
        return " ".join(parts)

    # --- autoplay ----------------------------------------------------------------------------

    async def until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Wait until `condition()` holds (re-checked after every event), or the timeout."""
        self._bind_loop()
        deadline = self.clock() + timeout
        while not condition():
            left = deadline - self.clock()
            if left <= 0:
                return False
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), timeout=min(left, 0.5))
            except asyncio.TimeoutError:
                pass
        return True

    def _bind_loop(self) -> None:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
            self._loop_thread = threading.get_ident()
            self._changed = asyncio.Event()

    async def play_step(self, index: int) -> StepResult:
        """Open step `index`, play its solution, wait for its check (at most its timeout)."""
        self._bind_loop()
        self.open(index)
        step, t0 = self.step, self.clock()
        if step.question is None:  # let the run report before judging "held early"
            await self.until(lambda: self.obs.current is not None,
                             min(FIRST_EVENT_TIMEOUT_S, step.timeout_s))
        held_early = self.passed
        for action in step.solution:
            left = step.timeout_s - (self.clock() - t0)
            if left <= 0 or not await self.perform(action, left):
                break
        await self.until(lambda: self.passed, max(0.0, step.timeout_s - (self.clock() - t0)))
        seconds = self.passed_after if self.passed else self.clock() - t0
        error = getattr(self.controller, "error", None)
        note = self.verdict() if self.passed else \
            (error or f"still waiting for: {self.check_text()}")
        return StepResult(index, step, self.passed, seconds, self._train_seconds(),
                          held_early, note)

    def _train_seconds(self) -> float:
        # (a run the step went on with counts while it is the current one: once the step
        # started its own, the old one only trained on in the background)
        runs = self.obs.runs
        return sum(r.train_seconds() for r in runs if r.first_step is not None or r is runs[-1])

    async def perform(self, action: Action, timeout: float) -> bool:
        """Do one solution action through the controller; False when a wait timed out."""
        kind, arg, c = action.kind, action.arg, self.controller
        if kind == "set":
            c.set(*arg)
        elif kind == "start":
            spec = self.chapter.run_for(self.index)
            self._running = spec
            c.start(spec.config(), **arg)
        elif kind == "request":
            c.request(arg[0], **arg[1])
        elif kind == "pause":
            c.pause()
        elif kind == "resume":
            c.resume()
        elif kind == "step":
            for _ in range(arg):
                c.step_once()
        elif kind == "answer":
            self.answer(arg - 1)
        elif kind == "wait":
            return await self.until(lambda: arg.holds(self.obs), timeout)
        return True

    async def play_solution(self) -> bool:
        """The current step's solution from where the step is (the learner asked for it)."""
        self._bind_loop()
        for action in self.step.solution:
            if not await self.perform(action, self.step.timeout_s):
                return False
        return True

    async def autoplay(self, report: Callable[[StepResult], None] | None = None
                       ) -> list[StepResult]:
        """Every step's solution in order; stops at the first step whose check fails."""
        results = []
        for i in range(len(self.chapter.steps)):
            result = await self.play_step(i)
            results.append(result)
            if report is not None:
                report(result)
            if not result.passed:
                break
        return results


def _watched(step: Step) -> frozenset[str]:
    """The event names a step's checks and waits mention (their records are kept)."""
    names: set[str] = set()

    def walk(p: Any) -> None:
        if isinstance(p, pred.EventSeen):
            names.add(p.name)
        for part in getattr(p, "parts", ()):
            walk(part)

    walk(step.check)
    for action in step.solution:
        if action.kind == "wait":
            walk(action.arg)
    if step.question:
        for choice in step.question.choices:
            walk(choice.when)
    return frozenset(names)
