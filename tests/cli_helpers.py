"""Helpers for driving the CLI in tests: typer's runner and a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys

from typer.testing import CliRunner

from seqgen.cli import app

runner = CliRunner()


def invoke(*args: str):
    """Run the CLI in-process, named as a user's shell names it; returns typer's result
    (exit_code, stdout, stderr)."""
    return runner.invoke(app, [str(arg) for arg in args], prog_name="seqgen")


def run_seqgen(*args: str, timeout: float = 600, **kwargs) -> subprocess.CompletedProcess:
    """Run ``python -m seqgen.cli`` in a subprocess, as a user's shell would."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    return subprocess.run([sys.executable, "-m", "seqgen.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env=env, **kwargs)


def assert_clean_error(result, *fragments: str) -> None:
    """Exit code 2, a one-line message naming the problem, and no traceback."""
    stderr = result.stderr
    code = result.exit_code if hasattr(result, "exit_code") else result.returncode
    assert code == 2, (code, stderr)
    assert "Traceback" not in stderr and "Traceback" not in (result.stdout or "")  # None: stdout not captured
    lines = [line for line in stderr.splitlines() if line.startswith("seqgen: error:")]
    assert len(lines) == 1, stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
