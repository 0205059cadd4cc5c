"""The neural model: the Keras builder (Embedding -> recurrent layers -> softmax).

``ModelConfig`` and the weight shapes live in ``model_config`` (no TensorFlow there) and are
re-exported here.

The recurrent layer is seqgen's own ``ScanRecurrent``: the input projection of every time step is
one matrix product, then a compiled loop does only the recurrent part. Its weights have exactly the
layout of Keras's ``LSTM``/``GRU``/``SimpleRNN`` (gate order i, f, c, o; GRU with reset_after), so
the maths is the same and the NumPy sampler can read them. Training is ``training``'s job.
"""

from __future__ import annotations

import seqgen.quiet_tensorflow  # noqa: F401  (first: keeps TensorFlow's C++ log lines quiet)
import keras
import tensorflow as tf

from seqgen.errors import SeqgenError
from seqgen.model_config import (  # noqa: F401  re-exported: callers know them as seqgen.model's
    CELLS,
    GATE_ACTIVATIONS,
    GATES,
    ModelConfig,
    check_gate_activation,
    recurrent_shapes,
    weight_shapes,
)


def gate(x, kind: str):
    """The gate nonlinearity; hard_sigmoid matches Keras 3 exactly. Unknown kinds are an error."""
    if check_gate_activation(kind) == "hard_sigmoid":
        return tf.clip_by_value(x / 6.0 + 0.5, 0.0, 1.0)
    return tf.sigmoid(x)


@keras.saving.register_keras_serializable(package="seqgen")
class ScanRecurrent(keras.layers.Layer):
    """A recurrent layer (lstm, gru or rnn) returning the full sequence of hidden states.

    Args:
        units: hidden state size.
        cell: ``lstm``, ``gru`` (reset_after, as Keras's default) or ``rnn`` (tanh).
        gate_activation: ``hard_sigmoid`` or ``sigmoid``.
    """

    def __init__(self, units: int, cell: str = "lstm", gate_activation: str = "hard_sigmoid", **kwargs):
        super().__init__(**kwargs)
        if cell not in CELLS:  # a tampered model.keras may name any cell
            raise SeqgenError(f"unknown cell {cell!r}; use one of {', '.join(CELLS)}")
        self.units = units
        self.cell = cell
        self.gate_activation = check_gate_activation(gate_activation)

    def build(self, input_shape):
        shapes = recurrent_shapes(input_shape[-1], self.units, self.cell)
        self.kernel = self.add_weight(name="kernel", shape=shapes["kernel"], initializer="glorot_uniform")
        self.recurrent_kernel = self.add_weight(name="recurrent_kernel", shape=shapes["recurrent_kernel"],
                                                initializer="orthogonal")
        self.bias = self.add_weight(name="bias", shape=shapes["bias"], initializer=self._bias_initializer)

    def _bias_initializer(self, shape, dtype=None):
        bias = tf.zeros(shape, dtype=dtype or "float32")
        if self.cell != "lstm":
            return bias
        # unit forget bias, as Keras's LSTM: start by remembering
        ones = tf.ones((self.units,), dtype=bias.dtype)
        zeros = tf.zeros((self.units,), dtype=bias.dtype)
        return tf.concat([zeros, ones, zeros, zeros], axis=0)

    def call(self, inputs):
        input_bias = self.bias[0] if self.cell == "gru" else self.bias
        # one matrix product for the input side of every step, then the loop does only h @ U
        projected = tf.einsum("btd,dg->btg", inputs, self.kernel) + input_bias
        steps = tf.transpose(projected, (1, 0, 2))
        batch = tf.shape(inputs)[0]
        state = tf.zeros((batch, self.units), dtype=projected.dtype)
        if self.cell == "lstm":
            outputs = lstm_sequence(steps, tf.convert_to_tensor(self.recurrent_kernel), self.gate_activation)
        elif self.cell == "gru":
            outputs = tf.scan(self._gru_step, steps, initializer=state)
        else:
            outputs = tf.scan(self._rnn_step, steps, initializer=state)
        return tf.transpose(outputs, (1, 0, 2))

    def _lstm_step(self, carry, x):
        h, c = carry
        z = x + tf.matmul(h, self.recurrent_kernel)
        i, f, g, o = tf.split(z, 4, axis=-1)
        c = gate(f, self.gate_activation) * c + gate(i, self.gate_activation) * tf.tanh(g)
        h = gate(o, self.gate_activation) * tf.tanh(c)
        return h, c

    def _gru_step(self, h, x):
        x_z, x_r, x_h = tf.split(x, 3, axis=-1)
        inner = tf.matmul(h, self.recurrent_kernel) + self.bias[1]
        h_z, h_r, h_h = tf.split(inner, 3, axis=-1)
        z = gate(x_z + h_z, self.gate_activation)
        r = gate(x_r + h_r, self.gate_activation)
        candidate = tf.tanh(x_h + r * h_h)
        return z * h + (1.0 - z) * candidate

    def _rnn_step(self, h, x):
        return tf.tanh(x + tf.matmul(h, self.recurrent_kernel))

    def get_config(self):
        return {**super().get_config(), "units": self.units, "cell": self.cell,
                "gate_activation": self.gate_activation}


def _gate_slope(activated, kind: str):
    # derivative of the gate from its output: hard_sigmoid is 1/6 on its open interval (0, 1)
    if check_gate_activation(kind) == "hard_sigmoid":
        inside = tf.logical_and(activated > 0.0, activated < 1.0)
        return tf.where(inside, 1.0 / 6.0, 0.0)
    return activated * (1.0 - activated)


def lstm_sequence(steps, recurrent_kernel, kind: str):
    """LSTM over time-major pre-projected inputs ``steps`` [T, B, 4H]; returns h for every step [T, B, H].

    The backward pass is written by hand (backpropagation through time): the loop computes only
    ``dz @ U^T`` per step, and the recurrent kernel's gradient is one product over all steps,
    instead of a small matrix product per step as automatic differentiation of the loop gives.
    """

    @tf.custom_gradient
    def run(steps, recurrent_kernel):
        units = recurrent_kernel.shape[0]
        zeros = tf.zeros((tf.shape(steps)[1], units), dtype=steps.dtype)

        def forward(carry, x):
            h, c, _ = carry
            z = x + tf.matmul(h, recurrent_kernel)
            i, f, g, o = tf.split(z, 4, axis=-1)
            i, f, g, o = gate(i, kind), gate(f, kind), tf.tanh(g), gate(o, kind)
            c = f * c + i * g
            return o * tf.tanh(c), c, tf.concat([i, f, g, o], axis=-1)

        empty_gates = tf.zeros_like(steps[0])
        hs, cs, gates = tf.scan(forward, steps, initializer=(zeros, zeros, empty_gates))

        def grad(d_hs):
            c_prev = tf.concat([zeros[None], cs[:-1]], axis=0)

            def backward(carry, elems):
                dh_next, dc_next, _ = carry
                dh_out, c_before, c, gates_t = elems
                i, f, g, o = tf.split(gates_t, 4, axis=-1)
                dh = dh_out + dh_next
                tanh_c = tf.tanh(c)
                dc = dh * o * (1.0 - tanh_c * tanh_c) + dc_next
                dz = tf.concat([
                    dc * g * _gate_slope(i, kind),
                    dc * c_before * _gate_slope(f, kind),
                    dc * i * (1.0 - g * g),
                    dh * tanh_c * _gate_slope(o, kind),
                ], axis=-1)
                return tf.matmul(dz, recurrent_kernel, transpose_b=True), dc * f, dz

            _, _, d_steps = tf.scan(backward, (d_hs, c_prev, cs, gates),
                                    initializer=(zeros, zeros, empty_gates), reverse=True)
            h_prev = tf.concat([zeros[None], hs[:-1]], axis=0)
            d_kernel = tf.matmul(tf.reshape(h_prev, (-1, units)), tf.reshape(d_steps, (-1, 4 * units)),
                                 transpose_a=True)
            return d_steps, d_kernel

        return hs, grad

    return run(steps, recurrent_kernel)


def build_model(config: ModelConfig) -> keras.Model:
    """Embedding -> ``layers`` x ScanRecurrent -> Dense -> softmax over the vocabulary; ids in, probabilities out.

    Dropout (on the embeddings and after each recurrent layer) acts in training only: at inference
    the layers are the identity, so the NumPy forward pass needs nothing of them.
    """
    ids = keras.Input(shape=(None,), dtype="int32", name="ids")
    x = keras.layers.Embedding(config.vocab_size, config.embedding_dim, name="embedding")(ids)
    if config.embedding_dropout:
        x = keras.layers.Dropout(config.embedding_dropout, name="embedding_dropout")(x)
    for index in range(config.layers):
        x = ScanRecurrent(config.rnn_size, config.cell, config.gate_activation, name=f"{config.cell}_{index + 1}")(x)
        if config.dropout:
            x = keras.layers.Dropout(config.dropout, name=f"dropout_{index + 1}")(x)
    logits = keras.layers.Dense(config.vocab_size, name="logits")(x)
    probabilities = keras.layers.Activation("softmax", name="softmax")(logits)
    return keras.Model(ids, probabilities, name="seqgen")


def logits_model(model: keras.Model) -> keras.Model:
    """The same layers and weights, ending before the softmax: training uses a fused
    softmax cross-entropy on logits, which is faster and steadier than log(softmax(x))."""
    return keras.Model(model.input, model.get_layer("logits").output, name="seqgen_logits")


def build_stock_keras_model(config: ModelConfig) -> keras.Model:
    """The same architecture from stock Keras layers (benchmark baseline and equivalence tests)."""
    ids = keras.Input(shape=(None,), dtype="int32")
    x = keras.layers.Embedding(config.vocab_size, config.embedding_dim)(ids)
    if config.embedding_dropout:
        x = keras.layers.Dropout(config.embedding_dropout)(x)
    for _ in range(config.layers):
        if config.cell == "lstm":
            x = keras.layers.LSTM(config.rnn_size, recurrent_activation=config.gate_activation,
                                  return_sequences=True)(x)
        elif config.cell == "gru":
            x = keras.layers.GRU(config.rnn_size, recurrent_activation=config.gate_activation,
                                 return_sequences=True)(x)
        else:
            x = keras.layers.SimpleRNN(config.rnn_size, return_sequences=True)(x)
        if config.dropout:
            x = keras.layers.Dropout(config.dropout)(x)
    probabilities = keras.layers.Dense(config.vocab_size, activation="softmax")(x)
    return keras.Model(ids, probabilities)
