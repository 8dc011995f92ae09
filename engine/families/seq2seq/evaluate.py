"""A trained seq2seq model on its held-out set.

    metrics = evaluate(model, vocab, heldout, max_out, device, with_bleu=False)
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from engine.errors import check_cancel
from engine.families.seq2seq.tasks import PAD, make_batch
from engine.data.tokens import Vocab

EVAL_BATCH = 256


@torch.no_grad()
def evaluate(model, vocab: Vocab, heldout: list[tuple[str, str]], max_out: int,
             device: torch.device | str = "cpu", with_bleu: bool = False,
             cancel=None) -> dict[str, Any]:
    """Loss (nats per target token) and token accuracy, both teacher forced, and exact match
    of greedy decoding (free running, as at test time); BLEU and chrF with `with_bleu`.
    `cancel()` is asked before each batch (engine.errors.Cancelled when it says so)."""
    from engine.families.seq2seq.decode import greedy
    from engine.families.seq2seq.metrics import corpus_bleu, corpus_chrf, exact_match

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
