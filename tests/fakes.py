"""A stand-in step model returning fixed or random logits, for testing samplers without training."""

from __future__ import annotations

import numpy as np


class RandomLogitsModel:
    """Step model whose logits are random (seeded) or a fixed vector; state counts steps."""

    def __init__(self, vocab_size: int, seed: int = 0, fixed: np.ndarray | None = None, scale: float = 3.0):
        self.vocab_size = vocab_size
        self.rng = np.random.default_rng(seed)
        self.fixed = fixed
        self.scale = scale

    def initial_state(self, batch: int):
        return np.zeros(batch, dtype=np.int64)

    def step(self, ids, state):
        if self.fixed is not None:
            logits = np.tile(self.fixed, (len(ids), 1))
        else:
            logits = self.rng.normal(size=(len(ids), self.vocab_size)) * self.scale
        return logits, state + 1

    def select(self, state, rows):
        return state[rows]
