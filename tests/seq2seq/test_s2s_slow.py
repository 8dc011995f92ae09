"""Slow: a model trained on string reversal learns anti-diagonal attention.

With a bidirectional encoder, h_j holds x_j as the freshest input of both directions and the
argmax of alpha_i lands on the mirrored position n-1-i (99% of positions measured). With a
unidirectional encoder the model learns the same anti-diagonal shifted by one (it attends to
n-i: the position whose key just read the previous output character y_{i-1}, and reads x_{n-1-i}
from that state's memory), so the test uses bidirectional=True.
"""

from __future__ import annotations

import pytest
import torch

from engine.families.seq2seq.config import Seq2SeqConfig
from engine.families.seq2seq.decode import greedy
from engine.training.loop import Trainer


def mirrored_share(trainer, pairs) -> float:
    """Share of output positions whose argmax attention is the mirrored input position."""
    hits = total = 0
    task = trainer.state.task
    hyps = greedy(trainer.state.model.eval(), task.vocab, [s for s, _ in pairs], task.max_out)
    for (src, _), hyp in zip(pairs, hyps):
        n = len(src)
        for i, row in enumerate(hyp.attention[:n]):  # the <eos> row is not an output char
            hits += int(torch.tensor(row).argmax()) == n - 1 - i
            total += 1
    return hits / max(total, 1)


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_reversal_attention_is_anti_diagonal():
    cfg = Seq2SeqConfig(task="reverse", min_len=8, max_len=16, heldout=200, hidden=64,
                        embed=16, attn_size=64, batch_size=64, lr=5e-3, warmup_steps=20,
                        steps=400, eval_every=400, sample_every=0, device="cpu",
                        threads=1, bidirectional=True)
    t = Trainer(cfg)
    evals = [e for e in t.events() if e.name == "eval"]
    assert evals[-1].exact_match > 0.9, evals[-1]
    assert mirrored_share(t, t.state.task.data.heldout[:100]) >= 0.9
