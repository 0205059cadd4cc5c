"""``KeyedBias``: a sampling constraint's bias, computed once per distinct key of its state.

A constraint (``constraints``, ``forms``) maps a sampling state to a bias over the vocabulary. Most
depend on the state only through a small key (a position in the cycle, the next required stroke), and
sampling meets the same few keys over and over, so the bias is computed once per key and kept. What a
key is and what its bias holds is each constraint's business. This module imports nothing of seqgen's,
so every constraint module can use it.
"""

from __future__ import annotations

from functools import cached_property, lru_cache
from typing import Hashable

import numpy as np


class KeyedBias:
    """For a constraint whose bias depends on its state only through ``key(state)``: ``bias``
    computes ``_bias(key)`` once per distinct key. The subclass supplies ``key`` and ``_bias``."""

    def key(self, state) -> Hashable:
        raise NotImplementedError

    def _bias(self, key: Hashable) -> np.ndarray:
        raise NotImplementedError

    @cached_property
    def _bias_of_key(self):
        return lru_cache(maxsize=None)(self._bias)

    def bias(self, state) -> np.ndarray:
        return self._bias_of_key(self.key(state))
