"""Declared syllables end to end: ``--lexicon`` on check, format, tokenize and train, ``# bols:``
headers in a training corpus, and a trained bundle that reads primes with its declared syllables."""

import json

import pytest

import seqgen.api as api

from cli_helpers import assert_clean_error, invoke, run_seqgen
from conftest import ROOT

LEXICON = "# syllables of my teacher's scores\nTak:closed = thak\nGhin:bass:Ke\n"
PIECE = "# taal: dadra\n# form: theka\nthak Ghin Na | Tak,Ghin Tu Na ||\n"


def _files(tmp_path, lexicon=LEXICON, piece=PIECE):
    (tmp_path / "lexicon.txt").write_text(lexicon)
    (tmp_path / "piece.txt").write_text(piece)
    return tmp_path / "lexicon.txt", tmp_path / "piece.txt"


def test_check_reads_declared_syllables_only_with_the_lexicon(tmp_path):
    lexicon, piece = _files(tmp_path)
    without = invoke("check", piece)
    assert without.exit_code == 1
    assert f"{piece}:3:1: unknown bol 'thak'" in without.stdout
    assert f"{piece}:3:16: unknown bol 'Tak' in 'Tak,Ghin'" in without.stdout
    checked = invoke("check", piece, "--lexicon", lexicon)
    assert checked.exit_code == 0, checked.output


def test_format_and_tokenize_with_a_lexicon(tmp_path):
    lexicon, piece = _files(tmp_path)
    formatted = invoke("format", piece, "--lexicon", lexicon)
    assert formatted.exit_code == 0, formatted.output
    assert formatted.stdout == "# taal: dadra\n# form: theka\nTak Ghin Na | Tak,Ghin Tu Na ||\n"
    tokens = invoke("tokenize", "tabla", piece, "--lexicon", lexicon)
    assert tokens.exit_code == 0, tokens.output
    assert tokens.stdout == "<taal:dadra> <form:theka> Tak _ Ghin _ Na _ | Tak , Ghin _ Tu _ Na _ ||\n"


def test_bad_lexicon_files_are_one_clean_line(tmp_path):
    lexicon, piece = _files(tmp_path, lexicon="Tak:closed\nDhin:bass\n")
    for command in (["check", piece], ["format", piece], ["tokenize", "tabla", piece]):
        assert_clean_error(invoke(*command, "--lexicon", lexicon), f"{lexicon}:2:1:", "Dhin is already known")
    assert_clean_error(invoke("check", piece, "--lexicon", tmp_path / "missing.txt"), "no such file")
    assert_clean_error(invoke("tokenize", "japanese", piece, "--lexicon", lexicon), "does not apply")
    bad_item = tmp_path / "bad.txt"
    bad_item.write_text("Tak\n  T4k:closed\n")
    assert_clean_error(invoke("format", piece, "--lexicon", bad_item), f"{bad_item}:2:3:", "bad syllable name")


def test_subprocess_check_with_a_lexicon(tmp_path):
    lexicon, piece = _files(tmp_path)
    result = run_seqgen("check", piece, "--lexicon", lexicon)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "all valid" in result.stderr


TINY = dict(epochs=1, rnn_size=16, embedding_dim=8, seq_length=16, batch_size=8, val_frac=0.1, seed=3)
DECLARED = ("# bols: Dhak:both:Tak\n# taal: dadra\n# form: theka\nDhak Ghin Na | thak Tu Na ||\n\n"
            "# taal: dadra\n# form: theka\nDha Dhak,Ghin Na | Tak Tu Na ||\n\n")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny bundle trained on a corpus using lexicon-file and header-declared syllables."""
    folder = tmp_path_factory.mktemp("declared")
    lexicon, _ = _files(folder)
    corpus = folder / "corpus.txt"
    corpus.write_text((ROOT / "corpora" / "dadra.txt").read_text() + "\n" + DECLARED * 6)
    generator = api.train("tabla", corpus, folder / "model", lexicon=lexicon, verbose="quiet", **TINY)
    return folder, corpus, lexicon, generator


def test_training_needs_the_lexicon_its_corpus_uses(trained, tmp_path):
    _, corpus, _, _ = trained
    result = invoke("train", "tabla", corpus, "--out", tmp_path / "plain", "--epochs", "1")
    # the '# bols: Dhak:both:Tak' line (wherever the corpus puts it) names the undeclared 'Tak' at column 9
    line = corpus.read_text().splitlines().index(DECLARED.splitlines()[0]) + 1
    assert_clean_error(result, f"{corpus}:{line}:9: khali counterpart 'Tak' of Dhak is not a known bol")
    assert not (tmp_path / "plain").exists()


def test_the_bundle_keeps_declared_syllables_and_reads_primes_with_them(trained, tmp_path):
    folder, _, _, generator = trained
    spec = json.loads((folder / "model" / "tokenizer.json").read_text())
    assert {"name": "Tak", "class": "closed", "spellings": ["thak"]} in spec["bols"]
    assert {"name": "Dhak", "class": "both", "khali": "Tak"} in spec["bols"]  # learnt from the header
    assert {"Tak", "Ghin", "Dhak"} <= set(generator.bundle.vocab.tokens)
    [piece] = api.load(folder / "model").compositions(taal="dadra", cycles=1, prime="thak Ghin Na |", seed=1)
    assert piece["cycles"][0][:3] == ["Tak", "Ghin", "Na"]
    output = tmp_path / "generated.txt"
    output.write_text(piece["text"] + "\n")
    checked = invoke("check", output)  # the text names its declared syllables itself
    assert checked.exit_code == 0, checked.output + piece["text"]


def test_resume_accepts_the_same_lexicon_and_refuses_another(trained, tmp_path):
    folder, corpus, lexicon, _ = trained
    other = tmp_path / "other.txt"
    other.write_text("Tok:closed\n")
    result = invoke("train", "tabla", corpus, "--out", folder / "model", "--resume", "--lexicon", other)
    assert_clean_error(result, f"{other} declares syllables the bundle", "was not trained with")
    resumed = invoke("train", "tabla", corpus, "--out", folder / "model", "--resume", "--lexicon", lexicon,
                     "--quiet")
    assert resumed.exit_code == 0, resumed.output
