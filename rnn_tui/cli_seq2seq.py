"""`rnn-tui seq2seq run` (train an encoder-decoder headless), `rnn-tui seq2seq app` (the
same in the interactive app) and `rnn-tui translate`.

Registered from rnn_tui/cli.py, which also routes `rnn-tui run --task T ...` here (and a
bare `rnn-tui --task T ...` to the app). torch is imported inside the commands only. Every
field of `engine.seq2seq.config.Seq2SeqConfig` is a flag (`--batch-size`,
`--teacher-forcing`, ...) and a key of the TOML file given with `--config`; bad input is an
EngineError: one line on stderr, exit code 2.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Optional

import typer

from engine.errors import EngineError
from engine.seq2seq.config import Seq2SeqConfig
from rnn_tui.options import file_overrides, options_from

seq2seq_app = typer.Typer(help="Sequence-to-sequence models (dates, reverse, sort, add, "
                               "sentence pairs) with and without attention.",
                          no_args_is_help=True)
PANEL = "Seq2seq options"
SHADES = " .:-=+*#%@"  # attention weight 0 .. 1, one character per cell


seq2seq_options = options_from(Seq2SeqConfig, panel=PANEL)
ConfigOpt = typer.Option(None, "--config", help="TOML file with seq2seq options.")


def resolve_seq2seq_config(config_file: str | None, overrides: dict) -> Seq2SeqConfig:
    """defaults <- TOML file (top-level keys or a [seq2seq] table) <- flags, validated."""
    from engine.config import load_toml

    data = load_toml(config_file) if config_file else {}
    if set(data) == {"seq2seq"} and isinstance(data["seq2seq"], dict):
        data = data["seq2seq"]
    cfg = Seq2SeqConfig.from_dict(data, source=config_file or "config")
    return cfg.replace(**overrides).validate()


@seq2seq_app.command("app")
@seq2seq_options
def app_command(config: Optional[str] = ConfigOpt,
                out: Optional[str] = typer.Option(None, "--out", help="Run directory."),
                overrides: dict = None) -> None:
    """Train an encoder-decoder in the interactive app (same as `rnn-tui --task T`)."""
    from rnn_tui.app import run_app

    run_app(resolve_seq2seq_config(config, overrides or {}), out_dir=out)


@seq2seq_app.command("run")
@seq2seq_options
def run_command(config: Optional[str] = ConfigOpt,
                out: Optional[str] = typer.Option(None, "--out", help="Run directory "
                                                  "(metrics.jsonl, config.json, checkpoint)."),
                resume: bool = typer.Option(False, "--resume", help="Continue the run in --out."),
                force: bool = typer.Option(False, "--force", help="Overwrite an existing --out."),
                overrides: dict = None) -> None:
    """Train an encoder-decoder; metrics, attention of probe examples and checkpoints in --out."""
    from engine.seq2seq.trainer import Seq2SeqTrainer
    from rnn_tui.cli import _stop_on_signals, exit_for

    overrides = overrides or {}
    if resume:
        if out is None:
            raise EngineError("--resume needs --out DIR (the run to continue)")
        overrides = {**file_overrides(config, Seq2SeqConfig), **overrides}  # as in `run`
        cfg = Seq2SeqConfig()
    else:
        cfg = resolve_seq2seq_config(config, overrides)
    trainer = Seq2SeqTrainer(cfg, out_dir=out, resume=resume, force=force,
                             overrides=overrides if resume else None)
    report = _Reporter()
    finished = None
    with _stop_on_signals(trainer):
        for event in trainer.events():
            report.handle(event)
            if event.name == "end":
                finished = event
    exit_for(finished, f"rnn-tui seq2seq run --out {out} --resume" if out else None)


class _Reporter:
    """Plain lines: a train line at most every 5 s, every eval, probe, checkpoint, warning."""

    def __init__(self, interval: float = 5.0):
        self.interval, self.last = interval, 0.0

    def handle(self, e) -> None:
        name = e.name
        if name == "start":
            c = e.config
            bi = "bi" if c["bidirectional"] else ""
            what = f"resuming at step {e.step}" if e.resumed else "training"
            typer.echo(f"{what}: {c['task']} · {bi}{c['cell']} {c['hidden']}x{c['layers']} · "
                       f"attention {c['attention']} · {e.parameters:,} parameters · vocab "
                       f"{e.vocab_size} · {e.device}")
        elif name == "train" and time.monotonic() - self.last >= self.interval:
            self.last = time.monotonic()
            tf = getattr(e, "teacher_forcing", 1.0)
            tf = f" · teacher forcing {tf:.2f}" if tf < 1.0 else ""
            typer.echo(f"step {e.step:>6} · loss {e.train_loss:.4f} · lr {e.lr:.2e} · grad "
                       f"{e.grad_norm:.2f}{tf} · {e.tokens_per_s:,.0f} tok/s · "
                       f"{e.elapsed_s:5.0f}s")
        elif name == "eval":
            extra = ""
            if e.bleu is not None:
                extra = f" · BLEU {100 * e.bleu:.1f} · chrF {100 * e.chrf:.1f}"
            typer.echo(f"step {e.step:>6} · held-out loss {e.val_loss:.4f} · token acc "
                       f"{100 * e.token_accuracy:.2f}% · exact {100 * e.exact_match:.2f}%"
                       f"{extra}{' · best' if e.best_exact else ''}")
        elif name == "attention":
            mark = "" if not e.target else (" ✓" if e.output == e.target else f" (want "
                                                                             f"{e.target!r})")
            typer.echo(f"    {e.source!r} -> {e.output!r}{mark}")
        elif name == "checkpoint" and e.reason != "interval":
            typer.echo(f"checkpoint ({e.reason}) at step {e.step}: {e.path}")
        elif name == "warning":
            typer.echo(f"warning: {e.message}", err=True)
        elif name == "hparam":
            typer.echo(f"step {e.step}: {e.key} {e.old} -> {e.new}")
        elif name == "end":
            typer.echo(f"finished at step {e.step}: {e.message}")


def translate_command(run_dir: Path = typer.Argument(..., help="A seq2seq run directory."),
                      text: str = typer.Argument(..., help="The input to translate."),
                      beam: int = typer.Option(1, "--beam", "-k", min=1, max=64,
                                               help="Beam width (1 = greedy)."),
                      max_len: int = typer.Option(0, "--max-len", min=0,
                                                  help="Most output characters (0 = auto)."),
                      no_grid: bool = typer.Option(False, "--no-grid",
                                                   help="Skip the attention heatmap."),
                      device: str = typer.Option("cpu", "--device")) -> None:
    """Translate one input with a trained seq2seq model: output, beam, attention heatmap."""
    from engine.seq2seq.decode import beam_search, check_source, greedy
    from engine.seq2seq.evaluate import load_seq2seq

    model, vocab, cfg, meta = load_seq2seq(run_dir, device)
    text, warnings = check_source(vocab, text, int(meta.get("max_source_len") or len(text)))
    for message in warnings:
        typer.echo(f"warning: {message}", err=True)
    limit = max_len or cfg.max_output_len or int(meta.get("max_target_len", 50)) + 10
    dev = next(model.parameters()).device
    if beam == 1:
        hyps = greedy(model, vocab, [text], limit, dev)
    else:
        hyps = beam_search(model, vocab, text, beam, limit, dev)
    best = hyps[0]
    typer.echo(best.text)
    if not best.finished:
        typer.echo(f"warning: no <eos> within {limit} characters (output cut)", err=True)
    if beam > 1:
        typer.echo(f"\nbeam (k={beam}), total log-probability:")
        for i, h in enumerate(hyps, 1):
            end = "" if h.finished else " (cut)"
            typer.echo(f"  {i}. {h.score:9.4f}  {h.text!r}{end}")
    if best.attention and not no_grid:
        typer.echo("\n" + attention_grid(text, best.text, best.attention, best.finished))


def attention_grid(source: str, output: str, weights: list[list[float]],
                   with_eos: bool = True) -> str:
    """A text heatmap: one row per output char, one column per input char, shade = weight."""
    from rich.console import Console
    from rich.text import Text

    rows = list(output) + (["⏎"] if with_eos else [])
    console = Console(file=sys.stdout, highlight=False)
    lines = Text()
    lines.append("attention (rows: output, columns: input; " + SHADES.strip() + " = 0..1)\n",
                 style="dim")
    lines.append("   " + "".join(_shown(c) for c in source) + "\n", style="bold")
    for label, row in zip(rows, weights):
        lines.append(f" {_shown(label)} ", style="bold")
        for w in row:
            shade = SHADES[min(int(w * len(SHADES)), len(SHADES) - 1)]
            level = int(255 * min(max(w, 0.0), 1.0))
            lines.append(shade, style=f"on rgb({level // 2},{level // 3},{level})")
        lines.append("\n")
    with console.capture() as cap:
        console.print(lines, end="")
    return cap.get().rstrip("\n")


def _shown(ch: str) -> str:
    return "␣" if ch == " " else ch
