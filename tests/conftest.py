"""Shared test set-up: the ``slow`` marker runs only with ``--run-slow``; tokenized corpora are
cached in this session's temporary folder, never in the user's home."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", help="also run slow tests (real training runs)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _token_cache_in_tmp(tmp_path_factory, monkeypatch):
    """Point seqgen's token cache (and that of any seqgen command a test starts) at one folder of
    this test session; tests of the cache itself set their own."""
    monkeypatch.setenv("SEQGEN_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "token-cache"))
    monkeypatch.delenv("SEQGEN_NO_CACHE", raising=False)
