"""`rnn-tui ladder --corpus FILE --minutes M`: the n-gram, the feed-forward LM and the
recurrent LMs trained on one word split with the same budget each, in one table.

The logic is engine.families.lm.ladder; this prints its progress and its table. Every
language-model option applies to every neural rung (only the model changes); `--out DIR`
keeps each rung's run directory and DIR/ladder.json, which `--reference DIR` draws as lines
on a later run's loss chart.
"""

from __future__ import annotations

from typing import Optional

import typer

from rnn_tui.cli.options import training_options

RungsOpt = typer.Option("ngram,ffnn,rnn,lstm", "--rungs",
                        help="The rungs, in order: ngram, ffnn, rnn, gru, lstm.")


@training_options
def ladder_command(rungs: str = RungsOpt,
                   out: Optional[str] = typer.Option(
                       None, "--out", help="Keep each rung's run directory and ladder.json "
                       "here (for --reference)."),
                   force: bool = typer.Option(False, "--force",
                                              help="Replace an earlier ladder in --out."),
                   overrides: dict = None) -> None:
    """Train the ladder of word language models (n-gram -> feed-forward -> RNN/GRU/LSTM) on
    one split, the same budget each (--minutes, default 2), and print one table."""
    from engine.config import with_overrides
    from engine.families.lm.config import LMConfig
    from engine.families.lm.ladder import parse_rungs, run_ladder
    from rnn_tui.cli.signals import stop_on_signals

    chosen = parse_rungs(rungs)
    settings = dict(overrides or {})
    with_overrides(LMConfig(), settings, "the language model (the ladder)")  # foreign flags
    if settings.pop("reference", None) is not None:
        typer.echo("note: --reference is for runs; the ladder ignores it", err=True)
    result = run_ladder(settings, chosen, out=out, force=force,
                        progress=lambda line: typer.echo(line, err=True),
                        watch=stop_on_signals)
    typer.echo(table(result))
    if out is None:
        typer.echo("\n(add --out DIR to keep the runs and ladder.json, then draw the rungs "
                   "on a run's loss chart with --reference DIR)", err=True)
    if any(r.get("stopped") == "stopped" for r in result["rungs"]):
        typer.echo("interrupted: the rungs after it were not trained", err=True)
        raise typer.Exit(130)


def table(result: dict) -> str:
    """The ladder as a plain-text table (held-out and test perplexity, size, speed, time)."""
    from rnn_tui.app.panels import fmt_count as _count

    has_test = any(r.get("test_ppl") is not None for r in result["rungs"])
    head = ["rung", "held-out ppl"] + (["test ppl"] if has_test else []) + \
        ["parameters", "tokens/s", "time"]
    rows = [head]
    for r in result["rungs"]:
        rows.append([r["name"], _ppl(r["val_ppl"])] + ([_ppl(r["test_ppl"])] if has_test
                                                        else [])
                    + [_count(r["params"]) + ("*" if r["kind"] == "count" else ""),
                       _count(r["tokens_per_s"]), _time(r["seconds"])])
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(row, widths))) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    if any(r["kind"] == "count" for r in result["rungs"]):
        lines.append("* the n-gram's parameters: the distinct n-grams it stores (its counts)")
    lines.append("")
    lines.append("what each rung writes (30 words, temperature 0.8, ⏎ = <eos>):")
    lines += [f"{r['name']:>10}  {r['sample'].replace(chr(10), ' ⏎ ')}" for r in result["rungs"]
              if r.get("sample")]
    return "\n".join(lines)


def _ppl(value) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _time(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 60 else f"{seconds / 60:.1f} min"


def register(app: typer.Typer) -> None:
    app.command("ladder")(ladder_command)
