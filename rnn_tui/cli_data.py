"""Commands about data rather than models: `baseline` (count-based reference losses of a
corpus) and `corpus list` / `corpus download`."""

from __future__ import annotations

import typer

corpus_app = typer.Typer(help="Bundled and downloadable corpora.", no_args_is_help=True)


def baseline_command(corpus: str = typer.Option(..., "--corpus", help="Text file, dir or name."),
                     order: int = typer.Option(5, "--order", min=1, max=12),
                     val_fraction: float = typer.Option(0.1, "--val-fraction")) -> None:
    """Print count-based baselines (uniform, unigram, Kneser-Ney n-gram) on the val split."""
    from engine.corpus import load_corpus
    from engine.families.lm.config import LMConfig
    from engine.families.lm.data import split_text
    from engine.metrics import bits_per_char
    from engine.ngram import baselines

    LMConfig(val_fraction=val_fraction, baseline_order=order).validate()
    train, val = split_text(load_corpus(corpus).text, val_fraction)
    b = baselines(train, val, order=order)
    for name, key in (("uniform", "uniform"), ("unigram", "unigram"),
                      (f"{order}-gram Kneser-Ney", "ngram")):
        typer.echo(f"{name:<20} {b[key]:.4f} nats/char  {bits_per_char(b[key]):.4f} bits/char")


@corpus_app.command("list")
def corpus_list() -> None:
    """List bundled and downloadable corpora."""
    from engine.corpus import list_bundled
    from engine.download import REGISTRY

    for name, description, size in list_bundled():
        shown = f"{size:,} chars" if size else ""
        typer.echo(f"{name:<18} {shown:>16}  {description}")
    for name, entry in REGISTRY.items():
        typer.echo(f"{name:<18} {'(download)':>16}  {entry.description}")


@corpus_app.command("download")
def corpus_download(name: str = typer.Argument(..., help="e.g. tiny-shakespeare")) -> None:
    """Download a public corpus into the cache (checksum verified)."""
    from engine.download import download

    path = download(name, progress=lambda msg: typer.echo(msg, err=True))
    typer.echo(str(path))


def register(app: typer.Typer) -> None:
    app.command("baseline")(baseline_command)
    app.add_typer(corpus_app, name="corpus")
