"""Crafted words (issue 14 E) through every command that reads notation: one clear line, never a
RecursionError, and a 10 MB word refused quickly in bounded memory."""

import subprocess
import sys
from pathlib import Path

import pytest

from cli_helpers import assert_clean_error, invoke

LONG_LINE = "dha" * 490  # 1.5 KB, once a RecursionError


@pytest.fixture
def long_line(tmp_path):
    path = tmp_path / "long.txt"
    path.write_text(f"# taal: teentaal\n{LONG_LINE}\n")
    return path


def test_check_reports_the_long_word_as_one_problem(long_line):
    result = invoke("check", long_line)
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        f"{long_line}:2:1: word of 1470 characters ('dhadhadhadhadhadhadh...') is too long for one matra "
        "(at most 200 characters, 20 strokes)"]


@pytest.mark.parametrize("command", [["format"], ["tokenize", "tabla"], ["train", "tabla"]])
def test_format_tokenize_and_train_refuse_the_long_word_in_one_line(long_line, tmp_path, command):
    extra = ["--out", str(tmp_path / "model")] if command[0] == "train" else []
    result = invoke(*command, long_line, *extra)
    assert_clean_error(result, f"{long_line}:2:1: word of 1470 characters")
    assert result.stdout == "" and not (tmp_path / "model").exists()


# Runs the CLI and reports its own peak resident memory in kB on stderr's last line (VmHWM belongs
# to this program alone; ru_maxrss would start from the forking test process's peak).
_MEASURED_CLI = """
import re, sys
from pathlib import Path
from seqgen.cli import main
sys.argv = ["seqgen"] + sys.argv[1:]
try:
    main()
finally:
    print(re.search(r"VmHWM:\\s*(\\d+)", Path("/proc/self/status").read_text()).group(1), file=sys.stderr)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_format_refuses_a_10_mb_word_quickly_in_bounded_memory(tmp_path):
    path = tmp_path / "huge.txt"
    path.write_text("Dha " + "tirkit" * 1_700_000 + " ||\n")
    result = subprocess.run([sys.executable, "-c", _MEASURED_CLI, "format", str(path)], capture_output=True,
                            text=True, timeout=120)
    *messages, peak_kb = result.stderr.splitlines()
    assert result.returncode == 2, result.stderr
    assert messages == [
        f"seqgen: error: {path}:1:5: word of 10200000 characters ('tirkittirkittirkitti...') is too long "
        "for one matra (at most 200 characters, 20 strokes)"]
    assert int(peak_kb) < 400_000  # the old reader needed about 24 GB for this file
