"""Mixed precision end to end (on a CPU too: slow but correct), the --precision option's checks,
TensorFlow's C++ log lines kept off the user's terminal, and (only where a GPU exists) training
placed on the GPU."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest

import seqgen.api as api
from seqgen.bundle import load, load_keras_model

from cli_helpers import assert_clean_error, invoke
from conftest import ROOT

CORPUS = ROOT / "corpora" / "dadra.txt"
TINY_FLAGS = ["--epochs", "1", "--rnn-size", "8", "--embedding-dim", "4", "--seq-length", "16", "--batch-size", "8",
              "--val-frac", "0.1", "--seed", "3", "--quiet"]
# what TensorFlow prints before absl is set up, its oneDNN notice, and a CPU-only machine's cuInit error
TENSORFLOW_NOISE = re.compile(r"^[IWE]\d{4} |oneDNN custom operations|cuInit|cuda drivers|absl::InitializeLog",
                              re.MULTILINE)


def run_in_terminal(*args: str) -> subprocess.CompletedProcess:
    """``seqgen ARGS`` as a user's shell runs it: no TF_CPP_MIN_LOG_LEVEL set beforehand."""
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run([sys.executable, "-m", "seqgen.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=600, env=env)


def test_mixed_precision_trains_samples_and_resumes_with_a_quiet_terminal(tmp_path):
    """One tiny training run serves both checks: the run is in mixed precision, and it runs as a
    user's terminal would see it (TensorFlow's C++ start-up lines must not show)."""
    out = tmp_path / "mixed"
    trained = run_in_terminal("train", "tabla", CORPUS, "--out", out, "--precision", "mixed", *TINY_FLAGS)
    assert trained.returncode == 0, trained.stderr
    assert not TENSORFLOW_NOISE.search(trained.stderr), trained.stderr
    bundle = load(out)
    assert bundle.config["training"]["precision"] == "mixed"
    assert {array.dtype for array in bundle.weights.values()} == {np.dtype("float32")}
    assert all(np.isfinite(array).all() for array in bundle.weights.values())
    keras_model = load_keras_model(out / "model.keras")
    assert keras_model.get_layer("lstm_1").compute_dtype == "float16"
    assert keras_model.get_layer("logits").compute_dtype == "float32"  # softmax and loss stay float32
    sampled = run_in_terminal("sample", "--model", out, "--taal", "dadra", "--cycles", "1", "--seed", "1")
    assert sampled.returncode == 0, sampled.stderr
    assert "|" in sampled.stdout and not TENSORFLOW_NOISE.search(sampled.stderr), sampled.stderr
    api.train("tabla", CORPUS, out, resume=True, epochs=2, verbose="quiet")
    checkpoint = max((out / "checkpoints").glob("epoch002-*.keras"))
    optimizer = load_keras_model(checkpoint, compile=True).optimizer
    assert type(optimizer).__name__ == "LossScaleOptimizer" and int(optimizer.iterations.numpy()) > 0


@pytest.mark.parametrize("value", ["half", "float16", "MIXED", ""])
def test_an_unknown_precision_is_one_clean_line(tmp_path, value):
    out = tmp_path / "model"
    result = invoke("train", "tabla", CORPUS, "--out", out, "--precision", value, *TINY_FLAGS)
    assert_clean_error(result, f"unknown precision {value!r}", "float32, mixed")
    assert not out.exists()


def _gpus():
    import tensorflow as tf

    return tf.config.list_physical_devices("GPU")


@pytest.mark.skipif(not _gpus(), reason="no GPU on this machine")
def test_a_training_step_runs_on_the_gpu():
    import tensorflow as tf

    from seqgen.model import ModelConfig, build_model
    from seqgen.training import TrainConfig, compile_model

    trainable = compile_model(build_model(ModelConfig(vocab_size=11, embedding_dim=4, rnn_size=8)),
                              TrainConfig(steps_per_execution=1), distributed=False)
    ids = np.random.default_rng(0).integers(0, 11, (8, 12)).astype("int32")
    before = [variable.numpy() for variable in trainable.trainable_variables]
    trainable.train_on_batch(ids, ids)
    # the step updated weights that live on the GPU, and the compiled step's outputs come from it
    assert all("GPU" in variable.value.device for variable in trainable.trainable_variables)
    assert any(not np.array_equal(old, variable.numpy()) for old, variable in zip(before, trainable.trainable_variables))
    assert "GPU" in trainable.optimizer.iterations.value.device
    assert "GPU" in tf.convert_to_tensor(trainable(ids)).device
