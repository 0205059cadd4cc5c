"""The sampled training softmax (seqgen.softmax_loss): its loss and sampler, and real (tiny) training
with it: the validation loss is the full softmax's, the warm-up trains on the full softmax, the bundle is
the ordinary model, resume works."""

import math

import keras
import numpy as np
import pytest
import tensorflow as tf

import seqgen.api as api
from seqgen import training
from seqgen.bundle import load
from seqgen.data import StreamWindows
from seqgen.model import ModelConfig, logits_model
from seqgen.softmax_loss import log_expected_count, log_uniform_draws, sampled_softmax_loss

from cli_helpers import assert_clean_error, invoke
from conftest import ROOT

VOCAB = 60
MODEL = ModelConfig(vocab_size=VOCAB, embedding_dim=8, rnn_size=16)
# 12 steps an epoch (_windows): the warm-up ends part-way through the second epoch
SAMPLED = dict(softmax="sampled", softmax_candidates=12, softmax_warmup=18, batch_size=8, steps_per_execution=2,
               seed=5)


def _full_loss(hidden, labels, kernel, bias):
    return float(tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, hidden @ kernel + bias)))


def test_whole_vocabulary_as_head_is_the_full_loss():
    rng = np.random.default_rng(0)
    hidden, kernel, bias = (rng.normal(size=shape).astype("float32") for shape in ((20, 16), (16, VOCAB), (VOCAB,)))
    labels = rng.integers(0, VOCAB, 20).astype("int32")
    exact = sampled_softmax_loss(hidden, labels, kernel, bias, head=VOCAB, samples=5, seed=tf.constant([1, 2], tf.int64))
    assert float(exact) == pytest.approx(_full_loss(hidden, labels, kernel, bias), rel=1e-6)
    sampled = sampled_softmax_loss(hidden, labels, kernel, bias, head=6, samples=6, seed=tf.constant([1, 2], tf.int64))
    assert math.isfinite(float(sampled)) and float(sampled) != pytest.approx(float(exact), rel=1e-3)


def _logit_gradient(loss_of_logits, logits):
    variable = tf.Variable(logits)
    with tf.GradientTape() as tape:
        loss = loss_of_logits(variable)
    return tape.gradient(loss, variable).numpy()


def test_sampled_gradient_is_the_full_softmax_gradient_on_average():
    # the gradient that trains the model, averaged over draws, is the full softmax's, also for a rare
    # (tail) target the model already finds likely: the target's own logit is counted once, exactly,
    # and never weighted by its draw probability (which would stop it rising at p = n * Q(target))
    vocab, head, rows = 300, 30, 48
    rng = np.random.default_rng(0)
    logits = (rng.normal(size=(rows, vocab)) - np.log(np.arange(vocab) + 1.0)).astype("float32")  # Zipf-like
    labels = rng.integers(head, vocab, rows).astype("int32")  # rare targets only
    logits[np.arange(rows), labels] += 8.0  # ...that the model already predicts with p ~ 0.4
    full = _logit_gradient(lambda z: tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, z)),
                           logits)
    identity, zeros = tf.eye(vocab), tf.zeros(vocab)  # hidden @ I + 0: the hidden states are the logits
    sampled = np.mean([_logit_gradient(lambda z: sampled_softmax_loss(
        z, labels, identity, zeros, head=head, samples=40, seed=tf.constant([draw, 9], tf.int64)), logits)
        for draw in range(200)], axis=0)
    on_target = np.arange(rows), labels
    assert sampled[on_target].mean() == pytest.approx(full[on_target].mean(), rel=0.05)
    assert sampled[:, :head].sum() == pytest.approx(full[:, :head].sum(), rel=0.1)
    assert sampled.sum() == pytest.approx(0.0, abs=1e-4)  # a softmax gradient: the push down equals the pull up


def test_log_uniform_draws_follow_their_law():
    low, high, count = 10, 60, 200_000
    draws = log_uniform_draws(count, low, high, tf.constant([3, 4], tf.int64)).numpy()
    assert draws.min() >= low and draws.max() < high
    observed = np.bincount(draws, minlength=high)[low:] / count
    expected = np.exp(log_expected_count(tf.range(low, high), 1, low, high).numpy())
    assert expected.sum() == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(observed, expected, atol=0.003)
    # the same seed draws the same ids (resume), another seed others
    again = log_uniform_draws(count, low, high, tf.constant([3, 4], tf.int64)).numpy()
    other = log_uniform_draws(count, low, high, tf.constant([3, 5], tf.int64)).numpy()
    assert (again == draws).all() and (other != draws).any()


def _windows() -> training.Windows:
    # a learnable stream: a repeating phrase with some noise, ids spread over the whole vocabulary
    rng = np.random.default_rng(1)
    stream = np.tile(rng.integers(0, VOCAB, 37), 40)
    noisy = np.where(rng.random(len(stream)) < 0.1, rng.integers(0, VOCAB, len(stream)), stream).astype(np.int32)
    return training.Windows(StreamWindows(noisy[:1200], 12, 12), StreamWindows(noisy[1200:], 12, 12))


def _fit(folder, epochs, resume=False, history=None, **settings):
    improved = []
    config = training.TrainConfig(epochs=epochs, **{**SAMPLED, **settings})
    rows = training.fit(MODEL, config, _windows(), folder, lambda model, row: improved.append(
        (model.get_weights(), row)), resume=resume, history=history, verbose="quiet")
    return rows, improved


def test_val_loss_is_the_full_softmax_loss_of_the_same_weights(tmp_path):
    history, improved = _fit(tmp_path / "checkpoints", epochs=2)
    assert [row["epoch"] for row in history] == [1, 2]
    assert history[-1]["val_loss"] < history[0]["val_loss"] < math.log(VOCAB)  # it learns
    weights, row = improved[-1]
    model = training.build_model(MODEL)
    model.set_weights(weights)
    val = _windows().val
    x, y = val.rows(np.arange(val.count))
    direct = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, logits_model(model)(x))
    assert row["val_loss"] == pytest.approx(float(direct), rel=1e-5)


def test_checkpoints_resume_where_an_uninterrupted_run_would_be(tmp_path):
    straight, _ = _fit(tmp_path / "straight", epochs=2)
    first, _ = _fit(tmp_path / "resumed", epochs=1)
    resumed, _ = _fit(tmp_path / "resumed", epochs=2, resume=True, history=first)
    assert [row["epoch"] for row in resumed] == [1, 2]
    assert resumed[-1]["val_loss"] == pytest.approx(straight[-1]["val_loss"], rel=1e-5)
    checkpoint = training.Checkpoints(tmp_path / "resumed", 3).latest()[2]
    trainable = keras.saving.load_model(checkpoint)
    assert type(trainable).__name__ == "SampledSoftmaxTrainer" and trainable.candidates == 12
    assert trainable.warmup_steps == 18  # the resumed run crossed the warm-up's end where the straight one did


def test_the_warm_up_trains_on_the_full_softmax_then_the_sampled_one_takes_over(tmp_path):
    def trained(name, **settings):
        _, improved = _fit(tmp_path / name, epochs=2, **settings)
        return np.concatenate([weight.ravel() for weight in improved[-1][0]])

    full = trained("full", softmax="full")
    # a warm-up longer than the run is the full softmax's training, to float rounding (the two
    # compute the same loss by different ops)...
    # (measured: 9e-8 apart)...
    assert np.abs(trained("warm", softmax_warmup=1000) - full).max() < 1e-5
    # ...one that ends part-way (6 sampled steps of 24) trains another model (0.02 apart), and so does
    # none at all (0.14 apart)
    part_way, cold = trained("part-way"), trained("cold", softmax_warmup=0)
    for other in (part_way, cold):
        assert np.abs(other - full).max() > 5e-3
    assert np.abs(part_way - cold).max() > 5e-2


def test_sampled_bundle_is_the_ordinary_model_and_samples(tmp_path):
    out = tmp_path / "dadra"
    generator = api.train("tabla", ROOT / "corpora" / "dadra.txt", out, verbose="quiet", epochs=1, rnn_size=16,
                          embedding_dim=8, seq_length=16, batch_size=8, val_frac=0.1, seed=3, softmax="sampled",
                          softmax_candidates=8)
    bundle = load(out, keras_model=True)
    assert bundle.config["training"]["softmax"] == "sampled"
    assert [layer.name for layer in bundle.model.layers][-2:] == ["logits", "softmax"]
    assert type(bundle.model).__name__ != "SampledSoftmaxTrainer"
    assert list(generator.bundle.weights) == list(load(out).weights)
    assert generator.compositions(taal="dadra", n=1, seed=1)  # the NumPy sampler over the full softmax


@pytest.mark.parametrize("value", ["adaptive", "Sampled"])
def test_unknown_softmax_is_one_line(tmp_path, value):
    result = invoke("train", "tabla", ROOT / "corpora" / "dadra.txt", "--out", tmp_path / "m", "--softmax", value,
                    "--epochs", "1", "--quiet")
    assert_clean_error(result, f"unknown softmax {value!r}", "full, sampled")
