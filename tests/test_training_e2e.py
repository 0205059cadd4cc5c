"""Real (tiny) TensorFlow training through the API and the CLI: train -> bundle -> load -> evaluate,
checkpoints, resume, refusing to overwrite, the mirrored strategy on two CPU devices."""

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import seqgen.api as api
from seqgen.bundle import load

from cli_helpers import assert_clean_error, invoke, run_seqgen
from conftest import ROOT

TINY = dict(epochs=2, rnn_size=16, embedding_dim=8, seq_length=16, batch_size=8, val_frac=0.1, seed=3)
TINY_FLAGS = ["--epochs", "2", "--rnn-size", "16", "--embedding-dim", "8", "--seq-length", "16",
              "--batch-size", "8", "--val-frac", "0.1", "--seed", "3", "--quiet"]
CORPUS = ROOT / "corpora" / "dadra.txt"


@pytest.fixture(scope="module")
def bundle_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundles") / "dadra"
    api.train("tabla", CORPUS, out, verbose="quiet", **TINY)
    return out


def test_bundle_holds_everything_a_model_needs(bundle_dir):
    names = {path.name for path in bundle_dir.iterdir()}
    assert {"model.keras", "weights.npz", "vocab.json", "tokenizer.json", "config.json", "splits.npz",
            "history.csv", "history.png", "checkpoints"} <= names
    config = json.loads((bundle_dir / "config.json").read_text())
    assert config["format_version"] == 1 and config["seed"] == 3
    assert len(config["corpus"]["sha256"]) == 64
    assert {"tensorflow", "keras", "numpy", "seqgen"} <= set(config["versions"])
    assert config["model"]["gate_activation"] == "hard_sigmoid"
    checkpoints = sorted(path.name for path in (bundle_dir / "checkpoints").iterdir())
    assert checkpoints[0].startswith("epoch001-val") and checkpoints[-1].startswith("epoch002-val")
    assert (bundle_dir / "history.csv").read_text().count("\n") == 3


def test_load_and_evaluate_beside_the_baseline(bundle_dir):
    generator = api.load(bundle_dir)
    result = generator.evaluate()
    assert result["tokens"] > 0 and result["perplexity"] > 1
    assert result["baseline"]["name"].startswith("interpolated Kneser-Ney")
    keras_bundle = load(bundle_dir, keras_model=True)
    assert keras_bundle.model.output_shape[-1] == len(keras_bundle.vocab)


def test_baseline_prefix_keeps_whole_documents_within_the_limit():
    from seqgen.evaluation import baseline_prefix

    stream = np.array([2, 5, 6, 3, 2, 7, 3, 2, 8, 9, 9, 3])  # <s>=2: documents at 0, 4 and 7
    assert baseline_prefix(stream, 2, limit=100) == len(stream)
    assert baseline_prefix(stream, 2, limit=8) == 7 and baseline_prefix(stream, 2, limit=6) == 4
    assert baseline_prefix(stream, 2, limit=2) == 2  # the first document alone is longer: its start


def test_a_large_training_split_fits_the_baseline_on_its_first_documents(bundle_dir, monkeypatch):
    # a streamed corpus of hundreds of MB: the Kneser-Ney baseline counts a bounded prefix, and says so
    from seqgen import evaluation
    from seqgen.ngram import KneserNey

    bundle = load(bundle_dir)
    train, start = bundle.splits()["train"], bundle.vocab.start_id
    monkeypatch.setattr(evaluation, "BASELINE_TOKENS", len(train) // 3)
    result = evaluation.evaluate(bundle, samples=1)
    fitted = evaluation.baseline_prefix(train, start)
    assert 0 < fitted < len(train) and train[fitted] == start
    assert f"fitted on the first {fitted:,} of {len(train):,} training tokens" in result["baseline"]["name"]
    by_hand = KneserNey(3, len(bundle.vocab)).fit(
        [document[1:].tolist() for document in evaluation.split_stream(train[:fitted], start)], pad=start)
    nats, count, _ = evaluation.ngram_scores(by_hand, evaluation.documents_of(bundle, None), len(bundle.vocab), start)
    assert result["baseline"]["perplexity"] == pytest.approx(np.exp(nats / count))


def test_cli_evaluate_json_on_a_file(bundle_dir):
    result = invoke("evaluate", bundle_dir, CORPUS, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == {"tokens", "cross_entropy_nats", "bits_per_token", "perplexity", "accuracy", "baseline",
                         "structure", "forms"}
    assert data["structure"]["constrained_valid"] == 1.0
    assert all(shares["tihai_on_sam"] == 1.0 for shares in data["forms"]["per_taal"].values())
    assert set(data["baseline"]) == {"name", "perplexity", "accuracy"}


def test_existing_bundle_is_refused_then_resumed(bundle_dir):
    assert_clean_error(invoke("train", "tabla", CORPUS, "--out", bundle_dir, *TINY_FLAGS), "already holds a model")
    result = invoke("train", "tabla", CORPUS, "--out", bundle_dir, "--resume", "--epochs", "3", "--quiet")
    assert result.exit_code == 0, result.output
    assert (bundle_dir / "history.csv").read_text().count("\n") == 4
    assert any(path.name.startswith("epoch003-") for path in (bundle_dir / "checkpoints").iterdir())
    assert_clean_error(invoke("train", "tabla", CORPUS, "--out", bundle_dir, "--resume", "--rnn-size", "8"),
                       "keeps the bundle's settings")


def test_force_never_touches_files_seqgen_did_not_write(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    (tmp_path / "config.json").write_text('{"mine": true}')
    assert_clean_error(invoke("train", "tabla", CORPUS, "--out", tmp_path, "--force", *TINY_FLAGS),
                       "not a seqgen model bundle")
    (tmp_path / "config.json").unlink()
    assert invoke("train", "tabla", CORPUS, "--out", tmp_path, "--force", *TINY_FLAGS).exit_code == 0
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_cli_train_in_a_subprocess_prints_perplexity_and_path(tmp_path):
    out = tmp_path / "sub"
    result = run_seqgen("train", "tabla", CORPUS, "--out", out, *TINY_FLAGS[:-1])
    assert result.returncode == 0, result.stderr[-2000:]
    assert "validation perplexity" in result.stdout and f"bundle: {out}" in result.stdout
    assert "epoch   1  loss" in result.stdout  # plain lines when stdout is not a terminal


def test_gru_and_rnn_cells_train(tmp_path):
    for cell in ("gru", "rnn"):
        generator = api.train("tabla", CORPUS, tmp_path / cell, verbose="quiet", cell=cell,
                              gate_activation="sigmoid", **{**TINY, "epochs": 1})
        assert generator.bundle.config["model"]["cell"] == cell
        assert generator.evaluate()["perplexity"] > 1


def test_mirrored_strategy_on_two_logical_cpus(tmp_path):
    script = textwrap.dedent(f"""
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        import seqgen.api as api
        generator = api.train("tabla", {str(CORPUS)!r}, {str(tmp_path / "mirrored")!r}, verbose="quiet",
                              strategy="mirrored", **{TINY!r})
        assert tf.distribute.MirroredStrategy().num_replicas_in_sync == 2
        print("replicas ok", generator.evaluate()["perplexity"])
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "replicas ok" in result.stdout


def test_corpus_too_small_for_one_window(tmp_path):
    small = tmp_path / "small.txt"
    small.write_text("# taal: dadra\nDha Dhi Na | Dha Tu Na ||\n")
    assert_clean_error(invoke("train", "tabla", small, "--out", tmp_path / "m", "--quiet"), "corpus too small",
                       "51")


@pytest.mark.slow
def test_default_teentaal_model_beats_the_ngram_baseline(tmp_path):
    generator = api.train("tabla", ROOT / "corpora" / "teentaal.txt", tmp_path / "tabla", verbose="quiet")
    result = generator.evaluate()
    assert result["perplexity"] < result["baseline"]["perplexity"]


def test_same_seed_same_model(tmp_path):
    settings = {**TINY, "epochs": 1}
    first = api.train("tabla", CORPUS, tmp_path / "a", verbose="quiet", **settings).bundle.weights
    second = api.train("tabla", CORPUS, tmp_path / "b", verbose="quiet", **settings).bundle.weights
    assert first.keys() == second.keys()
    for name in first:
        assert (first[name] == second[name]).all(), name
