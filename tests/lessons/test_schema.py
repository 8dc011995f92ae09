"""Lesson files: a valid one loads; every hostile or broken one is `file:line: why`, exit 2,
and nothing runs (the CLI never gets as far as building a trainer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.lessons import predicates as pred
from engine.lessons.schema import LessonFileError, load_chapter
from tests.cli_helpers import cli
from tests.lesson_helpers import chapter_text

VALID = chapter_text("tiny")  # tests/fixtures/lessons/tiny.toml


def write(tmp_path: Path, text: str, name: str = "lesson.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_file_loads(tmp_path):
    chapter = load_chapter(write(tmp_path, VALID))
    assert chapter.title == "A tiny chapter" and len(chapter.steps) == 1
    step = chapter.steps[0]
    assert isinstance(step.check, pred.Metric) and step.check.name == "val_loss"
    assert step.solution[0].kind == "wait"


# (what to change in VALID, the line the error must point at, words the message contains)
HOSTILE = [
    ("nonexistent metric", ('metric = "val_loss"', 'metric = "happiness"'), 17,
     ["no metric 'happiness'"]),
    ("a python expression where a predicate goes",
     VALID.replace('[steps.check]\nmetric = "val_loss"\nbelow = 2.0\n', '').replace(
         'text = "Watch the loss."\n',
         'text = "Watch the loss."\ncheck = "__import__(\'os\').system(\'ls\')"\n'),
     8, ["never run code"]),
    ("a path outside the lesson's folder", ('corpus = "hello"', 'corpus = "../../etc/passwd"'),
     10, ["outside the lesson's folder"]),
    ("an absolute path", ('corpus = "hello"', 'corpus = "/etc/passwd"'), 10,
     ["relative to its own folder"]),
    ("a huge budget", ("steps = 100", "steps = 100000000"), 14, ["steps must be"]),
    ("a huge time budget", ("steps = 100", "minutes = 600"), 14, ["minutes must be"]),
    ("a huge model", ("hidden = 16", "hidden = 16384"), 12, ["hidden must be at most"]),
    ("a TOML syntax error", ('title = "Train a little"', 'title = "Train a little'), 5,
     ["not valid TOML"]),
    ("an unknown key", ('text = "Watch the loss."', 'text = "x"\nexec = "print(1)"'), 8,
     ["unknown key 'exec'"]),
    ("an unknown setting", ("hidden = 16", "hiddenn = 16"), 12, ["hiddenn"]),
    ("a run directory chosen by the file", ("hidden = 16", 'out = "/tmp/x"'), 12,
     ["cannot choose where runs are kept"]),
    ("an unknown event", ('[steps.check]\nmetric = "val_loss"\nbelow = 2.0',
                          '[steps.check]\nevent = "rm_rf"'), 17, ["no event 'rm_rf'"]),
    ("a threshold that is code", ("below = 2.0", 'below = "1 if True else 0"'), 18,
     ["must be a number"]),
    ("a setting that cannot change live", ('wait = {metric = "step", at_least = 50}',
                                           'set = "hidden"\nvalue = 64'), 21,
     ["cannot change during a run"]),
]


@pytest.mark.parametrize("why,change,line,words", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_files_are_refused_at_their_line(tmp_path, why, change, line, words):
    if isinstance(change, str):  # a whole file
        text = change
    else:
        old, new = change
        assert old in VALID
        text = VALID.replace(old, new)
    path = write(tmp_path, text)
    with pytest.raises(LessonFileError) as err:
        load_chapter(path)
    assert str(err.value).startswith(f"{path}:{line}: "), str(err.value)
    for w in words:
        assert w in str(err.value)


def test_validate_cli_exit_codes(tmp_path, capsys):
    good = write(tmp_path, VALID)
    code, out, err = cli(capsys, "learn", "--validate", str(good))
    assert code == 0 and "ok, 1 steps" in out
    bad = write(tmp_path, VALID.replace('metric = "val_loss"', 'metric = "nope"'), "bad.toml")
    code, out, err = cli(capsys, "learn", "--validate", str(bad))
    assert code == 2 and err.startswith(f"{bad}:17: ") and "Traceback" not in err


def test_a_hostile_file_runs_nothing(tmp_path, capsys, monkeypatch):
    """--autoplay of a bad file fails before any trainer exists."""
    import engine.training.loop

    def no_training(*a, **k):
        raise AssertionError("a trainer was built from a bad lesson file")

    monkeypatch.setattr(engine.training.loop, "Trainer", no_training)
    bad = write(tmp_path, VALID.replace("steps = 100", "steps = 99999999"))
    code, out, err = cli(capsys, "learn", "--autoplay", str(bad))
    assert code == 2 and f"{bad}:14:" in err


def test_a_file_beside_the_lesson_is_found(tmp_path):
    (tmp_path / "mine.txt").write_text("hello hello hello\n" * 50, encoding="utf-8")
    chapter = load_chapter(write(tmp_path, VALID.replace('"hello"', '"mine.txt"')))
    assert chapter.steps[0].run.settings["corpus"] == str((tmp_path / "mine.txt").resolve())


def test_every_builtin_chapter_validates():
    from rnn_tui import lessons

    files = lessons.builtin_files()
    assert files
    for path in files:
        chapter = load_chapter(path)
        assert 4 <= len(chapter.steps) <= 10, path
        for step in chapter.steps:
            assert "·" in step.topic, (path, step.id)  # "DECK · topic"
