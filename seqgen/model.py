"""The neural model: the Keras builder (Embedding -> recurrent layers -> logits -> softmax).

``ModelConfig`` and the weight shapes live in ``model_config`` (no TensorFlow there) and are
re-exported here.

The recurrent layers are Keras's own ``LSTM``, ``GRU`` (reset_after) and ``SimpleRNN`` with the
configured gate nonlinearity (hard_sigmoid by default); the LSTM is ``fused_lstm``'s subclass,
whose training loop is faster and whose weights and options are Keras's. ``training`` compiles them
under XLA. Their weights (LSTM gate order i, f, c, o) are what the NumPy sampler reads
(``numpy_model``). Model files written before seqgen's recurrent layers were Keras's own are read by
``legacy_model_file``; training is ``training``'s job.
"""

from __future__ import annotations

import seqgen.quiet_tensorflow  # noqa: F401  (first: keeps TensorFlow's C++ log lines quiet)
import keras

from seqgen.dropout import Dropout
from seqgen.fused_lstm import LSTM as FusedLSTM
from seqgen.model_config import (  # noqa: F401  re-exported: callers know them as seqgen.model's
    CELLS,
    GATE_ACTIVATIONS,
    GATES,
    ModelConfig,
    check_gate_activation,
    recurrent_shapes,
    weight_shapes,
)

# Keras dtype policy of each ``TrainConfig.precision``: "mixed" computes in float16 and keeps the
# weights in float32, so the bundle's weights read the same either way.
PRECISION_POLICIES = {"float32": "float32", "mixed": "mixed_float16"}


def recurrent_layer(config: ModelConfig, name: str, dtype: str = "float32") -> keras.layers.Layer:
    """One of Keras's recurrent layers for ``config.cell``, returning the full sequence of states."""
    common = {"return_sequences": True, "name": name, "dtype": dtype}
    gate = check_gate_activation(config.gate_activation)
    if config.cell == "lstm":
        return FusedLSTM(config.rnn_size, recurrent_activation=gate, **common)
    if config.cell == "gru":
        return keras.layers.GRU(config.rnn_size, recurrent_activation=gate, reset_after=True, **common)
    return keras.layers.SimpleRNN(config.rnn_size, **common)


def build_model(config: ModelConfig, precision: str = "float32") -> keras.Model:
    """Embedding -> ``layers`` recurrent layers -> Dense -> softmax over the vocabulary; ids in,
    probabilities out.

    Dropout (on the embeddings and after each recurrent layer) acts in training only: at inference
    the layers are the identity, so the NumPy forward pass needs nothing of them. It is
    ``seqgen.dropout``'s layer: Keras's own draws the same masks about 40x slower under XLA on a
    CPU. Under ``"mixed"`` precision the logits and the softmax stay in float32: a float16 softmax
    over thousands of tokens loses the small probabilities the loss needs.
    """
    policy = PRECISION_POLICIES[precision]
    ids = keras.Input(shape=(None,), dtype="int32", name="ids")
    x = keras.layers.Embedding(config.vocab_size, config.embedding_dim, name="embedding", dtype=policy)(ids)
    if config.embedding_dropout:
        x = Dropout(config.embedding_dropout, name="embedding_dropout", dtype=policy)(x)
    for index in range(config.layers):
        x = recurrent_layer(config, f"{config.cell}_{index + 1}", policy)(x)
        if config.dropout:
            x = Dropout(config.dropout, name=f"dropout_{index + 1}", dtype=policy)(x)
    logits = keras.layers.Dense(config.vocab_size, name="logits", dtype="float32")(x)
    probabilities = keras.layers.Activation("softmax", name="softmax", dtype="float32")(logits)
    return keras.Model(ids, probabilities, name="seqgen")


def logits_model(model: keras.Model) -> keras.Model:
    """The same layers and weights, ending before the softmax: training uses a fused
    softmax cross-entropy on logits, which is faster and steadier than log(softmax(x))."""
    return keras.Model(model.input, model.get_layer("logits").output, name="seqgen_logits")


def recurrent_layers(model: keras.Model) -> list[keras.layers.Layer]:
    """The model's recurrent layers, first to last."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.RNN)]
