"""The Japanese defaults (``api.DOMAIN_DEFAULTS["japanese"]``, chosen by ``benchmarks/lyrics_recipe.py``)
and the settings they use: embedding dropout and a vocabulary of tokens seen at least ``min_count``
times, through real (tiny) TensorFlow training. Bundles written before these settings still load."""

import json
import shutil

import pytest

import seqgen.api as api
from seqgen.data import DataConfig
from seqgen.model_config import ModelConfig

from conftest import ROOT

LYRICS = ROOT / "corpora" / "lyrics_ja"
TINY = dict(epochs=1, rnn_size=16, embedding_dim=8, seq_length=12, batch_size=8, val_frac=0.2, seed=5)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("songs")
    for path in sorted(LYRICS.glob("*.txt"))[:8]:
        shutil.copy(path, folder)
    return folder


def counts_in_training(bundle) -> dict:
    from collections import Counter

    return Counter(bundle.vocab.decode(bundle.splits()["train"].tolist()))


def test_the_japanese_defaults_are_valid_settings():
    from seqgen.training import TrainConfig

    split = api.split_settings(api.DOMAIN_DEFAULTS["japanese"])
    DataConfig(**split["data"])
    TrainConfig(**split["training"])
    ModelConfig(vocab_size=8000, **split["model"])


def test_embedding_dropout_trains_saves_and_samples(corpus, tmp_path):
    out = tmp_path / "model"
    generator = api.train("japanese", corpus, out, verbose="quiet", dropout=0.3, embedding_dropout=0.2, **TINY)
    assert json.loads((out / "config.json").read_text())["model"]["embedding_dropout"] == 0.2
    assert len(generator.stanzas(1, lines=2, seed=1)[0]) == 2
    assert generator.evaluate()["perplexity"] > 1
    # a bundle from before the setting existed (no embedding_dropout, no min_count) loads and samples
    config = json.loads((out / "config.json").read_text())
    del config["model"]["embedding_dropout"], config["data"]["min_count"]
    (out / "config.json").write_text(json.dumps(config))
    older = api.load(out)
    assert older.bundle.config["model"].get("embedding_dropout", 0.0) == 0.0
    assert len(older.stanzas(1, lines=2, seed=1)[0]) == 2


def test_min_count_leaves_tokens_seen_once_in_training_to_unk(corpus, tmp_path):
    generator = api.train("japanese", corpus, tmp_path / "model", verbose="quiet", min_count=2, **TINY)
    counts = counts_in_training(generator.bundle)
    specials = {"<pad>", "<unk>", "<s>", "</s>", "<nl>", "<stanza>", "<sp>"}
    assert counts["<unk>"] > 0
    assert all(counts[token] >= 2 for token in generator.bundle.vocab.tokens if token not in specials)
