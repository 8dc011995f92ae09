"""The rnn-tui engine: models, data, training, sampling, checkpoints.

Importable without Textual, Rich or Typer (a test proves it): the headless CLI and the app
both drive `engine.training.loop.Trainer.events()`, a lazy generator of plain-data events.
"""
