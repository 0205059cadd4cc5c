"""Model bundles: one directory holding everything a trained model needs, written atomically.

Files: ``model.keras`` (the Keras model, loaded in safe mode), ``weights.npz`` (the same weights as
plain arrays, so sampling needs no TensorFlow), ``vocab.json``, ``tokenizer.json`` (and
``tokenizer.model`` for sentencepiece), ``readings.json`` (kana readings of a lyrics
vocabulary, see ``readings``), ``config.json`` (settings, seed, corpus SHA-256, versions,
format version), ``splits.npz`` (id streams of the train/val/test documents), ``history.csv``,
``history.png`` and ``checkpoints/``. Every file is written to a temporary name and renamed, so a
killed process never leaves a half-written file. Training itself is ``training``'s job.
"""

from __future__ import annotations

import io
import json
import os
import platform
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from seqgen import bundle_check as checks
from seqgen.bundle_check import BundleError
from seqgen.errors import SeqgenError
from seqgen.model_config import ModelConfig, human_bytes, memory_budget
from seqgen.tokenizers import Tokenizer, from_spec
from seqgen.vocab import Vocab

FORMAT_VERSION = 1
MODEL_FILE = "model.keras"
WEIGHTS_FILE = "weights.npz"
VOCAB_FILE = "vocab.json"
TOKENIZER_FILE = "tokenizer.json"
SENTENCEPIECE_FILE = "tokenizer.model"
READINGS_FILE = "readings.json"
CONFIG_FILE = "config.json"
SPLITS_FILE = "splits.npz"
HISTORY_CSV = "history.csv"
HISTORY_PNG = "history.png"
CHECKPOINTS = "checkpoints"


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder and a rename; a device such
    as /dev/null is written in place (a rename would replace the device itself)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if _is_device(path):
        try:
            with open(path, "wb") as device:
                device.write(payload)
        except OSError as error:  # /dev/full: name the path, which a failed write does not
            raise OSError(error.errno, error.strerror, str(path)) from None
        return
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(temporary, 0o666 & ~_UMASK)  # mkstemp makes 0600; files should read like any other
        with os.fdopen(handle, "wb") as file:
            file.write(payload)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _is_device(path: Path) -> bool:
    """True for a character device; refuses anything else there that is not a plain file (a folder,
    a FIFO, a socket), which a rename would replace or could never write."""
    try:
        mode = path.stat().st_mode
    except OSError:  # nothing there yet (or unreachable: the write itself will say why)
        return False
    if stat.S_ISREG(mode) or stat.S_ISCHR(mode):
        return stat.S_ISCHR(mode)
    kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
    raise SeqgenError(f"{path}: {kind}; cannot write a file there")


def save_keras_atomic(model, path: Path, include_optimizer: bool = True) -> None:
    """``model.save`` to a temporary ``.keras`` file, then rename over ``path``."""
    path = Path(path)
    temporary = path.with_name(f".{path.stem}.{os.getpid()}.tmp.keras")
    try:
        if include_optimizer:
            model.save(temporary)
        else:
            import seqgen.quiet_tensorflow  # noqa: F401
            import keras

            keras.saving.save_model(model, temporary, include_optimizer=False)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def library_versions() -> dict[str, str]:
    """Versions that decide whether a bundle reproduces (TensorFlow only if already imported)."""
    import sys

    import seqgen

    versions = {"seqgen": seqgen.__version__, "python": platform.python_version(), "numpy": np.__version__}
    if "tensorflow" in sys.modules:
        import keras
        import tensorflow

        versions.update(tensorflow=tensorflow.__version__, keras=keras.__version__)
    return versions


def write_metadata(directory: Path, config: dict[str, Any], vocab: Vocab, tokenizer: Tokenizer,
                   readings=None) -> None:
    """Vocabulary, tokenizer spec (plus the sentencepiece model file), readings and config.json."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    atomic_write(directory / VOCAB_FILE, vocab.to_json())
    atomic_write(directory / TOKENIZER_FILE, json.dumps(tokenizer.spec(), ensure_ascii=False))
    if hasattr(tokenizer, "model_bytes"):
        atomic_write(directory / SENTENCEPIECE_FILE, tokenizer.model_bytes())
    if readings is not None:
        atomic_write(directory / READINGS_FILE, readings.to_json())
    write_config(directory, config)


def write_config(directory: Path, config: dict[str, Any]) -> None:
    """``config.json``, stamped with the bundle format version."""
    atomic_write(Path(directory) / CONFIG_FILE, json.dumps({"format_version": FORMAT_VERSION, **config}, indent=2))


def write_splits(directory: Path, streams: dict[str, np.ndarray]) -> None:
    buffer = io.BytesIO()
    np.savez(buffer, **streams)
    atomic_write(Path(directory) / SPLITS_FILE, buffer.getvalue())


def model_weights(model) -> dict[str, np.ndarray]:
    """The model's weights by name (``embedding``, ``rnn1/kernel`` ..., ``logits/kernel``)."""
    from seqgen.model import recurrent_layers  # the caller holds a Keras model: TensorFlow is loaded

    weights = {"embedding": model.get_layer("embedding").get_weights()[0]}
    for index, layer in enumerate(recurrent_layers(model), start=1):
        kernel, recurrent_kernel, bias = layer.get_weights()
        weights.update({f"rnn{index}/kernel": kernel, f"rnn{index}/recurrent_kernel": recurrent_kernel,
                        f"rnn{index}/bias": bias})
    kernel, bias = model.get_layer("logits").get_weights()
    weights.update({"logits/kernel": kernel, "logits/bias": bias})
    return weights


def save_model(directory: Path, model) -> None:
    """The inference model (no optimizer) and its weights as plain arrays."""
    directory = Path(directory)
    buffer = io.BytesIO()
    np.savez(buffer, **model_weights(model))
    save_keras_atomic(model, directory / MODEL_FILE, include_optimizer=False)
    atomic_write(directory / WEIGHTS_FILE, buffer.getvalue())


@dataclass
class Bundle:
    """A loaded bundle; ``model`` is the Keras model, loaded only when asked for."""

    path: Path
    config: dict[str, Any]
    vocab: Vocab
    tokenizer: Tokenizer
    weights: dict[str, np.ndarray]
    model: Any = None
    readings: Any = None  # readings.Readings of a lyrics bundle; None for tabla and older bundles

    @property
    def domain(self) -> str:
        return self.config["domain"]

    def splits(self) -> dict[str, np.ndarray]:
        return read_splits(self.path, self.config["model"]["vocab_size"])


def read_splits(directory: Path, vocab_size: int | None = None) -> dict[str, np.ndarray]:
    """The id streams of the train / val / test documents the bundle was trained with, checked:
    exactly those three, 1-D, integer ids below ``vocab_size`` (default: from config.json).

    Raises:
        BundleError: missing, corrupt or tampered.
    """
    directory = Path(directory)
    config = read_config(directory)
    if vocab_size is None:
        vocab_size = config["model"]["vocab_size"]
    if "shards" in config["corpus"]:  # a streamed corpus: its streams live beside its shards in the cache
        from seqgen.shards import bundle_streams

        return bundle_streams(directory, config, vocab_size)
    path = directory / SPLITS_FILE
    return checks.check_splits(_read_npz(path, memory_budget()), vocab_size, path)


def read_config(directory: Path, for_training: bool = False) -> dict[str, Any]:
    """``config.json`` of a bundle, every section checked (keys, value types, known values).

    Args:
        directory: the bundle folder.
        for_training: also check the training section against ``TrainConfig`` (imports
            TensorFlow, which resuming needs anyway; sampling does not).

    Raises:
        BundleError: missing, corrupt, tampered, or written by a newer seqgen.
    """
    directory = Path(directory)
    if not directory.exists():
        raise BundleError(f"{directory}: no such model bundle")
    if not directory.is_dir():
        raise BundleError(f"{directory}: a model bundle is a folder, this is a file")
    path = directory / CONFIG_FILE
    config = _read_json(path, dict)
    checks.check_format_version(config, path, FORMAT_VERSION)
    train_config = None
    if for_training:
        from seqgen.training import TrainConfig as train_config
    checks.check_config(config, path, train_config)
    return config


def load(directory: str | Path, keras_model: bool = False) -> Bundle:
    """Load a bundle, checking that its parts agree.

    Args:
        directory: the bundle folder.
        keras_model: also load ``model.keras`` (imports TensorFlow; safe mode, no code runs).

    Raises:
        BundleError: missing, partial, corrupt, inconsistent or too new.
    """
    directory = Path(directory)
    config = read_config(directory)
    model = ModelConfig.from_dict(config["model"])  # read_config has checked it: this cannot fail
    vocab = _guarded(directory / VOCAB_FILE, lambda path: Vocab.from_json(path.read_text(encoding="utf-8")))
    tokenizer = _guarded(directory / TOKENIZER_FILE, lambda path: from_spec(_read_json(path, dict)))
    checks.check_tokenizer_fits(tokenizer, config["domain"], directory / TOKENIZER_FILE)
    weights_path = directory / WEIGHTS_FILE
    weights = _read_npz(weights_path, checks.weights_size_limit(model))
    checks.check_vocab_fits(vocab, model, weights_path)
    checks.check_weights(weights, model, weights_path)
    bundle = Bundle(directory, config, vocab, tokenizer, weights, readings=_read_readings(directory / READINGS_FILE))
    if keras_model:
        bundle.model = load_keras_model(directory / MODEL_FILE)
    return bundle


def _read_readings(path: Path):
    """The bundle's readings, or None where it has none (tabla, or trained before readings)."""
    if not path.exists() and not path.is_symlink():
        return None
    from seqgen.readings import Readings

    return _guarded(path, lambda path: Readings.from_json(path.read_text(encoding="utf-8")))


def load_keras_model(path: Path, compile: bool = False):
    """A Keras model file, in safe mode (no lambdas or other code from the file); ``compile``
    restores a checkpoint's optimizer and its state."""
    path = Path(path)
    _require_file(path)
    import seqgen.quiet_tensorflow  # noqa: F401
    import keras

    import seqgen.model  # noqa: F401  (registers seqgen's layers, which model files may name)
    from seqgen.legacy_model_file import readable

    try:
        with readable(path) as upgraded:  # files from before Keras's own recurrent layers, upgraded
            return keras.models.load_model(upgraded, safe_mode=True, compile=compile)
    except Exception as error:  # Keras raises many kinds for a damaged file
        raise BundleError(f"{path}: corrupt or unreadable model file ({type(error).__name__}: "
                          f"{str(error).splitlines()[0][:200] if str(error) else 'no detail'})") from None


def _require_file(path: Path) -> None:
    if not path.exists():
        raise BundleError(f"{path.parent}: partial bundle, {path.name} is missing")
    if not path.is_file():  # a folder or a FIFO in its place would fail or block on reading
        raise BundleError(f"{path}: not a regular file")


def _guarded(path: Path, read):
    _require_file(path)
    try:
        return read(path)
    except BundleError:
        raise
    except SeqgenError as error:
        raise BundleError(f"{path}: {error}") from None
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise BundleError(f"{path}: unreadable ({error})") from None
    except RecursionError:
        raise BundleError(f"{path}: nested too deeply to be a seqgen file") from None


def _read_json(path: Path, kind: type):
    _require_file(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BundleError(f"{path}: corrupt JSON ({error})") from None
    except RecursionError:  # json recurses once per nesting level
        raise BundleError(f"{path}: JSON nested too deeply to be a seqgen file") from None
    except OSError as error:
        raise BundleError(f"{path}: unreadable ({error.strerror or error})") from None
    if not isinstance(data, kind):
        raise BundleError(f"{path}: expected a JSON {kind.__name__}")
    return data


def _check_unpacked_size(handle, path: Path, limit: int) -> None:
    # A small compressed file can unpack to gigabytes; zipfile never reads past a member's
    # declared size, so the declared sizes bound the memory that loading takes.
    with zipfile.ZipFile(handle) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > limit:
        raise BundleError(f"{path}: unpacks to {human_bytes(unpacked)}, over this bundle's limit of "
                          f"{human_bytes(limit)}; refusing to read it")


def _read_npz(path: Path, limit: int) -> dict[str, np.ndarray]:
    """The arrays of an ``.npz`` file whose members unpack to at most ``limit`` bytes in all."""
    _require_file(path)
    try:
        # our own handle: np.load leaks the one it opens when a damaged archive fails to open
        with open(path, "rb") as handle:
            _check_unpacked_size(handle, path, limit)
            handle.seek(0)
            with np.load(handle, allow_pickle=False) as archive:
                arrays = {name: archive[name] for name in archive.files}
    except BundleError:
        raise
    except Exception as error:  # zipfile, ValueError, EOFError for a damaged archive
        raise BundleError(f"{path}: corrupt array file ({type(error).__name__})") from None
    for name, array in arrays.items():
        if not isinstance(array, np.ndarray):  # np.load hands back a non-.npy member as raw bytes
            raise BundleError(f"{path}: member {name!r} is not an array")
    return arrays
