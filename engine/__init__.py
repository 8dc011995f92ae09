"""The rnn-tui engine: the task families (families/), the training loop (training/), a run's
directory and checkpoints (run/), shared data (data/), races (racing/), and what they share
(task.py, config.py, events.py, recurrent.py; files.py, the one way a file is read;
many_classes.py, per-class tables of many classes).

Importable without Textual, Rich or Typer (a test proves it): the headless CLI and the app
both drive `engine.training.loop.Trainer.events()`, a lazy generator of plain-data events.
"""
