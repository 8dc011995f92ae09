"""The `rnn-tui` command line: the app (default), and headless run / sample / eval / baseline.

torch is imported inside the commands, never at module level, so `--help` answers fast.
Every user-fixable problem (EngineError) is one line on stderr and exit code 2.
"""

from __future__ import annotations

import itertools
import math
import signal
import sys
from pathlib import Path
from typing import Optional

import typer

from engine.errors import EngineError
from rnn_tui.options import file_overrides, resolve_config, training_options

app = typer.Typer(add_completion=False, no_args_is_help=False, rich_markup_mode="rich",
                  help="Train vanilla RNN, GRU and LSTM language models (and encoder-decoders "
                       "with attention) and watch them learn.")
corpus_app = typer.Typer(help="Bundled and downloadable corpora.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")
from rnn_tui.cli_seq2seq import seq2seq_app, translate_command  # noqa: E402
app.add_typer(seq2seq_app, name="seq2seq")
app.command("translate")(translate_command)

EXIT_USAGE = 2  # bad input (corpus, config, checkpoint, device), a busy or full run dir
EXIT_DIVERGED = 3  # training stopped on a NaN/inf loss (the last good checkpoint is kept)
EXIT_INTERRUPTED = 130  # Ctrl+C or SIGTERM (a checkpoint was saved)

ConfigOpt = typer.Option(None, "--config", help="TOML file with training options.")


def _err(message: str) -> None:
    typer.echo(f"rnn-tui: error: {message}", err=True)


@app.callback(invoke_without_command=True)
@training_options
def main_command(ctx: typer.Context, config: Optional[str] = ConfigOpt,
                 task: Optional[str] = typer.Option(
                     None, "--task", help="Open the app on an encoder-decoder task instead: "
                     "dates | reverse | sort | add | pairs; its options: `rnn-tui seq2seq "
                     "app --help`."),
                 out: Optional[str] = typer.Option(None, "--out",
                                                   help="Run directory for the app's run."),
                 overrides: dict = None) -> None:
    """With no command: open the interactive app, training on the default bundled corpus."""
    if task is not None:  # main() routes --task to `seq2seq app`: only a direct call gets here
        raise EngineError("a seq2seq task opens with `rnn-tui seq2seq app --task ...`")
    if ctx.invoked_subcommand is not None:
        if overrides or config:
            raise EngineError("training options go after the command, e.g. "
                              "`rnn-tui run --corpus FILE`")
        return
    cfg = resolve_config(config, overrides or {})
    from rnn_tui.app import run_app

    run_app(cfg, out_dir=out)


@app.command("open")
def open_command(run_dir: Path = typer.Argument(..., help="A run directory.")) -> None:
    """Open a run directory in the app: its curves, its model, ready to sample or continue."""
    from engine.checkpoint import FILENAME, load
    from engine.run_state import checkpoint_config as lm_config
    from engine.seq2seq.evaluate import checkpoint_config as seq2seq_config
    from rnn_tui.app import run_app

    saved = load(run_dir / FILENAME if run_dir.is_dir() else run_dir)
    check = seq2seq_config if saved.meta.get("kind") == "seq2seq" else lm_config
    cfg = check(saved, str(run_dir))  # an edited checkpoint: one line here, not a dialog
    run_app(cfg, out_dir=str(run_dir), resume=True)


@app.command("run")
@training_options
def run_command(config: Optional[str] = ConfigOpt,
                task: Optional[str] = typer.Option(
                    None, "--task", help="Train an encoder-decoder instead: dates | reverse | "
                    "sort | add | pairs (with --pairs FILE); its options: `rnn-tui seq2seq "
                    "run --help`."),
                out: Optional[str] = typer.Option(None, "--out", help="Run directory "
                                                  "(metrics.jsonl, checkpoint, samples)."),
                resume: bool = typer.Option(False, "--resume", help="Continue the run in --out."),
                force: bool = typer.Option(False, "--force", help="Overwrite an existing --out."),
                dry_run: bool = typer.Option(False, "--dry-run",
                                             help="Smoke test: a tiny model for 3 steps."),
                overrides: dict = None) -> None:
    """Train headless: progress on the terminal, metrics, samples and checkpoints in --out."""
    from rich.console import Console

    from engine.config import TrainConfig
    from engine.trainer import Trainer
    from rnn_tui.report import RunReporter

    if task is not None:  # main() routes --task to `seq2seq run`: only a direct call gets here
        raise EngineError("a seq2seq task runs with `rnn-tui seq2seq run --task ...`")
    overrides = overrides or {}
    if resume:
        if out is None:
            raise EngineError("--resume needs --out DIR (the run to continue)")
        # --config with --resume: the file's options change the run like flags (and flags
        # win over it); the architecture and optimizer cannot change (engine.config).
        overrides = {**file_overrides(config, TrainConfig), **overrides}
        cfg = resolve_config(None, {})
    else:
        cfg = resolve_config(config, overrides)
    if dry_run:
        cfg = cfg.replace(hidden=32, layers=min(cfg.layers, 2), embed=16, batch_size=4, bptt=16,
                          steps=3, minutes=None, eval_every=3, log_every=1, probe_every=2,
                          sample_every=3, sample_length=40, baseline_order=3)
    trainer = Trainer(cfg, out_dir=out, resume=resume, force=force,
                      overrides=overrides if resume else None)
    console = Console(stderr=False)
    finished = None
    with _stop_on_signals(trainer), RunReporter(console, cfg.steps, cfg.minutes) as report:
        for event in trainer.events():
            report.handle(event)
            if event.name == "end":
                finished = event
    exit_for(finished, f"rnn-tui run --out {out} --resume" if out else None)


def exit_for(finished, resume_command: str | None) -> None:
    """The exit code of a finished run: 3 diverged (with why), 130 stopped, else 0."""
    if finished is None:
        return
    if finished.reason == "diverged":
        _err(finished.message)
        raise typer.Exit(EXIT_DIVERGED)
    if finished.reason == "stopped":
        where = f"; resume with: {resume_command}" if resume_command else ""
        if finished.step == 0:
            where = " (before the first step: nothing to resume)"
        typer.echo(f"interrupted at step {finished.step}{where}", err=True)
        raise typer.Exit(EXIT_INTERRUPTED)


class _interrupt_on_sigterm:
    """SIGTERM ends a command like Ctrl+C does (KeyboardInterrupt: exit 130) instead of
    killing it silently; for commands with nothing to save (sample, eval, baseline)."""

    def __enter__(self):
        self.old = signal.signal(signal.SIGTERM, signal.default_int_handler)
        return self

    def __exit__(self, *exc):
        signal.signal(signal.SIGTERM, self.old)


class _stop_on_signals:
    """First Ctrl+C (or SIGTERM): stop cleanly after the step, saving a checkpoint.
    A second Ctrl+C aborts at once."""

    def __init__(self, trainer):
        self.trainer = trainer
        self.count = 0

    def __enter__(self):
        self.old = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
        for s in self.old:
            signal.signal(s, self._handle)
        return self

    def _handle(self, signum, frame):
        self.count += 1
        if self.count > 1:
            raise KeyboardInterrupt
        typer.echo("\nstopping after this step (saving a checkpoint); Ctrl+C again to abort",
                   err=True)
        self.trainer.stop()

    def __exit__(self, *exc):
        for s, handler in self.old.items():
            signal.signal(s, handler)


@app.command("sample")
def sample_command(run_dir: Path = typer.Argument(..., help="Run directory or checkpoint."),
                   length: int = typer.Option(500, "--length", "-n", min=0),
                   temperature: float = typer.Option(0.8, "--temperature", "-t"),
                   top_k: Optional[int] = typer.Option(None, "--top-k"),
                   prime: str = typer.Option("", "--prime", "-p"),
                   seed: Optional[int] = typer.Option(None, "--seed"),
                   greedy: bool = typer.Option(False, "--greedy", help="Always the argmax."),
                   device: str = typer.Option("cpu", "--device")) -> None:
    """Write text generated by a trained model to stdout (only the text)."""
    from engine.run_state import load_model
    from engine.sampling import generate

    model, vocab, _, _ = load_model(run_dir, device)
    chars = generate(model, vocab, prime=prime, length=length, temperature=temperature,
                     top_k=top_k, greedy=greedy, seed=seed,
                     device=next(model.parameters()).device)
    out = sys.stdout
    with _interrupt_on_sigterm():
        first = next(chars, None)  # bad options are refused before anything is written
        out.write(prime)
        for i, (ch, _) in enumerate(itertools.chain([first] if first else [], chars)):
            out.write(ch)
            if out.isatty() and i % 8 == 0:
                out.flush()
    out.write("\n")


@app.command("eval")
def eval_command(run_dir: Path = typer.Argument(..., help="Run directory or checkpoint."),
                 corpus: str = typer.Option(..., "--corpus", help="Text file, dir or name."),
                 device: str = typer.Option("cpu", "--device")) -> None:
    """Print the loss of a trained model on a text (nats/char, bits/char, perplexity)."""
    from engine.corpus import load_corpus
    from engine.evaluate import evaluate
    from engine.metrics import bits_per_char, perplexity
    from engine.run_state import load_model

    model, vocab, _, _ = load_model(run_dir, device)
    text = load_corpus(corpus).text
    ids = vocab.encode_tensor(text)
    with _interrupt_on_sigterm():
        loss = evaluate(model, ids, next(model.parameters()).device)
    if not math.isfinite(loss):
        raise EngineError(f"the model's loss on {corpus} is {loss}: its predictions overflow "
                          f"(a checkpoint from a run that was diverging)")
    typer.echo(f"{loss:.4f} nats/char · {bits_per_char(loss):.4f} bits/char · perplexity "
               f"{perplexity(loss):.3f} on {len(text):,} characters")


@app.command("baseline")
def baseline_command(corpus: str = typer.Option(..., "--corpus", help="Text file, dir or name."),
                     order: int = typer.Option(5, "--order", min=1, max=12),
                     val_fraction: float = typer.Option(0.1, "--val-fraction")) -> None:
    """Print count-based baselines (uniform, unigram, Kneser-Ney n-gram) on the val split."""
    from engine.config import TrainConfig
    from engine.corpus import load_corpus
    from engine.data import split_text
    from engine.metrics import bits_per_char
    from engine.ngram import baselines

    TrainConfig(val_fraction=val_fraction, baseline_order=order).validate()
    train, val = split_text(load_corpus(corpus).text, val_fraction)
    typer.echo(f"counting {order}-grams on {len(train):,} characters ...", err=True)
    with _interrupt_on_sigterm():
        b = baselines(train, val, order=order)
    for name, key in (("uniform", "uniform"), ("unigram", "unigram"),
                      (f"{order}-gram Kneser-Ney", "ngram")):
        typer.echo(f"{name:<20} {b[key]:.4f} nats/char  {bits_per_char(b[key]):.4f} bits/char")


@corpus_app.command("list")
def corpus_list() -> None:
    """List bundled and downloadable corpora."""
    from engine.corpus import list_bundled
    from engine.download import REGISTRY

    for name, description, size in list_bundled():  # downloadable ones included
        shown = f"{size:,} chars" if size else ("(download)" if name in REGISTRY else "")
        typer.echo(f"{name:<18} {shown:>16}  {description}")


@corpus_app.command("download")
def corpus_download(name: str = typer.Argument(..., help="e.g. tiny-shakespeare")) -> None:
    """Download a public corpus into the cache (checksum verified)."""
    from engine.download import download

    shown = [-1]

    def progress(done: int, total: int | None) -> None:  # (bytes so far, total or None)
        tenth = done * 10 // total if total else done >> 20
        if tenth != shown[0]:  # a line per 10% (or per MB without a Content-Length)
            shown[0] = tenth
            of = f" of {total:,}" if total else ""
            typer.echo(f"{name}: {done:,}{of} bytes", err=True)

    with _interrupt_on_sigterm():
        path = download(name, progress=progress)
    typer.echo(str(path))


def route_seq2seq(argv: list[str]) -> list[str]:
    """`rnn-tui run --task T ...` is `rnn-tui seq2seq run --task T ...`, and the app with a
    task (`rnn-tui --task T ...`) is `rnn-tui seq2seq app --task T ...`: the seq2seq options
    (attention, teacher forcing, ...) belong to those commands."""
    if not any(a == "--task" or a.startswith("--task=") for a in argv):
        return argv
    if argv and argv[0] == "run":
        return ["seq2seq", "run", *argv[1:]]
    if not argv or argv[0].startswith("-"):
        return ["seq2seq", "app", *argv]
    return argv


def main() -> None:
    try:
        # returns typer.Exit's code instead of raising
        code = app(args=route_seq2seq(sys.argv[1:]), standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except EngineError as exc:
        _err(str(exc))
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        typer.echo("\ninterrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:  # click's usage errors arrive here with standalone_mode=False
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # (typer vendors click)
            exc.show()
            sys.exit(EXIT_USAGE)
        raise


if __name__ == "__main__":
    main()
