"""Count-based reference losses, in nats per character, on the trainer's own split.

They tell a learner what "good" means for this corpus: a model worse than the unigram has
learnt nothing beyond letter frequencies; one better than the Kneser-Ney n-gram uses more
than the last few characters.

The n-gram is interpolated Kneser-Ney (Chen & Goodman 1998, section 3): one absolute
discount D per order, the highest order on raw counts, lower orders on continuation counts
N1+(. h c) (how many distinct characters precede h c), ending in a uniform distribution over
the vocabulary of train + validation so a character never seen in training still gets a
finite loss. Everything is vectorised with numpy: k-grams get dense integer ids level by
level (id_k = id_{k-1}(prefix) * V + last char, renumbered with np.unique), so there is
no Python loop over characters and no overflow for large alphabets.
"""

from __future__ import annotations

import math

import numpy as np

from engine.errors import EngineError, check_cancel

MAX_ORDER = 12
MAX_TRAIN_CHARS = 8_000_000  # order 5: about 15 s and 0.6 GB on one shared core
CHUNK = 1 << 18  # validation windows scored at once; a stop is noticed between chunks


def baselines(train_text: str, val_text: str, order: int = 5, discount: float = 0.75,
              max_train_chars: int = MAX_TRAIN_CHARS, cancel=None) -> dict:
    """{uniform, unigram, ngram, ngram_order}: mean nats/char of val_text under each model.

    Counts come from at most the LAST max_train_chars of the training text (the part next
    to the validation text), which keeps a huge corpus to seconds and a few GB of RAM.
    `cancel()` is asked between the steps of a second or less: when it says so,
    engine.errors.Cancelled.
    """
    if not train_text or not val_text:
        raise EngineError("baselines need a non-empty training and validation text")
    train_text = train_text[-max_train_chars:]
    chars = np.array(sorted(set(train_text) | set(val_text)))
    train, val = _ids(train_text, chars), _ids(val_text, chars)
    v = len(chars)
    counts = np.bincount(train, minlength=v)
    unigram = -np.log((counts[val] + 1) / (len(train) + v)).mean()  # add-one smoothing
    model = KneserNey(train, v, order, discount, cancel=cancel)
    # Val continues train, so its first characters get their real preceding context.
    context = train[max(0, len(train) - (order - 1)):]
    ngram = -model.log_probs(np.concatenate([context, val]), start=len(context),
                             cancel=cancel).mean()
    return {"uniform": math.log(v), "unigram": float(unigram), "ngram": float(ngram),
            "ngram_order": order}


def _ids(text: str, chars: np.ndarray) -> np.ndarray:
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
    table = np.array([ord(c) for c in chars], dtype=np.int64)  # sorted by code point
    return np.searchsorted(table, cps)


class KneserNey:
    """Interpolated Kneser-Ney character model fitted on an id array TRAIN over V symbols."""

    def __init__(self, train: np.ndarray, vocab_size: int, order: int = 5,
                 discount: float = 0.75, cancel=None):
        if not (isinstance(order, int) and 1 <= order <= MAX_ORDER):
            raise EngineError(f"n-gram order must be a whole number in 1..{MAX_ORDER}, "
                              f"got {order!r}")
        if not 0.0 < discount < 1.0:
            raise EngineError(f"Kneser-Ney discount must be in (0, 1), got {discount}")
        train = np.asarray(train, dtype=np.int64)
        if len(train) < order:
            raise EngineError(f"training text of {len(train)} characters is too short "
                              f"for an order-{order} n-gram")
        self.v, self.order, self.d = vocab_size, order, discount
        self._fit(train, cancel)

    def _fit(self, t: np.ndarray, cancel=None) -> None:
        v, n = self.v, self.order
        # keys[k]: sorted unique k-gram keys (their index is the k-gram's dense id).
        # cnt[k][j]: raw counts at the top order, continuation counts below it.
        self.keys, self.cnt = [None, np.arange(v, dtype=np.int64)], [None] * (n + 1)
        prev = t  # prev[i]: dense id of t[i:i+k-1]; only two levels live at once (memory)
        for k in range(2, n + 1):
            check_cancel(cancel)  # each level is one np.unique: about a second on 8M chars
            raw = prev[: len(t) - k + 1] * v + t[k - 1:]
            uniq, ids = np.unique(raw, return_inverse=True)
            self.keys.append(uniq)
            # Each distinct k-gram w h c adds one to the continuation count of h c.
            _, first = np.unique(ids, return_index=True)
            self.cnt[k - 1] = np.bincount(prev[first + 1], minlength=len(self.keys[k - 1]))
            prev = ids.reshape(-1)
        self.cnt[n] = np.bincount(prev, minlength=len(self.keys[n]))
        self.cnt = [None] + [c.astype(np.float64) for c in self.cnt[1:]]
        # Per context h (a (k-1)-gram id): total count and number of distinct followers.
        self.den, self.types = [None] * (n + 1), [None] * (n + 1)
        for k in range(1, n + 1):
            ctx = self.keys[k] // v if k > 1 else np.zeros(v, dtype=np.int64)
            size = len(self.keys[k - 1]) if k > 1 else 1
            self.den[k] = np.bincount(ctx, weights=self.cnt[k], minlength=size)
            self.types[k] = np.bincount(ctx, weights=self.cnt[k] > 0, minlength=size)

    def _lookup(self, k: int, prev: np.ndarray, last: np.ndarray) -> np.ndarray:
        """Dense ids of k-grams (prefix id PREV, final char LAST); -1 if unseen."""
        if k == 1:
            return last.copy()
        ok = prev >= 0
        raw = np.where(ok, prev, 0) * self.v + last
        keys = self.keys[k]
        pos = np.clip(np.searchsorted(keys, raw), 0, len(keys) - 1)
        return np.where(ok & (keys[pos] == raw), pos, -1)

    def window_log_probs(self, windows: np.ndarray) -> np.ndarray:
        """ln P(last column | earlier columns) per row of WINDOWS (P, order); -1 = no char."""
        w = np.asarray(windows, dtype=np.int64)
        n = self.order
        p = np.full(len(w), 1.0 / self.v)
        for k in range(1, n + 1):
            # ids of the context (columns n-k .. n-2) and of the k-gram (n-k .. n-1).
            ctx = np.zeros(len(w), dtype=np.int64)
            for j in range(k - 1):
                col = w[:, n - k + j]
                ctx = np.where(col >= 0, self._lookup(j + 1, ctx, np.maximum(col, 0)), -1)
            gram = self._lookup(k, ctx, w[:, n - 1])
            den = np.where(ctx >= 0, self.den[k][np.maximum(ctx, 0)], 0.0)
            types = np.where(ctx >= 0, self.types[k][np.maximum(ctx, 0)], 0.0)
            c = np.where(gram >= 0, self.cnt[k][np.maximum(gram, 0)], 0.0)
            seen = den > 0  # an unseen context passes the lower order through unchanged
            safe = np.where(seen, den, 1.0)
            mixed = np.maximum(c - self.d, 0.0) / safe + self.d * types / safe * p
            p = np.where(seen, mixed, p)
        return np.log(p)

    def log_probs(self, seq: np.ndarray, start: int = 0, cancel=None) -> np.ndarray:
        """ln P(seq[i] | up to order-1 previous chars of seq) for i >= START."""
        seq = np.asarray(seq, dtype=np.int64)
        pad = np.concatenate([np.full(self.order - 1, -1, dtype=np.int64), seq])
        windows = np.lib.stride_tricks.sliding_window_view(pad, self.order)[start:]
        parts = []
        for i in range(0, len(windows), CHUNK):
            check_cancel(cancel)
            parts.append(self.window_log_probs(windows[i:i + CHUNK]))
        return np.concatenate(parts) if parts else np.zeros(0)

    def distribution(self, context) -> np.ndarray:
        """P(c | CONTEXT) for every c in the vocabulary (for tests and the curious)."""
        ctx = list(np.asarray(context, dtype=np.int64))[-(self.order - 1):] \
            if self.order > 1 else []
        ctx = [-1] * (self.order - 1 - len(ctx)) + ctx
        windows = np.array([ctx + [c] for c in range(self.v)], dtype=np.int64)
        return np.exp(self.window_log_probs(windows))
