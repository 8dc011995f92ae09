"""`rnn-tui eval DIR [--data FILE]` for a tagger: the lines it prints.

    accuracy 92.31% · unseen words 81.02% (5,412 tokens) · loss 0.2710 nats/token on 1,096
        sentences (28,184 tokens) of en_gum-ud-test.conllu
    per tag: NOUN 91.2% · PUNCT 99.8% · ... · lowest X 11.1%
    most frequent tag baseline on the same sentences: accuracy 81.83% · unseen words 33.10%

Without --data: the run's own held-out sentences, and its test sentences when it has them.
The baseline needs the run's training file; when it is gone, that line says so.
"""

from __future__ import annotations

from pathlib import Path

from engine.errors import EngineError
from engine.families.tag.data import read_tagged
from engine.families.tag.events import metric_line, per_tag_line


def evaluation_lines(task, model, spec: str | None) -> list[str]:
    """Evaluate MODEL (task: a TagTask built from the checkpoint) on SPEC or the run's own
    held-out sets; the lines to print."""
    cfg = task.config
    lines: list[str] = []
    train = None
    try:
        task.load_data()  # the run's splits (the vocabularies stay the checkpoint's)
        train = task.data.train
    except EngineError as exc:
        if spec is None:
            raise EngineError(f"cannot read the run's data to evaluate on ({exc}); give "
                              f"--data FILE") from None
        lines.append(f"(no baseline: the run's training data cannot be read: {exc})")
    if spec is None:
        sets = [("the run's held-out sentences", task.data.val)]
        if task.data.test:
            sets.append(("the run's test sentences", task.data.test))
    else:
        sentences, warnings = read_tagged(spec, cfg.format, cfg.tag_column,
                                          cfg.max_len or None, cfg.chars)
        lines += [f"warning: {w}" for w in warnings]
        new = sorted({t for _, tags in sentences for t in tags} - set(task.vocabs.tags))
        if new:  # e.g. an entity file given to a part-of-speech tagger: every tag wrong
            lines.append(f"warning: {Path(spec).name} has {len(new)} tag(s) the model was "
                         f"not trained on, always counted wrong: {', '.join(new[:8])}"
                         f"{' ...' if len(new) > 8 else ''}")
        sets = [(Path(spec).name, sentences)]
    for what, sentences in sets:
        lines += _scored(task, model, sentences, what, train)
    return lines


def _scored(task, model, sentences, what: str, train) -> list[str]:
    from engine.families.tag.baselines import most_frequent_tag_scores

    loss, found, scores = task.scores(model, sentences)
    lines = [f"{metric_line(found, loss)} on {len(sentences):,} sentences "
             f"({found['tokens']:,} tokens) of {what}",
             f"  per-tag accuracy: {per_tag_line(scores.per_tag)}"]
    if train is not None:
        base = most_frequent_tag_scores(train, sentences)
        lines.append(f"  most frequent tag baseline on the same sentences: "
                     f"{metric_line(base)}")
    return lines
