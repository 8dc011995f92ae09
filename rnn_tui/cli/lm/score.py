"""`rnn-tui score DIR "sentence" ...`: how likely a trained language model finds sentences.

For each sentence: ln P (the sum of its tokens' ln P, chain rule), perplexity per token,
and each token's surprisal (-log2 P, bits) as a bar; with two or more, which is likelier
and by how much - the lectures' "recognize speech" vs "wreck a nice beach". Every sentence
is read from the start-of-line context the model saw in training (engine.families.lm.scoring).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from engine.errors import EngineError
from rnn_tui import surprisal

BAR_WIDTH = 40


def score_command(ctx: typer.Context,
                  run_dir: Path = typer.Argument(..., help="A language model's run directory "
                                                 "(or its checkpoint)."),
                  sentences: Optional[list[str]] = typer.Argument(
                      None, help="Sentences to score (quote each one)."),
                  file: Optional[Path] = typer.Option(None, "--file",
                                                      help="More sentences, one per line."),
                  end: bool = typer.Option(True, "--end/--no-end",
                                           help="Score the end of the sentence too (<eos>, "
                                                "or a newline): P of the whole sentence, not "
                                                "of every text it begins."),
                  device: str = typer.Option("cpu", "--device")) -> None:
    """Score sentences with a trained language model: ln P, perplexity, surprisal per token."""
    from rnn_tui.cli.inference import answer, input_lines, load_for

    texts = list(sentences or []) + input_lines(file)
    if not texts:
        raise EngineError('nothing to score: give sentences, e.g. rnn-tui score DIR '
                          '"recognize speech" "wreck a nice beach"')
    for text in texts:
        if not text.strip():
            raise EngineError("an empty sentence cannot be scored")
    run = load_for(run_dir, "score", device, ctx)
    typer.echo(render(answer(run, "score", sentences=texts, end=end)[0].sentences))


def render(scores: list[dict], width: int = BAR_WIDTH) -> str:
    """The plain-text report of `score` (also what the tests read)."""
    scale = surprisal.scale_for(scores, width)
    lines = [f"surprisal per token, -log2 P (█ = {scale:g} bit{'s' if scale != 1 else ''})"]
    for s in scores:
        lines += ["", repr(s["text"]), "  " + surprisal.headline(s)]
        rows = surprisal.token_rows(s, width, scale)
        pad = max(len(token) for token, *_ in rows)
        for token, bits, drawn, unknown in rows:
            note = "  (not in the vocabulary: scored as <unk>)" if unknown else ""
            lines.append(f"    {token:<{pad}}  {bits:6.2f}  {drawn}{note}")
    verdict = surprisal.verdict(scores)
    if verdict:
        lines += ["", verdict]
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    app.command("score")(score_command)
