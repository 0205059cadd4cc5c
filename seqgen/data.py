"""Documents -> id streams -> training windows, and the document-level train/validation/test split.

Splitting is by document, never by window: windows of one composition on both sides of the split
would leak. NumPy only; batching for Keras is ``training``'s job.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from seqgen.errors import SeqgenError
from seqgen.settings import check_types, from_dict
from seqgen.vocab import Vocab


@dataclass(frozen=True)
class DataConfig:
    """How a corpus becomes training windows."""

    seq_length: int = 50        # tokens per window: how far back truncated backpropagation reaches
    stride: int = 0             # tokens between window starts; 0 means seq_length (no overlap)
    val_frac: float = 0.05      # share of documents held out for validation (char-rnn's val_frac)
    test_frac: float = 0.0      # share of documents held out for a final test
    vocab_size: int = 8000      # the vocabulary keeps this many tokens, specials included
    min_count: int = 1          # ...of those seen at least this often in training; rarer ones become <unk>

    def __post_init__(self) -> None:
        check_types(self)
        for name in ("seq_length", "vocab_size", "min_count"):
            if getattr(self, name) < 1:
                raise SeqgenError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.stride < 0:
            raise SeqgenError(f"stride must not be negative, got {self.stride}")
        if not (0.0 <= self.val_frac < 1.0 and 0.0 <= self.test_frac < 1.0 and self.val_frac + self.test_frac < 1.0):
            raise SeqgenError(f"val_frac and test_frac must be in [0, 1) and leave documents to train on, "
                              f"got {self.val_frac} and {self.test_frac}")

    @property
    def window_stride(self) -> int:
        return self.stride or self.seq_length

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "DataConfig":
        return from_dict(cls, data, "data config")


@dataclass(frozen=True)
class Split:
    """Document indices of each part of the corpus."""

    train: tuple[int, ...]
    val: tuple[int, ...]
    test: tuple[int, ...]


def split_documents(count: int, val_frac: float, test_frac: float, seed: int) -> Split:
    """Shuffle document indices with ``seed`` and cut them into train / val / test.

    A non-zero fraction always gets at least one document while at least one is left to train on.
    """
    order = np.random.default_rng(seed).permutation(count).tolist()

    def take(fraction: float, available: int) -> int:
        return 0 if fraction <= 0 else min(max(1, round(count * fraction)), available - 1)

    n_val = take(val_frac, count)
    n_test = take(test_frac, count - n_val)
    val, test, train = order[:n_val], order[n_val:n_val + n_test], order[n_val + n_test:]
    return Split(tuple(sorted(train)), tuple(sorted(val)), tuple(sorted(test)))


def build_vocab(documents: list[tuple[str, ...]], config: DataConfig, keep: tuple[str, ...] = ()) -> Vocab:
    """The vocabulary of the training documents under ``config``: at most ``vocab_size`` tokens,
    each seen at least ``min_count`` times (``keep``, the tokenizer's structure tokens, always)."""
    return Vocab.build(documents, config.vocab_size, keep=keep, min_count=config.min_count)


def id_stream(documents: list[tuple[str, ...]], vocab: Vocab) -> np.ndarray:
    """All documents' ids, each wrapped in ``<s>`` ... ``</s>``, as one int32 array."""
    ids: list[int] = []
    for tokens in documents:
        ids.append(vocab.start_id)
        ids += vocab.encode(tokens)
        ids.append(vocab.end_id)
    return np.asarray(ids, dtype=np.int32)


def windows(stream: np.ndarray, seq_length: int, stride: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs and next-token targets: ``x[i] = stream[s:s+L]``, ``y[i] = stream[s+1:s+L+1]``.

    Raises:
        SeqgenError: when the stream is shorter than one window (``seq_length + 1`` tokens).
    """
    if len(stream) < seq_length + 1:
        raise SeqgenError(f"corpus too small: {len(stream)} tokens, one training window needs at least "
                          f"{seq_length + 1} (seq_length + 1); add text or lower --seq-length")
    starts = np.arange(0, len(stream) - seq_length, stride)
    index = starts[:, None] + np.arange(seq_length)[None, :]
    return stream[index], stream[index + 1]


def eval_windows(stream: np.ndarray, seq_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows for validation: like ``windows`` but a short stream gives one shorter window."""
    if len(stream) < 2:
        raise SeqgenError("the validation split holds no tokens; lower --val-frac to 0 or add documents")
    return windows(stream, min(seq_length, len(stream) - 1), min(seq_length, len(stream) - 1))
