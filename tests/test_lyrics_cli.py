"""Lyrics for singers, end to end: a real (tiny) model trained on real lyrics, then ``seqgen lyrics``
with a meter, readings and romaji, checked by counting the printed readings independently."""

import json
import shutil
from pathlib import Path

import pytest

from seqgen import api
from seqgen.kana import SMALL_KANA, is_kana

from cli_helpers import assert_clean_error, invoke, run_seqgen

ROOT = Path(__file__).resolve().parents[1]
TABLA = ROOT / "seqgen" / "pretrained" / "tabla"


def count_morae(reading: str) -> int:
    """An independent count (not seqgen.kana's): kana but the small ones, spaces skipped."""
    assert all(is_kana(char) or char == " " for char in reading), reading
    return sum(1 for char in reading if char != " " and char not in SMALL_KANA)


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("lyrics")
    for path in sorted((ROOT / "corpora" / "lyrics_ja").glob("*.txt"))[:30]:
        shutil.copy(path, corpus)
    out = tmp_path_factory.mktemp("model") / "japanese"
    api.train("japanese", corpus, out, verbose="quiet", epochs=1, rnn_size=32, embedding_dim=16, seq_length=20,
              batch_size=32, stride=20)
    return out


@pytest.mark.parametrize("meter", ["7,5", "8,8,8,6", "5,7,5"])
def test_metered_lines_have_exactly_their_morae(model, meter):
    pattern = [int(part) for part in meter.split(",")]
    for seed in range(3):
        result = invoke("lyrics", "--model", model, "--meter", meter, "--stanzas", "2", "--lines", "4",
                        "--seed", seed, "--format", "json")
        assert result.exit_code == 0, result.output
        song = json.loads(result.stdout)
        assert [len(stanza) for stanza in song] == [4, 4]
        for stanza in song:
            for index, line in enumerate(stanza):
                assert set(line) == {"text", "reading", "romaji", "morae"}
                assert line["morae"] == pattern[index % len(pattern)]
                assert count_morae(line["reading"]) == line["morae"]


def test_readings_and_romaji_are_printed_under_each_line(model):
    result = invoke("lyrics", "--model", model, "--meter", "7,5", "--stanzas", "1", "--lines", "2",
                    "--show-reading", "--romaji", "--seed", "4")
    assert result.exit_code == 0, result.output
    text, reading, romaji, text2, reading2, romaji2 = result.stdout.strip().split("\n")
    assert (count_morae(reading), count_morae(reading2)) == (7, 5)
    assert romaji.isascii() and romaji2.isascii()
    assert all(not is_kana(char) for char in romaji)


def test_without_a_meter_lines_still_come_with_readings(model):
    result = invoke("lyrics", "--model", model, "--stanzas", "2", "--lines", "3", "--format", "json", "--seed", "1")
    song = json.loads(result.stdout)
    assert [len(stanza) for stanza in song] == [3, 3]
    assert all(isinstance(line["text"], str) and line["text"] for stanza in song for line in stanza)


def test_the_python_api_takes_a_meter(model):
    generator = api.load(model)
    song = generator.stanzas(2, lines=2, meter=[8, 6], with_readings=True, seed=3)
    assert [[line["morae"] for line in stanza] for stanza in song] == [[8, 6], [8, 6]]
    plain = generator.stanzas(2, lines=2, meter="8,6", seed=3)
    assert plain == [[line["text"] for line in stanza] for stanza in song]


def test_a_meter_from_a_subprocess_like_a_user(model):
    result = run_seqgen("lyrics", "--model", model, "--meter", "7,5", "--stanzas", "1", "--lines", "4",
                        "--show-reading", "--seed", "2")
    assert result.returncode == 0, result.stderr
    rows = result.stdout.strip().split("\n")
    assert [count_morae(row) for row in rows[1::2]] == [7, 5, 7, 5]


@pytest.mark.parametrize("meter, fragment", [
    ("7,five", "each line's morae must be a whole number"), ("0", "from 1 to 64"), ("", "whole number"),
])
def test_bad_meters_are_usage_errors(model, meter, fragment):
    assert_clean_error(invoke("lyrics", "--model", model, "--meter", meter), fragment)


def test_a_meter_the_model_cannot_meet_is_refused(model, tmp_path):
    # keep only two-mora words: an odd meter cannot be filled
    bundle = tmp_path / "even"
    shutil.copytree(model, bundle)
    data = json.loads((bundle / "readings.json").read_text(encoding="utf-8"))
    data["tokens"] = {token: entry for token, entry in data["tokens"].items() if entry[1] == 2}
    (bundle / "readings.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert_clean_error(invoke("lyrics", "--model", bundle, "--meter", "7,5"), "no line of 5, 7 morae")
    assert invoke("lyrics", "--model", bundle, "--meter", "8,6", "--stanzas", "1").exit_code == 0


def test_a_prime_that_breaks_the_meter_is_refused(model):
    assert_clean_error(invoke("lyrics", "--model", model, "--meter", "5", "--prime", "君と\n夜"),
                       "line 1 of the prime's stanza 1 has 3 morae; the meter asks for 5")


def test_a_bundle_without_readings_says_to_retrain(model, tmp_path):
    bundle = tmp_path / "old"
    shutil.copytree(model, bundle)
    (bundle / "readings.json").unlink()
    for args in (["--meter", "7,5"], ["--show-reading"], ["--romaji"]):
        assert_clean_error(invoke("lyrics", "--model", bundle, *args), "no kana readings", "retrain")
    song = json.loads(invoke("lyrics", "--model", bundle, "--format", "json", "--stanzas", "1").stdout)
    assert song[0][0]["reading"] is None and song[0][0]["text"]


def test_a_damaged_readings_file_is_refused_on_load(model, tmp_path):
    bundle = tmp_path / "damaged"
    shutil.copytree(model, bundle)
    (bundle / "readings.json").write_text('{"format": 1, "tokens": {"春": ["はる", 7, 1.0, false]}}')
    assert_clean_error(invoke("lyrics", "--model", bundle), "readings.json", "does not have 7 morae")


def test_readings_are_listed_in_the_manifest(model):
    manifest = json.loads((model / "manifest.json").read_text())
    assert "readings.json" in manifest["files"]


def test_tabla_bundles_have_no_readings():
    assert api.load(TABLA).bundle.readings is None


# Old song-book spelling, written for this test: historical kana (光つてる, 考へた, ゐる, けふ),
# full-width spaces between the halves of a 7-5 line, and short lines.
HISTORICAL = """\
川の流れに　光つてる
小さな舟を　見てゐたら
けふも夕日が　沈みます

ほうほう　とんぼ
こつちへ来い

---

母の声かと　考へた
遠い野原の　鐘の音
ひとりで歩く　帰り道

ねんねん　ころり
お月さま
"""


def test_historical_spelling_trains_and_scans(tmp_path):
    corpus = tmp_path / "old.txt"
    corpus.write_text("\n---\n\n".join([HISTORICAL] * 6), encoding="utf-8")
    out = tmp_path / "model"
    api.train("japanese", corpus, out, verbose="quiet", epochs=1, rnn_size=16, embedding_dim=8, seq_length=10,
              val_frac=0.2)
    readings = api.load(out).bundle.readings
    assert readings.get("考へ") is None or readings.get("考へ").reading.startswith("かんが")
    assert readings.get("<sp>").morae == 0  # the full-width space is a space, not a sound
    result = invoke("lyrics", "--model", out, "--meter", "7,5", "--stanzas", "1", "--lines", "2", "--format",
                    "json", "--seed", "1")
    assert result.exit_code == 0, result.output
    assert [line["morae"] for line in json.loads(result.stdout)[0]] == [7, 5]
