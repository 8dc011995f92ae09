"""Commands about data rather than models: `baseline` (count-based reference losses of a
corpus) and `corpus list` / `corpus download`."""

from __future__ import annotations

from typing import Optional

import typer

from rnn_tui.cli.signals import interrupt_on_sigterm

corpus_app = typer.Typer(help="Bundled and downloadable corpora.", no_args_is_help=True)


def baseline_command(corpus: str = typer.Option(..., "--corpus", help="Text file, dir or name."),
                     order: Optional[int] = typer.Option(
                         None, "--order", min=1, max=12, help="n-gram order (default: 5 for "
                         "characters, 4 for words)."),
                     val_fraction: float = typer.Option(0.1, "--val-fraction"),
                     val: Optional[str] = typer.Option(None, "--val", help="A held-out file "
                                                       "instead of the last --val-fraction."),
                     tokens: str = typer.Option("char", "--tokens", help="char | word"),
                     tokenizer: str = typer.Option("auto", "--tokenizer", help="words: "
                                                   "whitespace | word | auto")) -> None:
    """Print count-based baselines (uniform, unigram, Kneser-Ney n-gram) on the val split,
    over characters or words (--tokens word: the word model's split, vocabulary and <unk>;
    perplexity per word of the text and per token)."""
    import math

    from engine.families.lm.baselines import lm_baselines
    from engine.families.lm.config import LMConfig
    from engine.families.lm.splits import load_splits

    cfg = LMConfig(tokens=tokens, corpus=corpus, val=val, val_fraction=val_fraction,
                   tokenizer=tokenizer,
                   **({} if order is None else {"baseline_order": order})).validate()
    data = load_splits(cfg)
    for note in data.notes:
        typer.echo(note, err=True)
    typer.echo(f"counting {cfg.baseline_order}-grams on {data.train.numel():,} "
               f"{'characters' if tokens == 'char' else 'tokens'} ...", err=True)
    with interrupt_on_sigterm():
        losses = lm_baselines(cfg, data).losses
    # every held-out token is scored; per word: the same nats over the text's words + <eos>
    words = data.words.get("val") or data.val.numel()
    for name, nats in losses.items():
        name = name.replace(f"KN {cfg.baseline_order}-gram",
                            f"{cfg.baseline_order}-gram Kneser-Ney")
        if tokens == "char":
            typer.echo(f"{name:<20} {nats:.4f} nats/char  {nats / math.log(2):.4f} bits/char")
            continue
        per_word = nats * data.val.numel() / words
        split = "" if words == data.val.numel() else f" · per token {math.exp(nats):.1f}"
        typer.echo(f"{name:<20} {nats:.4f} nats/token  perplexity per word "
                   f"{math.exp(per_word):.1f}{split}")


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
