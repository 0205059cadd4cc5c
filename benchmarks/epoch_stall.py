"""The end-of-epoch stall: per-epoch wall time against the time its training steps took, for the
feed ``seqgen train`` used before (a ``keras.utils.PyDataset``, which Keras wraps in an autotuned
tf.data pipeline) and for today's (``seqgen.feed``: tf.data with autotuning off), in one run.

Both train seqgen's model, compiled as ``seqgen train`` compiles it (tabla shapes: vocab 100,
embedding 64, hidden 256, window 50, batch 64; ``--small`` for a quick look), on the same random
windows with validation, alternating feeds epoch block by epoch block. For each epoch it records
the wall time from ``on_epoch_begin`` to ``on_epoch_end`` and the time spent inside the training
steps (``on_train_batch_begin`` to ``on_train_batch_end``, one call per ``steps_per_execution``
steps) and in validation; the overhead is what is left: the feed's own time, its iterator's start
and end. Medians over the epochs after the first (which compiles).

    python benchmarks/epoch_stall.py [--epochs 6] [--batches 48] [--repeats 2] [--small] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# An epoch whose overhead passes this counts as stalled (the autotuner's wake-ups are 0.5 s and up).
STALL = 0.25


def legacy_feed(x, y, batch_size: int, seed: int):
    """The feed ``seqgen train`` used until the tf.data one (``training.EpochBatches``), verbatim."""
    import keras
    import numpy as np

    class EpochBatches(keras.utils.PyDataset):
        def __init__(self, x, y, batch_size, seed, epoch):
            super().__init__()
            self.x, self.y, self.seed = x, y, seed
            self.batch_size = min(batch_size, len(x))
            self.epoch = epoch - 1
            self.on_epoch_end()

        def __len__(self):
            return len(self.x) // self.batch_size

        def __getitem__(self, index):
            rows = self.order[index * self.batch_size:(index + 1) * self.batch_size]
            return self.x[rows], self.y[rows]

        def on_epoch_end(self):
            self.epoch += 1
            self.order = np.random.default_rng([self.seed, self.epoch]).permutation(len(self.x))

    return EpochBatches(x, y, batch_size, seed, 0)


def make_timer():
    import keras

    class Timer(keras.callbacks.Callback):
        """Wall time of each epoch and of the steps inside it."""

        def __init__(self):
            super().__init__()
            self.rows: list[dict] = []

        def on_epoch_begin(self, epoch, logs=None):
            self.began, self.steps, self.validation = time.perf_counter(), 0.0, 0.0

        def on_train_batch_begin(self, batch, logs=None):
            self.step_began = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.step_ended = time.perf_counter()
            self.steps += self.step_ended - self.step_began

        def on_test_begin(self, logs=None):
            self.test_began = time.perf_counter()

        def on_test_end(self, logs=None):
            self.validation = time.perf_counter() - self.test_began

        def on_epoch_end(self, epoch, logs=None):
            wall = time.perf_counter() - self.began
            self.rows.append({"wall": wall, "steps": self.steps, "validation": self.validation,
                              "overhead": wall - self.steps - self.validation})

    return Timer()


def run(feed_name: str, epochs: int, batches: int, shapes: dict) -> list[dict]:
    import keras
    import numpy as np

    from seqgen.data import StreamWindows, eval_stream_windows
    from seqgen.feed import TrainingFeed, eval_dataset
    from seqgen.model import ModelConfig, build_model
    from seqgen.training import TrainConfig, compile_model

    keras.utils.set_random_seed(0)
    window, batch = shapes["window"], shapes["batch"]
    rng = np.random.default_rng(0)
    stream = rng.integers(0, shapes["vocab"], batches * batch * window + 1).astype(np.int32)
    val_stream = rng.integers(0, shapes["vocab"], max(1, batches // 8) * 32 * window + 1).astype(np.int32)
    config = ModelConfig(vocab_size=shapes["vocab"], embedding_dim=shapes["embedding"], rnn_size=shapes["hidden"])
    model = compile_model(build_model(config), TrainConfig(batch_size=batch), distributed=False)
    timer = make_timer()
    train, val = StreamWindows(stream, window, window), eval_stream_windows(val_stream, window)
    if feed_name == "before":
        x, y = train.rows(np.arange(train.count))
        model.fit(legacy_feed(np.ascontiguousarray(x), np.ascontiguousarray(y), batch, 0),
                  validation_data=tuple(map(np.ascontiguousarray, val.rows(np.arange(val.count)))),
                  epochs=epochs, callbacks=[timer], verbose=0)
    else:
        feed = TrainingFeed(train, batch, 0)
        model.fit(feed.dataset(), validation_data=eval_dataset(val), epochs=epochs, shuffle=False,
                  callbacks=[feed.callback, timer], verbose=0)
    return timer.rows[1:]  # the first epoch compiles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=6, help="epochs per block (the first is not counted)")
    parser.add_argument("--batches", type=int, default=48, help="training batches per epoch")
    parser.add_argument("--repeats", type=int, default=2, help="blocks per feed, alternating")
    parser.add_argument("--small", action="store_true", help="tiny network: the overhead stands out more")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    shapes = ({"vocab": 100, "embedding": 16, "hidden": 32, "window": 50, "batch": 64} if args.small else
              {"vocab": 100, "embedding": 64, "hidden": 256, "window": 50, "batch": 64})
    rows: dict[str, list[dict]] = {"before": [], "after": []}
    for _ in range(args.repeats):
        for name in rows:
            rows[name] += run(name, args.epochs, args.batches, shapes)
    summary = {name: {**{key: statistics.median(row[key] for row in found) for key in found[0]},
                      "mean_overhead": statistics.fmean(row["overhead"] for row in found),
                      "stalled": sum(row["overhead"] > STALL for row in found)}
               for name, found in rows.items()}
    summary["epochs_timed"] = len(rows["after"])
    summary["shapes"] = shapes
    summary["batches"] = args.batches
    if args.json:
        print(json.dumps({"summary": summary, "epochs": rows}, indent=1))
        return
    print(f"{args.batches} batches of {shapes['batch']}x{shapes['window']} per epoch, hidden {shapes['hidden']}; "
          f"medians of {summary['epochs_timed']} epochs per feed")
    print(f"{'feed':<36}{'epoch wall':>11}{'steps':>9}{'validation':>12}{'overhead':>10}{'mean ovh.':>11}"
          f"{'stalled':>9}")
    labels = {"before": "PyDataset (Keras's autotuned)", "after": "seqgen.feed (tf.data, no autotune)"}
    for name in ("before", "after"):
        found = summary[name]
        print(f"{labels[name]:<36}{found['wall']:>10.3f}s{found['steps']:>8.3f}s{found['validation']:>11.3f}s"
              f"{found['overhead']:>9.3f}s{found['mean_overhead']:>10.3f}s{found['stalled']:>6}/{len(rows[name])}")
    before, after = summary["before"], summary["after"]
    print(f"mean overhead per epoch: {before['mean_overhead']:.3f} s -> {after['mean_overhead']:.3f} s; "
          f"median epoch wall time ratio after/before {after['wall'] / before['wall']:.3f}")


if __name__ == "__main__":
    main()
