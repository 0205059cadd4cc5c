"""Generation from the shipped pretrained bundles, through the API and the CLI."""

import json

import pytest

import seqgen.api as api
from seqgen.pretrained import pretrained_path
from seqgen.taals import TAALS

from cli_helpers import assert_clean_error, invoke, run_seqgen

TABLA = pretrained_path("tabla")


@pytest.fixture(scope="module")
def tabla():
    return api.load(TABLA)


@pytest.mark.parametrize("taal", sorted(TAALS))
def test_every_taal_gives_valid_compositions_from_a_trained_model(tabla, taal, tmp_path):
    results = tabla.compositions(taal=taal, cycles=2, n=3, seed=1)
    assert len(results) == 3
    path = tmp_path / "out.txt"
    path.write_text("\n\n".join(result["text"] for result in results) + "\n")
    assert invoke("check", path).exit_code == 0
    for result in results:
        assert len(result["cycles"]) == 2
        assert all(len(cycle) == TAALS[taal].matras for cycle in result["cycles"])


def test_same_seed_same_compositions(tabla):
    first = tabla.compositions(taal="teentaal", cycles=1, n=2, seed=9, top_k=5)
    assert tabla.compositions(taal="teentaal", cycles=1, n=2, seed=9, top_k=5) == first


def test_forms_greedy_beam_and_prime(tabla):
    [kaida] = tabla.compositions(taal="teentaal", cycles=2, form="kaida", greedy=True)
    assert kaida["form"] == "kaida" and "# form: kaida" in kaida["text"]
    [beamed] = tabla.compositions(taal="teentaal", cycles=1, beam=3)
    assert len(beamed["cycles"]) == 1
    [primed] = tabla.compositions(taal="teentaal", cycles=1, prime="Dha Dhin Dhin Dha |", seed=2)
    assert primed["cycles"][0][:4] == ["Dha", "Dhin", "Dhin", "Dha"]


def test_layakari_option(tabla):
    [result] = tabla.compositions(taal="keherwa", cycles=2, layakari=2, seed=4)
    assert all(len(matra) >= 4 for cycle in result["cycles"] for matra in cycle if "-" not in matra)


def test_cli_sample_formats(tmp_path):
    text = invoke("sample", "--model", TABLA, "--taal", "jhaptaal", "--cycles", "2", "--n", "2", "--seed", "1",
                  "--format", "text")
    assert text.exit_code == 0, text.output
    path = tmp_path / "sampled.txt"
    path.write_text(text.stdout)
    assert invoke("check", path).exit_code == 0
    data = json.loads(invoke("sample", "--model", TABLA, "--format", "json", "--seed", "1").stdout)
    assert data[0]["taal"] == "teentaal" and len(data[0]["cycles"]) == 4
    grid = invoke("sample", "--model", TABLA, "--format", "grid", "--cycles", "1", "--seed", "1").stdout
    lines = grid.splitlines()
    assert lines[0].startswith("teentaal (16 matras)")
    assert lines[2].startswith("1 ") and "| 5" in lines[2] and lines[4].startswith("X ")


def test_cli_sample_falls_back_to_the_shipped_model(tmp_path):
    result = run_seqgen("sample", "--taal", "teentaal", "--seed", "3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "shipped with seqgen" in result.stderr
    assert result.stdout.count("||") == 4


def test_cli_sample_bad_options(tmp_path):
    assert_clean_error(invoke("sample", "--model", TABLA, "--temperature", "0"), "temperature")
    assert_clean_error(invoke("sample", "--model", TABLA, "--top-p", "1.5"), "top-p")
    assert_clean_error(invoke("sample", "--model", TABLA, "--taal", "tintal"), "unknown taal", "teentaal")
    assert_clean_error(invoke("sample", "--model", TABLA, "--form", "ghazal"), "unknown form")
    assert_clean_error(invoke("sample", "--model", TABLA, "--prime", "Dha Xyz"), "unknown bol 'Xyz'")
    assert_clean_error(invoke("sample", "--model", TABLA, "--khali", "maybe"), "khali")
    assert_clean_error(invoke("sample", "--model", tmp_path / "nothing"), "no such model bundle")


def test_evaluate_reports_structure_of_free_and_constrained_samples():
    result = invoke("evaluate", TABLA, "--format", "json")
    assert result.exit_code == 0, result.output
    structure = json.loads(result.stdout)["structure"]
    assert structure["constrained_valid"] == 1.0
    assert 0.0 <= structure["unconstrained_valid"] <= 1.0


def test_lyrics_have_exactly_the_requested_shape():
    japanese = api.load(pretrained_path("japanese"))
    song = japanese.stanzas(3, lines=4, seed=7)
    assert [len(stanza) for stanza in song] == [4, 4, 4]
    assert all(line for stanza in song for line in stanza)
    assert japanese.stanzas(3, lines=4, seed=7) == song
    [stanza] = japanese.stanzas(1, lines=2, prime="夜明けの", seed=1)
    assert stanza[0].startswith("夜明けの")


def test_cli_lyrics_text_and_json():
    bundle = pretrained_path("japanese")
    text = invoke("lyrics", "--model", bundle, "--stanzas", "2", "--lines", "3", "--seed", "2")
    assert text.exit_code == 0, text.output
    blocks = text.stdout.strip().split("\n\n")
    assert [len(block.splitlines()) for block in blocks] == [3, 3]
    data = json.loads(invoke("lyrics", "--model", bundle, "--format", "json", "--stanzas", "2", "--lines", "5",
                             "--seed", "2").stdout)
    assert [len(stanza) for stanza in data] == [5, 5]
    assert_clean_error(invoke("lyrics", "--model", bundle, "--stanzas", "0"), "stanzas")
    assert_clean_error(invoke("lyrics", "--model", TABLA), "tabla model")
