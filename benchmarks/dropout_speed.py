"""Dropout under XLA on a CPU: Keras's ``Dropout`` against ``seqgen.dropout.Dropout``, in one run.

Each side is one ``tf.function(jit_compile=True)`` applying the layer in training mode to a float32
tensor, then the same two layers inside a whole training step at the Japanese defaults (embedding
dropout 0.2, dropout 0.5 after both LSTM layers, batch 32, window 40), built with each dropout
layer in turn. Medians of ``--repeats``; the first call (tracing, compiling) is not timed.

    python benchmarks/dropout_speed.py [--shape 32 40 640] [--repeats 30] [--steps 48]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def time_layer(layer, shape: tuple[int, ...], repeats: int) -> float:
    """Median seconds for one compiled mask draw and multiply over a tensor of ``shape``."""
    import tensorflow as tf

    ones = tf.ones(shape)
    apply = tf.function(lambda: tf.reduce_sum(layer(ones, training=True)), jit_compile=True)
    float(apply())  # trace and compile
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        float(apply())  # reading the value waits for the draw
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def time_training(dropout_class, steps: int, repeats: int) -> float:
    """Median training tokens/s at the Japanese defaults with ``dropout_class`` as every dropout layer."""
    import keras
    import numpy as np
    import tensorflow as tf

    from seqgen import api
    from seqgen import model as model_module
    from seqgen.model import ModelConfig, build_model
    from seqgen.training import TrainConfig, compile_model

    defaults = api.DOMAIN_DEFAULTS["japanese"]
    config = ModelConfig(vocab_size=8000, **{key: defaults[key] for key in
                                             ("embedding_dim", "rnn_size", "dropout", "embedding_dropout")})
    original = model_module.Dropout
    model_module.Dropout = dropout_class  # this benchmark's process only
    try:
        trainable = compile_model(build_model(config), TrainConfig(batch_size=defaults["batch_size"]), False)
    finally:
        model_module.Dropout = original
    batch, window = defaults["batch_size"], defaults["seq_length"]
    ids = np.random.default_rng(0).integers(0, 8000, (steps * batch, window + 1)).astype("int32")
    options = tf.data.Options()
    options.autotune.enabled = False  # no autotuner wake-ups in the timing (issue 12)
    feed = tf.data.Dataset.from_tensor_slices((ids[:, :-1], ids[:, 1:])).batch(batch).cache().with_options(options)
    trainable.fit(feed, epochs=1, verbose=0, shuffle=False)  # trace and compile: not timed
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        trainable.fit(feed, epochs=1, verbose=0, shuffle=False)
        rates.append(steps * batch * window / (time.perf_counter() - start))
    keras.backend.clear_session()
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", nargs="+", type=int, default=[32, 40, 640])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--steps", type=int, default=48, help="training steps per timed epoch")
    parser.add_argument("--epochs", type=int, default=3, help="timed training epochs per side (median)")
    args = parser.parse_args()
    import seqgen.quiet_tensorflow  # noqa: F401
    import keras

    from seqgen.dropout import Dropout

    shape = tuple(args.shape)
    sides = {"keras Dropout": keras.layers.Dropout, "seqgen Dropout": Dropout}
    print(f"one mask, rate 0.5, shape {shape}, median of {args.repeats}:")
    draw = {name: time_layer(layer_class(0.5, seed=1), shape, args.repeats) for name, layer_class in sides.items()}
    for name, seconds in draw.items():
        print(f"  {name:<15} {seconds * 1000:8.2f} ms")
    print(f"  ratio {draw['keras Dropout'] / draw['seqgen Dropout']:.1f}x")
    print(f"training step at the Japanese defaults, vocab 8000, tokens/s (median of {args.epochs} epochs):")
    rates = {name: time_training(layer_class, args.steps, args.epochs) for name, layer_class in sides.items()}
    for name, rate in rates.items():
        print(f"  {name:<15} {rate:8,.0f} tokens/s")
    print(f"  ratio {rates['seqgen Dropout'] / rates['keras Dropout']:.2f}x")


if __name__ == "__main__":
    main()
