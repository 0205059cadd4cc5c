"""Sampling speed: seqgen's stateful NumPy sampler (with and without the Teentaal constraint, 1 and
64 streams) vs the usual tutorial loop that re-runs ``model.predict`` on the last window for every
token, on the same weights, in one run.

The model is the default tabla model: ``--model DIR``, else ``models/tabla`` (``make demo`` trains
it), else a default-shaped model with freshly initialised weights (embedding 64, 2 x 256 LSTM, the
Teentaal corpus vocabulary). The shapes set the cost of a step, but what the weights learnt sets the
bols per matra, hence how long each stream runs, so the trained model is the one to report. With a
trained model it also times one stream under the kaida (theme, 3 paltas, tihai) and tihai grammars.

    python benchmarks/sample_speed.py [--model models/tabla] [--repeats 3] [--json]
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
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WINDOW = 50


def default_bundle_parts(model_dir: str | None):
    """(Keras model, weights dict, vocab) with default tabla shapes."""
    from seqgen.bundle import load, model_weights
    from seqgen.domains import load_documents, tokenizer_for
    from seqgen.model import ModelConfig, build_model
    from seqgen.vocab import Vocab

    if model_dir:
        bundle = load(model_dir, keras_model=True)
        return bundle.model, bundle.weights, bundle.vocab
    tokenizer = tokenizer_for("tabla")
    documents = [doc.tokens for doc in load_documents(tokenizer, ROOT / "corpora" / "teentaal.txt")]
    vocab = Vocab.build(documents, keep=tokenizer.structure_tokens)
    model = build_model(ModelConfig(vocab_size=len(vocab)))
    return model, model_weights(model), vocab


def seqgen_rate(weights, vocab, streams: int, constrained: bool, cycles: int, repeats: int) -> float:
    from seqgen.constraints import TaalConstraint
    from seqgen.numpy_model import NumpyModel
    from seqgen.sampling import Sampler, SamplingConfig
    from seqgen.taals import get_taal
    from seqgen.vocab import PAD

    sampler = Sampler(NumpyModel(weights), vocab.end_id, [vocab.id(PAD), vocab.unk_id, vocab.start_id])
    prime = [vocab.start_id, vocab.id("<taal:teentaal>")]
    rates = []
    for repeat in range(repeats):
        constraint = TaalConstraint(vocab, get_taal("teentaal"), cycles) if constrained else None
        # unconstrained streams may end early; cap them at the constrained length instead
        config = SamplingConfig(seed=repeat, max_tokens=cycles * 120)
        start = time.perf_counter()
        outputs = sampler.generate(prime, streams, config, constraint)
        rates.append(sum(len(ids) for ids in outputs) / (time.perf_counter() - start))
    return statistics.median(rates)


def form_rate(model_dir: str | None, form: str, repeats: int, **options) -> float | None:
    """One stream under a form grammar (kaida with paltas, tihai) through the public entry point,
    so the plan, the taal automaton and the sampler are all in the time. Needs a trained bundle."""
    if model_dir is None:
        return None
    from seqgen.bundle import load
    from seqgen.generation import compositions
    from seqgen.sampling import SamplingConfig

    bundle = load(model_dir)
    rates = []
    for repeat in range(repeats):
        start = time.perf_counter()
        [piece] = compositions(bundle, "teentaal", form=form, sampling=SamplingConfig(seed=repeat), **options)
        tokens = len(bundle.tokenizer.document(parse_one(piece.text)).tokens)
        rates.append(tokens / (time.perf_counter() - start))
    return statistics.median(rates)


def parse_one(text: str):
    from seqgen.tokenizers.tabla_notation import parse

    [composition] = parse(text)
    return composition


def baseline_rate(model, vocab, tokens: int) -> float:
    """Re-run the model on the last window for every token (what most tutorials do)."""
    import numpy as np

    rng = np.random.default_rng(0)
    window = [vocab.start_id, vocab.id("<taal:teentaal>")]
    model.predict(np.array([window[-WINDOW:]]), verbose=0)  # warm up
    start = time.perf_counter()
    for _ in range(tokens):
        probabilities = model.predict(np.array([window[-WINDOW:]]), verbose=0)[0, -1].astype("float64")
        window.append(int(rng.choice(len(probabilities), p=probabilities / probabilities.sum())))
    return tokens / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a tabla bundle (default: models/tabla, else untrained default shapes)")
    parser.add_argument("--cycles", type=int, default=16, help="Teentaal cycles per stream")
    parser.add_argument("--repeats", type=int, default=3, help="runs per setting (median reported)")
    parser.add_argument("--baseline-tokens", type=int, default=60, help="tokens for the slow baseline")
    parser.add_argument("--json", action="store_true", help="print a JSON list, one object per setting")
    args = parser.parse_args()
    if args.model is None and (ROOT / "models" / "tabla" / "config.json").exists():
        args.model = str(ROOT / "models" / "tabla")
    print(f"model: {args.model or 'default shapes, untrained weights'}", file=sys.stderr)
    model, weights, vocab = default_bundle_parts(args.model)
    baseline = baseline_rate(model, vocab, args.baseline_tokens)
    results = []
    for streams, constrained in ((1, True), (64, True), (1, False), (64, False)):
        rate = seqgen_rate(weights, vocab, streams, constrained, args.cycles, args.repeats)
        measured = baseline if streams == 1 else None
        results.append({"streams": streams, "constraint": "teentaal" if constrained else None,
                        "seqgen_tok_s": round(rate, 1), "baseline_tok_s": None if measured is None else round(measured, 2),
                        "ratio": None if measured is None else round(rate / measured, 1)})
    for form, options in (("kaida", {"paltas": 3}), ("tihai", {})):
        rate = form_rate(args.model, form, args.repeats, **options)
        if rate is not None:
            results.append({"streams": 1, "constraint": f"{form} form", "seqgen_tok_s": round(rate, 1),
                            "baseline_tok_s": round(baseline, 2), "ratio": round(rate / baseline, 1)})
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"{'streams':>7} {'constraint':<12} {'seqgen tok/s':>13} {'baseline tok/s':>15} {'ratio':>8}")
    for row in results:
        baseline_text = "-" if row["baseline_tok_s"] is None else f"{row['baseline_tok_s']:.1f}"
        ratio_text = "-" if row["ratio"] is None else f"{row['ratio']:.0f}x"
        print(f"{row['streams']:>7} {row['constraint'] or 'none':<12} {row['seqgen_tok_s']:>13,.0f} "
              f"{baseline_text:>15} {ratio_text:>8}")
    print("baseline: model.predict on the last window for every token, one stream")


if __name__ == "__main__":
    main()
