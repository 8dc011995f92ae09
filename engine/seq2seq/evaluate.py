"""A trained seq2seq model on its held-out set, and a model back from its run directory
(its checkpoint's config checked first, the memory it needs estimated before it is built).

    metrics = evaluate(model, vocab, heldout, max_out, device, with_bleu=False)
    model, vocab, config, meta = load_seq2seq("runs/dates")
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from engine import checkpoint as ckpt
from engine.config import resumed_config
from engine.errors import EngineError, check_cancel
from engine.seq2seq.config import FIXED_ON_RESUME, Seq2SeqConfig
from engine.seq2seq.tasks import PAD, Vocab, make_batch

KIND = "seq2seq"  # checkpoint meta["kind"]
EVAL_BATCH = 256


@torch.no_grad()
def evaluate(model, vocab: Vocab, heldout: list[tuple[str, str]], max_out: int,
             device: torch.device | str = "cpu", with_bleu: bool = False,
             cancel=None) -> dict[str, Any]:
    """Loss (nats per target token) and token accuracy, both teacher forced, and exact match
    of greedy decoding (free running, as at test time); BLEU and chrF with `with_bleu`.
    `cancel()` is asked before each batch (engine.errors.Cancelled when it says so)."""
    from engine.seq2seq.decode import greedy
    from engine.seq2seq.metrics import corpus_bleu, corpus_chrf, exact_match

    was = model.training
    model.eval()
    loss_sum, correct, tokens, hyps = 0.0, 0, 0, []
    for i in range(0, len(heldout), EVAL_BATCH):
        check_cancel(cancel)
        chunk = heldout[i:i + EVAL_BATCH]
        b = make_batch(vocab, chunk).to(device)
        logits, _ = model(b.src, b.src_len, b.tgt_in)
        real = b.tgt_out != PAD
        loss_sum += float(F.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                          b.tgt_out.reshape(-1), ignore_index=PAD,
                                          reduction="sum"))
        correct += int(((logits.argmax(-1) == b.tgt_out) & real).sum())
        tokens += int(real.sum())
        hyps += [h.text for h in greedy(model, vocab, [s for s, _ in chunk], max_out, device)]
    model.train(was)
    refs = [t for _, t in heldout]
    out = {"val_loss": loss_sum / max(tokens, 1), "token_accuracy": correct / max(tokens, 1),
           "exact_match": exact_match(hyps, refs), "examples": len(heldout),
           "bleu": None, "chrf": None}
    if with_bleu:
        out["bleu"], out["chrf"] = corpus_bleu(hyps, refs), corpus_chrf(hyps, refs)
    return out


def batch_loss(model, batch, teacher=None) -> torch.Tensor:
    """Mean cross-entropy over the real target tokens of BATCH (<pad>: ignore_index adds
    nothing); TEACHER as in Seq2Seq.forward (None: teacher forcing throughout)."""
    logits, _ = model(batch.src, batch.src_len, batch.tgt_in, teacher)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), batch.tgt_out.reshape(-1),
                           ignore_index=PAD)


def load_seq2seq(run_dir: str | Path, device: str = "cpu"):
    """(model, vocab, config, meta) of a seq2seq run directory or checkpoint file."""
    from engine.device import resolve_device
    from engine.seq2seq.model import Seq2Seq

    saved = ckpt.load(run_dir)
    cfg = checkpoint_config(saved, str(run_dir))
    vocab = Vocab(saved.meta["vocab"])
    dev = resolve_device(device)
    check_memory(cfg, len(vocab), 0, 0, dev, training=False)
    model = Seq2Seq.from_config(cfg, len(vocab))
    ckpt.load_weights(model, saved.model, "its own config")
    return model.to(dev).eval(), vocab, cfg, saved.meta


def checkpoint_config(saved: ckpt.CheckpointData, where: str,
                      overrides: dict[str, Any] | None = None) -> Seq2SeqConfig:
    """A seq2seq run's config from its checkpoint, with --resume's changes, checked."""
    if saved.meta.get("kind") != KIND:
        raise EngineError(f"{where} holds a language model, not a seq2seq model: use "
                          f"`rnn-tui sample {where}`, or `rnn-tui run --out {where} --resume` "
                          f"to train it on")
    from engine.memory import meta_shapes
    from engine.seq2seq.model import Seq2Seq

    cfg = resumed_config(Seq2SeqConfig, saved.meta["config"], overrides or {}, FIXED_ON_RESUME,
                         source=f"checkpoint {where}")
    vocab_size = len(Vocab(saved.meta["vocab"]))  # the weights against the config, on "meta"
    ckpt.check_shapes(saved.model, meta_shapes(lambda: Seq2Seq.from_config(cfg, vocab_size)),
                      "its own config")
    return cfg


def check_memory(cfg: Seq2SeqConfig, vocab_size: int, source_len: int, target_len: int,
                 device: torch.device, training: bool = True) -> None:
    """Refuse, with the estimate, a model the device cannot hold (engine.memory)."""
    from engine import memory
    from engine.seq2seq.model import Seq2Seq

    params = memory.parameter_count(lambda: Seq2Seq.from_config(cfg, vocab_size))
    what = f"a seq2seq {cfg.cell} of {cfg.hidden}x{cfg.layers} ({params:,} parameters)"
    need = 8 * params  # the loaded tensors and the model
    if training:
        # Per position autograd keeps embeddings and each layer's gates and states; per
        # target position also the attention over every source position, and the logits.
        states = cfg.layers * cfg.hidden * {"lstm": 6, "gru": 5, "rnn": 2}[cfg.cell]
        attend = source_len * (cfg.attn_size if cfg.attention == "bahdanau" else 1)
        act = memory.activation_bytes(cfg.batch_size, source_len + 1, cfg.embed + states) \
            + memory.activation_bytes(cfg.batch_size, target_len + 1,
                                      cfg.embed + states + attend + 3 * vocab_size)
        need = memory.training_bytes(params, "adam", act)
        what += f" trained at batch {cfg.batch_size}"
    memory.check_fits(need, device, what, "make it smaller (--hidden, --layers, --batch-size, "
                                          "--attn-size, --max-pair-len)")
