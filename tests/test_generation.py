"""Generation from the shipped pretrained bundles, through the API and the CLI."""

import json

import pytest

import seqgen.api as api
from seqgen.errors import SeqgenError
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
    assert all(set(line) == {"text", "reading", "romaji", "morae"} for stanza in data for line in stanza)
    assert_clean_error(invoke("lyrics", "--model", bundle, "--stanzas", "0"), "stanzas")
    assert_clean_error(invoke("lyrics", "--model", TABLA), "tabla model")


TEENTAAL_THEKA = "Dha Dhin Dhin Dha | Dha Dhin Dhin Dha | Dha Tin Tin Ta | Ta Dhin Dhin Dha ||"


def test_cli_sample_80_cycles_is_complete_and_passes_check(tmp_path):
    # the old fixed 4,000-token limit cut this to 77 cycles, the last one 15 of 16 matras, with exit 0
    result = run_seqgen("sample", "--model", TABLA, "--cycles", "80", "--format", "text", "--seed", "1")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# taal: teentaal")
    path = tmp_path / "long.txt"
    path.write_text(result.stdout)
    checked = invoke("check", path)
    assert checked.exit_code == 0, checked.output
    assert result.stdout.count("||") == 80


def test_cli_lyrics_3_stanzas_of_200_lines_are_all_there():
    result = run_seqgen("lyrics", "--model", pretrained_path("japanese"), "--stanzas", "3", "--lines", "200",
                        "--seed", "1", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert [len(stanza) for stanza in json.loads(result.stdout)] == [200, 200, 200]


def test_cli_refuses_pieces_too_long_to_generate():
    assert_clean_error(invoke("sample", "--model", TABLA, "--cycles", "5000"), "5000 cycles of teentaal",
                       "cycles of teentaal at 16 bols a matra")
    assert_clean_error(invoke("lyrics", "--model", pretrained_path("japanese"), "--stanzas", "3", "--lines", "20000"),
                       "3 stanzas of 20000 lines")


def test_prime_counts_toward_the_cycles(tabla):
    [result] = tabla.compositions(taal="teentaal", cycles=2, prime=TEENTAAL_THEKA, seed=5)
    assert len(result["cycles"]) == 2
    assert " ".join(result["cycles"][0]) == TEENTAAL_THEKA.replace("| ", "").replace(" ||", "")
    [whole] = tabla.compositions(taal="teentaal", cycles=1, prime=TEENTAAL_THEKA, seed=5)
    assert whole["text"].splitlines()[-1] == TEENTAAL_THEKA  # nothing left to generate


def test_prime_without_bars_is_laid_into_the_vibhags(tabla, tmp_path):
    [result] = tabla.compositions(taal="teentaal", cycles=2, prime=" ".join(["Dha"] * 20), seed=6)
    assert len(result["cycles"]) == 2 and result["cycles"][0] == ["Dha"] * 16
    assert result["cycles"][1][:4] == ["Dha"] * 4
    path = tmp_path / "laid.txt"
    path.write_text(result["text"] + "\n")
    assert invoke("check", path).exit_code == 0


def bols_per_matra(text):
    from seqgen.tokenizers.tabla_notation import parse

    return {len(matra.bols) for cycle in parse(text)[0].cycles for matra in cycle.matras}


def test_prime_keeps_the_layakari_it_sets(tabla):
    [fixed] = tabla.compositions(taal="dadra", cycles=2, layakari=2, prime="DhaGe NaGe", seed=7)
    [free] = tabla.compositions(taal="dadra", cycles=2, prime="DhaGe NaGe", seed=7)
    for result in (fixed, free):  # the prime's two bols a matra hold to the end, asked for or not
        assert result["cycles"][0][:2] == ["DhaGe", "NaGe"]
        assert bols_per_matra(result["text"]) == {2}


@pytest.mark.parametrize("args, fragments", [
    (["--cycles", "1", "--prime", f"{TEENTAAL_THEKA} {TEENTAAL_THEKA}"],
     ["the prime has 2 cycles of teentaal, more than the 1 asked for"]),
    (["--cycles", "1", "--prime", " ".join(["Dha"] * 20)], ["the prime has 2 cycles of teentaal"]),
    (["--prime", "Dha Dhin Dhin Dha Dha | Dha"], ["the prime has 5 matras before its first '|'",
                                                  "teentaal's first vibhag has 4"]),
    (["--prime", "Dha Dhin Dhin |"], ["the prime has 3 matras before its first '|'"]),
    (["--prime", "Dhi Na | Dhi Dhi Na | Ti Na | Dhi Dhi Na ||"], ["the prime has 2 matras before its first '|'"]),
    (["--form", "theka", "--khali", "hard", "--prime", "Dha Dha Dha Dha | Dha Dha Dha Dha | Dha"],
     ["matra 9 of cycle 1 (Dha)", "khali vibhag", "keeps its bass (Dha)", "(Ta)"]),
    (["--form", "kaida", "--layakari", "1", "--prime", "Dha Dha Dha Dha |"], ["a prime cannot be combined with a form"]),
    (["--layakari", "1", "--prime", "DhaGe DhaGe"], ["(DhaGe) has 2 bols; layakari 1 means 1 bol in every matra"]),
    (["--taal", "dadra", "--prime", "# taal: rupak\nTin Tin Na |"], ["the prime says '# taal: rupak'", "dadra"]),
    (["--layakari", "0"], ["layakari must be from 1 to 16", "got 0"]),
    (["--layakari", "17"], ["layakari must be from 1 to 16", "got 17"]),
    (["--seed", "-1"], ["seed must be at least 0, got -1"]),
    (["--n", "0"], ["the number of compositions must be at least 1"]),
    (["--cycles", "0"], ["cycles must be at least 1"]),
])
def test_cli_sample_refuses_what_would_break_the_shape(args, fragments):
    assert_clean_error(invoke("sample", "--model", TABLA, "--format", "text", *args), *fragments)


@pytest.mark.parametrize("settings, fragment", [
    (dict(seed=-1), "seed must be at least 0"), (dict(seed="abc"), "seed must be a whole number"),
    (dict(cycles="2"), "cycles must be a whole number"), (dict(cycles=2.5), "cycles must be a whole number"),
    (dict(cycles=True), "cycles must be a whole number"), (dict(n=0), "the number of compositions"),
    (dict(temperature="hot"), "temperature must be a finite number"), (dict(layakari=0), "layakari must be from 1 to 16"),
    (dict(layakari="2"), "layakari must be a whole number"), (dict(prime=5), "prime must be text"),
    (dict(form=3), "form must be text"), (dict(taal=None), "taal must be a name"),
    (dict(khali=1), "khali must be text"), (dict(allow_unknown="yes"), "allow_unknown must be True or False"),
    (dict(constrained=None), "constrained must be True or False"),
])
def test_api_compositions_refuse_bad_arguments_with_one_line(tabla, settings, fragment):
    with pytest.raises(SeqgenError, match=fragment):
        tabla.compositions(**{"taal": "teentaal", "cycles": 1, **settings})


def test_api_compositions_accept_numpy_numbers(tabla):
    import numpy as np

    [result] = tabla.compositions(taal="dadra", cycles=np.int64(1), n=np.int32(1), seed=np.int64(2))
    assert len(result["cycles"]) == 1


def test_unconstrained_sampling_says_when_it_cut_a_stream():
    from seqgen.generation import compositions
    from seqgen.sampling import SamplingConfig, TruncationWarning

    with pytest.warns(TruncationWarning, match="1 of 1 sequences reached the 5-token limit"):
        compositions(api.load(TABLA).bundle, "teentaal", 1, constrained=False,
                     sampling=SamplingConfig(seed=1, max_tokens=5))


@pytest.fixture(scope="module")
def japanese():
    return api.load(pretrained_path("japanese"))


def test_lyric_prime_lines_count_toward_the_stanzas(japanese):
    song = japanese.stanzas(2, lines=2, min_tokens=1, prime="春の\n夜明け\n\n君を", seed=3)
    assert [len(stanza) for stanza in song] == [2, 2]
    assert song[0] == ["春の", "夜明け"] and song[1][0].startswith("君を")


@pytest.mark.parametrize("args, fragment", [
    (["--stanzas", "1", "--lines", "2", "--min-words", "1", "--prime", "春の\n夜明けの\n君を"],
     "the prime's stanza 1 has 3 lines; 2 lines per stanza were asked for"),
    (["--stanzas", "1", "--lines", "2", "--min-words", "1", "--prime", "春の\n夜明け\n\n君を"],
     "the prime has 2 stanzas, more than the 1 asked for"),
    (["--stanzas", "1", "--lines", "3", "--max-words", "3", "--prime", "春の風が吹く夜明けの空に"],
     "has 9 words; a line holds at most 3"),
    (["--seed", "-1"], "seed must be at least 0"),
])
def test_cli_lyrics_refuses_a_prime_that_breaks_the_shape(args, fragment):
    assert_clean_error(invoke("lyrics", "--model", pretrained_path("japanese"), *args), fragment)


@pytest.mark.parametrize("settings, fragment", [
    (dict(n="3"), "the number of stanzas must be a whole number"),
    (dict(lines=0), "lines per stanza must be at least 1"),
    (dict(min_tokens=2.5), "the fewest words per line"), (dict(prime=b"x"), "prime must be text"),
    (dict(seed=1.5), "seed must be a whole number"),
])
def test_api_stanzas_refuse_bad_arguments(japanese, settings, fragment):
    with pytest.raises(SeqgenError, match=fragment):
        japanese.stanzas(**{"n": 1, "lines": 2, **settings})


def test_unknown_lyric_prime_words_pass_as_unk_when_allowed(japanese):
    from seqgen.generation import PrimeWarning

    with pytest.warns(PrimeWarning):
        [stanza] = japanese.stanzas(1, lines=2, prime="君を待つ夜", allow_unknown=True, seed=1)
    assert len(stanza) == 2
