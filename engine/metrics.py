"""Units of a language model's loss: nats, bits per character and perplexity.

The loss is the mean cross-entropy -ln p(next char) in nats per character. Bits per
character divide by ln 2; perplexity exponentiates: a perplexity of 4 means the model is as
unsure as a fair choice among 4 characters.
"""

import math

LN2 = math.log(2.0)


def bits_per_char(nats: float) -> float:
    return nats / LN2


def perplexity(nats: float) -> float:
    return math.exp(nats) if nats < 700 else math.inf
