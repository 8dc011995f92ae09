"""Commands about data rather than models: `baseline` (count-based reference losses of a
corpus) and `corpus list` / `corpus download`."""

from __future__ import annotations

import typer

from rnn_tui.cli.signals import interrupt_on_sigterm

corpus_app = typer.Typer(help="Bundled and downloadable corpora.", no_args_is_help=True)


def baseline_command(corpus: str = typer.Option(..., "--corpus", help="Text file, dir or name."),
                     order: int = typer.Option(5, "--order", min=1, max=12),
                     val_fraction: float = typer.Option(0.1, "--val-fraction")) -> None:
    """Print count-based baselines (uniform, unigram, Kneser-Ney n-gram) on the val split."""
    from engine.data.corpus import load_corpus
    from engine.families.lm.config import LMConfig
    from engine.families.lm.data import split_text
    from engine.metrics import bits_per_char
    from engine.data.ngram import baselines

    LMConfig(val_fraction=val_fraction, baseline_order=order).validate()
    train, val = split_text(load_corpus(corpus).text, val_fraction)
    typer.echo(f"counting {order}-grams on {len(train):,} characters ...", err=True)
    with interrupt_on_sigterm():
        b = baselines(train, val, order=order)
    for name, key in (("uniform", "uniform"), ("unigram", "unigram"),
                      (f"{order}-gram Kneser-Ney", "ngram")):
        typer.echo(f"{name:<20} {b[key]:.4f} nats/char  {bits_per_char(b[key]):.4f} bits/char")


@corpus_app.command("list")
def corpus_list() -> None:
    """List bundled and downloadable corpora, and where each is read from."""
    from engine import families
    from engine.data.corpus import list_bundled
    from engine.data.download import REGISTRY

    for name, description, size, where in list_bundled():  # downloadable ones included
        shown = f"{size:,} chars" if size else ("(download)" if name in REGISTRY else "")
        typer.echo(f"{name:<18} {shown:>16}  {description}" + (f"  [{where}]" if where else ""))
    for family in families.FAMILIES:  # labelled data a family ships (--data NAME)
        for name, where in family.config_class().BUNDLED_DATA.items():
            typer.echo(f"{name:<18} {'(--data)':>16}  labelled data for {family.noun}: "
                       f"--task {family.task_names()[0]} --data {name}  [{where}]")


@corpus_app.command("download")
def corpus_download(name: str = typer.Argument(..., help="e.g. tiny-shakespeare")) -> None:
    """Download a public corpus into the cache (checksum verified)."""
    from engine.data.download import download

    shown = [-1]

    def progress(done: int, total: int | None) -> None:  # (bytes so far, total or None)
        tenth = done * 10 // total if total else done >> 20
        if tenth != shown[0]:  # a line per 10% (or per MB without a Content-Length)
            shown[0] = tenth
            of = f" of {total:,}" if total else ""
            typer.echo(f"{name}: {done:,}{of} bytes", err=True)

    with interrupt_on_sigterm():
        path = download(name, progress=progress)
    typer.echo(str(path))


def register(app: typer.Typer) -> None:
    app.command("baseline")(baseline_command)
    app.add_typer(corpus_app, name="corpus")
