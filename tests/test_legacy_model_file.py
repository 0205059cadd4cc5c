"""Bundles trained while seqgen had its own recurrent layer (``seqgen>ScanRecurrent``) still load,
sample, evaluate and resume. The files in tests/data/legacy_scan were written by that version
(dadra corpus, rnn_size 8, embedding 4, 2 epochs); their model files name the old layer."""

import json
import shutil
import zipfile

import numpy as np
import pytest

import seqgen.api as api
from seqgen.bundle import load_keras_model, model_weights
from seqgen.fused_lstm import LSTM as FusedLSTM
from seqgen.legacy_model_file import LEGACY_LAYER
from seqgen.numpy_model import NumpyModel, log_softmax

from cli_helpers import invoke
from conftest import ROOT

LEGACY = ROOT / "tests" / "data" / "legacy_scan"
CORPUS = ROOT / "corpora" / "dadra.txt"


def names_legacy_layer(path) -> bool:
    with zipfile.ZipFile(path) as archive:
        return LEGACY_LAYER in archive.read("config.json").decode()


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_an_old_model_file_loads_as_keras_layers_with_its_weights(cell):
    folder = LEGACY / cell
    assert names_legacy_layer(folder / "model.keras")  # the fixture really is an old file
    model = load_keras_model(folder / "model.keras")
    if cell == "lstm":  # today's LSTM: Keras's layer with seqgen's fused training loop
        assert sum(isinstance(layer, FusedLSTM) for layer in model.layers) == 2
    stored = dict(np.load(folder / "weights.npz"))
    loaded = model_weights(model)
    assert set(loaded) == set(stored)
    for name, array in stored.items():
        np.testing.assert_array_equal(loaded[name], array, err_msg=name)
    gate = json.loads((folder / "config.json").read_text())["model"]["gate_activation"]
    ids = np.random.default_rng(0).integers(0, stored["embedding"].shape[0], (3, 10)).astype("int32")
    numpy_log_probs = log_softmax(NumpyModel(stored, cell, gate).sequence_logits(ids))
    np.testing.assert_allclose(numpy_log_probs, np.log(model(ids).numpy()), atol=1e-4)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_an_old_checkpoint_keeps_its_optimizer_state(cell):
    path = next((LEGACY / cell / "checkpoints").glob("*.keras"))
    trainable = load_keras_model(path, compile=True)
    optimizer = trainable.optimizer
    assert int(optimizer.iterations.numpy()) > 0
    # Adam's moments line up with the weights they belong to: same shapes, and not all zero
    moments = [variable for variable in optimizer.variables if "momentum" in variable.path]
    assert [tuple(m.shape) for m in moments] == [tuple(w.shape) for w in trainable.trainable_weights]
    assert all(np.abs(m.numpy()).sum() > 0 for m in moments)


def test_an_old_bundle_samples_evaluates_and_resumes(tmp_path):
    bundle = tmp_path / "old"
    shutil.copytree(LEGACY / "lstm", bundle)
    sampled = invoke("sample", "--model", bundle, "--taal", "dadra", "--cycles", "1", "--seed", "1")
    assert sampled.exit_code == 0, sampled.output
    assert "|" in sampled.stdout
    assert api.load(bundle).evaluate(samples=2)["perplexity"] > 1
    resumed = invoke("train", "tabla", CORPUS, "--out", bundle, "--resume", "--epochs", "3", "--quiet")
    assert resumed.exit_code == 0, resumed.output
    assert (bundle / "history.csv").read_text().count("\n") == 4
    newest = max((bundle / "checkpoints").glob("epoch*.keras"))
    assert newest.name.startswith("epoch003-") and not names_legacy_layer(newest)
    assert load_keras_model(newest, compile=True).optimizer.iterations.numpy() > 0
