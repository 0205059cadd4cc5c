"""The fused LSTM loop against Keras's own: the same values and gradients for every gate kind."""

import numpy as np
import pytest
import tensorflow as tf

import keras
from seqgen.fused_lstm import GATE_SLOPES, LSTM
from seqgen.model import ModelConfig, build_model
from seqgen.model_config import GATE_ACTIVATIONS


def twin_layers(gate: str, dtype: str = "float32", units: int = 7):
    """seqgen's LSTM and Keras's, built on the same input size and holding the same weights."""
    ours = LSTM(units, recurrent_activation=gate, return_sequences=True, dtype=dtype)
    theirs = keras.layers.LSTM(units, recurrent_activation=gate, return_sequences=True, dtype=dtype)
    ours.build((None, None, 5))
    theirs.build((None, None, 5))
    rng = np.random.default_rng(0)
    weights = [rng.normal(0, 0.6, weight.shape).astype("float32") for weight in theirs.get_weights()]
    ours.set_weights(weights)
    theirs.set_weights(weights)
    return ours, theirs


def values_and_gradients(layer, inputs, jit: bool):
    weights = layer.trainable_variables

    def run():
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            outputs = layer(inputs, training=True)
            # a loss that weighs every step and unit differently, so every gradient path counts
            loss = tf.reduce_sum(tf.cast(outputs, tf.float32) * tf.reshape(tf.range(tf.size(outputs), dtype=tf.float32) % 7 - 3.0, tf.shape(outputs)))
        return outputs, tape.gradient(loss, [inputs, *weights])

    outputs, gradients = tf.function(run, jit_compile=jit)()
    return [np.asarray(tf.cast(value, tf.float32)) for value in (outputs, *gradients)]


def test_every_gate_kind_has_a_derivative():
    assert set(GATE_ACTIVATIONS) <= set(GATE_SLOPES)


@pytest.mark.parametrize("jit", [True, False])
@pytest.mark.parametrize("gate", GATE_ACTIVATIONS)
def test_values_and_gradients_equal_keras_lstm(gate, jit):
    ours, theirs = twin_layers(gate)
    inputs = tf.constant(np.random.default_rng(1).normal(0, 1.5, (3, 11, 5)), tf.float32)
    assert ours.fusable(None, False)
    for mine, reference in zip(values_and_gradients(ours, inputs, jit), values_and_gradients(theirs, inputs, jit)):
        np.testing.assert_allclose(mine, reference, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("gate", GATE_ACTIVATIONS)
def test_float16_matches_keras_in_float16(gate):
    """Mixed precision: float16 compute with float32 weights, as ``--precision mixed`` builds it."""
    ours, theirs = twin_layers(gate, dtype="mixed_float16")
    inputs = tf.constant(np.random.default_rng(2).normal(0, 1, (2, 6, 5)), tf.float16)
    mine, reference = values_and_gradients(ours, inputs, True), values_and_gradients(theirs, inputs, True)
    assert mine[0].dtype == reference[0].dtype
    for a, b in zip(mine, reference):
        np.testing.assert_allclose(a, b, rtol=3e-2, atol=3e-2)


def test_cases_it_does_not_cover_run_keras_own_loop_and_agree():
    ours = LSTM(4, return_sequences=True, return_state=True)
    theirs = keras.layers.LSTM(4, return_sequences=True, return_state=True)
    inputs = tf.constant(np.random.default_rng(3).normal(size=(2, 5, 3)), tf.float32)
    ours.build(inputs.shape)
    theirs.build(inputs.shape)
    theirs.set_weights(ours.get_weights())
    assert not ours.fusable(None, False)
    for a, b in zip(ours(inputs), theirs(inputs)):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6)
    masked = LSTM(4, return_sequences=True)
    assert masked.fusable(None, False) and not masked.fusable(tf.ones((2, 5), bool), False)
    assert not masked.fusable(None, True)


def test_the_model_uses_it_and_its_file_loads_back(tmp_path):
    model = build_model(ModelConfig(vocab_size=11, embedding_dim=4, rnn_size=6))
    assert sum(isinstance(layer, LSTM) for layer in model.layers) == 2
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras", safe_mode=True)
    assert sum(isinstance(layer, LSTM) for layer in loaded.layers) == 2
    ids = np.arange(10, dtype=np.int32).reshape(2, 5)
    np.testing.assert_allclose(loaded.predict(ids, verbose=0), model.predict(ids, verbose=0), rtol=1e-6)
