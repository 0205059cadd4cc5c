"""Bad input, interrupted and failing training, damaged bundles: clear one-line errors, nothing lost."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import seqgen.api as api
from seqgen.pretrained import pretrained_path

from cli_helpers import assert_clean_error, invoke
from conftest import ROOT

CORPUS = ROOT / "corpora" / "rupak.txt"
FLAGS = ["--rnn-size", "16", "--embedding-dim", "8", "--seq-length", "16", "--batch-size", "8",
         "--val-frac", "0.1", "--seed", "5", "--patience", "0"]


def start_training(out, epochs):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.Popen([sys.executable, "-m", "seqgen.cli", "train", "tabla", str(CORPUS), "--out", str(out),
                             "--epochs", str(epochs), *FLAGS], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def wait_for_checkpoint(out, epoch, process, timeout=240):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if any(path.name.startswith(f"epoch{epoch:03d}-") for path in (out / "checkpoints").glob("*.keras")):
            return
        assert process.poll() is None, process.communicate()
        time.sleep(0.05)
    raise AssertionError("no checkpoint in time")


def final_loss(out):
    rows = (out / "history.csv").read_text().splitlines()
    return float(rows[-1].split(",")[1]), len(rows) - 1


def test_kill_9_leaves_a_loadable_bundle_and_resume_matches_an_uninterrupted_run(tmp_path):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    assert invoke("train", "tabla", CORPUS, "--out", whole, "--epochs", "6", *FLAGS, "--quiet").exit_code == 0
    process = start_training(killed, 6)
    wait_for_checkpoint(killed, 2, process)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert api.load(killed).compositions(taal="rupak", cycles=1, seed=1)  # the bundle is intact
    result = invoke("train", "tabla", CORPUS, "--out", killed, "--resume", "--epochs", "6", "--quiet")
    assert result.exit_code == 0, result.output
    (loss_whole, epochs_whole), (loss_resumed, epochs_resumed) = final_loss(whole), final_loss(killed)
    assert epochs_whole == epochs_resumed == 6
    assert loss_resumed == pytest.approx(loss_whole, rel=0.02)


@pytest.mark.parametrize("signal_number", [signal.SIGINT, signal.SIGTERM])
def test_signal_saves_a_checkpoint_and_exits_cleanly(tmp_path, signal_number):
    out = tmp_path / "interrupted"
    process = start_training(out, 200)
    wait_for_checkpoint(out, 1, process)
    process.send_signal(signal_number)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "interrupted" in stderr and "--resume" in stderr
    assert (out / "weights.npz").exists() and (out / "history.csv").exists()
    done = len((out / "history.csv").read_text().splitlines()) - 1
    resumed = invoke("train", "tabla", CORPUS, "--out", out, "--resume", "--epochs", str(done + 1), "--quiet")
    assert resumed.exit_code == 0, resumed.output


def test_nan_loss_stops_with_a_clear_message(tmp_path):
    result = invoke("train", "tabla", CORPUS, "--out", tmp_path / "nan", "--epochs", "3", *FLAGS,
                    "--learning-rate", "1e38", "--grad-clip", "0", "--quiet")
    assert_clean_error(result, "NaN")


@pytest.fixture
def bundle_copy(tmp_path):
    target = tmp_path / "bundle"
    shutil.copytree(pretrained_path("tabla"), target)
    return target


def sample_error(bundle, *fragments):
    assert_clean_error(invoke("sample", "--model", bundle, "--cycles", "1"), *fragments)


def test_missing_part_of_a_bundle(bundle_copy):
    (bundle_copy / "vocab.json").unlink()
    sample_error(bundle_copy, "partial bundle", "vocab.json")


def test_truncated_config(bundle_copy):
    path = bundle_copy / "config.json"
    path.write_text(path.read_text()[:40])
    sample_error(bundle_copy, "config.json", "corrupt JSON")


def edit_config(bundle, **changes):
    path = bundle / "config.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def test_config_of_the_wrong_shape(bundle_copy):
    edit_config(bundle_copy, model="lstm")
    sample_error(bundle_copy, "'model' is missing or not a dict")


def test_newer_format_version(bundle_copy):
    edit_config(bundle_copy, format_version=99)
    sample_error(bundle_copy, "format 99 is newer", "upgrade seqgen")


def test_corrupt_weights(bundle_copy):
    path = bundle_copy / "weights.npz"
    path.write_bytes(path.read_bytes()[:1000])
    sample_error(bundle_copy, "weights.npz", "corrupt")


def test_vocabulary_and_model_disagree(bundle_copy):
    path = bundle_copy / "vocab.json"
    tokens = json.loads(path.read_text())["tokens"]
    path.write_text(json.dumps({"tokens": tokens + ["Extra"]}))
    sample_error(bundle_copy, "do not agree")


def test_tampered_vocabulary(bundle_copy):
    (bundle_copy / "vocab.json").write_text('{"tokens": ["a", "a"]}')
    sample_error(bundle_copy, "vocab.json")


def test_corrupt_keras_file_gives_a_clear_error(tmp_path):
    from seqgen.bundle import BundleError, load_keras_model

    path = tmp_path / "model.keras"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(BundleError, match="corrupt or unreadable model file"):
        load_keras_model(path)


def test_prime_the_vocabulary_cannot_express():
    bundle = pretrained_path("japanese")
    assert_clean_error(invoke("lyrics", "--model", bundle, "--prime", "量子力学"), "does not know")
    result = invoke("lyrics", "--model", bundle, "--prime", "量子力学", "--allow-unknown", "--seed", "1")
    assert result.exit_code == 0, result.output
    assert "seqgen: warning:" in result.stderr and "<unk>" in result.stderr


def test_shift_jis_corpus_suggests_encoding_then_trains(tmp_path):
    corpus = tmp_path / "sjis.txt"
    corpus.write_bytes(("春の風\n花が咲く\n\n夏の空\n" * 3).encode("cp932"))
    assert_clean_error(invoke("tokenize", "japanese", corpus), "--encoding cp932")
    assert invoke("tokenize", "japanese", corpus, "--encoding", "cp932").exit_code == 0


def test_binary_corpus_and_missing_folder(tmp_path):
    binary = tmp_path / "weights.bin"
    binary.write_bytes(np.arange(100, dtype=np.int64).tobytes())
    assert_clean_error(invoke("train", "tabla", binary, "--out", tmp_path / "m"), "binary")
    assert not (tmp_path / "m").exists()
    assert_clean_error(invoke("train", "japanese", tmp_path / "no-such-folder"), "no such file or folder")


def test_bad_corpus_with_force_keeps_the_old_bundle(bundle_copy, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("# taal: teentaal\nDha Dhq ||\n")
    assert_clean_error(invoke("train", "tabla", bad, "--out", bundle_copy, "--force"), "unknown bol 'Dhq'", ":2:5")
    assert (bundle_copy / "weights.npz").exists()


@pytest.mark.parametrize("option, value, fragment", [
    ("--epochs", "0", "epochs"), ("--batch-size", "-3", "batch_size"), ("--rnn-size", "-1", "rnn_size"),
    ("--val-frac", "1.5", "val_frac"), ("--dropout", "1", "dropout"), ("--cell", "lstm2", "unknown cell"),
    ("--tokenizer", "mecab", "unknown tokenizer"), ("--strategy", "tpu", "unknown strategy"),
])
def test_out_of_range_training_options(tmp_path, option, value, fragment):
    assert_clean_error(invoke("train", "tabla", CORPUS, "--out", tmp_path / "m", option, value), fragment)
    assert not (tmp_path / "m").exists()


def test_unknown_domain_for_train(tmp_path):
    assert_clean_error(invoke("train", "haiku", CORPUS), "unknown domain", "tabla, japanese")


def test_training_refuses_broken_cycles_with_their_location(tmp_path):
    corpus = tmp_path / "broken.txt"
    theka = "Dha Dhin Dhin Dha | Dha Dhin Dhin Dha | Dha Tin Tin Ta | Ta Dhin Dhin Dha ||"
    corpus.write_text(f"# taal: teentaal\n{theka}\n{theka[:-8]} ||\n")
    result = invoke("train", "tabla", corpus, "--out", tmp_path / "m")
    assert_clean_error(result, f"{corpus}:3:1", "has 15 matras", "seqgen check")
    assert not (tmp_path / "m").exists()
