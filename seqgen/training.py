"""Training: ``TrainConfig``, the fit loop, per-epoch reports, checkpoints, early stopping, resume.

It trains a model on prepared windows and hands every improved model to a callback; where the
bundle lives and what else it holds is ``bundle``'s and ``api``'s business.
"""

from __future__ import annotations

import math
import re
import signal
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import seqgen.quiet_tensorflow  # noqa: F401  (before keras: keeps TensorFlow's C++ log lines quiet)
import keras
import tensorflow as tf

from seqgen.bundle import save_keras_atomic
from seqgen.data import StreamWindows
from seqgen import distributed
from seqgen.distributed import STRATEGY as MULTI_WORKER
from seqgen.errors import SeqgenError
from seqgen.feed import TrainingFeed, eval_dataset
from seqgen.settings import check_types
from seqgen.model import PRECISION_POLICIES, ModelConfig, build_model, logits_model
from seqgen.softmax_loss import SOFTMAXES, sampled_trainer  # also registers the trainer for checkpoints

OPTIMIZERS = ("adam", "rmsprop")
STRATEGIES = ("mirrored", MULTI_WORKER)
_CHECKPOINT = re.compile(r"epoch(\d+)-val([0-9.]+|nan|inf)\.keras$")


@dataclass(frozen=True)
class TrainConfig:
    """Fit-loop settings (char-rnn's names where it has them)."""

    epochs: int = 40                 # passes over the training windows
    batch_size: int = 64             # windows per gradient step
    learning_rate: float = 3e-3      # initial step size
    lr_decay: float = 0.97           # learning rate multiplied by this after every epoch
    optimizer: str = "adam"          # adam | rmsprop
    grad_clip: float = 5.0           # clip each gradient to this global norm; 0 disables
    patience: int = 6                # stop after this many epochs without a better validation loss
    keep_checkpoints: int = 3        # checkpoint files kept (the best one is always kept too)
    seed: int = 1234                 # same seed, corpus and machine give the same model
    strategy: str = ""               # "" (one device), "mirrored" (all local devices) or "multi-worker" (TF_CONFIG)
    steps_per_execution: int = 8     # gradient steps per compiled call: less Python per step
    precision: str = "float32"       # float32, or mixed: float16 compute, float32 weights and softmax (GPUs)
    softmax: str = "full"            # training loss: full, or sampled (candidate tokens only; see softmax_loss)
    softmax_candidates: int = 1024   # sampled: logits per step, half the most frequent tokens, half drawn
    softmax_warmup: int = 300        # sampled: first steps on the full softmax (to leave the unigram plateau)

    def __post_init__(self) -> None:
        check_types(self)  # whole numbers, finite numbers, strings: the rule every settings class uses
        for name in ("epochs", "batch_size", "keep_checkpoints", "steps_per_execution", "patience", "seed",
                     "softmax_candidates", "softmax_warmup"):
            minimum = {"patience": 0, "seed": 0, "softmax_candidates": 2, "softmax_warmup": 0}.get(name, 1)
            if getattr(self, name) < minimum:
                raise SeqgenError(f"{name} must be at least {minimum}, got {getattr(self, name)}")
        if self.seed >= 2 ** 32:
            raise SeqgenError(f"seed must be below 2**32, got {self.seed}")
        if not self.learning_rate > 0 or not 0 < self.lr_decay <= 1 or self.grad_clip < 0:
            raise SeqgenError(f"learning_rate must be > 0, lr_decay in (0, 1] and grad_clip >= 0; got "
                              f"{self.learning_rate}, {self.lr_decay} and {self.grad_clip}")
        if self.optimizer not in OPTIMIZERS:
            raise SeqgenError(f"unknown optimizer {self.optimizer!r}; use one of {', '.join(OPTIMIZERS)}")
        if self.strategy and self.strategy not in STRATEGIES:
            raise SeqgenError(f"unknown strategy {self.strategy!r}; use one of {', '.join(STRATEGIES)} or none")
        if self.precision not in PRECISION_POLICIES:
            raise SeqgenError(f"unknown precision {self.precision!r}; use one of {', '.join(PRECISION_POLICIES)}")
        if self.softmax not in SOFTMAXES:
            raise SeqgenError(f"unknown softmax {self.softmax!r}; use one of {', '.join(SOFTMAXES)}")

    def to_dict(self) -> dict:
        return asdict(self)


class TrainingStopped(SeqgenError):
    """Training ended early for a reason the user must hear about (NaN loss, interruption);
    ``epochs_done`` counts the complete epochs whose checkpoints are saved."""

    def __init__(self, message: str, epochs_done: int = 0):
        super().__init__(message)
        self.epochs_done = epochs_done


class TrainingInterrupted(TrainingStopped):
    """SIGINT or SIGTERM stopped training after a checkpoint was written."""

    exit_code = 130  # what shells report for an interrupted command


@dataclass
class Windows:
    """Training and validation windows (inputs and next-token targets), read on demand from their
    id streams (``data.StreamWindows``; a stream may be memory-mapped)."""

    train: StreamWindows
    val: StreamWindows | None = None


def perplexity(loss: float) -> float:
    return math.exp(loss) if loss < 700 else math.inf


class Checkpoints:
    """``epochNNN-valX.XXXX.keras`` files in a folder, the best one and the newest ones kept."""

    def __init__(self, folder: Path, keep: int):
        self.folder = Path(folder)
        self.keep = keep

    def all(self) -> list[tuple[int, float, Path]]:
        found = []
        for path in self.folder.glob("epoch*.keras"):
            match = _CHECKPOINT.search(path.name)
            if match:
                found.append((int(match.group(1)), float(match.group(2)), path))
        return sorted(found)

    def latest(self) -> tuple[int, float, Path] | None:
        found = self.all()
        return found[-1] if found else None

    def save(self, model: keras.Model, epoch: int, val_loss: float) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"epoch{epoch:03d}-val{val_loss:.4f}.keras"
        save_keras_atomic(model, path)
        self._prune()
        return path

    def _prune(self) -> None:
        found = self.all()
        best = min(found, key=lambda item: (not math.isfinite(item[1]), item[1]))
        for item in found[:-self.keep]:
            if item is not best:
                item[2].unlink(missing_ok=True)


class EpochReport(keras.callbacks.Callback):
    """Plain per-epoch lines (loss, perplexity, accuracy), checkpoints, best-model hand-off,
    early stopping, NaN and signal handling."""

    def __init__(self, checkpoints: Checkpoints, on_improved: Callable[[dict], None],
                 patience: int, best: float, history: list[dict], echo: Callable[[str], None] | None,
                 on_epoch: Callable[[list[dict]], None] | None = None):
        super().__init__()
        self.checkpoints, self.on_improved, self.patience = checkpoints, on_improved, patience
        self.on_epoch = on_epoch
        self.best, self.history, self.echo = best, history, echo
        self.waited = 0
        self.stop_reason: str | None = None
        self.steps_per_epoch = 0   # set by fit before training starts
        self.last_step = -1        # index of the last step done in this epoch

    def on_epoch_begin(self, epoch, logs=None):
        self.last_step = -1

    def on_train_batch_end(self, batch, logs=None):
        self.last_step = batch  # with steps_per_execution, the last step of the execution
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.stop_reason = "nan"
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.stop_reason == "nan":
            return  # the weights are broken: keep the last good checkpoint, save nothing
        if self.last_step + 1 < self.steps_per_epoch:
            # an interrupt stopped the epoch part-way: record only complete epochs, so --resume
            # repeats this one from its start (same batch order) instead of skipping its rest
            self.stop_reason = "partial"
            return
        logs = dict(logs or {})
        val_loss = float(logs.get("val_loss", logs["loss"]))
        row = {"epoch": epoch + 1, "loss": float(logs["loss"]), "perplexity": perplexity(float(logs["loss"])),
               "accuracy": float(logs.get("accuracy", math.nan)), "val_loss": val_loss,
               "val_perplexity": perplexity(val_loss), "val_accuracy": float(logs.get("val_accuracy", math.nan)),
               "learning_rate": float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))}
        self.history.append(row)
        # history first: a run killed before its checkpoint lands resumes from the previous
        # checkpoint and drops the extra row; the other order would lose this epoch's row
        if self.on_epoch:
            self.on_epoch(self.history)
        self.checkpoints.save(self.model, epoch + 1, val_loss)
        if val_loss < self.best:
            self.best, self.waited = val_loss, 0
            self.on_improved(row)
        else:
            self.waited += 1
        if self.echo:
            self.echo(format_row(row))
        if self.patience and self.waited >= self.patience:
            self.stop_reason = "early"
            self.model.stop_training = True


def format_row(row: dict) -> str:
    return (f"epoch {row['epoch']:3d}  loss {row['loss']:.4f}  ppl {row['perplexity']:.3f}  "
            f"acc {row['accuracy']:.3f}  val_loss {row['val_loss']:.4f}  val_ppl {row['val_perplexity']:.3f}  "
            f"val_acc {row['val_accuracy']:.3f}")


def make_strategy(name: str):
    if name == MULTI_WORKER:
        return distributed.make_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def compile_model(model: keras.Model, config: TrainConfig, distributed: bool) -> keras.Model:
    """The logits model, compiled with optimizer, decay, clipping and metrics."""
    trainable = logits_model(model)
    if config.softmax == "sampled":
        # the same layers and weights; only the training step's loss changes (validation stays full)
        trainable = sampled_trainer(trainable, config.softmax_candidates, config.seed, config.softmax_warmup)
    optimizer_class = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop}[config.optimizer]
    clip = {"global_clipnorm": config.grad_clip} if config.grad_clip else {}
    optimizer = optimizer_class(learning_rate=config.learning_rate, **clip)
    if config.precision == "mixed":
        # float16 gradients underflow: scale the loss up and the gradients back down, as Keras does
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    trainable.compile(
        optimizer=optimizer,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        # XLA and several steps per call pay off on one device; Keras's distributed loop
        # supports neither with a Python data source
        jit_compile=not distributed,
        steps_per_execution=1 if distributed else config.steps_per_execution,
    )
    return trainable


def fit(model_config: ModelConfig, config: TrainConfig, windows: Windows, checkpoint_dir: Path,
        on_improved: Callable[[keras.Model, dict], None], resume: bool = False,
        history: list[dict] | None = None, verbose: str = "lines",
        on_epoch: Callable[[list[dict]], None] | None = None) -> list[dict]:
    """Train (or continue training) and return the history rows of every epoch so far.

    Args:
        model_config: the network.
        config: fit-loop settings.
        windows: prepared training (and validation) windows.
        checkpoint_dir: where ``epochNNN-val*.keras`` files go; resume reads the newest one.
        on_improved: called with the softmax model and the epoch's row when validation loss improves.
        resume: continue from the newest checkpoint, with its optimizer state.
        history: rows of the epochs already done (when resuming).
        verbose: ``"bar"`` (Keras progress bar), ``"lines"`` (one plain line per epoch) or ``"quiet"``.
        on_epoch: called with the history after every epoch's checkpoint is written.

    Raises:
        TrainingStopped: on a NaN/infinite loss or an interrupt (after saving what can be saved).
    """
    strategy = make_strategy(config.strategy)  # first: multi-worker collectives are set up before any op runs
    keras.utils.set_random_seed(config.seed)
    checkpoints = Checkpoints(checkpoint_dir, config.keep_checkpoints)
    multi_worker = config.strategy == MULTI_WORKER
    if multi_worker:  # before any variable: the workers make them in step, so theirs must match
        distributed.agree(strategy, _agreement(model_config, config, windows))
    with strategy.scope():
        # every worker of a multi-worker run builds the same fresh variables; _join_workers resumes them
        model, trainable, first_epoch = _prepare(model_config, config, checkpoints, resume and not multi_worker)
    joined_best = None
    if multi_worker:
        first_epoch, joined_best = _join_workers(strategy, trainable, checkpoints.latest() if resume else None,
                                                 history or [])
    history = [row for row in history or [] if row["epoch"] <= first_epoch]
    if first_epoch >= config.epochs:
        return history

    def improved(row: dict) -> None:
        model.set_weights(trainable.get_weights())  # same order: the softmax layer has no weights
        on_improved(model, row)

    best = min((row["val_loss"] for row in history), default=math.inf) if joined_best is None else joined_best
    report = EpochReport(checkpoints, improved, config.patience, best, history,
                         None if verbose == "quiet" else _echo, on_epoch)
    schedule = keras.callbacks.LearningRateScheduler(lambda epoch: config.learning_rate * config.lr_decay ** epoch)
    # batches in an order fixed by (seed, epoch), from tf.data without autotuning (see feed)
    feed = TrainingFeed(windows.train, config.batch_size, config.seed, first_epoch)
    report.steps_per_epoch = feed.steps
    validation = eval_dataset(windows.val) if windows.val is not None else None
    with _stop_on_signals(trainable) as signals, _multi_worker_stops(multi_worker, report) as stops:
        trainable.fit(feed.dataset(), validation_data=validation, epochs=config.epochs, initial_epoch=first_epoch,
                      shuffle=False, callbacks=[feed.callback, schedule, report, *stops.callbacks],
                      verbose=1 if verbose == "bar" else 0)
    done = history[-1]["epoch"] if history else 0
    if report.stop_reason == "nan":
        raise TrainingStopped(f"training stopped: the loss became NaN or infinite in epoch {done + 1} (try a lower "
                              f"--learning-rate or --grad-clip)", epochs_done=done)
    if stops.lost:
        raise TrainingStopped(f"training stopped: lost contact with another worker in epoch {done + 1} "
                              f"({stops.lost[0]}); every worker must be started again", epochs_done=done)
    if signals:
        partial = f" (epoch {done + 1} was cut short and is not kept)" if report.stop_reason == "partial" else ""
        raise TrainingInterrupted(f"training interrupted by {signals[0]} after epoch {done}{partial}",
                                  epochs_done=done)
    if report.stop_reason == "early" and verbose != "quiet":
        _echo(f"early stop: no better validation loss for {config.patience} epochs")
    return history


def _agreement(model_config: ModelConfig, config: TrainConfig, windows: Windows) -> bytes:
    """What the workers of a multi-worker run must share: the network, the settings and the data."""
    return distributed.fingerprint(model_config.to_dict(), config.to_dict(), windows.train.stream,
                                   windows.val.stream if windows.val is not None else None)


def _join_workers(strategy, trainable: keras.Model, latest: tuple[int, float, Path] | None,
                  history: list[dict]) -> tuple[int, float]:
    """Multi-worker: start every worker from the chief's state (its newest checkpoint when resuming);
    returns the chief's (epochs done, best validation loss)."""
    done = latest[0] if latest else 0
    best = min((row["val_loss"] for row in history if row["epoch"] <= done), default=math.inf)
    joined = distributed.join(strategy, trainable, latest[2] if latest else None, done, best)
    distributed.adapt_model(trainable, strategy)
    return joined


class _multi_worker_stops:
    """How a multi-worker run ends early. A stop asked for during an epoch (a signal, a NaN loss) ends
    fit after the current step, skipping the validation pass Keras would run next: the other workers,
    still training, would not join its collectives. And a collective that fails because another
    worker is gone ends training like an interrupt, keeping the complete epochs (``lost`` says why).
    ``callbacks`` go to fit; nothing changes for other strategies."""

    def __init__(self, multi_worker: bool, report: EpochReport):
        self.multi_worker = multi_worker
        self.callbacks = [_StopAfterStep(report)] if multi_worker else []
        self.lost: list[str] = []

    def __enter__(self) -> "_multi_worker_stops":
        return self

    def __exit__(self, kind, error, traceback) -> bool:
        if error is None or not self.multi_worker:
            return False
        if isinstance(error, _StopNow):
            return True
        if distributed.lost_worker(error):
            self.lost.append(distributed.describe(error))
            return True
        return False


class _StopNow(Exception):
    """Raised out of fit to end a multi-worker epoch at once."""


class _StopAfterStep(keras.callbacks.Callback):
    def __init__(self, report: EpochReport):
        super().__init__()
        self.report = report

    def on_train_batch_end(self, batch, logs=None):
        if self.model.stop_training:
            self.report.stop_reason = self.report.stop_reason or "partial"  # the epoch is not kept
            raise _StopNow


def _prepare(model_config: ModelConfig, config: TrainConfig, checkpoints: Checkpoints, resume: bool):
    """(softmax model, compiled logits model, epochs already done)."""
    model = build_model(model_config, config.precision)
    latest = checkpoints.latest() if resume else None
    if latest is None:
        return model, compile_model(model, config, bool(config.strategy)), 0
    from seqgen.bundle import load_keras_model

    # the checkpoint holds the compiled logits model with its optimizer state
    trainable = load_keras_model(latest[2], compile=True)
    _require_same_architecture(model, trainable, latest[2])
    model.set_weights(trainable.get_weights())
    return model, trainable, latest[0]


def _require_same_architecture(model: keras.Model, trainable: keras.Model, path: Path) -> None:
    """A checkpoint from another network (other sizes, cell or layer count) can't be resumed."""
    expected = [tuple(weight.shape) for weight in model.weights]
    found = [tuple(weight.shape) for weight in trainable.weights]
    if expected != found:
        from seqgen.bundle import BundleError

        raise BundleError(f"{path}: this checkpoint belongs to a different network than the bundle's config.json "
                          f"describes ({len(found)} weight arrays {found[:3]}..., expected {expected[:3]}...); "
                          f"it cannot be resumed")


def _echo(line: str) -> None:
    print(line, flush=True)


class _stop_on_signals:
    """While training, SIGINT and SIGTERM ask Keras to stop after the current step; the epoch's
    end then writes a checkpoint. The list it yields names the signals received."""

    def __init__(self, model: keras.Model):
        self.model = model
        self.received: list[str] = []
        self.previous: dict = {}

    def __enter__(self) -> list[str]:
        import threading

        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGINT, signal.SIGTERM):
                self.previous[number] = signal.signal(number, self._handle)
        return self.received

    def _handle(self, number, frame) -> None:
        self.received.append(signal.Signals(number).name)
        self.model.stop_training = True

    def __exit__(self, *exc) -> None:
        for number, handler in self.previous.items():
            signal.signal(number, handler)
