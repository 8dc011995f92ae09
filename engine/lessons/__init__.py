"""Lessons: chapters of small checked steps over a live run (`rnn-tui learn`).

A chapter is DATA, a TOML file (docs/lessons.md): each step's text, the run it sets up, what
to watch, a check, hints and a solution. Nothing in a lesson file ever executes: checks are
declarative predicates (predicates.py) evaluated over what the run reported (observe.py).

    chapter = load_chapter("lessons/05-gradients.toml")    # schema.py: file:line errors
                                                            # (into chapter.py's objects)
    player = LessonPlayer(chapter, controller)              # player.py: drives one chapter
    results = asyncio.run(autoplay_headless(chapter))       # headless.py: no app, real trainer

The app and the headless autoplay share everything here; the app only adds the panel.
This package imports neither textual, rich nor typer (nor torch until a run starts).
"""
