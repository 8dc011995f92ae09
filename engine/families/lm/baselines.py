"""The language model's reference lines: count baselines on the run's own split, and the
rungs of an earlier ladder (`--reference`).

    characters  uniform, unigram, Kneser-Ney n-gram over the characters (engine.data.ngram)
    words       the same three over the word ids, with the model's vocabulary and <unk>
                mapping (ngram_words), so a word the model calls <unk> is <unk> here too
    reference   the held-out losses of a ladder (ladder.json): each neural rung a line,
                so a new run can be watched against the n-gram, the FFNN, the RNN of the
                same split. A ladder of another split or vocabulary is refused by name.
All in nats per token on the validation split; drawn as lines on the loss chart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.errors import EngineError
from engine.events import Baselines

LADDER_FILE = "ladder.json"


def lm_baselines(cfg: Any, data: Any, cancel=None) -> Baselines | None:
    losses: dict[str, float] = {}
    order = cfg.baseline_order
    if order and cfg.tokens == "char":
        from engine.data.ngram import baselines

        b = baselines(data.train_text, data.val_text, order=order, cancel=cancel)
        losses = {"uniform": b["uniform"], "unigram": b["unigram"],
                  f"KN {order}-gram": b["ngram"]}
    elif order:
        from engine.families.lm.ngram_words import word_baselines

        b = word_baselines(data.train.numpy(), data.val.numpy(), len(data.vocab), order,
                           context=data.train.numpy() if data.val_follows_train else None)
        losses = {"uniform": b["uniform"], "unigram": b["unigram"],
                  f"KN {order}-gram": b["ngram"]}
    if cfg.reference:
        losses.update(reference_losses(cfg.reference, data_signature(cfg, data)))
    return Baselines(losses=losses) if losses else None


def data_signature(cfg: Any, data: Any) -> dict[str, Any]:
    """What must match for two runs' held-out losses to compare: the held-out tokens and
    the vocabulary they are counted in."""
    return {"tokens": cfg.tokens, "vocab_size": len(data.vocab), "val_size": data.val.numel(),
            "val_checksum": int(data.val.sum()) % 1_000_003}


def ladder_path(spec: str) -> Path:
    path = Path(spec)
    return path / LADDER_FILE if path.is_dir() else path


def read_ladder(spec: str) -> dict[str, Any]:
    path = ladder_path(spec)
    from engine.files import loads_json, read_bytes

    try:
        found = loads_json(read_bytes(path, "ladder result", 64 << 20).decode("utf-8"))
    except FileNotFoundError:
        raise EngineError(f"--reference {spec}: no {LADDER_FILE} there (write one with "
                          f"`rnn-tui ladder --out DIR`)") from None
    except ValueError:  # not UTF-8, not JSON, nested too deeply
        raise EngineError(f"--reference {spec}: {path} is not a ladder result (not JSON "
                          f"written by `rnn-tui ladder`)") from None
    if not isinstance(found, dict) or not isinstance(found.get("rungs"), list):
        raise EngineError(f"--reference {spec}: {path} is not a ladder result")
    return found


def reference_losses(spec: str, signature: dict[str, Any]) -> dict[str, float]:
    """{"ladder FFNN": val loss, ...} of the ladder in SPEC (its neural rungs: the n-gram is
    the run's own KN line already)."""
    ladder = read_ladder(spec)
    theirs = ladder.get("data") or {}
    differ = [f"{k} {theirs.get(k)} vs {v}" for k, v in signature.items() if theirs.get(k) != v]
    if differ:
        raise EngineError(f"--reference {spec}: that ladder was run on other held-out data "
                          f"({', '.join(differ)}); use the same corpus and split options")
    out = {}
    for rung in ladder["rungs"]:
        if rung.get("kind") == "neural" and isinstance(rung.get("val_loss"), (int, float)):
            out[f"ladder {rung['name']}"] = float(rung["val_loss"])
    return out
