"""Checks that a model bundle's parts are well-formed and agree with its ``config.json``.

A bundle may be damaged (a truncated copy, a half-finished edit) or tampered with. Every check
here raises ``BundleError`` with one line naming the file and the problem, so nothing malformed
reaches the sampler or the trainer: config sections with exactly the known keys and value types,
weight arrays with exactly the names, shapes and float dtypes the config implies and only finite
values, a tokenizer that fits the domain, and id streams inside the vocabulary.
Reading the files is ``bundle``'s job; the meaning of each setting is its dataclass's.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from seqgen.data import DataConfig
from seqgen.domains import DOMAINS
from seqgen.errors import SeqgenError
from seqgen.model_config import ModelConfig, weight_shapes
from seqgen.settings import shown
from seqgen.tokenizers import Tokenizer
from seqgen.vocab import Vocab


class BundleError(SeqgenError):
    """A bundle that is missing, partial, corrupt, inconsistent, or from a newer seqgen."""


# config.json's top-level keys and the JSON type each holds; ``best`` (the best epoch's
# metrics) is null until an epoch improves. A key added on the writing side must be added here.
REQUIRED_KEYS = {"format_version": int, "domain": str, "model": dict, "training": dict, "data": dict,
                 "seed": int, "corpus": dict, "versions": dict}
OPTIONAL_KEYS = {"best": (dict, type(None))}
SPLIT_NAMES = ("train", "val", "test")


def check_format_version(config: dict[str, Any], path: Path, newest: int) -> int:
    """The bundle's format version; checked before anything else, since a newer format may
    hold keys this seqgen does not know and its user should hear "upgrade", not "unknown key"."""
    version = config.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise BundleError(f"{path}: 'format_version' is missing or not a whole number")
    if version > newest:
        raise BundleError(f"{path.parent}: bundle format {version} is newer than this seqgen reads ({newest}); "
                          f"upgrade seqgen")
    if version < 1:
        raise BundleError(f"{path}: 'format_version' must be at least 1, got {version}")
    return version


def check_config(config: dict[str, Any], path: Path, train_config: type | None = None) -> None:
    """Every section of ``config.json``. ``train_config`` (``TrainConfig``) checks the training
    section in full; without it (sampling, which must not import TensorFlow) the section is
    checked for shape only: setting names mapped to plain JSON values."""
    _check_keys(config, path)
    if config["domain"] not in DOMAINS:
        raise BundleError(f"{path}: unknown domain {shown(config['domain'])}; known domains: {', '.join(DOMAINS)}")
    _section(path, "model", lambda: ModelConfig.from_dict(config["model"]))
    _section(path, "data", lambda: DataConfig.from_dict(config["data"]))
    if train_config is not None:
        from seqgen.settings import from_dict

        _section(path, "training", lambda: from_dict(train_config, config["training"], "training config"))
    else:
        _check_flat(config["training"], path, "training", (int, float, str))
    if isinstance(config["seed"], bool) or config["seed"] < 0:
        raise BundleError(f"{path}: 'seed' must be a whole number >= 0, got {shown(config['seed'])}")
    _check_flat(config["corpus"], path, "corpus", (int, str))
    _check_flat(config["versions"], path, "versions", (str,))
    if config.get("best") is not None:
        _check_flat(config["best"], path, "best", (int, float), finite=False)


def _check_keys(config: dict[str, Any], path: Path) -> None:
    for key, kind in REQUIRED_KEYS.items():
        value = config.get(key)
        if isinstance(value, bool) or not isinstance(value, kind):
            raise BundleError(f"{path}: '{key}' is missing or not a {kind.__name__}")
    for key, kinds in OPTIONAL_KEYS.items():
        if key in config and not isinstance(config[key], kinds):
            raise BundleError(f"{path}: '{key}' must be an object or null")
    unknown = sorted(set(config) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        raise BundleError(f"{path}: unknown keys {', '.join(shown(key, 30) for key in unknown[:5])}")


def _section(path: Path, name: str, build) -> None:
    try:
        build()
    except SeqgenError as error:
        raise BundleError(f"{path}: '{name}': {error}") from None
    except (TypeError, ValueError, OverflowError) as error:  # a range check meeting a value of the wrong kind
        raise BundleError(f"{path}: '{name}': invalid setting ({error})") from None


def _check_flat(section: dict[str, Any], path: Path, name: str, kinds: tuple[type, ...], finite: bool = True) -> None:
    """A section of settings: each value one of ``kinds`` (never a bool), finite when a float."""
    for key, value in section.items():
        bad_number = isinstance(value, float) and finite and not math.isfinite(value)
        if isinstance(value, bool) or not isinstance(value, kinds) or bad_number:
            raise BundleError(f"{path}: '{name}' setting {shown(key, 30)} has an invalid value {shown(value)}")


def check_weights(weights: dict[str, np.ndarray], model: ModelConfig, path: Path) -> None:
    """Exactly the arrays the model config implies: names, shapes, float dtypes, finite values."""
    expected = weight_shapes(model)
    described = f"a {model.layers}-layer {model.cell} model"
    missing = [name for name in expected if name not in weights]
    if missing:
        raise BundleError(f"{path}: missing arrays {', '.join(missing[:4])} for {described}")
    extra = sorted(set(weights) - set(expected))
    if extra:
        raise BundleError(f"{path}: unexpected arrays {', '.join(shown(name, 30) for name in extra[:4])} "
                          f"(config.json describes {described})")
    for name, shape in expected.items():
        array = weights[name]
        if array.dtype.kind != "f":
            raise BundleError(f"{path}: '{name}' holds {array.dtype} values, expected floats")
        if array.shape != shape:
            raise BundleError(f"{path}: '{name}' has shape {array.shape}, config.json implies {shape}")
        if not np.isfinite(array).all():
            raise BundleError(f"{path}: '{name}' holds NaN or infinite values")


def weights_size_limit(model: ModelConfig) -> int:
    """The most bytes a weights file for ``model`` unpacks to: every array in float64 (the widest
    float a bundle might hold), plus room for each member's header."""
    return sum(8 * math.prod(shape) + 4096 for shape in weight_shapes(model).values())


def check_vocab_fits(vocab: Vocab, model: ModelConfig, weights_path: Path) -> None:
    if model.vocab_size != len(vocab):
        raise BundleError(f"{weights_path.parent}: vocabulary ({len(vocab)} tokens) and model "
                          f"(vocab_size {model.vocab_size}) do not agree")


def check_tokenizer_fits(tokenizer: Tokenizer, domain: str, path: Path) -> None:
    """The domain accepts the tokenizer (a tabla model read with a lyrics tokenizer is nonsense)."""
    accepted = DOMAINS[domain][1]
    if tokenizer.name not in accepted:
        raise BundleError(f"{path}: tokenizer {tokenizer.name!r} does not fit a {domain} model "
                          f"(expected {' or '.join(accepted)})")


def check_splits(splits: dict[str, np.ndarray], vocab_size: int, path: Path) -> dict[str, np.ndarray]:
    """Exactly train / val / test, each a 1-D stream of integer ids below ``vocab_size``; as int32."""
    if set(splits) != set(SPLIT_NAMES):
        found = ", ".join(shown(name, 30) for name in sorted(splits)[:5]) or "nothing"
        raise BundleError(f"{path}: expected the id streams {', '.join(SPLIT_NAMES)}, found {found}")
    checked = {}
    for name in SPLIT_NAMES:
        stream = splits[name]
        if stream.ndim != 1 or stream.dtype.kind not in "iu":
            raise BundleError(f"{path}: '{name}' must be a 1-D array of integer ids, "
                              f"found {stream.ndim}-D {stream.dtype}")
        if stream.size and (stream.min() < 0 or stream.max() >= vocab_size):
            raise BundleError(f"{path}: '{name}' holds ids outside the vocabulary (0 to {vocab_size - 1})")
        checked[name] = stream.astype(np.int32)
    return checked
