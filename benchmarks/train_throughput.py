"""Training throughput, compared honestly: seqgen's training path beside stock Keras and PyTorch, at
the same shapes, in one run.

Configurations, each run in a fresh subprocess (isolation, and a peak memory of its own):

    seqgen         ``model.build_model`` compiled by ``training.compile_model``, as ``seqgen train`` does
    seqgen-sampled the same with ``softmax="sampled"`` (``seqgen train --softmax sampled``), Japanese
                   shapes only (at vocab 100 the candidate set is the whole vocabulary)
    keras-xla      stock ``keras.layers.LSTM(recurrent_activation="hard_sigmoid")`` with
                   ``jit_compile=True`` and the same ``steps_per_execution``: the fair baseline
    keras          the same stock model without XLA (same ``steps_per_execution``)
    torch          PyTorch ``nn.LSTM`` (sigmoid gates: its fused kernel has no hard sigmoid), if importable
    torch-compile  the same under ``torch.compile``, if it works here

Every configuration does the same work: embedding, the domain's dropout, 2 recurrent layers, logits,
sparse cross-entropy on logits, Adam with the same global-norm clip. Shapes come from the domain
defaults (``api.DOMAIN_DEFAULTS`` read through ``help_defaults``, without importing TensorFlow), with
the vocabulary of a real corpus: tabla 100, Japanese 8000.

Only steps are timed. The ids are random and in memory, fed by a ``tf.data`` pipeline with its
autotuner off; a callback notes the clock at each epoch's start and after its last step (reading the
loss, so the step has finished), so the autotuner's wake-ups after an epoch's last step (issue 12)
never count. The first epoch traces and compiles and is not timed; tokens/s is the median of the
next ``--repeats`` epochs. The ratio column divides by keras-xla of the same shape. Peak memory is
the subprocess's peak resident set (ru_maxrss), compiling included.

    python benchmarks/train_throughput.py [--repeats 3] [--steps 48] [--rounds 1] [--shapes tabla japanese]
                                          [--configs seqgen keras-xla ...] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

VOCAB = {"tabla": 100, "japanese": 8000}
CONFIGS = ("seqgen", "seqgen-sampled", "keras-xla", "keras", "torch", "torch-compile")
SAMPLED_SHAPES = ("japanese",)  # where a sampled softmax is a different computation


def shape_settings(domain: str) -> dict:
    """The training settings ``seqgen train DOMAIN`` uses by default, with a realistic vocabulary."""
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from seqgen.help_defaults import domain_defaults

    settings = dict(domain_defaults()[domain])
    settings["vocab_size"] = VOCAB[domain]
    return settings


def random_batches(settings: dict, steps: int):
    import numpy as np

    rng = np.random.default_rng(0)
    shape = (steps * settings["batch_size"], settings["seq_length"])
    return (rng.integers(0, settings["vocab_size"], shape).astype("int32"),
            rng.integers(0, settings["vocab_size"], shape).astype("int32"))


# --- Keras configurations ---------------------------------------------------------------------------

def stock_logits_model(settings: dict):
    """Stock Keras layers, same architecture as seqgen's, ending in logits."""
    import keras

    ids = keras.Input(shape=(None,), dtype="int32")
    x = keras.layers.Embedding(settings["vocab_size"], settings["embedding_dim"])(ids)
    if settings["embedding_dropout"]:
        x = keras.layers.Dropout(settings["embedding_dropout"])(x)
    for _ in range(settings["layers"]):
        x = keras.layers.LSTM(settings["rnn_size"], recurrent_activation="hard_sigmoid", return_sequences=True)(x)
        if settings["dropout"]:
            x = keras.layers.Dropout(settings["dropout"])(x)
    return keras.Model(ids, keras.layers.Dense(settings["vocab_size"])(x))


def keras_trainer(config: str, settings: dict):
    import seqgen.quiet_tensorflow  # noqa: F401
    import keras

    from seqgen.model import ModelConfig, build_model
    from seqgen.training import TrainConfig, compile_model

    model_fields = ("vocab_size", "embedding_dim", "rnn_size", "layers", "dropout", "embedding_dropout")
    train_fields = ("batch_size", "learning_rate", "grad_clip", "steps_per_execution")
    sampled = {"softmax": "sampled", "softmax_candidates": settings["softmax_candidates"]}
    train_config = TrainConfig(**{name: settings[name] for name in train_fields},
                               **(sampled if config == "seqgen-sampled" else {}))
    if config.startswith("seqgen"):
        model_config = ModelConfig(**{name: settings[name] for name in model_fields})
        return compile_model(build_model(model_config), train_config, distributed=False)
    model = stock_logits_model(settings)
    model.compile(optimizer=keras.optimizers.Adam(train_config.learning_rate, global_clipnorm=train_config.grad_clip),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"],
                  jit_compile=config == "keras-xla", steps_per_execution=train_config.steps_per_execution)
    return model


def time_keras(config: str, settings: dict, steps: int, repeats: int) -> list[float]:
    """Seconds per epoch of ``steps`` steps, for ``repeats`` epochs after one untimed warm-up epoch."""
    import keras
    import tensorflow as tf

    class StepClock(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds: list[float] = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            float(logs["loss"])  # the step has finished once its loss can be read
            self.end = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(self.end - self.start)

    x, y = random_batches(settings, steps)
    options = tf.data.Options()
    options.autotune.enabled = False
    feed = (tf.data.Dataset.from_tensor_slices((x, y)).batch(settings["batch_size"], drop_remainder=True)
            .repeat().with_options(options))
    clock = StepClock()
    keras_trainer(config, settings).fit(feed, steps_per_epoch=steps, epochs=1 + repeats, callbacks=[clock],
                                        verbose=0)
    return clock.seconds[1:]


# --- PyTorch configurations -------------------------------------------------------------------------

def time_torch(config: str, settings: dict, steps: int, repeats: int) -> list[float]:
    import torch
    from torch import nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(settings["vocab_size"], settings["embedding_dim"])
            self.embedding_dropout = nn.Dropout(settings["embedding_dropout"])
            # nn.LSTM drops out between its layers; the extra Dropout covers the last one, as seqgen does
            self.lstm = nn.LSTM(settings["embedding_dim"], settings["rnn_size"], settings["layers"],
                                batch_first=True, dropout=settings["dropout"] if settings["layers"] > 1 else 0.0)
            self.dropout = nn.Dropout(settings["dropout"])
            self.logits = nn.Linear(settings["rnn_size"], settings["vocab_size"])

        def forward(self, ids):
            hidden, _ = self.lstm(self.embedding_dropout(self.embedding(ids)))
            return self.logits(self.dropout(hidden))

    torch.manual_seed(0)
    net = Net()
    optimizer = torch.optim.Adam(net.parameters(), lr=settings["learning_rate"])
    forward = torch.compile(net) if config == "torch-compile" else net
    x, y = (torch.from_numpy(array).long() for array in random_batches(settings, steps))
    batch = settings["batch_size"]

    def epoch() -> float:
        start = time.perf_counter()
        for step in range(steps):
            rows = slice(step * batch, (step + 1) * batch)
            optimizer.zero_grad(set_to_none=True)
            logits = forward(x[rows])
            loss = nn.functional.cross_entropy(logits.reshape(-1, settings["vocab_size"]), y[rows].reshape(-1))
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), settings["grad_clip"])
            optimizer.step()
        loss.item()
        return time.perf_counter() - start

    epoch()  # warm-up (and torch.compile's compilation)
    return [epoch() for _ in range(repeats)]


# --- one configuration in this process (the subprocess side) ----------------------------------------

def worker(config: str, domain: str, steps: int, repeats: int) -> dict:
    settings = shape_settings(domain)
    timer = time_torch if config.startswith("torch") else time_keras
    seconds = timer(config, settings, steps, repeats)
    tokens = steps * settings["batch_size"] * settings["seq_length"]
    return {"tokens_per_s": [tokens / value for value in seconds],
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def torch_available() -> bool:
    code = "import importlib.util, sys; sys.exit(importlib.util.find_spec('torch') is None)"
    return subprocess.run([sys.executable, "-c", code]).returncode == 0


def run_config(config: str, domain: str, steps: int, repeats: int) -> dict:
    """One configuration in a fresh Python process: its median tokens/s and peak memory, or why it failed."""
    command = [sys.executable, os.path.abspath(__file__), "--worker", config, domain,
               "--steps", str(steps), "--repeats", str(repeats)]
    result = subprocess.run(command, capture_output=True, text=True)
    row = {"shape": domain, "config": config}
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return {**row, "error": last[:160]}
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return {**row, "tokens_per_s": round(statistics.median(data["tokens_per_s"])),
            "samples": [round(value) for value in data["tokens_per_s"]], "peak_rss_mb": round(data["peak_rss_mb"])}


def merge_rounds(rounds: list[dict]) -> dict:
    """One configuration's rows from several rounds: the median of the rounds' medians, every epoch listed."""
    failed = [row for row in rounds if "error" in row]
    if failed:
        return failed[0]
    return {**rounds[0], "tokens_per_s": round(statistics.median(row["tokens_per_s"] for row in rounds)),
            "samples": [value for row in rounds for value in row["samples"]],
            "peak_rss_mb": max(row["peak_rss_mb"] for row in rounds)}


def add_ratios(rows: list[dict]) -> None:
    baseline = {row["shape"]: row.get("tokens_per_s") for row in rows if row["config"] == "keras-xla"}
    for row in rows:
        reference = baseline.get(row["shape"])
        row["vs_keras_xla"] = round(row["tokens_per_s"] / reference, 3) if reference and "tokens_per_s" in row else None


def print_table(rows: list[dict], steps: int, repeats: int, rounds: int) -> None:
    print(f"tokens/s: median of {repeats} epochs of {steps} steps, after one untimed warm-up epoch"
          + (f"; median over {rounds} interleaved rounds (runs: every epoch)" if rounds > 1 else ""))
    print(f"{'shape':<9} {'configuration':<14} {'tokens/s':>9} {'vs keras-xla':>13} {'peak RSS MB':>12}  runs")
    for row in rows:
        if "error" in row:
            print(f"{row['shape']:<9} {row['config']:<14} failed: {row['error']}")
            continue
        ratio = f"{row['vs_keras_xla']:.2f}x" if row["vs_keras_xla"] else "n/a"
        runs = " ".join(f"{value:,}" for value in row["samples"])
        print(f"{row['shape']:<9} {row['config']:<14} {row['tokens_per_s']:>9,} {ratio:>13} {row['peak_rss_mb']:>12,}"
              f"  {runs}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs per configuration (median reported)")
    parser.add_argument("--steps", type=int, default=48, help="training steps per epoch (a multiple of 8)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="rounds over the configurations, interleaved; tokens/s is the median of the rounds' medians")
    parser.add_argument("--shapes", nargs="+", default=list(VOCAB), choices=list(VOCAB))
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=CONFIGS)
    parser.add_argument("--json", action="store_true", help="print a JSON list, one object per row")
    parser.add_argument("--worker", nargs=2, metavar=("CONFIG", "SHAPE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(*args.worker, args.steps, args.repeats)))
        return
    configs = [config for config in args.configs if not config.startswith("torch") or torch_available()]
    rows = []
    for domain in args.shapes:
        chosen = [config for config in configs if config != "seqgen-sampled" or domain in SAMPLED_SHAPES]
        rounds: dict = {config: [] for config in chosen}
        for _ in range(args.rounds):  # configurations interleaved: a shared machine's slow spells fall on all
            for config in chosen:
                rounds[config].append(run_config(config, domain, args.steps, args.repeats))
                print(json.dumps(rounds[config][-1]), file=sys.stderr, flush=True)  # progress of a long run
        rows.extend(merge_rounds(rounds[config]) for config in chosen)
    add_ratios(rows)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        print_table(rows, args.steps, args.repeats, args.rounds)


if __name__ == "__main__":
    main()
