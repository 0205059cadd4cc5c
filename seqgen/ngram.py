"""Interpolated Kneser-Ney n-gram language model over ids: the baseline the LSTM must beat.

Chen & Goodman's interpolated Kneser-Ney with one absolute discount per order, estimated from
count-of-counts (D = n1 / (n1 + 2 n2)). Lower orders use continuation counts; the lowest order is
interpolated with a uniform distribution, so every id has non-zero probability. Pure Python/NumPy
(``distribution`` gives every id's probability at once, for ranking the vocabulary).
The order is bounded (``MAX_ORDER``): fitting stores every n-gram as a tuple of ``order`` ids, so
memory grows with tokens x order, and past a few tokens of context the counts are all ones anyway.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np

from seqgen.errors import SeqgenError

MAX_ORDER = 10

Context = tuple[int, ...]


def check_order(order) -> int:
    """``order`` if it is a whole number from 1 to ``MAX_ORDER``.

    Raises:
        SeqgenError: anything else (a bool, a float, 0, 100000...).
    """
    if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= MAX_ORDER:
        raise SeqgenError(f"the n-gram order must be a whole number from 1 to {MAX_ORDER}, got {order!r}")
    return order


class KneserNey:
    """Fit on sequences of ids, then ask ``logprob(context, token)``.

    Args:
        order: n (3 for a trigram model).
        vocab_size: number of possible ids, for the uniform floor.
    """

    def __init__(self, order: int = 3, vocab_size: int = 2):
        self.order = check_order(order)
        self.vocab_size = vocab_size

    def fit(self, sequences: list[list[int]], pad: int) -> "KneserNey":
        """Count n-grams of each sequence, left-padded with ``pad`` (the start id)."""
        highest: Counter = Counter()
        for sequence in sequences:
            padded = [pad] * (self.order - 1) + list(sequence)
            for end in range(self.order - 1, len(padded)):
                highest[tuple(padded[end - self.order + 1:end + 1])] += 1
        # counts[k]: n-grams of length k+1; the top order keeps raw counts, lower orders count
        # distinct left extensions (continuation counts)
        self.counts: list[Counter] = [Counter() for _ in range(self.order)]
        self.counts[-1] = highest
        for k in range(self.order - 1, 0, -1):
            for gram in self.counts[k]:
                self.counts[k - 1][gram[1:]] += 1
        self.discounts = [self._discount(counter) for counter in self.counts]
        self.context_totals: list[dict] = []
        self.context_types: list[dict] = []
        for counter in self.counts:
            totals: dict = defaultdict(int)
            types: dict = defaultdict(int)
            for gram, count in counter.items():
                totals[gram[:-1]] += count
                types[gram[:-1]] += 1
            self.context_totals.append(totals)
            self.context_types.append(types)
        self._followers: list[dict] | None = None  # built by `distribution` when first asked
        return self

    @staticmethod
    def _discount(counter: Counter) -> float:
        histogram = Counter(counter.values())
        n1, n2 = histogram.get(1, 0), histogram.get(2, 0)
        return n1 / (n1 + 2 * n2) if n1 + n2 else 0.75

    def prob(self, context: Context, token: int) -> float:
        """P(token | the last order-1 ids of context)."""
        context = tuple(context)[-(self.order - 1):] if self.order > 1 else ()
        return self._prob(context, token, len(context))

    def _prob(self, context: Context, token: int, length: int) -> float:
        if length < 0:
            return 1.0 / self.vocab_size
        k = length  # counts[k] holds grams of length k+1
        history = context[len(context) - length:] if length else ()
        lower = self._prob(context, token, length - 1)
        total = self.context_totals[k].get(history, 0)
        if total == 0:
            return lower
        discount = self.discounts[k]
        count = self.counts[k].get(history + (token,), 0)
        backoff = discount * self.context_types[k][history] / total
        return max(count - discount, 0.0) / total + backoff * lower

    def distribution(self, context: Context) -> np.ndarray:
        """P(every id | the last order-1 ids of context) as one vector: the same numbers as ``prob``
        for each id, in one pass per order instead of one recursion per id."""
        context = tuple(context)[-(self.order - 1):] if self.order > 1 else ()
        followers = self._follower_index()
        probabilities = np.full(self.vocab_size, 1.0 / self.vocab_size)
        for k in range(len(context) + 1):  # lowest order first, each interpolated with the one below
            history = context[len(context) - k:] if k else ()
            total = self.context_totals[k].get(history, 0)
            if total == 0:
                continue
            discount = self.discounts[k]
            probabilities *= discount * self.context_types[k][history] / total
            tokens, counts = followers[k][history]
            probabilities[tokens] += np.maximum(counts - discount, 0.0) / total
        return probabilities

    def _follower_index(self) -> list[dict]:
        """For each order, history -> (ids seen after it, their counts) as arrays."""
        if self._followers is None:
            grouped: list[dict] = [defaultdict(list) for _ in self.counts]
            for k, counter in enumerate(self.counts):
                for gram, count in counter.items():
                    grouped[k][gram[:-1]].append((gram[-1], count))
            self._followers = [{history: (np.array([t for t, _ in pairs]), np.array([c for _, c in pairs], float))
                                for history, pairs in level.items()} for level in grouped]
        return self._followers

    def logprob(self, context: Context, token: int) -> float:
        return math.log(self.prob(context, token))

    def most_likely(self, context: Context, candidates: range | list[int]) -> int:
        return max(candidates, key=lambda token: self.prob(context, token))
