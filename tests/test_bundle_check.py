"""Damaged and tampered bundles are refused with one line naming the file and the problem.

Each test copies a shipped bundle, breaks one thing the way a bad copy or a hostile edit would,
and loads it through ``seqgen.load`` (and the CLI for some)."""

import base64
import io
import json
import shutil

import numpy as np
import pytest

import seqgen
from seqgen import bundle as bundles
from seqgen.bundle import BundleError
from seqgen.errors import SeqgenError
from seqgen.model_config import ModelConfig, weight_shapes
from seqgen.pretrained import pretrained_path

from cli_helpers import assert_clean_error, invoke
from conftest import ROOT


@pytest.fixture
def tabla(tmp_path):
    return copy_bundle("tabla", tmp_path)


@pytest.fixture
def japanese(tmp_path):
    return copy_bundle("japanese", tmp_path)


def copy_bundle(domain, tmp_path):
    target = tmp_path / domain
    shutil.copytree(pretrained_path(domain), target)
    return target


def edit_config(bundle, change):
    config = json.loads((bundle / "config.json").read_text())
    change(config)
    (bundle / "config.json").write_text(json.dumps(config))


def edit_npz(path, change):
    with np.load(path) as archive:
        arrays = dict(archive)
    change(arrays)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())


def refused(bundle, *fragments):
    with pytest.raises(BundleError) as caught:
        seqgen.load(bundle)
    message = str(caught.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


def test_the_shipped_bundles_pass_every_check(tabla, japanese):
    assert seqgen.load(tabla).compositions(taal="teentaal", cycles=1, seed=3)
    assert seqgen.load(japanese).stanzas(1, lines=2, seed=3)
    assert set(bundles.read_splits(tabla)) == {"train", "val", "test"}


@pytest.mark.parametrize("name", list(weight_shapes(ModelConfig(vocab_size=52, embedding_dim=32, rnn_size=128))))
def test_a_wrong_shape_for_any_weight_array_is_refused(tabla, name):
    edit_npz(tabla / "weights.npz", lambda arrays: arrays.update({name: np.concatenate([arrays[name]] * 2)}))
    refused(tabla, "weights.npz", name, "shape")


def test_missing_recurrent_arrays_are_refused(tabla):
    edit_npz(tabla / "weights.npz", lambda arrays: arrays.pop("rnn2/recurrent_kernel"))
    refused(tabla, "weights.npz", "missing arrays rnn2/recurrent_kernel", "2-layer lstm")


def test_an_extra_recurrent_layer_is_refused(tabla):
    def add_layer(arrays):
        for part in ("kernel", "recurrent_kernel", "bias"):
            arrays[f"rnn3/{part}"] = arrays[f"rnn2/{part}"]

    edit_npz(tabla / "weights.npz", add_layer)
    refused(tabla, "unexpected arrays 'rnn3/bias'")


@pytest.mark.parametrize("dtype", ["U3", "int32", "bool", "complex64"])
def test_weights_that_are_not_floats_are_refused(tabla, dtype):
    edit_npz(tabla / "weights.npz", lambda arrays: arrays.update(embedding=arrays["embedding"].astype(dtype)))
    refused(tabla, "'embedding' holds", "expected floats")


def test_non_finite_weights_are_refused(tabla):
    def poison(arrays):
        arrays["logits/bias"][3] = np.nan

    edit_npz(tabla / "weights.npz", poison)
    refused(tabla, "'logits/bias' holds NaN")


def test_a_compressed_weights_file_that_unpacks_too_large_is_refused_before_reading(tabla):
    with np.load(tabla / "weights.npz") as archive:
        arrays = dict(archive)
    arrays["embedding"] = np.zeros(4_000_000)  # 32 MB of zeros, a few KB compressed
    np.savez_compressed(tabla / "weights.npz", **arrays)
    assert (tabla / "weights.npz").stat().st_size < 2_000_000
    refused(tabla, "weights.npz", "unpacks to 31.4 MiB, over this bundle's limit of")


def test_a_pickled_or_foreign_member_in_the_weights_is_refused(tabla):
    edit_npz(tabla / "weights.npz", lambda arrays: arrays.update(extra=np.array([{"a": 1}], dtype=object)))
    refused(tabla, "weights.npz", "corrupt array file")


@pytest.mark.parametrize("section, key, value, fragment", [
    ("model", "cell", "bogus", "unknown cell 'bogus'"),
    ("model", "gate_activation", "relu", "unknown gate activation 'relu'"),
    ("model", "rnn_size", True, "rnn_size must be a whole number, got True"),
    ("model", "rnn_size", "128", "rnn_size must be a whole number"),
    ("model", "rnn_size", 128.0, "rnn_size must be a whole number"),
    ("model", "layers", 0, "layers must be a positive whole number"),
    ("model", "dropout", float("nan"), "dropout must be a number"),
    ("model", "rnn_size", 10 ** 20, "model too large"),
    ("model", "attention", 4, "unknown settings: 'attention'"),
    ("data", "seq_length", [50], "seq_length must be a whole number"),
    ("data", "shuffle", True, "unknown settings: 'shuffle'"),
    ("training", "epochs", {"a": 1}, "'training' setting 'epochs' has an invalid value"),
    ("training", "learning_rate", float("inf"), "'training' setting 'learning_rate'"),
    ("corpus", "sha256", ["x"], "'corpus' setting 'sha256'"),
    ("versions", "numpy", 2, "'versions' setting 'numpy'"),
])
def test_bad_config_values_are_refused(tabla, section, key, value, fragment):
    edit_config(tabla, lambda config: config[section].update({key: value}))
    refused(tabla, "config.json", f"'{section}'", fragment)


@pytest.mark.parametrize("key, value, fragment", [
    ("format_version", True, "'format_version' is missing or not a whole number"),
    ("format_version", 0, "'format_version' must be at least 1"),
    ("format_version", 2, "upgrade seqgen"),
    ("format_version", 1.0, "'format_version' is missing or not a whole number"),
    ("seed", -1, "'seed' must be a whole number >= 0"),
    ("seed", False, "'seed' is missing or not a int"),
    ("domain", "klingon", "unknown domain 'klingon'"),
    ("model", [], "'model' is missing or not a dict"),
    ("best", 3, "'best' must be an object or null"),
    ("extra", 1, "unknown keys 'extra'"),
])
def test_bad_top_level_config_values_are_refused(tabla, key, value, fragment):
    edit_config(tabla, lambda config: config.update({key: value}))
    refused(tabla, fragment)


def test_a_newer_format_is_reported_before_its_unknown_keys(tabla):
    edit_config(tabla, lambda config: config.update(format_version=2, new_section={}))
    refused(tabla, "bundle format 2 is newer", "upgrade seqgen")


def test_the_training_section_is_checked_in_full_for_resuming(tabla):
    edit_config(tabla, lambda config: config["training"].update(old_setting=3))
    assert seqgen.load(tabla)  # sampling never reads the training section: shape is enough
    with pytest.raises(BundleError, match="'training': training config has unknown settings: 'old_setting'"):
        bundles.read_config(tabla, for_training=True)


def test_a_training_value_trainconfig_refuses_is_a_bundle_error_for_resuming(tabla):
    edit_config(tabla, lambda config: config["training"].update(optimizer="sgd-ish"))
    with pytest.raises(BundleError, match="'training'.*unknown optimizer"):
        bundles.read_config(tabla, for_training=True)


@pytest.mark.parametrize("file", ["config.json", "vocab.json", "tokenizer.json"])
def test_deeply_nested_json_is_refused(tabla, file):
    (tabla / file).write_text("[" * 100_000 + "]" * 100_000)
    refused(tabla, file, "nested too deeply")


@pytest.mark.parametrize("text", ["", "{", "null", '"text"', "\xff\xfe"])
def test_corrupt_json_is_refused(tabla, text):
    (tabla / "tokenizer.json").write_text(text, encoding="latin-1")
    refused(tabla, "tokenizer.json")


def test_a_folder_in_place_of_a_file_is_refused(tabla):
    (tabla / "vocab.json").unlink()
    (tabla / "vocab.json").mkdir()
    refused(tabla, "vocab.json", "not a regular file")


def test_a_garbage_sentencepiece_model_is_refused(japanese):
    garbage = base64.b64encode(b"\x0a\x05hello, not a model").decode()
    (japanese / "tokenizer.json").write_text(json.dumps({"name": "sentencepiece", "model": garbage}))
    refused(japanese, "tokenizer.json", "sentencepiece model is damaged")


def test_a_sentencepiece_model_that_is_not_base64_is_refused(japanese):
    (japanese / "tokenizer.json").write_text(json.dumps({"name": "sentencepiece", "model": "@@not base64@@"}))
    refused(japanese, "tokenizer.json", "not valid base64")


@pytest.mark.parametrize("spec, fragment", [
    ({"name": "bogus"}, "unknown tokenizer 'bogus'"),
    ({"name": "japanese"}, "tokenizer 'japanese' does not fit a tabla model"),
    ({"name": "tabla", "speed": 2}, "unexpected settings"),
    ({"name": 7}, "tokenizer spec must be an object with a 'name'"),
])
def test_a_tokenizer_spec_that_does_not_fit_is_refused(tabla, spec, fragment):
    (tabla / "tokenizer.json").write_text(json.dumps(spec))
    refused(tabla, "tokenizer.json", fragment)


def test_a_vocabulary_of_another_size_is_refused(tabla):
    data = json.loads((tabla / "vocab.json").read_text())
    size = len(data["tokens"])
    data["tokens"].append("Zzz")
    (tabla / "vocab.json").write_text(json.dumps(data))
    refused(tabla, f"vocabulary ({size + 1} tokens) and model (vocab_size {size}) do not agree")


@pytest.mark.parametrize("change, fragment", [
    (lambda arrays: arrays.pop("test"), "expected the id streams train, val, test, found 'train', 'val'"),
    (lambda arrays: arrays.update(extra=np.arange(3)), "found 'extra', 'test', 'train', 'val'"),
    (lambda arrays: arrays.update(train=arrays["train"].reshape(1, -1)), "'train' must be a 1-D array"),
    (lambda arrays: arrays.update(val=arrays["val"].astype(float)), "'val' must be a 1-D array of integer ids"),
    (lambda arrays: arrays.update(val=arrays["val"] + 1000), "'val' holds ids outside the vocabulary (0 to "),
    (lambda arrays: arrays.update(train=-arrays["train"]), "'train' holds ids outside"),
])
def test_tampered_splits_are_refused(tabla, change, fragment):
    edit_npz(tabla / "splits.npz", change)
    with pytest.raises(BundleError, match="splits.npz") as caught:
        bundles.read_splits(tabla)  # what resume reads
    assert fragment in str(caught.value)
    with pytest.raises(BundleError):
        seqgen.load(tabla).bundle.splits()  # what evaluation reads


def test_truncated_splits_are_refused(tabla):
    data = (tabla / "splits.npz").read_bytes()
    (tabla / "splits.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(BundleError, match="corrupt array file"):
        bundles.read_splits(tabla)


@pytest.mark.parametrize("damage, fragment", [
    (lambda bundle: edit_config(bundle, lambda config: config["model"].update(cell="bogus")), "unknown cell"),
    (lambda bundle: edit_config(bundle, lambda config: config["model"].update(gate_activation="relu")),
     "unknown gate activation"),
    (lambda bundle: (bundle / "config.json").write_text("{" * 50_000), "config.json"),
    (lambda bundle: edit_npz(bundle / "weights.npz", lambda arrays: arrays.update(
        {"rnn1/kernel": arrays["rnn1/kernel"][:, :8]})), "'rnn1/kernel' has shape (32, 8)"),
    (lambda bundle: edit_npz(bundle / "weights.npz", lambda arrays: arrays.pop("rnn1/bias")), "missing arrays"),
])
def test_the_cli_refuses_a_damaged_bundle_with_one_line(tabla, damage, fragment):
    damage(tabla)
    assert_clean_error(invoke("sample", "--model", tabla, "--taal", "teentaal", "--cycles", "1"), fragment)


def test_the_cli_refuses_a_damaged_lyrics_bundle(japanese):
    edit_npz(japanese / "weights.npz", lambda arrays: arrays.update(embedding=arrays["embedding"].astype("U1")))
    assert_clean_error(invoke("lyrics", "--model", japanese), "weights.npz", "expected floats")


def test_bundle_errors_are_seqgen_errors():
    assert issubclass(BundleError, SeqgenError)


def test_resume_refuses_a_config_with_extra_training_keys_in_one_line(tabla):
    edit_config(tabla, lambda config: config["training"].update(old_setting=1))
    result = invoke("train", "tabla", ROOT / "corpora" / "teentaal.txt", "--out", tabla, "--resume", "--epochs", "31", "--quiet")
    assert_clean_error(result, "config.json", "'training'", "unknown settings: 'old_setting'")
