"""The scan layers compute exactly what Keras's own recurrent layers compute, and the NumPy
forward pass gives the Keras model's logits."""

import numpy as np
import pytest
import tensorflow as tf

from seqgen.bundle import model_weights
from seqgen.errors import SeqgenError
from seqgen.model import ModelConfig, build_model, build_stock_keras_model, gate, lstm_sequence
from seqgen.numpy_model import NumpyModel, log_softmax

CASES = [("lstm", "hard_sigmoid"), ("lstm", "sigmoid"), ("gru", "hard_sigmoid"), ("gru", "sigmoid"),
         ("rnn", "hard_sigmoid")]


def tiny(cell, gate_activation):
    return ModelConfig(vocab_size=11, embedding_dim=4, rnn_size=6, layers=2, cell=cell,
                       gate_activation=gate_activation)


@pytest.mark.parametrize("cell, gate_activation", CASES)
def test_seqgen_model_equals_stock_keras_with_the_same_weights(cell, gate_activation):
    config = tiny(cell, gate_activation)
    ours, stock = build_model(config), build_stock_keras_model(config)
    stock.set_weights([w * 3 for w in ours.get_weights()])  # larger weights reach the clipped gate regions
    ours.set_weights(stock.get_weights())
    ids = np.random.default_rng(0).integers(0, 11, (3, 9)).astype("int32")
    np.testing.assert_allclose(ours(ids).numpy(), stock(ids).numpy(), atol=1e-5)


@pytest.mark.parametrize("cell, gate_activation", CASES)
def test_numpy_forward_matches_keras_logits(cell, gate_activation):
    config = tiny(cell, gate_activation)
    model = build_model(config)
    model.set_weights([w * 3 for w in model.get_weights()])
    ids = np.random.default_rng(1).integers(0, 11, (4, 12)).astype("int32")
    keras_log_probs = np.log(model(ids).numpy())
    numpy_model = NumpyModel(model_weights(model), cell, gate_activation)
    np.testing.assert_allclose(log_softmax(numpy_model.sequence_logits(ids)), keras_log_probs, atol=1e-4)


@pytest.mark.parametrize("kind", ["hard_sigmoid", "sigmoid"])
def test_hand_written_lstm_gradient_equals_automatic_differentiation(kind):
    rng = np.random.default_rng(2)
    steps = tf.constant(rng.normal(size=(6, 3, 20)) * 2, tf.float32)
    kernel = tf.constant(rng.normal(size=(5, 20)) * 0.5, tf.float32)
    weights = tf.constant(rng.normal(size=(6, 3, 5)), tf.float32)

    def reference(steps, kernel):
        h = c = tf.zeros((3, 5))
        outputs = []
        for t in range(6):
            i, f, g, o = tf.split(steps[t] + h @ kernel, 4, axis=-1)
            c = gate(f, kind) * c + gate(i, kind) * tf.tanh(g)
            h = gate(o, kind) * tf.tanh(c)
            outputs.append(h)
        return tf.stack(outputs)

    with tf.GradientTape(persistent=True) as tape:
        tape.watch([steps, kernel])
        ours = tf.reduce_sum(lstm_sequence(steps, kernel, kind) * weights)
        theirs = tf.reduce_sum(reference(steps, kernel) * weights)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5)
    for a, b in zip(tape.gradient(ours, [steps, kernel]), tape.gradient(theirs, [steps, kernel])):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-5)


def test_model_config_validates():
    with pytest.raises(SeqgenError, match="unknown cell"):
        ModelConfig(vocab_size=5, cell="transformer")
    with pytest.raises(SeqgenError, match="dropout"):
        ModelConfig(vocab_size=5, dropout=1.5)
    with pytest.raises(SeqgenError, match="rnn_size"):
        ModelConfig(vocab_size=5, rnn_size=-1)
    assert ModelConfig.from_dict(ModelConfig(vocab_size=5).to_dict()) == ModelConfig(vocab_size=5)
