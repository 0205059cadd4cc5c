"""Dropout whose mask costs what it should under XLA on a CPU.

Keras's ``Dropout`` (TensorFlow backend) draws its mask with ``tf.nn.experimental.stateless_dropout``,
whose random numbers come from TensorFlow's auto-selected generator. Compiled by XLA for a CPU, that
generator is emitted element by element: on the 2-core development machine a mask for a
32 x 40 x 640 batch took about 127 ms, against about 3 ms for the same draw with the Philox
algorithm named explicitly (``benchmarks/dropout_speed.py``). At the Japanese defaults (dropout on
the embeddings and after both layers) that was about a quarter of every training step.

The auto-selected generator is Philox on a CPU; only XLA's lowering of it is slow. ``Dropout`` here
is Keras's layer with the algorithm named: the same seed generator, rate, scaling and noise_shape,
the identity outside training, and masks equal to Keras's bit for bit, compiled or not (a test
checks it), so training follows exactly the path it did with Keras's layer, only faster; a resumed
run draws the masks an uninterrupted one would. Which layers use it is ``model``'s business.
"""

from __future__ import annotations

import seqgen.quiet_tensorflow  # noqa: F401  (before keras: keeps TensorFlow's C++ log lines quiet)
import keras
import tensorflow as tf
from keras.src.random.seed_generator import draw_seed

# what "auto_select" picks on a CPU, named so that XLA emits its vectorised Philox (ThreeFry is as
# fast under XLA, but would change the masks and has no kernel outside XLA)
MASK_ALGORITHM = "philox"


@keras.saving.register_keras_serializable(package="seqgen")
class Dropout(keras.layers.Dropout):
    """``keras.layers.Dropout`` with its mask drawn by Philox (see the module docstring)."""

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate >= 1:
            return tf.zeros_like(inputs)
        seed = _xla_seed(draw_seed(self.seed_generator))  # the layer's next seed, as Keras's own draw takes it
        shape = tf.shape(inputs) if self.noise_shape is None else self._noise_shape_of(inputs)
        keep = tf.random.stateless_uniform(shape, seed, alg=MASK_ALGORITHM) >= self.rate
        scale = tf.cast(1.0 / (1.0 - self.rate), inputs.dtype)
        return tf.where(keep, inputs * scale, tf.zeros_like(inputs))

    def _noise_shape_of(self, inputs):
        # Keras's convention: a None in noise_shape takes the input's size on that axis
        actual = tf.shape(inputs)
        return tf.stack([actual[axis] if size is None else size for axis, size in enumerate(self.noise_shape)])


def _xla_seed(seed):
    # as Keras's TensorFlow backend does: its seed variable is int64, XLA's stateless ops want int32
    if seed.dtype == tf.int32:
        return seed
    return tf.cast(tf.math.floormod(seed, tf.int32.max - 1), tf.int32)
