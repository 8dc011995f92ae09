"""The lesson player against a small fake controller (the app's controller contract): it
starts each step's run, evaluates checks on the events, keeps progress, asks questions and
says honestly when the run disagrees with the slide."""

from __future__ import annotations

import asyncio
from pathlib import Path

from engine import events as ev
from engine.lessons.player import LessonPlayer
from engine.lessons.progress import Progress
from engine.lessons.schema import load_chapter
from tests.lesson_helpers import LESSONS


class FakeController:
    """Records what the player asks; the test plays the engine's part with `emit`."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.subscribers: list = []
        self.run = None
        self.config = None

    def start(self, config=None, **overrides):
        self.config = (config or self.config).replace(**overrides)
        self.calls.append(("start", overrides))
        self.emit(ev.Started(config=self.config.to_dict(), device="cpu", vocab_size=2,
                             parameters=10, train_chars=1, val_chars=1, step=0))

    def set(self, name, value):
        self.calls.append(("set", name, value))
        self.emit(ev.HParamChange(step=1, key=name, old=None, new=value))

    def request(self, name, **kwargs):
        self.calls.append(("request", name, kwargs))

    def pause(self):
        self.calls.append(("pause",))

    def resume(self):
        self.calls.append(("resume",))

    def step_once(self):
        self.calls.append(("step",))

    def subscribe(self, callback):
        self.subscribers.append(callback)
        return lambda: self.subscribers.remove(callback)

    def emit(self, event):
        for callback in list(self.subscribers):
            callback(event)


def make(tmp_path: Path):
    chapter = load_chapter(LESSONS / "fake.toml")  # two steps: clipping, a question
    controller = FakeController()
    progress = Progress(tmp_path / "state" / "lessons.json")
    return chapter, controller, progress


def test_a_step_starts_its_run_and_passes_on_the_events(tmp_path):
    chapter, controller, progress = make(tmp_path)
    player = LessonPlayer(chapter, controller, progress)
    player.open(0)
    assert controller.calls[0][0] == "start" and controller.config.clip_mode == "off"
    assert not player.passed  # the check starts false
    controller.emit(ev.Eval(step=10, val_loss=1.5, best=True))
    assert not player.passed  # the metric holds, the setting does not
    controller.set("clip_mode", "norm")
    assert player.passed
    assert progress.done("fake") == {"clip-on"}
    # a finished step stays finished, in a new Progress read from the file
    assert Progress(progress.path).done("fake") == {"clip-on"}


def test_hints_come_one_at_a_time(tmp_path):
    chapter, controller, progress = make(tmp_path)
    player = LessonPlayer(chapter, controller, progress)
    player.open(0)
    assert player.hint() == "c turns clipping on"
    assert player.hint() == "really: c"
    assert player.hint() is None


def test_a_question_starts_the_run_after_the_answer_and_the_run_decides(tmp_path):
    chapter, controller, progress = make(tmp_path)
    player = LessonPlayer(chapter, controller, progress)
    player.open(1)
    assert controller.calls == []  # nothing runs before the answer
    player.answer(0)  # "tiny", as the slide says
    assert controller.calls[0][0] == "start"
    assert not player.passed
    # the run disagrees with the slide: the first gradient is not tiny
    controller.emit(ev.Probe(step=20, grad_norms=[[0.5, 0.6, 1.0]], global_norm=1.0,
                             clipped_norm=1.0, clip_fraction=0.0))
    assert player.passed and player.revealed == 1
    verdict = player.verdict()
    assert "The run says: not tiny" in verdict and "You said: tiny" in verdict
    assert "disagrees with the slide" in verdict


def test_autoplay_plays_the_solution_through_the_controller(tmp_path):
    chapter, controller, progress = make(tmp_path)
    player = LessonPlayer(chapter, controller)

    async def play():
        task = asyncio.create_task(player.play_step(0))
        await asyncio.sleep(0.05)
        controller.emit(ev.Eval(step=10, val_loss=1.0, best=True))
        return await task

    result = asyncio.run(play())
    assert result.passed and not result.held_early
    assert ("set", "clip_mode", "norm") in controller.calls


def test_a_damaged_progress_file_is_kept_aside(tmp_path):
    path = tmp_path / "lessons.json"
    path.write_text("{not json", encoding="utf-8")
    progress = Progress(path)
    assert progress.done("x") == set()
    assert (tmp_path / "lessons.json.bad").read_text() == "{not json"
    progress.finish("x", "a")
    progress.reset("x")
    assert Progress(path).done("x") == set()


def test_progress_lives_in_the_xdg_state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert Progress().path == tmp_path / "rnn-tui" / "lessons.json"
