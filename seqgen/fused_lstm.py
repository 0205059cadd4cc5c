"""Keras's LSTM layer with a faster training loop: the input side as one product, and
backpropagation through time written out so the weight gradients are one product each.

Automatic differentiation of Keras's step loop multiplies small matrices at every time step,
forward (``x_t @ W``) and backward (``x_t^T dz_t`` and ``h_t^T dz_t`` accumulated step by step).
``LSTM`` here keeps Keras's layer, its cell, weights, names, file format and every option, and
replaces only the loop when it can (see ``LSTM.fusable``):

- forward: ``x @ W + b`` for every step in one product, then a compiled loop over ``h @ U`` that
  keeps each step's gate activations and cell state;
- backward: a reverse loop computing only ``dz_t @ U^T``; the gradients of ``W``, ``U``, ``b`` and
  the inputs are then one product (or sum) over all steps.

The gate derivatives are written from the gates' outputs, one entry per gate kind in
``GATE_SLOPES``. A gate kind without an entry is never fused: it runs Keras's own loop and
automatic differentiation, so a new kind cannot silently take a wrong derivative
(``tests/test_fused_lstm.py`` compares values and gradients with Keras's LSTM for every kind in
``model_config.GATE_ACTIVATIONS``, in float32 and float16). Constants take the inputs' dtype, so
``--precision mixed`` works. Which layers use it is ``model``'s business; speed is measured by
``benchmarks/train_throughput.py``.
"""

from __future__ import annotations

import functools

import seqgen.quiet_tensorflow  # noqa: F401  (before keras: keeps TensorFlow's C++ log lines quiet)
import keras
import tensorflow as tf


def _hard_sigmoid_slope(activated):
    # Keras 3's hard_sigmoid is clip(x / 6 + 0.5, 0, 1): slope 1/6 strictly inside, 0 where clipped
    inside = tf.logical_and(activated > 0, activated < 1)
    return tf.where(inside, tf.constant(1 / 6, activated.dtype), tf.zeros_like(activated))


def _sigmoid_slope(activated):
    return activated * (1 - activated)


# gate kind -> (activation, its derivative as a function of the activation's output)
GATE_SLOPES = {
    "hard_sigmoid": (lambda x: tf.clip_by_value(x / 6 + 0.5, 0, 1), _hard_sigmoid_slope),
    "sigmoid": (tf.sigmoid, _sigmoid_slope),
}


def lstm_sequence(projected, recurrent_kernel, gate_kind: str):
    """Hidden states [T, B, H] of an LSTM over time-major input projections ``projected`` [T, B, 4H]
    (``x_t @ W + b``), from zero states, gate order i, f, c, o as Keras's."""
    gate, slope = GATE_SLOPES[gate_kind]

    @tf.custom_gradient
    def run(projected, recurrent_kernel):
        units = recurrent_kernel.shape[0]
        zeros = tf.zeros((tf.shape(projected)[1], units), dtype=projected.dtype)

        def forward(carry, z_input):
            h, c, _ = carry
            z = z_input + tf.matmul(h, recurrent_kernel)
            i, f, g, o = tf.split(z, 4, axis=-1)
            i, f, g, o = gate(i), gate(f), tf.tanh(g), gate(o)
            c = f * c + i * g
            return o * tf.tanh(c), c, tf.concat([i, f, g, o], axis=-1)

        hs, cs, gates = tf.scan(forward, projected, initializer=(zeros, zeros, tf.zeros_like(projected[0])))

        def grad(d_hs):
            c_before = tf.concat([zeros[None], cs[:-1]], axis=0)

            def backward(carry, step):
                dh_later, dc_later, _ = carry
                dh_out, c_prev, c, gates_t = step
                i, f, g, o = tf.split(gates_t, 4, axis=-1)
                dh = dh_out + dh_later
                tanh_c = tf.tanh(c)
                dc = dh * o * (1 - tanh_c * tanh_c) + dc_later
                dz = tf.concat([dc * g * slope(i), dc * c_prev * slope(f), dc * i * (1 - g * g),
                                dh * tanh_c * slope(o)], axis=-1)
                return tf.matmul(dz, recurrent_kernel, transpose_b=True), dc * f, dz

            _, _, d_projected = tf.scan(backward, (d_hs, c_before, cs, gates),
                                        initializer=(zeros, zeros, tf.zeros_like(projected[0])), reverse=True)
            h_before = tf.concat([zeros[None], hs[:-1]], axis=0)
            # the recurrent kernel's gradient: one product over every step, not one per step
            d_recurrent = tf.matmul(tf.reshape(h_before, (-1, units)), tf.reshape(d_projected, (-1, 4 * units)),
                                    transpose_a=True)
            return d_projected, d_recurrent

        return hs, grad

    return run(projected, recurrent_kernel)


@keras.saving.register_keras_serializable(package="seqgen")
class LSTM(keras.layers.LSTM):
    """``keras.layers.LSTM`` whose loop is ``lstm_sequence`` when ``fusable`` (see the module docstring)."""

    def fusable(self, mask, initial_state_given: bool) -> bool:
        """The cases the fused loop covers: everything else is Keras's own loop."""
        cell = self.cell
        return (mask is None and not initial_state_given and not self.go_backwards and not self.stateful
                and not self.return_state and not self.unroll and cell.use_bias
                and not cell.dropout and not cell.recurrent_dropout
                and cell.activation is keras.activations.tanh
                and _gate_kind(cell.recurrent_activation) in GATE_SLOPES
                and not _gpu_present())  # a GPU has cuDNN's fused LSTM, which Keras picks where it can

    def call(self, sequences, initial_state=None, mask=None, training=False):
        self._fuse = self.fusable(mask, initial_state is not None)
        return super().call(sequences, initial_state=initial_state, mask=mask, training=training)

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if not getattr(self, "_fuse", False):
            return super().inner_loop(sequences, initial_state, mask, training=training)
        cell = self.cell
        kernel, recurrent_kernel, bias = (tf.cast(weight, sequences.dtype) for weight in
                                          (cell.kernel, cell.recurrent_kernel, cell.bias))
        # every step's input side in one product, time-major for the loop
        projected = tf.einsum("btd,dg->tbg", sequences, kernel) + bias
        hs = lstm_sequence(projected, recurrent_kernel, _gate_kind(cell.recurrent_activation))
        outputs = tf.transpose(hs, (1, 0, 2))
        # no state is returned or kept in the fused cases (see ``fusable``): the last output stands in
        return hs[-1], outputs, [hs[-1], hs[-1]]


@functools.cache
def _gpu_present() -> bool:
    return bool(tf.config.list_logical_devices("GPU"))


def _gate_kind(activation) -> str | None:
    name = getattr(activation, "__name__", None)
    return name if name in GATE_SLOPES and activation is getattr(keras.activations, name) else None
