"""The output folder of `seqgen train`: --force never deletes what seqgen did not write, a failed run
never damages an existing bundle, one run per folder, only complete epochs are recorded, stale
temporary files are cleaned, and bad arguments are refused before anything is written."""

import hashlib
import json
import math
import os
import signal
import subprocess
import sys
import time

import pytest

import seqgen
import seqgen.api as api
from seqgen import output_folder
from seqgen.errors import SeqgenError

from cli_helpers import assert_clean_error, invoke
from conftest import ROOT

CORPUS = ROOT / "corpora" / "rupak.txt"
BIG_CORPUS = ROOT / "corpora" / "teentaal.txt"
SMALL = ["--rnn-size", "16", "--embedding-dim", "8", "--seq-length", "16", "--batch-size", "8", "--epochs", "1",
         "--quiet"]
SMALL_SETTINGS = dict(rnn_size=16, embedding_dim=8, seq_length=16, batch_size=8, epochs=1, verbose="quiet")


def snapshot(folder):
    """Every file under ``folder`` with its SHA-256: equal snapshots mean nothing changed."""
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A real small bundle, built once; tests copy it before changing anything."""
    out = tmp_path_factory.mktemp("trained") / "bundle"
    assert invoke("train", "tabla", CORPUS, "--out", out, *SMALL, "--epochs", "2").exit_code == 0
    return out


@pytest.fixture
def bundle_copy(trained, tmp_path):
    import shutil

    copy = tmp_path / "bundle"
    shutil.copytree(trained, copy)
    return copy


# ---------------------------------------------------------------------------------- A: --force

def test_force_refuses_a_folder_that_only_looks_like_a_bundle(tmp_path):
    # the sweep's repro: any folder with a config.json used to be deleted whole
    folder = tmp_path / "x"
    (folder / "sub").mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    (folder / "notes.txt").write_text("hi")
    (folder / ".git").mkdir()
    before = snapshot(folder)
    result = invoke("train", "tabla", CORPUS, "--out", folder, "--force", *SMALL)
    assert_clean_error(result, "config.json", "did not write")
    assert snapshot(folder) == before and (folder / "sub").is_dir() and (folder / ".git").is_dir()


def test_force_replaces_only_seqgen_files_and_keeps_the_users(bundle_copy):
    (bundle_copy / "notes.txt").write_text("my notes")
    (bundle_copy / "samples").mkdir()
    (bundle_copy / "samples" / "take1.txt").write_text("Dha Dhin")
    (bundle_copy / "checkpoints" / "my-own.txt").write_text("mine")
    old_checkpoints = {path.name for path in (bundle_copy / "checkpoints").glob("epoch*.keras")}
    result = invoke("train", "tabla", CORPUS, "--out", bundle_copy, "--force", *SMALL, "--seed", "99")
    assert result.exit_code == 0, result.output
    assert (bundle_copy / "notes.txt").read_text() == "my notes"
    assert (bundle_copy / "samples" / "take1.txt").read_text() == "Dha Dhin"
    assert (bundle_copy / "checkpoints" / "my-own.txt").read_text() == "mine"
    assert json.loads((bundle_copy / "config.json").read_text())["seed"] == 99
    now = {path.name for path in (bundle_copy / "checkpoints").glob("epoch*.keras")}
    assert now == {"epoch001-" + name.split("-", 1)[1] for name in now}  # one epoch: only its checkpoint
    assert not (old_checkpoints - now) & {path.name for path in (bundle_copy / "checkpoints").iterdir()}
    listed = json.loads((bundle_copy / "manifest.json").read_text())["files"]
    assert "notes.txt" not in listed and "checkpoints/my-own.txt" not in listed
    assert not list(bundle_copy.parent.glob(".bundle.seqgen-*"))  # no staging, backup or lock left
    seqgen.load(bundle_copy).compositions(taal="rupak", cycles=1, seed=1)


def test_force_adds_a_bundle_beside_unrelated_files(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "notes.txt").write_text("keep me")
    assert_clean_error(invoke("train", "tabla", CORPUS, "--out", folder, *SMALL), "not empty")
    assert invoke("train", "tabla", CORPUS, "--out", folder, "--force", *SMALL).exit_code == 0
    assert (folder / "notes.txt").read_text() == "keep me" and (folder / "weights.npz").is_file()


# ---------------------------------------------------------------------------------- B: failed --force

@pytest.mark.parametrize("flags, fragment", [
    (["--learning-rate", "1e38", "--grad-clip", "0"], "NaN"),     # fails while training
    (["--learning-rate", "inf"], "learning_rate"),                # refused before training
    (["--rnn-size", "99999999999999999999"], "rnn_size"),         # refused before training
])
def test_a_failing_force_run_leaves_the_old_bundle_untouched(bundle_copy, flags, fragment):
    before = snapshot(bundle_copy)
    result = invoke("train", "tabla", CORPUS, "--out", bundle_copy, "--force", *SMALL, *flags)
    assert_clean_error(result, fragment)
    if fragment == "NaN":
        assert "unchanged" in result.stderr and "last good checkpoint is kept" not in result.stderr
    assert snapshot(bundle_copy) == before
    assert not list(bundle_copy.parent.glob(".bundle.seqgen-*"))


def test_a_failed_new_run_leaves_no_partial_bundle(tmp_path):
    out = tmp_path / "new"
    result = invoke("train", "tabla", CORPUS, "--out", out, *SMALL, "--learning-rate", "1e38", "--grad-clip", "0")
    assert_clean_error(result, "NaN", "nothing is kept")
    assert not out.exists()


def test_an_interrupted_swap_is_rolled_back_by_the_next_run(bundle_copy):
    before = snapshot(bundle_copy)
    # what kill -9 leaves half-way through a swap: old files moved aside, some new ones moved in
    backup = bundle_copy.parent / f".bundle.seqgen-old-{os.getpid() + 1}"
    for name in ("manifest.json", "config.json", "weights.npz"):
        (backup / name).parent.mkdir(parents=True, exist_ok=True)
        os.replace(bundle_copy / name, backup / name)
    (bundle_copy / "weights.npz").write_bytes(b"new, half-swapped")
    staging = bundle_copy.parent / f".bundle.seqgen-new-{os.getpid() + 1}"
    staging.mkdir()
    (staging / "model.keras").write_bytes(b"new")
    with output_folder.claim(bundle_copy, resume=True, force=False) as claim:
        assert claim.mode == "resume"
        claim.commit()
    assert snapshot(bundle_copy) == before
    assert not backup.exists() and not staging.exists()


# ---------------------------------------------------------------------------------- G: one run at a time

def test_a_second_run_on_a_locked_folder_is_refused(bundle_copy):
    with output_folder.locked(bundle_copy):
        for flags in (["--resume", "--epochs", "3"], ["--force", *SMALL]):
            result = invoke("train", "tabla", CORPUS, "--out", bundle_copy, *flags)
            assert_clean_error(result, "in use by another seqgen run")
    assert not (bundle_copy.parent / ".bundle.seqgen-lock").exists()  # released and removed


def test_concurrent_runs_in_two_processes(tmp_path):
    out = tmp_path / "busy"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    first = subprocess.Popen([sys.executable, "-m", "seqgen.cli", "train", "tabla", str(BIG_CORPUS), "--out", str(out),
                              *SMALL[:-3], "--epochs", "50", "--quiet"], env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while not (out / "config.json").exists():
            assert first.poll() is None and time.time() < deadline, first.communicate()
            time.sleep(0.05)
        for flags in (["--resume", "--epochs", "60"], ["--force", *SMALL]):
            assert_clean_error(invoke("train", "tabla", CORPUS, "--out", out, *flags), "in use")
        assert first.poll() is None  # the first run goes on untouched
    finally:
        first.send_signal(signal.SIGINT)
        first.communicate(timeout=120)


# ---------------------------------------------------------------------------------- H: partial epochs

class _FakeModel:
    stop_training = False


def test_an_epoch_cut_short_is_not_recorded():
    from seqgen.training import EpochReport

    saved, improved, rows = [], [], []

    class Checkpoints:
        def save(self, model, epoch, val_loss):
            saved.append(epoch)

    report = EpochReport(Checkpoints(), improved.append, patience=0, best=math.inf, history=rows, echo=None)
    report.set_model(_FakeModel())
    report.steps_per_epoch = 100
    report.on_epoch_begin(3)
    for step in (7, 15, 23):  # steps_per_execution 8: three executions, then an interrupt
        report.on_train_batch_end(step, {"loss": 1.0})
    report.on_epoch_end(3, {"loss": 1.0, "val_loss": 1.0})
    assert saved == [] and rows == [] and improved == [] and report.stop_reason == "partial"


def test_sigint_in_the_middle_of_an_epoch_keeps_only_complete_epochs(tmp_path):
    out = tmp_path / "interrupted"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    process = subprocess.Popen([sys.executable, "-m", "seqgen.cli", "train", "tabla", str(BIG_CORPUS), "--out",
                                str(out), *SMALL[:-3], "--epochs", "50", "--val-frac", "0.05"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 240
    while not list((out / "checkpoints").glob("epoch001-*.keras")):
        assert process.poll() is None and time.time() < deadline, process.communicate()
        time.sleep(0.02)
    time.sleep(0.3)  # well inside epoch 2 (an epoch of this corpus takes seconds)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130 and "Traceback" not in stderr, stderr
    rows = (out / "history.csv").read_text().splitlines()[1:]
    epochs = sorted(int(path.name[5:8]) for path in (out / "checkpoints").glob("epoch*.keras"))
    assert [int(row.split(",")[0]) for row in rows] == list(range(1, len(rows) + 1))
    assert epochs[-1] == len(rows)  # no row, and no checkpoint, for the epoch that was cut short
    if "cut short" in stderr:
        assert f"after epoch {len(rows)}" in stderr


# ---------------------------------------------------------------------------------- I: temporary files

def test_stale_temporary_files_are_removed_when_a_run_resumes(bundle_copy):
    stale = [bundle_copy / ".config.json.abc123.tmp", bundle_copy / ".model.4242.tmp.keras",
             bundle_copy / "checkpoints" / ".epoch003-val1.0000.4242.tmp.keras"]
    for path in stale:
        path.write_bytes(b"half-written")
    (bundle_copy / "notes.tmp").write_text("not ours: no leading dot")
    result = invoke("train", "tabla", CORPUS, "--out", bundle_copy, "--resume", "--epochs", "3", "--quiet")
    assert result.exit_code == 0, result.output
    assert not any(path.exists() for path in stale)
    assert (bundle_copy / "notes.tmp").exists()


# ---------------------------------------------------------------------------------- J: paths

def test_out_under_a_file_or_a_symlink_or_too_long_is_refused(tmp_path, bundle_copy):
    a_file = tmp_path / "plain.txt"
    a_file.write_text("x")
    assert_clean_error(invoke("train", "tabla", CORPUS, "--out", a_file / "model", *SMALL), "model")
    assert_clean_error(invoke("train", "tabla", CORPUS, "--out", a_file, "--force", *SMALL), "is a file")
    link = tmp_path / "link"
    link.symlink_to(bundle_copy)
    before = snapshot(bundle_copy)
    assert_clean_error(invoke("train", "tabla", CORPUS, "--out", link, "--force", *SMALL), "symbolic link")
    assert snapshot(bundle_copy) == before
    assert_clean_error(invoke("train", "tabla", CORPUS, "--out", tmp_path / ("n" * 300), *SMALL), "too long")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_out_under_a_read_only_folder_is_refused(tmp_path):
    locked_dir = tmp_path / "ro"
    locked_dir.mkdir()
    locked_dir.chmod(0o555)
    try:
        assert_clean_error(invoke("train", "tabla", CORPUS, "--out", locked_dir / "m", *SMALL), "not writable")
    finally:
        locked_dir.chmod(0o755)


# ---------------------------------------------------------------------------------- L and M: arguments

@pytest.mark.parametrize("kwargs, fragment", [
    (dict(domain=None), "domain"),
    (dict(epochs="1"), "epochs"),
    (dict(epochs=1.5), "epochs"),
    (dict(epochs=True), "epochs"),
    (dict(seed=-1), "seed"),
    (dict(grad_clip=math.nan), "grad_clip"),
    (dict(learning_rate=math.inf), "learning_rate"),
    (dict(corpus=42), "corpus"),
    (dict(verbose="loud"), "verbose"),
])
def test_api_arguments_are_checked_before_anything_is_written(tmp_path, kwargs, fragment):
    out = tmp_path / "never"
    arguments = {"domain": "tabla", "corpus": CORPUS, **SMALL_SETTINGS, **kwargs}
    with pytest.raises(SeqgenError, match=fragment):
        api.train(arguments.pop("domain"), arguments.pop("corpus"), out, **arguments)
    assert not out.exists()


@pytest.mark.parametrize("flags, fragment", [(["--seed", "-1"], "seed"), (["--grad-clip", "nan"], "grad_clip")])
def test_cli_refuses_values_that_cannot_train(tmp_path, flags, fragment):
    out = tmp_path / "never"
    assert_clean_error(invoke("train", "tabla", CORPUS, "--out", out, *SMALL, *flags), fragment)
    assert not out.exists()


def test_resume_accepts_the_original_flags_and_refuses_changed_ones(bundle_copy):
    repeated = invoke("train", "tabla", CORPUS, "--out", bundle_copy, "--resume", *SMALL[:-3], "--epochs", "3",
                      "--quiet")
    assert repeated.exit_code == 0, repeated.output
    assert_clean_error(invoke("train", "tabla", CORPUS, "--out", bundle_copy, "--resume", "--rnn-size", "32"),
                       "rnn_size")


def test_resume_from_a_checkpoint_of_another_network_is_refused(bundle_copy, tmp_path):
    other = tmp_path / "other"
    assert invoke("train", "tabla", CORPUS, "--out", other, *SMALL, "--rnn-size", "12").exit_code == 0
    [foreign] = (other / "checkpoints").glob("epoch*.keras")
    for own in (bundle_copy / "checkpoints").glob("epoch*.keras"):
        own.unlink()
    (foreign).rename(bundle_copy / "checkpoints" / foreign.name)
    result = invoke("train", "tabla", CORPUS, "--out", bundle_copy, "--resume", "--epochs", "3", "--quiet")
    assert_clean_error(result, "different network")


# ---------------------------------------------------------------------------------- small things

def test_the_shipped_models_are_reachable_from_python():
    assert seqgen.load("pretrained:japanese").domain == "japanese"
    assert seqgen.load_pretrained("tabla").compositions(taal="teentaal", cycles=1, seed=3)
    with pytest.raises(SeqgenError, match="domain"):
        seqgen.load_pretrained("klingon")


def test_a_bundle_records_its_corpus_by_name_not_by_path(trained):
    corpus = json.loads((trained / "config.json").read_text())["corpus"]
    assert corpus["name"] == "rupak.txt" and "path" not in corpus and len(corpus["sha256"]) == 64


@pytest.mark.parametrize("domain", ["tabla", "japanese"])
def test_the_shipped_bundles_record_no_builders_path(domain):
    from seqgen.pretrained import pretrained_path

    config = json.loads((pretrained_path(domain) / "config.json").read_text())
    corpus = config["corpus"]
    assert "path" not in corpus and "/" not in corpus["name"] and "\\" not in corpus["name"]
    assert "/root" not in json.dumps(config) and "/home" not in json.dumps(config)
