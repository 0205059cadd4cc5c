"""Every way a file, a filesystem, stdout or the command line can go wrong ends in one line
``seqgen: error: ...`` and exit code 2, never a traceback or a hang (issue 14, parts J, K and L).

Pipes, devices and a full disk are real: subprocesses with timeouts, so a regression hangs a
test for seconds, not CI forever.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys

import pytest

from cli_helpers import assert_clean_error, invoke, run_seqgen, runner
from conftest import GOLDEN, ROOT
from seqgen.cli import app
from seqgen.corpus import MAX_FILE_BYTES

THEKA = "Dha Dhin Dhin Dha | Dha Dhin Dhin Dha | Dha Tin Tin Ta | Ta Dhin Dhin Dha ||\n"
TABLA_MODEL = ROOT / "seqgen" / "pretrained" / "tabla"
LONG_NAME = "n" * 300  # past NAME_MAX (255) on every common filesystem
TIMEOUT = 120  # generous: only a hang should reach it


def run_with_stdout(stdout, *args: str, **kwargs) -> subprocess.CompletedProcess:
    """Like ``run_seqgen``, with stdout sent to a given file or descriptor."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", "seqgen.cli", *map(str, args)], stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=TIMEOUT, env=env, cwd=ROOT, **kwargs)


@pytest.fixture
def theka(tmp_path):
    path = tmp_path / "theka.txt"
    path.write_text(f"# taal: teentaal\n{THEKA}")
    return path


# --- K: pipes and devices are refused before they are read ------------------------------------

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")


@needs_fifo
@pytest.mark.parametrize("command", [["check"], ["format"], ["tokenize", "tabla"], ["tokenize", "japanese"]])
def test_a_named_pipe_is_refused_not_waited_on(tmp_path, command):
    fifo = tmp_path / "f.txt"
    os.mkfifo(fifo)
    assert_clean_error(run_seqgen(*command, fifo, timeout=TIMEOUT), str(fifo), "named pipe", "not a regular file")


@needs_fifo
def test_a_named_pipe_inside_a_corpus_folder_is_named_not_skipped(tmp_path, theka):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text(theka.read_text())
    os.mkfifo(folder / "b.txt")
    assert_clean_error(run_seqgen("tokenize", "tabla", folder, timeout=TIMEOUT), str(folder / "b.txt"), "named pipe")


@needs_fifo
def test_train_refuses_a_named_pipe_as_corpus(tmp_path):
    fifo = tmp_path / "corpus.txt"
    os.mkfifo(fifo)
    result = run_seqgen("train", "tabla", fifo, "--out", tmp_path / "model", timeout=TIMEOUT)
    assert_clean_error(result, "named pipe")
    assert not (tmp_path / "model").exists()


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
@pytest.mark.parametrize("command", [["check"], ["format"], ["tokenize", "japanese"],
                                     ["evaluate", TABLA_MODEL]])
def test_an_endless_device_is_refused(command):
    assert_clean_error(run_seqgen(*command, "/dev/zero", timeout=TIMEOUT), "/dev/zero", "character device")


def test_a_corpus_file_over_the_size_cap_is_refused_unread(tmp_path):
    huge = tmp_path / "huge.txt"
    with huge.open("wb") as file:
        file.truncate(MAX_FILE_BYTES + 1)  # sparse: takes no disk space
    assert_clean_error(invoke("check", huge), str(huge), "file too large", "1 GiB")
    assert_clean_error(invoke("tokenize", "tabla", tmp_path), "file too large")


# --- J: filesystem errors on the reading side ----------------------------------------------------

def test_a_folder_where_a_file_is_expected(tmp_path):
    assert_clean_error(invoke("check", tmp_path), str(tmp_path), "is a folder, expected a file")
    assert_clean_error(invoke("format", tmp_path), "is a folder")


def test_a_path_under_a_file(theka):
    below = theka / "more.txt"
    for command in (["check"], ["format"], ["tokenize", "tabla"]):
        assert_clean_error(invoke(*command, below), str(below), "is a file, not a folder")
    assert_clean_error(invoke("evaluate", TABLA_MODEL, below), str(below), "is a file, not a folder")


def test_over_long_names(tmp_path):
    long_path = tmp_path / LONG_NAME
    for command in (["check"], ["format"], ["tokenize", "tabla"]):
        assert_clean_error(invoke(*command, long_path), "file name too long", "(", "characters)")
    # the bundle path reaches the safety net in the CLI, which names the path and the reason
    assert_clean_error(invoke("sample", "--model", long_path), "file name too long")
    assert_clean_error(invoke("evaluate", long_path), "file name too long")


def unreadable_file(folder):
    """A ``.txt`` entry in ``folder`` that this user cannot read. chmod 000 stops ordinary users;
    root reads through file modes, so as root link to a kernel file that is write-only for root too."""
    if os.geteuid() != 0:
        locked = folder / "locked.txt"
        locked.write_text(THEKA)
        locked.chmod(0)
        return locked
    for target in ("/proc/sys/vm/drop_caches", "/proc/sys/vm/compact_memory"):
        try:
            with open(target, "rb"):
                continue  # readable after all
        except PermissionError:
            link = folder / "locked.txt"
            link.symlink_to(target)
            return link
        except OSError:
            continue
    pytest.skip("running as root, and no file here that root cannot read")


def test_an_unreadable_file_inside_a_corpus_folder(tmp_path, theka):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text(theka.read_text())
    locked = unreadable_file(folder)
    assert_clean_error(invoke("tokenize", "tabla", folder), str(locked), "permission denied")
    # a single file: typer's own check of path arguments gets there first, in one line too
    result = invoke("check", locked)
    assert_clean_error(result, str(locked))
    assert "permission denied" in result.stderr or "not readable" in result.stderr


# --- J: the output side --------------------------------------------------------------------------

@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full here")
@pytest.mark.parametrize("command", [["taals"], ["format", GOLDEN / "tabla_input.txt"], ["taals", "--help"]])
def test_a_full_disk_on_stdout_is_one_line(command):
    with open("/dev/full", "w") as full:
        result = run_with_stdout(full, *command)
    assert_clean_error(result, "cannot write output", "No space left on device")


def test_a_closed_pipe_on_stdout_ends_quietly():
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will ever read: the first write fails with EPIPE, as after `| head`
    try:
        result = run_with_stdout(write_end, "format", GOLDEN / "tabla_input.txt")
    finally:
        os.close(write_end)
    assert result.returncode == 141  # as a shell reports a command ended by SIGPIPE
    assert result.stderr == ""


@pytest.mark.skipif(sys.platform != "linux", reason="address-space limits as on Linux")
def test_running_out_of_memory_is_one_line(tmp_path):
    import resource

    big = tmp_path / "big.txt"
    with big.open("wb") as file:
        file.truncate(900 << 20)  # under the size cap, over the memory the process may use

    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (800 << 20, 800 << 20))

    result = run_with_stdout(subprocess.PIPE, "check", big, preexec_fn=limit_memory)
    assert_clean_error(result, "out of memory")


# --- L: option values ----------------------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["rot13", "base64", "zlib", "klingon"])
@pytest.mark.parametrize("command", [["check", "{file}"], ["format", "{file}"], ["tokenize", "tabla", "{file}"],
                                     ["train", "tabla", "{file}"], ["evaluate", TABLA_MODEL, "{file}"]])
def test_only_text_encodings_are_accepted(theka, tmp_path, command, encoding):
    args = [str(theka) if arg == "{file}" else arg for arg in command]
    result = invoke(*args, "--out", tmp_path / "model", "--encoding", encoding) if command[0] == "train" \
        else invoke(*args, "--encoding", encoding)
    assert_clean_error(result, "--encoding", repr(encoding))
    assert not (tmp_path / "model").exists()


def test_a_real_encoding_other_than_utf8_still_works(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(f"# title: café\n# taal: teentaal\n{THEKA}".encode("latin-1"))
    result = invoke("check", path, "--encoding", "latin-1")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("order", ["100000", "11", "0", "-3"])
def test_evaluate_order_is_bounded(order):
    assert_clean_error(invoke("evaluate", TABLA_MODEL, "--order", order), "order", "1 to 10", order)


# --- L: typer's usage errors become one line -----------------------------------------------------

@pytest.mark.parametrize("args, fragments", [
    (["sample", "--cycles", "abc"], ["'--cycles'", "see 'seqgen sample --help'"]),
    (["check"], ["missing argument", "see 'seqgen check --help'"]),
    (["check", "x.txt", "--bogus"], ["no such option: --bogus"]),
    (["evaluate", TABLA_MODEL, "--order", "2.5"], ["'--order'"]),
    (["lyrics", "--top-p"], ["--top-p", "requires an argument"]),
    (["tabla-compose"], ["no such command 'tabla-compose'", "see 'seqgen --help'"]),
])
def test_usage_errors_are_one_line(args, fragments):
    result = invoke(*args)
    assert_clean_error(result, *fragments)
    assert result.stderr.count("\n") == 1 and "╭" not in result.stderr and "Usage:" not in result.stderr


def test_usage_error_in_a_real_shell():
    result = run_seqgen("sample", "--cycles", "abc", timeout=TIMEOUT)
    assert_clean_error(result, "'--cycles'")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize("command", [[], ["taals"], ["check"], ["train"], ["sample"], ["lyrics"], ["evaluate"]])
def test_help_still_prints_and_exits_0(command):
    result = invoke(*command, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout and result.stderr == ""


def test_bare_seqgen_prints_help():
    result = invoke()
    assert "Usage:" in result.output and "seqgen: error" not in result.output


# --- small things: train --help shows every default, per domain, from the code -------------------

TRAIN_SETTINGS = ("epochs", "batch_size", "seq_length", "stride", "rnn_size", "embedding_dim", "layers", "cell",
                  "gate_activation", "dropout", "optimizer", "learning_rate", "lr_decay", "grad_clip", "patience",
                  "keep_checkpoints", "vocab_size", "val_frac", "test_frac", "seed", "strategy")


def wide_help(*command: str) -> str:
    result = runner.invoke(app, [*command, "--help"], prog_name="seqgen", env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return result.stdout


def test_train_help_shows_each_default():
    text = wide_help("train")
    for name in TRAIN_SETTINGS:
        line = next(line for line in text.splitlines() if f"--{name.replace('_', '-')} " in line)
        assert "[default: " in line, line
    assert "[default: 40]" in text  # epochs
    assert "[default: tabla 64, japanese 128, " in text  # embedding_dim differs by domain (more domains follow)


@pytest.mark.parametrize("command", ["taals", "check", "format", "tokenize", "train", "evaluate", "sample", "lyrics",
                                     "compare"])
def test_no_help_text_has_a_stray_space(command):
    # a "[...]" typed into help is read as a Rich style tag and vanishes, leaving "text ."
    text = wide_help(command)
    assert not re.search(r"\s[.,;:](\s|$)", text, re.MULTILINE), "a space before punctuation"


def test_help_defaults_are_the_code_defaults():
    """The help reads the settings' source; it must agree with the dataclasses and DOMAIN_DEFAULTS."""
    from seqgen.api import DOMAIN_DEFAULTS
    from seqgen.data import DataConfig
    from seqgen.help_defaults import domain_defaults
    from seqgen.model import ModelConfig
    from seqgen.training import TrainConfig

    code = {}
    for config in (ModelConfig, TrainConfig, DataConfig):
        code.update({field.name: field.default for field in dataclasses.fields(config)
                     if field.default is not dataclasses.MISSING})
    read = domain_defaults()
    assert set(read) == set(DOMAIN_DEFAULTS)
    for domain, overrides in DOMAIN_DEFAULTS.items():
        assert read[domain] == {**code, **overrides}
    assert set(TRAIN_SETTINGS) <= set(read["tabla"])
