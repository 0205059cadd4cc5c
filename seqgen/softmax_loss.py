"""Sampled softmax for training: the output layer's cost paid on a few candidate tokens, not all.

At a vocabulary of thousands the output layer (hidden 256 -> vocab 8000) costs about twice
the two LSTM layers together, forward and backward. ``SampledSoftmaxTrainer`` trains the very same
network (the same layers, weights and weight order as ``model.logits_model``) but computes its
training loss over a candidate set per step:

- the ``head`` most frequent tokens, exactly (``Vocab`` puts specials and structure tokens first,
  then the others by falling frequency, so these are ids ``0 .. head-1``);
- ``samples`` ids drawn with replacement from the rest by a log-uniform (Zipf) law over the id,
  which fits a frequency-sorted vocabulary; each sampled logit is corrected by the log of its
  expected count (sampled softmax, Jean et al. 2015), and a draw that hits the target is masked;
- each window's true next token, its logit counted once and uncorrected (as in Blanc and Rendle
  2018). The sum of the corrected draws then estimates the rest of the partition function without
  bias, and the training gradient is the full softmax's on average (tested). Correcting the target's
  own logit by its expected count too, as TensorFlow's ``sampled_softmax_loss`` does, weighs a rare
  target's push-down by 1 / (samples * Q(target)), several times too much: its probability stops
  rising near samples * Q(target), so rare words are under-learned.

With ``head >= vocab`` the candidate set is the whole vocabulary and the loss is the full one.

The first ``warmup`` optimizer steps use that full loss. A network near its start predicts about the
unigram distribution whatever the context, and leaving that plateau is where the sampled estimate
fails most. In ``benchmarks/softmax_speed.py``'s runs on ``corpora/lyrics_ja`` (72 steps an epoch),
2 of 26 full-softmax runs still had a validation perplexity above 130 in their fourth epoch, against 7
of 29 sampled runs, 4 of them at the unigram's 200-300; those ended with worse models, the learning
rate having decayed meanwhile. The warm-up is a condition on the step count inside the compiled step,
so a resumed run switches where an uninterrupted one would.

Everything else is the full softmax: evaluation (so every epoch's ``val_loss``, early stopping and
perplexity), prediction and sampling, and the bundle keeps the ordinary Dense ``logits`` layer.

The draws are stateless, keyed by (seed, optimizer step): a resumed run draws what an uninterrupted
one would, and no random state is added to the model. The loss is computed in float32 whatever the
layers compute in. Which trainer a run uses, and how it is compiled, is ``training``'s business.
"""

from __future__ import annotations

import math

import seqgen.quiet_tensorflow  # noqa: F401  (before keras: keeps TensorFlow's C++ log lines quiet)
import keras
import tensorflow as tf
from keras.src.losses.loss import scale_loss_for_distribution
from keras.src.utils.tracking import DotNotTrackScope

SOFTMAXES = ("full", "sampled")
_MASKED = -1e9  # a logit that exp() turns into exactly 0 in float32


def split_candidates(candidates: int) -> tuple[int, int]:
    """(exact head, sampled draws) for a candidate budget: half and half."""
    return candidates - candidates // 2, candidates // 2


def log_uniform_draws(count: int, low: int, high: int, seed) -> tf.Tensor:
    """``count`` ids in [low, high) with P(k) proportional to log((k + 2) / (k + 1)) (Zipf-like in k).

    Inverting the CDF ``log((k + 2) / (low + 1)) / log((high + 1) / (low + 1))``.
    """
    uniform = tf.random.stateless_uniform((count,), seed=seed, dtype=tf.float32)
    span = math.log((high + 1) / (low + 1))
    ids = tf.floor((low + 1) * tf.exp(uniform * span)) - 1.0
    return tf.clip_by_value(tf.cast(ids, tf.int32), low, high - 1)


def log_expected_count(ids: tf.Tensor, count: int, low: int, high: int) -> tf.Tensor:
    """log(count * P(id)) under ``log_uniform_draws(count, low, high)``."""
    ids = tf.cast(ids, tf.float32)
    probability = tf.math.log((ids + 2.0) / (ids + 1.0)) / math.log((high + 1) / (low + 1))
    return tf.math.log(count * probability)


def sampled_softmax_loss(hidden, labels, kernel, bias, head: int, samples: int, seed) -> tf.Tensor:
    """Mean sampled-softmax cross-entropy of ``labels`` [N] given ``hidden`` [N, H] and the
    output layer's ``kernel`` [H, V] and ``bias`` [V]; exact (the full loss) when ``head >= V``."""
    vocab = kernel.shape[-1]
    head = min(head, vocab)
    hidden, kernel, bias = (tf.cast(value, tf.float32) for value in (hidden, kernel, bias))
    labels = tf.cast(labels, tf.int32)
    true_logit = tf.reduce_sum(hidden * tf.gather(tf.transpose(kernel), labels), axis=-1) + tf.gather(bias, labels)
    # the head, exactly; the target among them is masked here because it is counted as the true logit
    logits = tf.matmul(hidden, kernel[:, :head]) + bias[:head]
    logits = tf.where(labels[:, None] == tf.range(head)[None, :], _MASKED, logits)
    if head < vocab and samples:
        drawn = log_uniform_draws(samples, head, vocab, seed)
        correction = log_expected_count(drawn, samples, head, vocab)
        tail = tf.matmul(hidden, tf.gather(kernel, drawn, axis=1)) + tf.gather(bias, drawn) - correction
        tail = tf.where(labels[:, None] == drawn[None, :], _MASKED, tail)
        logits = tf.concat([logits, tail], axis=-1)
    every = tf.concat([true_logit[:, None], logits], axis=-1)
    return tf.reduce_mean(tf.reduce_logsumexp(every, axis=-1) - true_logit)


@keras.saving.register_keras_serializable(package="seqgen")
class SampledSoftmaxTrainer(keras.Model):
    """The logits model (ids -> logits, the same layers and weights) whose training step uses the
    sampled softmax; ``evaluate``/``predict`` and the validation pass are the ordinary full softmax.

    Build it like a functional model: ``SampledSoftmaxTrainer(ids, logits, candidates=1024, seed=1,
    warmup=300)`` where ``logits`` is the output of the Dense layer named ``logits``; the first
    ``warmup`` steps train on the full softmax.
    """

    def __init__(self, *args, candidates: int = 1024, seed: int = 0, warmup: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates, self.sampling_seed, self.warmup_steps = int(candidates), int(seed), int(warmup)
        # hidden states feeding the logits layer; a view over the same layers, not tracked twice
        with DotNotTrackScope():
            self._hidden = keras.Model(self.inputs, self.get_layer("logits").input)

    def train_step(self, data):
        x, y = data[0], data[1]
        layer = self.get_layer("logits")
        head, samples = split_candidates(self.candidates)
        # one seed per step: the same draws after --resume, since the step count is restored
        seed = tf.stack([tf.constant(self.sampling_seed, tf.int64), tf.cast(self.optimizer.iterations, tf.int64)])
        with tf.GradientTape() as tape:
            hidden = self._hidden(x, training=True)
            hidden, labels = tf.reshape(hidden, (-1, hidden.shape[-1])), tf.reshape(y, (-1,))

            def loss_over(head: int, samples: int):
                return lambda: sampled_softmax_loss(hidden, labels, layer.kernel, layer.bias, head, samples, seed)

            sampled = loss_over(head, samples)
            if self.warmup_steps:
                full = loss_over(layer.kernel.shape[-1], 0)  # head = vocab: the exact full loss
                loss = tf.cond(self.optimizer.iterations < self.warmup_steps, full, sampled)
            else:
                loss = sampled()
            scaled = self.optimizer.scale_loss(scale_loss_for_distribution(loss))
        weights = self.trainable_weights
        self.optimizer.apply_gradients(zip(tape.gradient(scaled, weights), weights))
        # `loss` is this replica's mean, never scaled for distribution (only `scaled` is): track it as is
        self._loss_tracker.update_state(loss, sample_weight=tf.shape(x)[0])
        # training accuracy would need the full logits this step exists to avoid: left out
        return {"loss": self._loss_tracker.result()}

    def get_metrics_result(self):
        # the compiled metrics (accuracy) are built by the first validation pass, not by training
        return {name: value for metric in self.metrics if getattr(metric, "built", True)
                for name, value in _named_results(metric).items()}

    def get_config(self):
        return {**super().get_config(), "candidates": self.candidates, "seed": self.sampling_seed,
                "warmup": self.warmup_steps}


def _named_results(metric) -> dict:
    result = metric.result()
    return result if isinstance(result, dict) else {metric.name: result}


def sampled_trainer(logits_model: keras.Model, candidates: int, seed: int, warmup: int = 0) -> SampledSoftmaxTrainer:
    """``logits_model`` (ids -> logits, ending in the Dense layer ``logits``) as a trainer whose
    training step uses the sampled softmax after ``warmup`` full-softmax steps: the same layers,
    weights and weight order, uncompiled."""
    return SampledSoftmaxTrainer(logits_model.input, logits_model.output, candidates=candidates, seed=seed,
                                 warmup=warmup, name=logits_model.name)
