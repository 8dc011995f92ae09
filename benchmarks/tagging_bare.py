"""The bare side of the tagging benchmark: a BiLSTM tagger with character features in plain
PyTorch (~70 lines of model and training code); from the engine only the file reader and the
metrics, so both sides read and score the data the same way.

    python benchmarks/tagging_bare.py [--minutes 3] [--train FILE] [--test FILE]

The model of Plank, Sogaard and Goldberg (2016), small: a word embedding (64; a training
singleton is replaced by <unk> with probability 0.25, so <unk> gets learned), a character
BiLSTM (32 per direction) over each word whose two final states join the word's vector, a
sentence BiLSTM (128 per direction, --layers 1), dropout 0.3, a per-token softmax. Adam 2e-3,
batches of 16 sentences, one thread. Trains on UD English GUM dev and scores UPOS on GUM test
after every epoch: training tokens/s (evaluation time excluded) and accuracy overall and on
test words never seen in training. measured-facts.md has such a loop at 0.851 / 0.897 / 0.919
after 2 / 5 / 10 epochs (unseen ~0.81); the most-frequent-tag baseline is 0.818.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from engine.families.tag.corpora import GUM_DIR, gum_dir  # noqa: E402

# ../shared/corpora/ud-gum from the repository (or from a worktree one level further down)
GUM = gum_dir() or ROOT.parent / GUM_DIR
PAD, UNK = 0, 1  # ids shared by the word and character vocabularies


class BareTagger(nn.Module):
    def __init__(self, n_words, n_chars, n_tags, embed=64, char_embed=32, char_hidden=32,
                 hidden=128, layers=1, dropout=0.3):
        super().__init__()
        self.words = nn.Embedding(n_words, embed, padding_idx=PAD)
        self.chars = nn.Embedding(n_chars, char_embed, padding_idx=PAD)
        self.char_rnn = nn.LSTM(char_embed, char_hidden, batch_first=True, bidirectional=True)
        self.rnn = nn.LSTM(embed + 2 * char_hidden, hidden, layers, batch_first=True,
                           bidirectional=True, dropout=dropout if layers > 1 else 0.0)
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(2 * hidden, n_tags)

    def forward(self, words, lens, chars, char_lens, word_of, tags=None):
        # words, word_of, tags: (B, T); chars: (W, C) for the W distinct words of the batch.
        packed = pack_padded_sequence(self.chars(chars), char_lens, batch_first=True,
                                      enforce_sorted=False)
        _, (h, _) = self.char_rnn(packed)  # h: (2, W, char_hidden), each direction's last
        char_vec = torch.cat([h[0], h[1]], dim=-1)[word_of]  # (B, T, 2 * char_hidden)
        x = self.drop(torch.cat([self.words(words), char_vec], dim=-1))
        out, _ = self.rnn(pack_padded_sequence(x, lens, batch_first=True, enforce_sorted=False))
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=words.size(1))
        logits = self.head(self.drop(out))  # (B, T, n_tags); padding is never scored
        loss = None if tags is None else F.cross_entropy(logits.flatten(0, 1), tags.flatten(),
                                                         ignore_index=-100)
        return logits, loss


def make_batch(sentences, vocab, char_vocab, tag_ids, drop=frozenset(), rng=None):
    """Tensors for model(...); words in DROP become <unk> with probability 0.25."""
    B, T = len(sentences), max(len(tokens) for tokens, _ in sentences)
    words, word_of = torch.zeros(B, T, dtype=torch.long), torch.zeros(B, T, dtype=torch.long)
    tags, types = torch.full((B, T), -100, dtype=torch.long), {}
    for i, (tokens, gold) in enumerate(sentences):
        for j, (w, t) in enumerate(zip(tokens, gold)):
            words[i, j] = UNK if w in drop and rng.random() < 0.25 else vocab.get(w, UNK)
            tags[i, j] = tag_ids.get(t, -100)
            word_of[i, j] = types.setdefault(w, len(types))
    chars = torch.zeros(len(types), max(map(len, types)), dtype=torch.long)
    for w, k in types.items():
        chars[k, :len(w)] = torch.tensor([char_vocab.get(c, UNK) for c in w])
    lens = torch.tensor([len(tokens) for tokens, _ in sentences])
    return (words, lens, chars, torch.tensor([len(w) for w in types]), word_of), tags


def predict(model, sentences, vocabs, tag_names, batch=64):
    model.eval()
    out = []
    with torch.no_grad():
        for k in range(0, len(sentences), batch):
            chunk = sentences[k:k + batch]
            logits, _ = model(*make_batch(chunk, *vocabs)[0])
            out += [[tag_names[i] for i in row[:len(tokens)]]
                    for row, (tokens, _) in zip(logits.argmax(-1).tolist(), chunk)]
    model.train()
    return out


def train(train_path: str, test_path: str, minutes: float, layers: int = 1,
          seed: int = 1337, log=print) -> dict:
    """Train for MINUTES of optimizer steps (evaluation excluded); score after each epoch.
    Returns {"tokens_per_s", "accuracy", "accuracy_unseen", "epochs", "curve"}."""
    from engine.families.tag.data import read_conllu
    from engine.families.tag.metrics import evaluate

    torch.set_num_threads(1)
    torch.manual_seed(seed)
    rng = random.Random(seed)
    train, _ = read_conllu(train_path)
    test, _ = read_conllu(test_path)
    counts = Counter(w for tokens, _ in train for w in tokens)
    vocab = {w: i + 2 for i, w in enumerate(sorted(counts))}
    char_vocab = {c: i + 2 for i, c in enumerate(sorted({c for w in counts for c in w}))}
    tag_names = sorted({t for _, tags in train for t in tags})
    tag_ids = {t: i for i, t in enumerate(tag_names)}
    singletons = frozenset(w for w, n in counts.items() if n == 1)
    model = BareTagger(len(vocab) + 2, len(char_vocab) + 2, len(tag_names), layers=layers)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    log(f"bare: train {Path(train_path).name}: {len(train)} sentences, "
        f"{sum(counts.values())} tokens; test {Path(test_path).name}; {minutes:g} min, 1 thread")
    budget, spent, tokens_done, curve = minutes * 60, 0.0, 0, []
    while spent < budget:
        order = list(range(len(train)))
        rng.shuffle(order)
        for k in range(0, len(order), 16):
            if spent >= budget:
                break
            t0 = time.perf_counter()
            chunk = [train[i] for i in order[k:k + 16]]
            inputs, tags = make_batch(chunk, vocab, char_vocab, tag_ids, singletons, rng)
            _, loss = model(*inputs, tags=tags)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            spent += time.perf_counter() - t0
            tokens_done += sum(len(tokens) for tokens, _ in chunk)
        pred = predict(model, test, (vocab, char_vocab, tag_ids), tag_names)
        scores = evaluate([t for t, _ in test], [g for _, g in test], pred, counts, scheme=None)
        epochs = tokens_done / sum(counts.values())
        curve.append((spent / 60, scores["accuracy"]))
        log(f"bare: epoch {epochs:5.2f}  {spent / 60:5.2f} min  {tokens_done / spent:7.0f} "
            f"tok/s  UPOS {scores['accuracy']:.4f}  unseen {scores['accuracy_unseen']:.4f}")
    return {"tokens_per_s": tokens_done / spent, "accuracy": scores["accuracy"],
            "accuracy_unseen": scores["accuracy_unseen"], "epochs": epochs, "curve": curve}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=3.0)
    ap.add_argument("--train", default=str(GUM / "en_gum-ud-dev.conllu"))
    ap.add_argument("--test", default=str(GUM / "en_gum-ud-test.conllu"))
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1337)
    args = ap.parse_args()
    train(args.train, args.test, args.minutes, args.layers, args.seed)


if __name__ == "__main__":
    main()
