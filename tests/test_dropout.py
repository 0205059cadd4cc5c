"""seqgen's Dropout: Keras's layer with a mask XLA compiles well on a CPU; the same behaviour otherwise."""

import numpy as np
import pytest
import tensorflow as tf

import keras
from seqgen.dropout import Dropout
from seqgen.model import ModelConfig, build_model


def draw(layer, inputs, jit: bool):
    apply = tf.function(lambda: layer(inputs, training=True), jit_compile=jit)
    return apply().numpy()


@pytest.mark.parametrize("jit", [True, False])
@pytest.mark.parametrize("rate", [0.2, 0.5])
def test_it_keeps_about_one_minus_rate_and_scales_the_kept(rate, jit):
    inputs = tf.ones((64, 40, 128))
    out = draw(Dropout(rate, seed=3), inputs, jit)
    kept = out != 0
    assert abs(kept.mean() - (1 - rate)) < 0.01
    np.testing.assert_allclose(out[kept], 1 / (1 - rate), rtol=1e-6)


def test_it_is_the_identity_outside_training_and_at_rate_zero():
    inputs = tf.random.normal((4, 5, 6))
    np.testing.assert_array_equal(Dropout(0.5, seed=1)(inputs, training=False).numpy(), inputs.numpy())
    np.testing.assert_array_equal(Dropout(0.0, seed=1)(inputs, training=True).numpy(), inputs.numpy())


def test_masks_follow_the_seed_generator_so_a_restored_state_repeats_them():
    inputs = tf.ones((8, 10, 16))
    first, second = Dropout(0.5, seed=7), Dropout(0.5, seed=7)
    a1, a2 = draw(first, inputs, True), draw(first, inputs, True)
    assert not np.array_equal(a1, a2)  # a new mask every call
    np.testing.assert_array_equal(draw(second, inputs, True), a1)  # same seed: same sequence of masks
    second.seed_generator.state.assign(first.seed_generator.state)  # what a checkpoint restores
    np.testing.assert_array_equal(draw(second, inputs, True), draw(first, inputs, True))


def test_a_noise_shape_shares_the_mask_along_its_none_axes():
    layer = Dropout(0.5, noise_shape=(None, 1, None), seed=2)
    out = draw(layer, tf.ones((6, 9, 12)), True)
    assert (out == out[:, :1, :]).all()  # one mask over the time axis
    assert 0 < (out != 0).mean() < 1


def test_float16_inputs_stay_float16():
    out = Dropout(0.5, seed=1, dtype="mixed_float16")(tf.ones((4, 8), tf.float16), training=True)
    assert out.dtype == tf.float16
    assert set(np.unique(out.numpy())) <= {0.0, 2.0}


def test_the_model_uses_it_and_its_file_loads_back(tmp_path):
    model = build_model(ModelConfig(vocab_size=11, embedding_dim=4, rnn_size=6, dropout=0.5, embedding_dropout=0.2))
    kinds = {type(layer) for layer in model.layers if "dropout" in layer.name}
    assert kinds == {Dropout}
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras", safe_mode=True)
    assert {type(layer) for layer in loaded.layers if "dropout" in layer.name} == {Dropout}
    ids = np.arange(10, dtype=np.int32).reshape(2, 5)
    np.testing.assert_allclose(loaded.predict(ids, verbose=0), model.predict(ids, verbose=0), rtol=1e-6)


@pytest.mark.parametrize("jit", [False, True])
def test_masks_equal_keras_dropout_bit_for_bit(jit):
    """Only XLA's lowering of the draw changes: training follows the path Keras's layer gave."""
    inputs = tf.random.normal((8, 40, 64), seed=1)
    ours, theirs = Dropout(0.5, seed=3), keras.layers.Dropout(0.5, seed=3)
    for _ in range(3):  # successive masks too: the seed generators advance alike
        np.testing.assert_array_equal(draw(ours, inputs, jit), draw(theirs, inputs, jit))
