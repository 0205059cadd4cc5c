"""Full against sampled training softmax at Japanese shapes, in one run, side by side.

Part 1, real training: ``seqgen.train("japanese", CORPUS)`` with the Japanese defaults
(``api.DOMAIN_DEFAULTS``), once with ``softmax="full"`` and once with ``softmax="sampled"``, each
in a fresh subprocess, until early stopping (or ``--epochs``). Printed per side:

    tokens/s   training tokens per second of the training steps only: the median over epochs 2..n of
               (training tokens in the epoch) / (time from the epoch's start to the end of its last
               step); epoch 1 (tracing, XLA compile) and the validation pass are not counted
    to best    wall time from the start of fit (compile included) to the end of the best epoch
    val ppl    the best epoch's validation perplexity (always the full softmax)
    held ppl   held-out perplexity of the saved model under the full softmax over whole held-out
               documents (the test split, else the validation split: the Japanese defaults have no
               test split), by ``evaluation.lstm_scores`` with the NumPy forward pass, as
               ``seqgen evaluate`` does

The last line states the issue's claim, "sampled reaches at least 2x the full softmax's training
tokens/s at matched perplexity" (matched: held-out perplexity at most MATCH above the full one's),
and whether this run supports it.

Part 2, pure step throughput at vocabulary 8000 (the issue's Japanese figure): the Japanese shapes
with random ids in memory, compiled by ``training.compile_model`` as ``seqgen train`` does; epochs of
``--steps`` steps, the two softmaxes alternating epoch by epoch in one process so that the load of
a shared machine falls on both alike; the first epoch of each is the compile and is not counted.

Timings on a shared 2-core machine are noisy: compare the ratios of one run, not runs.

    python benchmarks/softmax_speed.py [--corpus corpora/lyrics_ja] [--epochs 40] [--steps 40]
                                       [--repeats 5] [--candidates 1024] [--skip-training]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MATCH = 0.02  # relative held-out perplexity difference still called "matched"
sys.path.insert(0, str(ROOT))


def train_side(corpus: str, softmax: str, epochs: int, candidates: int) -> dict:
    """One real training run (in this process); returns its timings and perplexities."""
    import keras

    from seqgen import api, training
    from seqgen.bundle import load
    from seqgen.evaluation import documents_of, lstm_scores
    from seqgen.numpy_model import from_bundle

    marks: dict = {"begin": {}, "steps_end": {}, "epoch_end": {}}

    class TimedReport(training.EpochReport):
        # notes the clock around each epoch's training steps; everything else is EpochReport's
        def on_train_begin(self, logs=None):
            marks["fit_start"] = time.perf_counter()
            marks["steps"] = self.steps_per_epoch

        def on_epoch_begin(self, epoch, logs=None):
            marks["epoch"], marks["begin"][epoch] = epoch, time.perf_counter()
            super().on_epoch_begin(epoch, logs)

        def on_test_begin(self, logs=None):  # after the epoch's last step has finished
            marks["steps_end"].setdefault(marks["epoch"], time.perf_counter())

        def on_epoch_end(self, epoch, logs=None):
            super().on_epoch_end(epoch, logs)
            marks["epoch_end"][epoch] = time.perf_counter()

    training.EpochReport = TimedReport  # this benchmark's process only
    defaults = api.DOMAIN_DEFAULTS["japanese"]
    out = Path(tempfile.mkdtemp()) / "model"
    generator = api.train("japanese", corpus, out, verbose="quiet", epochs=epochs, softmax=softmax,
                          softmax_candidates=candidates)
    tokens = marks["steps"] * defaults["batch_size"] * defaults["seq_length"]  # per epoch
    rates = [tokens / (marks["steps_end"][epoch] - marks["begin"][epoch])
             for epoch in sorted(marks["begin"]) if epoch > 0 and epoch in marks["steps_end"]]
    best = generator.bundle.config["best"]
    bundle = load(out)
    nats, count, _ = lstm_scores(from_bundle(bundle), documents_of(bundle, None))
    keras.backend.clear_session()
    return {"softmax": softmax, "vocab": len(bundle.vocab), "epochs": len(marks["epoch_end"]),
            "best_epoch": best["epoch"], "tokens_per_s": statistics.median(rates) if rates else float("nan"),
            "to_best_s": marks["epoch_end"][best["epoch"] - 1] - marks["fit_start"],
            "val_ppl": best["val_perplexity"], "test_ppl": math.exp(nats / count)}


def step_throughput(softmaxes: list[str], steps: int, repeats: int, candidates: int) -> dict:
    """Tokens/s of training steps alone at vocab 8000, the softmaxes alternating epoch by epoch."""
    import numpy as np
    import tensorflow as tf

    from seqgen import api, training
    from seqgen.model import ModelConfig, build_model

    defaults = api.DOMAIN_DEFAULTS["japanese"]
    model_config = ModelConfig(vocab_size=8000, **{key: defaults[key] for key in
                                                   ("embedding_dim", "rnn_size", "dropout", "embedding_dropout")})
    batch, window = defaults["batch_size"], defaults["seq_length"]
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 8000, (steps * batch, window + 1)).astype("int32")
    data = tf.data.Dataset.from_tensor_slices((ids[:, :-1], ids[:, 1:])).batch(batch).cache()
    options = tf.data.Options()
    options.autotune.enabled = False
    data = data.with_options(options)
    trainables = {}
    for softmax in softmaxes:
        config = training.TrainConfig(batch_size=batch, learning_rate=defaults["learning_rate"], softmax=softmax,
                                      softmax_candidates=candidates)
        trainables[softmax] = training.compile_model(build_model(model_config), config, distributed=False)
        trainables[softmax].fit(data, epochs=1, verbose=0)  # trace and compile: not timed
    times: dict = {softmax: [] for softmax in softmaxes}
    for _ in range(repeats):
        for softmax in softmaxes:
            start = time.perf_counter()
            loss = trainables[softmax].fit(data, epochs=1, verbose=0).history["loss"][-1]  # read: steps done
            times[softmax].append(time.perf_counter() - start if loss == loss else float("nan"))
    return {softmax: steps * batch * window / statistics.median(values) for softmax, values in times.items()}


def in_subprocess(function: str, **kwargs) -> dict:
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import softmax_speed; "
            f"print('RESULT ' + json.dumps(softmax_speed.{function}(**json.loads(sys.argv[1]))))")
    done = subprocess.run([sys.executable, "-c", code, json.dumps(kwargs)], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        sys.exit(f"{function} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(ROOT / "corpora" / "lyrics_ja"))
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--candidates", type=int, default=1024)
    parser.add_argument("--skip-training", action="store_true")
    args = parser.parse_args()

    print(f"step throughput, Japanese shapes, vocab 8000, synthetic ids, {args.steps} steps x {args.repeats} "
          f"epochs per side (median), candidates {args.candidates}:", flush=True)
    steps = in_subprocess("step_throughput", softmaxes=["full", "sampled"], steps=args.steps, repeats=args.repeats,
                          candidates=args.candidates)
    print(f"  full {steps['full']:8.0f} tokens/s   sampled {steps['sampled']:8.0f} tokens/s   "
          f"ratio {steps['sampled'] / steps['full']:.2f}x", flush=True)
    if args.skip_training:
        return
    print(f"\ntraining on {args.corpus}, Japanese defaults, until early stop (at most {args.epochs} epochs):",
          flush=True)
    print(f"  {'softmax':<8} {'vocab':>5} {'epochs':>6} {'best':>4} {'tokens/s':>9} {'to best':>8} "
          f"{'val ppl':>8} {'held ppl':>8}", flush=True)
    sides = {}
    for softmax in ("full", "sampled"):
        side = sides[softmax] = in_subprocess("train_side", corpus=args.corpus, softmax=softmax, epochs=args.epochs,
                                              candidates=args.candidates)
        print(f"  {softmax:<8} {side['vocab']:>5} {side['epochs']:>6} {side['best_epoch']:>4} "
              f"{side['tokens_per_s']:>9.0f} {side['to_best_s']:>7.0f}s {side['val_ppl']:>8.2f} "
              f"{side['test_ppl']:>8.2f}", flush=True)
    full, sampled = sides["full"], sides["sampled"]
    print(f"  ratios (sampled / full): tokens/s {sampled['tokens_per_s'] / full['tokens_per_s']:.2f}x, "
          f"time to best {sampled['to_best_s'] / full['to_best_s']:.2f}x, "
          f"held-out ppl {sampled['test_ppl'] / full['test_ppl']:.3f}")
    speed = sampled["tokens_per_s"] / full["tokens_per_s"]
    matched = sampled["test_ppl"] <= full["test_ppl"] * (1 + MATCH)
    verdict = "holds" if speed >= 2 and matched else "does NOT hold"
    print(f"claim '>= 2x training tokens/s at matched perplexity (within {MATCH:.0%})': {verdict} in this run "
          f"({speed:.2f}x, perplexity {'matched' if matched else 'not matched'})")
    print("JSON " + json.dumps({"steps": steps, "training": sides}))


if __name__ == "__main__":
    main()
