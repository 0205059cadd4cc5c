"""``Vocab``: tokens <-> ids, with the special tokens, always-kept structure tokens and top-N.

Ids 0-3 are ``<pad>``, ``<unk>``, ``<s>``, ``</s>``; then the tokenizer's structure tokens; then the
most frequent other tokens, ties broken by the token's text so the order never depends on input
order. Standard library only.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from seqgen.errors import SeqgenError

PAD, UNK, START, END = "<pad>", "<unk>", "<s>", "</s>"
SPECIALS = (PAD, UNK, START, END)
DEFAULT_MAX_SIZE = 8000


@dataclass(frozen=True)
class Coverage:
    """How well a vocabulary covers a token stream."""

    tokens: int
    unknown: int
    distinct: int
    distinct_unknown: int

    @property
    def unknown_rate(self) -> float:
        return self.unknown / self.tokens if self.tokens else 0.0


class Vocab:
    """An ordered list of tokens; a token's id is its index."""

    def __init__(self, tokens: Iterable[str]):
        self.tokens: tuple[str, ...] = tuple(tokens)
        if self.tokens[: len(SPECIALS)] != SPECIALS:
            raise SeqgenError(f"a vocabulary must start with {', '.join(SPECIALS)}")
        self._ids = {token: index for index, token in enumerate(self.tokens)}
        if len(self._ids) != len(self.tokens):
            raise SeqgenError("a vocabulary must not hold the same token twice")

    @classmethod
    def build(cls, documents: Iterable[Iterable[str]], max_size: int = DEFAULT_MAX_SIZE,
              keep: Iterable[str] = (), min_count: int = 1) -> "Vocab":
        """Count tokens and keep the ``max_size`` most frequent (specials and ``keep`` included).

        Args:
            documents: token sequences (without ``<s>``/``</s>``).
            max_size: the largest vocabulary, counting specials and kept tokens.
            keep: structure tokens kept whether or not they occur.
            min_count: other tokens are kept only when seen at least this often (1 keeps all).
        """
        counts = Counter(token for document in documents for token in document)
        return cls.from_counts(counts, max_size, keep, min_count)

    @classmethod
    def from_counts(cls, counts: Mapping[str, int], max_size: int = DEFAULT_MAX_SIZE,
                    keep: Iterable[str] = (), min_count: int = 1) -> "Vocab":
        """``build`` from tokens already counted (a corpus counted shard by shard)."""
        fixed = list(SPECIALS) + [token for token in dict.fromkeys(keep) if token not in SPECIALS]
        if max_size < len(fixed):
            raise SeqgenError(f"vocabulary size {max_size} is too small: the fixed tokens alone need {len(fixed)}")
        if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
            raise SeqgenError(f"min_count must be a whole number of at least 1, got {min_count!r}")
        taken = set(fixed)
        ranked = sorted((token for token in counts if token not in taken and counts[token] >= min_count),
                        key=lambda t: (-counts[t], t))
        return cls(fixed + ranked[: max_size - len(fixed)])

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self._ids

    def id(self, token: str) -> int:
        return self._ids.get(token, self._ids[UNK])

    def encode(self, tokens: Iterable[str]) -> list[int]:
        return [self.id(token) for token in tokens]

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.tokens[index] for index in ids]

    @property
    def pad_id(self) -> int:
        return self._ids[PAD]

    @property
    def unk_id(self) -> int:
        return self._ids[UNK]

    @property
    def start_id(self) -> int:
        return self._ids[START]

    @property
    def end_id(self) -> int:
        return self._ids[END]

    def coverage(self, documents: Iterable[Iterable[str]]) -> Coverage:
        counts = Counter(token for document in documents for token in document)
        unknown = {token: count for token, count in counts.items() if token not in self._ids}
        return Coverage(sum(counts.values()), sum(unknown.values()), len(counts), len(unknown))

    def to_json(self) -> str:
        return json.dumps({"tokens": list(self.tokens)}, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> "Vocab":
        """Rebuild from ``to_json``; malformed input raises ``SeqgenError``."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise SeqgenError(f"vocabulary is not valid JSON: {error}") from None
        except RecursionError:  # json recurses once per nesting level
            raise SeqgenError("vocabulary JSON is nested too deeply") from None
        tokens = data.get("tokens") if isinstance(data, dict) else None
        if not isinstance(tokens, list) or not all(isinstance(token, str) for token in tokens):
            raise SeqgenError("vocabulary JSON must be an object with a 'tokens' list of strings")
        return cls(tokens)
