"""The training feed: batches of windows as a ``tf.data.Dataset``, in an order fixed by (seed, epoch).

``EpochOrder`` is the one rule for the order: epoch ``e`` visits the windows in
``numpy.random.default_rng([seed, e]).permutation(count)`` order, cut into full batches (the last
partial batch is dropped: one shape, one XLA compile). A resumed run therefore sees the same batches
an uninterrupted one would. ``TrainingFeed.dataset`` turns that into a dataset Keras iterates once
per epoch; its ``callback`` (``EpochSetter``) tells it which epoch is starting. ``eval_dataset`` feeds
validation windows in order, every window once.

Both read windows from ``data.StreamWindows``, so an id stream may be memory-mapped: a batch is
copied out of it when it is needed, never the whole stream.

Why not Keras's own adapters: a ``PyDataset`` (or NumPy arrays) is wrapped by Keras into a tf.data
pipeline with autotuning on, whose autotuner wakes on a doubling schedule and stalls the end of
every epoch (about a second, ``benchmarks/epoch_stall.py``). These datasets turn autotuning off and
prefetch a fixed number of batches.

Not here: compiling and fitting (``training``), making the streams (``data``, ``shards``).
Sharding across workers is the caller's: the datasets are plain, so ``dataset.shard(n, i)`` works.
"""

from __future__ import annotations

import seqgen.quiet_tensorflow  # noqa: F401  (before keras: keeps TensorFlow's C++ log lines quiet)
import keras
import numpy as np
import tensorflow as tf

from seqgen.data import StreamWindows

# Batches prepared ahead of the training step: one in use, one ready. Fixed, not autotuned.
PREFETCH = 2
# Validation windows per batch: what Keras used for NumPy validation data (so losses are unchanged).
EVAL_BATCH = 32


class EpochOrder:
    """Which windows make up batch ``index`` of epoch ``epoch``: the order rule, NumPy only."""

    def __init__(self, count: int, batch_size: int, seed: int):
        self.count, self.seed = count, seed
        self.batch_size = min(batch_size, count)
        self._cached: tuple[int, np.ndarray] | None = None

    @property
    def steps(self) -> int:
        """Full batches per epoch."""
        return self.count // self.batch_size

    def order(self, epoch: int) -> np.ndarray:
        if self._cached is None or self._cached[0] != epoch:
            self._cached = (epoch, np.random.default_rng([self.seed, epoch]).permutation(self.count))
        return self._cached[1]

    def rows(self, epoch: int, index: int) -> np.ndarray:
        return self.order(epoch)[index * self.batch_size:(index + 1) * self.batch_size]


class TrainingFeed:
    """Training batches of ``windows`` for Keras: ``dataset()`` and the ``callback`` that sets its epoch.

    Args:
        windows: the training windows (of an id stream in memory or memory-mapped).
        batch_size: windows per batch (at most the number of windows).
        seed: with the epoch, fixes the order.
        first_epoch: the epoch (0-based) the run starts at; a resumed run passes the epochs done.
    """

    def __init__(self, windows: StreamWindows, batch_size: int, seed: int, first_epoch: int = 0):
        self.windows = windows
        self.plan = EpochOrder(windows.count, batch_size, seed)
        self.epoch = first_epoch

    @property
    def steps(self) -> int:
        return self.plan.steps

    def batch(self, index: int, epoch: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Batch ``index`` of ``epoch`` (default: the current one) as NumPy arrays."""
        x, y = self.windows.rows(self.plan.rows(self.epoch if epoch is None else epoch, index))
        return np.ascontiguousarray(x), np.ascontiguousarray(y)

    def dataset(self):
        """One epoch of batches; Keras makes a new iterator each epoch, and each reads ``self.epoch``
        when it starts (the callback has set it by then)."""
        shape = (self.plan.batch_size, self.windows.seq_length)

        def load(index):
            x, y = tf.numpy_function(lambda i: self.batch(int(i)), [index], (tf.int32, tf.int32), stateful=True)
            return tf.ensure_shape(x, shape), tf.ensure_shape(y, shape)

        # the map runs in order (no parallel calls): the order's cache is computed once per epoch
        batches = tf.data.Dataset.range(self.steps).map(load)
        return _fixed(batches)

    @property
    def callback(self):
        return EpochSetter(self)


def eval_dataset(windows: StreamWindows, batch_size: int = EVAL_BATCH):
    """Every window of ``windows`` once, in order, in batches of ``batch_size`` (the last may be
    shorter), as Keras batches NumPy validation data."""
    count = windows.count
    size = min(batch_size, count)

    def load(index):
        def read(i):
            x, y = windows.rows(np.arange(int(i) * size, min((int(i) + 1) * size, count)))
            return np.ascontiguousarray(x), np.ascontiguousarray(y)

        x, y = tf.numpy_function(read, [index], (tf.int32, tf.int32), stateful=False)
        shape = (None, windows.seq_length)
        return tf.ensure_shape(x, shape), tf.ensure_shape(y, shape)

    return _fixed(tf.data.Dataset.range(-(-count // size)).map(load))


def _fixed(dataset):
    """No autotuning (its wake-ups stall the end of each epoch); a fixed prefetch instead."""
    options = tf.data.Options()
    options.autotune.enabled = False
    options.deterministic = True
    return dataset.prefetch(PREFETCH).with_options(options)


class EpochSetter(keras.callbacks.Callback):
    """Sets the feed's epoch as each epoch begins (before Keras makes the epoch's iterator)."""

    def __init__(self, feed: TrainingFeed):
        super().__init__()
        self.feed = feed

    def on_epoch_begin(self, epoch, logs=None):
        self.feed.epoch = epoch
