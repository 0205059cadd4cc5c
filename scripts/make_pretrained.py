"""Rebuild the small pretrained bundles shipped in ``seqgen/pretrained/`` from the corpora.

Deterministic for a given machine and library versions (fixed seeds). Only what sampling and
evaluation need is kept: checkpoints and the Keras file are dropped to keep the package small
(the weights travel as ``weights.npz``).

    python scripts/make_pretrained.py [tabla|japanese ...]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import seqgen.api as api  # noqa: E402
from seqgen import bundle as bundles  # noqa: E402

RECIPES = {
    "tabla": dict(corpus=ROOT / "corpora" / "teentaal.txt", rnn_size=128, embedding_dim=32, epochs=30, seed=1),
    # The Japanese defaults (api.DOMAIN_DEFAULTS, chosen by benchmarks/lyrics_recipe.py), with a tenth of
    # the songs held out as a test set that `seqgen evaluate` scores against Kneser-Ney.
    "japanese": dict(corpus=ROOT / "corpora" / "lyrics_ja", val_frac=0.1, test_frac=0.1, seed=1),
}
SHIPPED = (bundles.WEIGHTS_FILE, bundles.VOCAB_FILE, bundles.TOKENIZER_FILE, bundles.CONFIG_FILE,
           bundles.SPLITS_FILE, bundles.HISTORY_CSV, bundles.SENTENCEPIECE_FILE, bundles.READINGS_FILE)


def build(domain: str) -> None:
    recipe = dict(RECIPES[domain])
    corpus = recipe.pop("corpus")
    target = ROOT / "seqgen" / "pretrained" / domain
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / domain
        api.train(domain, corpus, out, verbose="lines", **recipe)
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        for name in SHIPPED:
            if (out / name).exists():
                shutil.copy2(out / name, target / name)
    print(f"{domain}: {target} ({sum(f.stat().st_size for f in target.iterdir()) / 1e6:.1f} MB)")


if __name__ == "__main__":
    for name in sys.argv[1:] or list(RECIPES):
        build(name)
