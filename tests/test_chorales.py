"""Real scores nobody here wrote: the soprano lines of a few Bach chorales shipped with music21, written
as note-name text by ``benchmarks/chorales.py``, read by the ``notes`` domain and compared by
``seqgen.compare`` (tiny training). Skipped where music21 is not installed (it is in the dev extra)."""

from __future__ import annotations

import importlib.util

import pytest

from conftest import ROOT

pytest.importorskip("music21")


@pytest.fixture(scope="module")
def chorales():
    spec = importlib.util.spec_from_file_location("chorales_benchmark", ROOT / "benchmarks" / "chorales.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def lines(chorales):
    found, counts = chorales.soprano_lines(limit=10, echo=None)
    return found, counts


def test_soprano_lines_keep_the_score_bars(lines):
    found, counts = lines
    assert counts["chorales"] == 10 and len(found) + sum(v for k, v in counts.items()
                                                        if k in ("no soprano part", "meter changes",
                                                                 "repeated tunes")) == 10
    number, title, text = found[0]
    # Riemenschneider 1, "Aus meines Herzens Grunde": 3/4, a one-beat pickup on G4
    assert number == 1 and title.startswith("Aus meines Herzens")
    assert text.startswith("# time: 3/4\nR:2 G4:1 G4:2 D5:1 B4:3/2 A4:1/2")


def test_the_notes_domain_reads_them_and_compare_runs(chorales, lines, tmp_path):
    from seqgen.compare import compare
    from seqgen.domains import load_documents, tokenizer_for

    found, _ = lines
    folder = chorales.write_corpus(found, tmp_path / "corpus")
    documents = load_documents(tokenizer_for("notes"), folder)
    assert len(documents) == len(found)
    assert documents[0].tokens[:5] == ("<time:3/4>", "R:2", "G4:1", "|", "G4:2")
    result = compare("notes", folder, ("lstm",), epochs=1, orders=(2,), rnn_size=8, embedding_dim=4, layers=1,
                     seq_length=16, batch_size=8, val_frac=0.2, test_frac=0.2)
    [row] = result.cells
    assert row.cell == "lstm" and 0 <= row.held_out.content_accuracy <= 1
    # next-note figures leave out the bar lines, which the durations already fix
    assert result.baseline.held_out.content_perplexity > result.baseline.held_out.perplexity
