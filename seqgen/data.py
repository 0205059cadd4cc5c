"""Documents -> id streams -> training windows, and the document-level train/validation/test split.

Splitting is by document, never by window: windows of one composition on both sides of the split
would leak. NumPy only; batching for Keras is ``training``'s job.
"""

from __future__ import annotations

import mmap
import os
from dataclasses import asdict, dataclass

import numpy as np

from seqgen.errors import SeqgenError
from seqgen.settings import check_types, from_dict
from seqgen.vocab import Vocab

# DataConfig.stream: "auto" streams corpora of shards.STREAM_BYTES and more.
STREAM_SETTINGS = ("auto", "on", "off")


@dataclass(frozen=True)
class DataConfig:
    """How a corpus becomes training windows."""

    seq_length: int = 50        # tokens per window: how far back truncated backpropagation reaches
    stride: int = 0             # tokens between window starts; 0 means seq_length (no overlap)
    val_frac: float = 0.05      # share of documents held out for validation (char-rnn's val_frac)
    test_frac: float = 0.0      # share of documents held out for a final test
    vocab_size: int = 8000      # the vocabulary keeps this many tokens, specials included
    min_count: int = 1          # ...of those seen at least this often in training; rarer ones become <unk>
    stream: str = "auto"        # on: train from token shards on disk (corpora larger than memory); auto: from 50 MB

    def __post_init__(self) -> None:
        check_types(self)
        for name in ("seq_length", "vocab_size", "min_count"):
            if getattr(self, name) < 1:
                raise SeqgenError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.stream not in STREAM_SETTINGS:
            raise SeqgenError(f"stream must be one of {', '.join(STREAM_SETTINGS)}, got {self.stream!r}")
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


def vocab_from_counts(counts: dict[str, int], config: DataConfig, keep: tuple[str, ...] = ()) -> Vocab:
    """``build_vocab`` from the training documents' token counts (a corpus counted shard by shard)."""
    return Vocab.from_counts(counts, config.vocab_size, keep=keep, min_count=config.min_count)


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
    found = StreamWindows(stream, seq_length, stride)
    return found.rows(np.arange(found.count))


@dataclass(frozen=True)
class StreamWindows:
    """The windows of a 1-D id stream, read on demand: the stream may be memory-mapped (a corpus
    larger than memory), and only the rows asked for are ever copied.

    Window ``i`` starts at ``i * stride``; there are as many as start before ``len(stream) - seq_length``.
    """

    stream: np.ndarray
    seq_length: int
    stride: int

    def __post_init__(self) -> None:
        if len(self.stream) < self.seq_length + 1:
            raise SeqgenError(f"corpus too small: {len(self.stream)} tokens, one training window needs at least "
                              f"{self.seq_length + 1} (seq_length + 1); add text or lower --seq-length")

    @property
    def count(self) -> int:
        return (len(self.stream) - self.seq_length - 1) // self.stride + 1

    def rows(self, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(x, y)`` of the windows numbered ``index``, as int32 arrays in memory."""
        starts = np.asarray(index, dtype=np.int64) * self.stride
        # one read of seq_length + 1 tokens per window: x and y are its two overlapping views
        if _whole_file_map(self.stream):
            spans = _read_spans(self.stream, starts, self.seq_length + 1)
        else:
            spans = np.asarray(self.stream[starts[:, None] + np.arange(self.seq_length + 1)[None, :]], dtype=np.int32)
        return spans[:, :-1], spans[:, 1:]


def _whole_file_map(stream: np.ndarray) -> bool:
    """Whether ``stream`` is a memory-mapped int32 file as ``numpy.load`` maps it (not a slice of one)."""
    return (isinstance(stream, np.memmap) and isinstance(stream.base, mmap.mmap) and stream.ndim == 1
            and stream.dtype == np.int32 and stream.filename is not None)


def _read_spans(stream: np.memmap, starts: np.ndarray, length: int) -> np.ndarray:
    """Rows of ``length`` tokens from ``starts``, read from the stream's file with ``os.pread``.

    Why not index the map: every page a map touches stays in this process's resident memory (with
    the kernel's read-ahead around it), so random windows over a stream of hundreds of MB would grow
    the process by the stream's size in an epoch. Read calls leave those pages to the page cache."""
    out = np.empty((len(starts), length), dtype=np.int32)
    size = length * 4
    descriptor = os.open(stream.filename, os.O_RDONLY)
    try:
        for row, start in enumerate(starts.tolist()):
            out[row] = np.frombuffer(os.pread(descriptor, size, stream.offset + start * 4), dtype="<i4")
    finally:
        os.close(descriptor)
    return out


def eval_windows(stream: np.ndarray, seq_length: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows for validation: like ``windows`` but a short stream gives one shorter window."""
    found = eval_stream_windows(stream, seq_length)
    return found.rows(np.arange(found.count))


def eval_stream_windows(stream: np.ndarray, seq_length: int) -> StreamWindows:
    """The validation windows of ``eval_windows``, read on demand."""
    if len(stream) < 2:
        raise SeqgenError("the validation split holds no tokens; lower --val-frac to 0 or add documents")
    length = min(seq_length, len(stream) - 1)
    return StreamWindows(stream, length, length)
