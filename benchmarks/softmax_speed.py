"""Japanese-shape training against today's: the full and the sampled softmax, at matched perplexity.

Three sides, each trained in a fresh subprocess by ``seqgen.train("japanese", CORPUS)`` with the
Japanese defaults (``api.DOMAIN_DEFAULTS``) and a 10% test split of whole songs, until early stopping:

    today      the full softmax with Keras's own ``LSTM`` and ``Dropout`` layers: seqgen's training
               step before ``seqgen.fused_lstm`` and ``seqgen.dropout``
    full       the full softmax with seqgen's layers (the default now)
    sampled    ``softmax="sampled"`` with seqgen's layers (``--softmax sampled``): the full softmax
               for its first ``softmax_warmup`` steps (300), then the sampled one
    sampled-cold  the same without the warm-up (not run unless named in ``--sides``)
    warm-up-only  the sampled side's trainer with a warm-up longer than any run: the full softmax along
               the very steps the sampled side takes until its switch (the same ops in the same order),
               then on; paired with it seed by seed, it tells what the sampled loss itself costs apart
               from where a run's path happens to lead (not run unless named in ``--sides``)

Printed per side and seed:

    tokens/s   training tokens per second of the training steps only: the median over epochs 2..n of
               (training tokens in the epoch) / (time from the epoch's start to the end of its last
               step); epoch 1 (tracing, XLA compile) and the validation pass are not counted
    overall    the same steps' tokens over their total time: what a run with a full-softmax warm-up
               averages (its first epochs run at the full softmax's speed, the median would hide them)
    to best    wall time from the start of fit (compile included) to the end of the best epoch
    val ppl    the best epoch's validation perplexity (always the full softmax)
    test ppl   perplexity of the saved model under the full softmax over the whole held-out test songs,
               by ``evaluation.lstm_scores`` with the NumPy forward pass, as ``seqgen evaluate`` does
    test win   the same test songs cut into training-length windows, each from a zero state, as
               training and validation see them; a gap between the two columns is the model's behaviour
               past the training window (whole songs run hundreds of tokens from one state)

The last lines state the issue's claim for each side, "at least 2x today's training tokens/s at
matched perplexity" (tokens/s: the overall rate where a side's runs all have it, so that a warm-up
counts; matched: the median test perplexity over the seeds at most MATCH above today's), and whether
this run supports it; then the test perplexity paired by seed (each seed's
ratio to today's), with a bootstrap interval of its median that says whether the seeds can resolve
MATCH at all; and where both ran, the sampled side paired with ``warm-up-only`` the same way.

Part 2, pure step throughput at vocabulary 8000: the Japanese shapes with random ids in memory,
compiled by ``training.compile_model`` as ``seqgen train`` does; epochs of ``--steps`` steps, the
sides alternating epoch by epoch in one process so that the load of a shared machine falls on all
alike; the first epoch of each is the compile and is not counted.

Timings on a shared 2-core machine are noisy: compare the ratios of one run, not runs.

    python benchmarks/softmax_speed.py [--corpus corpora/lyrics_ja] [--epochs 40] [--seeds 1234 7]
                                       [--steps 40] [--repeats 5] [--candidates 1024] [--skip-training]
                                       [--sides today full sampled]
    python benchmarks/softmax_speed.py --summarize run1.txt run2.txt   # the claims over saved runs
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
TEST_FRAC = 0.1  # whole songs held out for the test perplexity, as the shipped model's evaluation
sys.path.insert(0, str(ROOT))


# side: (its layers, its training settings)
SIDES = {"today": ("keras", {"softmax": "full"}), "full": ("seqgen", {"softmax": "full"}),
         "sampled": ("seqgen", {"softmax": "sampled"}),
         "sampled-cold": ("seqgen", {"softmax": "sampled", "softmax_warmup": 0}),
         "warm-up-only": ("seqgen", {"softmax": "sampled", "softmax_warmup": 10 ** 9})}
WARM_FOREVER = SIDES["warm-up-only"][1]["softmax_warmup"]
DEFAULT_SIDES = ["today", "full", "sampled"]


def use_layers(kind: str) -> None:
    """``"keras"``: make ``model.build_model`` use Keras's own LSTM and Dropout (today's) in this
    process; ``"seqgen"``: seqgen's."""
    import keras

    from seqgen import dropout, fused_lstm, model

    keras_own = kind == "keras"
    model.Dropout = keras.layers.Dropout if keras_own else dropout.Dropout
    model.FusedLSTM = keras.layers.LSTM if keras_own else fused_lstm.LSTM


def train_side(corpus: str, side: str, epochs: int, candidates: int, seed: int) -> dict:
    """One real training run (in this process); returns its timings and perplexities."""
    import keras

    from seqgen import api, training
    from seqgen.bundle import load
    from seqgen.evaluation import documents_of, lstm_scores
    from seqgen.numpy_model import from_bundle

    layers, settings = SIDES[side]
    use_layers(layers)
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
    generator = api.train("japanese", corpus, out, verbose="quiet", epochs=epochs, softmax_candidates=candidates,
                          test_frac=TEST_FRAC, seed=seed, **settings)
    tokens = marks["steps"] * defaults["batch_size"] * defaults["seq_length"]  # per epoch
    timed = [epoch for epoch in sorted(marks["begin"]) if epoch > 0 and epoch in marks["steps_end"]]
    seconds = [marks["steps_end"][epoch] - marks["begin"][epoch] for epoch in timed]
    rates = [tokens / spent for spent in seconds]
    best = generator.bundle.config["best"]
    bundle = load(out)
    network = from_bundle(bundle)
    nats, count, _ = lstm_scores(network, documents_of(bundle, None))
    keras.backend.clear_session()
    return {"side": side, "seed": seed, "vocab": len(bundle.vocab), "epochs": len(marks["epoch_end"]),
            "best_epoch": best["epoch"], "tokens_per_s": statistics.median(rates) if rates else float("nan"),
            "overall_tokens_per_s": tokens * len(seconds) / sum(seconds) if seconds else float("nan"),
            "to_best_s": marks["epoch_end"][best["epoch"] - 1] - marks["fit_start"],
            "val_ppl": best["val_perplexity"], "test_ppl": math.exp(nats / count),
            "test_window_ppl": window_perplexity(network, bundle.splits()["test"], defaults["seq_length"])}


def window_perplexity(network, stream, width: int) -> float:
    """Perplexity of ``stream`` cut into consecutive windows of ``width`` next-token predictions,
    each window from a zero state (the test split as training windows it)."""
    import numpy as np

    from seqgen.evaluation import log_softmax

    count = (len(stream) - 1) // width
    starts = np.arange(count)[:, None] * width + np.arange(width)[None, :]
    inputs, targets = stream[starts], stream[starts + 1]
    picked = np.take_along_axis(log_softmax(network.sequence_logits(inputs)), targets[..., None], axis=-1)
    return math.exp(-float(picked.astype(np.float64).mean()))


def step_throughput(sides: list[str], steps: int, repeats: int, candidates: int) -> dict:
    """Tokens/s of training steps alone at vocab 8000, the sides alternating epoch by epoch."""
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
    for side in sides:
        layers, settings = SIDES[side]
        use_layers(layers)
        # each loss's own step: no full-softmax warm-up steps in the sampled side's few epochs (the
        # warm-up-only side's own step is the warm-up's)
        steady = WARM_FOREVER if settings.get("softmax_warmup") == WARM_FOREVER else 0
        config = training.TrainConfig(batch_size=batch, learning_rate=defaults["learning_rate"],
                                      softmax_candidates=candidates, **{**settings, "softmax_warmup": steady})
        trainables[side] = training.compile_model(build_model(model_config), config, distributed=False)
        trainables[side].fit(data, epochs=1, verbose=0, shuffle=False)  # trace and compile: not timed
    times: dict = {side: [] for side in sides}
    for _ in range(repeats):
        for side in sides:
            start = time.perf_counter()
            loss = trainables[side].fit(data, epochs=1, verbose=0, shuffle=False).history["loss"][-1]
            times[side].append(time.perf_counter() - start if loss == loss else float("nan"))  # read: steps done
    return {side: steps * batch * window / statistics.median(values) for side, values in times.items()}


def in_subprocess(function: str, **kwargs) -> dict:
    code = (f"import json, sys; sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import softmax_speed; "
            f"print('RESULT ' + json.dumps(softmax_speed.{function}(**json.loads(sys.argv[1]))))")
    done = subprocess.run([sys.executable, "-c", code, json.dumps(kwargs)], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode or not lines:
        sys.exit(f"{function} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][len("RESULT "):])


def print_claims(runs: list[dict]) -> dict:
    """Medians over seeds per side, and the claim against today's for the others."""
    summary = {}
    sides = [side for side in SIDES if any(run["side"] == side for run in runs)]
    for side in sides:
        mine = [run for run in runs if run["side"] == side]
        # runs saved before the "test win" column have no test_window_ppl: that median is then left out
        summary[side] = {key: statistics.median(run[key] for run in mine)
                         for key in ("tokens_per_s", "overall_tokens_per_s", "to_best_s", "val_ppl", "test_ppl",
                                     "test_window_ppl")
                         if all(key in run for run in mine)}
    today = summary["today"]
    seeds = sorted({run["seed"] for run in runs})
    print(f"  medians over {len(seeds)} seed(s), against today:")
    for side in sides[1:]:
        mine = summary[side]
        speed = _rate(mine) / _rate(today)
        ppl = mine["test_ppl"] / today["test_ppl"]
        matched = ppl <= 1 + MATCH
        verdict = "holds" if speed >= 2 and matched else "does NOT hold"
        windows = (f" (in windows {mine['test_window_ppl'] / today['test_window_ppl']:.3f}x)"
                   if "test_window_ppl" in mine and "test_window_ppl" in today else "")
        print(f"  {side:<8} tokens/s {speed:.2f}x ({_rate(mine):,.0f}{_rate_kind(mine)} against "
              f"{_rate(today):,.0f}{_rate_kind(today)}), time to best {mine['to_best_s'] / today['to_best_s']:.2f}x, "
              f"test ppl {ppl:.3f}x{windows}: claim '>= 2x today's tokens/s at matched "
              f"perplexity (within {MATCH:.0%})' {verdict} ({'matched' if matched else 'not matched'})")
        print_paired(runs, side)
    if "sampled" in summary and "warm-up-only" in summary:
        print_paired(runs, "sampled", against="warm-up-only")
    return summary


def _rate(medians: dict) -> float:
    """A side's training tokens/s: the overall rate where all its runs have it (a warm-up's slower
    epochs count), else the median epoch's (runs saved before the overall rate was kept)."""
    return medians.get("overall_tokens_per_s", medians["tokens_per_s"])


def _rate_kind(medians: dict) -> str:
    return " overall" if "overall_tokens_per_s" in medians else " median epoch"


def paired_ratios(runs: list[dict], side: str, key: str = "test_ppl", against: str = "today") -> list[float]:
    """``side``'s ``key`` over ``against``'s, seed by seed, for the seeds both sides ran."""
    theirs = {run["seed"]: run[key] for run in runs if run["side"] == against}
    return [run[key] / theirs[run["seed"]] for run in runs if run["side"] == side and run["seed"] in theirs]


def bootstrap_median(values: list[float], draws: int = 10_000, seed: int = 0) -> tuple[float, float]:
    """A 90% bootstrap interval of the median of ``values`` (seeds resampled with replacement)."""
    import numpy as np

    resampled = np.random.default_rng(seed).choice(values, size=(draws, len(values)), replace=True)
    low, high = np.percentile(np.median(resampled, axis=1), [5, 95])
    return float(low), float(high)


def print_paired(runs: list[dict], side: str, against: str = "today") -> None:
    """The per-seed test perplexity ratios against ``against``'s: seeds differ far more from one
    another than the sides do, so pairing them by seed is the sharper comparison. The interval says
    whether this many seeds can tell a 2% difference at all."""
    ratios = paired_ratios(runs, side, against=against)
    if len(ratios) < 2:
        return
    low, high = bootstrap_median(ratios)
    reading = ("matched" if high <= 1 + MATCH else "not matched" if low > 1 + MATCH
               else f"these {len(ratios)} seeds cannot tell")
    named = "" if against == "today" else f" ({side} over {against})"
    print(f"           paired by seed{named}: test ppl ratio median {statistics.median(ratios):.3f} (90% bootstrap "
          f"interval {low:.3f} to {high:.3f}; per seed {min(ratios):.3f} to {max(ratios):.3f}): {reading}")


def saved_runs(paths: list[str]) -> list[dict]:
    """The training runs of earlier invocations, from the ``JSON`` lines they printed."""
    runs = []
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.startswith("JSON "):
                runs.extend(json.loads(line[len("JSON "):])["training"])
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(ROOT / "corpora" / "lyrics_ja"))
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--seeds", nargs="+", type=int, default=[1234, 7])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--candidates", type=int, default=1024)
    parser.add_argument("--sides", nargs="+", choices=list(SIDES), default=DEFAULT_SIDES)
    parser.add_argument("--skip-training", action="store_true")
    parser.add_argument("--summarize", nargs="+", metavar="OUTPUT",
                        help="train nothing: print the claims over the runs in these saved outputs together")
    args = parser.parse_args()
    if args.summarize:
        print_claims(saved_runs(args.summarize))
        return

    print(f"step throughput, Japanese shapes, vocab 8000, synthetic ids, {args.steps} steps x {args.repeats} "
          f"epochs per side (median), candidates {args.candidates}:", flush=True)
    steps = in_subprocess("step_throughput", sides=args.sides, steps=args.steps, repeats=args.repeats,
                          candidates=args.candidates)
    base = steps.get("today")
    print("  " + "   ".join(f"{side} {rate:,.0f} tokens/s" + (f" ({rate / base:.2f}x)" if base else "")
                            for side, rate in steps.items()), flush=True)
    if args.skip_training:
        return
    print(f"\ntraining on {args.corpus}, Japanese defaults, test split {TEST_FRAC:.0%}, until early stop "
          f"(at most {args.epochs} epochs):", flush=True)
    print(f"  {'side':<8} {'seed':>5} {'vocab':>5} {'epochs':>6} {'best':>4} {'tokens/s':>9} {'overall':>8} "
          f"{'to best':>8} {'val ppl':>8} {'test ppl':>8} {'test win':>8}", flush=True)
    runs = []
    for seed in args.seeds:
        for side in args.sides:
            run = in_subprocess("train_side", corpus=args.corpus, side=side, epochs=args.epochs,
                                candidates=args.candidates, seed=seed)
            runs.append(run)
            print(f"  {side:<8} {seed:>5} {run['vocab']:>5} {run['epochs']:>6} {run['best_epoch']:>4} "
                  f"{run['tokens_per_s']:>9,.0f} {run['overall_tokens_per_s']:>8,.0f} {run['to_best_s']:>7.0f}s {run['val_ppl']:>8.2f} "
                  f"{run['test_ppl']:>8.2f} {run['test_window_ppl']:>8.2f}", flush=True)
    summary = print_claims(runs) if "today" in args.sides else {}
    print("JSON " + json.dumps({"steps": steps, "training": runs, "medians": summary}))


if __name__ == "__main__":
    main()
