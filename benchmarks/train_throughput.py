"""Training throughput: seqgen's model and training compile vs a stock Keras model of the same
architecture (``keras.layers.LSTM(recurrent_activation="hard_sigmoid")``, default compile/fit),
on the same random data, in one run.

Shapes: tabla (vocab 100, embedding 64) and Japanese (vocab 8000, embedding 128); hidden 256,
2 layers, window 50, batch 64. Runs alternate between the two models and the median of the timed
epochs is reported, since the machine is shared and noisy. Peak memory is that of a separate
process running seqgen's training at the tabla shape.

    python benchmarks/train_throughput.py [--repeats 5] [--batches 30] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SHAPES = {"tabla": (100, 64), "japanese": (8000, 128)}
HIDDEN, WINDOW, BATCH = 256, 50, 64


def random_windows(vocab: int, batches: int):
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.integers(0, vocab, (batches * BATCH, WINDOW)).astype("int32")
    y = rng.integers(0, vocab, (batches * BATCH, WINDOW)).astype("int32")
    return x, y


def seqgen_trainer(vocab: int, embedding: int):
    """seqgen's model compiled the way ``seqgen train`` compiles it."""
    from seqgen.model import ModelConfig, build_model
    from seqgen.training import TrainConfig, compile_model

    config = ModelConfig(vocab_size=vocab, embedding_dim=embedding, rnn_size=HIDDEN)
    return compile_model(build_model(config), TrainConfig(), distributed=False)


def stock_trainer(vocab: int, embedding: int):
    """Stock Keras layers, default compile and fit."""
    from seqgen.model import ModelConfig, build_stock_keras_model

    model = build_stock_keras_model(ModelConfig(vocab_size=vocab, embedding_dim=embedding, rnn_size=HIDDEN))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def tokens_per_second(model, x, y) -> float:
    start = time.perf_counter()
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0, shuffle=True)
    return x.size / (time.perf_counter() - start)


def measure_shape(name: str, repeats: int, batches: int) -> dict:
    vocab, embedding = SHAPES[name]
    x, y = random_windows(vocab, batches)
    trainers = {"seqgen": seqgen_trainer(vocab, embedding), "keras": stock_trainer(vocab, embedding)}
    for model in trainers.values():  # compile and warm up outside the timing
        tokens_per_second(model, x[: BATCH * 8], y[: BATCH * 8])
    samples: dict[str, list[float]] = {key: [] for key in trainers}
    for _ in range(repeats):
        for key, model in trainers.items():
            samples[key].append(tokens_per_second(model, x, y))
    seqgen_rate, keras_rate = statistics.median(samples["seqgen"]), statistics.median(samples["keras"])
    return {"shape": name, "vocab": vocab, "seqgen_tok_s": round(seqgen_rate, 1),
            "keras_tok_s": round(keras_rate, 1), "ratio": round(seqgen_rate / keras_rate, 3),
            "peak_rss_mb": peak_rss_of_seqgen_training(name, batches)}


def peak_rss_of_seqgen_training(name: str, batches: int) -> float:
    """Peak resident memory (MB) of a fresh process training seqgen's model at this shape."""
    code = (f"import sys, resource; sys.path.insert(0, {os.path.dirname(os.path.abspath(__file__))!r}); "
            f"import train_throughput as t; v, e = t.SHAPES[{name!r}]; x, y = t.random_windows(v, {batches}); "
            "t.tokens_per_second(t.seqgen_trainer(v, e), x, y); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return round(float(result.stdout.strip().splitlines()[-1]), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed epochs per model (median reported)")
    parser.add_argument("--batches", type=int, default=30, help="batches per timed epoch")
    parser.add_argument("--shapes", nargs="+", default=list(SHAPES), choices=list(SHAPES))
    parser.add_argument("--json", action="store_true", help="print a JSON list, one object per shape")
    args = parser.parse_args()
    results = [measure_shape(name, args.repeats, args.batches) for name in args.shapes]
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{'shape':<9} {'vocab':>5} {'seqgen tok/s':>13} {'keras tok/s':>12} {'ratio':>6} {'peak RSS MB':>12}")
    for row in results:
        print(f"{row['shape']:<9} {row['vocab']:>5} {row['seqgen_tok_s']:>13,.0f} {row['keras_tok_s']:>12,.0f} "
              f"{row['ratio']:>6.2f} {row['peak_rss_mb']:>12,.0f}")


if __name__ == "__main__":
    main()
