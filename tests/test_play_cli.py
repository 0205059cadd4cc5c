"""`seqgen play`, `seqgen sample --wav/--midi` and the library's playable compositions: real files
on disk, in-process and through a subprocess."""

from __future__ import annotations

import json
import wave

import mido
import pytest

import seqgen
from cli_helpers import assert_clean_error, invoke, run_seqgen

TWO = """# taal: dadra
# title: one
Dha Dhi Na | Dha Tu Na ||

# taal: keherwa
# title: two
Dha Ge Na Ti | Na Ka Dhi Na ||
"""


def seconds(path):
    with wave.open(str(path)) as reader:
        return reader.getnframes() / reader.getframerate()


def notation(tmp_path, text=TWO, name="pieces.txt"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_play_writes_numbered_wav_files_beside_the_notation(tmp_path):
    path = notation(tmp_path)
    result = invoke("play", path, "--laya", "drut")
    assert result.exit_code == 0, result.stderr
    # 6 and 8 matras at 180 a minute, plus the last stroke's ring
    assert 2.0 <= seconds(tmp_path / "pieces-1.wav") <= 2.0 + 1.3
    assert 2.67 <= seconds(tmp_path / "pieces-2.wav") <= 2.67 + 1.3
    assert not (tmp_path / "pieces.wav").exists()


def test_play_midi_only_with_loop(tmp_path):
    path = notation(tmp_path, TWO.split("\n\n")[0] + "\n")
    result = invoke("play", path, "--midi", tmp_path / "out.mid", "--bpm", "60", "--loop", "3")
    assert result.exit_code == 0, result.stderr
    song = mido.MidiFile(tmp_path / "out.mid")
    assert song.length == pytest.approx(18.0, abs=0.01)  # three cycles of 6 matras at 60 (Na lasts its matra)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out.mid", "pieces.txt"]


@pytest.mark.parametrize("options, message", [
    (["--bpm", "0"], "bpm must be between 10 and 600"), (["--bpm", "-60"], "bpm must be between"),
    (["--bpm", "100000"], "bpm must be between"), (["--sa", "H"], "unknown tonic 'H'"),
    (["--laya", "fast"], "unknown laya 'fast'"), (["--laya", "drut", "--bpm", "60"], "not both"),
    (["--loop", "0"], "loop must be"), (["--taal", "nonesuch"], "unknown taal 'nonesuch'"),
])
def test_play_refuses_bad_settings_in_one_line_writing_nothing(tmp_path, options, message):
    path = notation(tmp_path)
    assert_clean_error(invoke("play", path, "--wav", tmp_path / "x.wav", *options), message)
    assert [entry.name for entry in tmp_path.iterdir()] == ["pieces.txt"]


def test_play_writes_nothing_when_any_composition_is_wrong(tmp_path):
    path = notation(tmp_path, TWO + "\n# taal: dadra\nDha Dhi | Na Dha Tu Na ||\n")
    assert_clean_error(invoke("play", path), "pieces.txt:10:")
    assert [entry.name for entry in tmp_path.iterdir()] == ["pieces.txt"]
    empty = notation(tmp_path, "# just a header\n", "empty.txt")
    assert_clean_error(invoke("play", empty), "no composition")


def test_play_in_a_subprocess(tmp_path):
    path = notation(tmp_path, TWO.split("\n\n")[1])
    done = run_seqgen("play", path, "--wav", tmp_path / "k.wav", "--midi", tmp_path / "k.mid", "--sa", "D",
                      "--click", "--theka", timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"wrote {tmp_path / 'k.wav'}" in done.stderr and seconds(tmp_path / "k.wav") > 8 * 60 / 90
    assert [track.name for track in mido.MidiFile(tmp_path / "k.mid").tracks] == ["dayan", "bayan"]
    done = run_seqgen("play", path, "--sa", "X#", timeout=120)
    assert done.returncode == 2 and done.stderr.strip().splitlines() == [
        "seqgen: error: unknown tonic 'X#'; use a note name C, C#, Db, D ... B, optionally with an octave "
        "from 3 to 5 (e.g. C#4)"]


def test_sample_writes_numbered_wav_and_midi(tmp_path):
    result = invoke("sample", "--seed", "4", "--n", "2", "--cycles", "1", "--format", "json",
                    "--wav", tmp_path / "s.wav", "--midi", tmp_path / "s.mid", "--bpm", "120")
    assert result.exit_code == 0, result.stderr
    pieces = json.loads(result.stdout)
    for number, piece in enumerate(pieces, start=1):
        matras = sum(len(cycle) for cycle in piece["cycles"])
        assert matras * 0.5 <= seconds(tmp_path / f"s-{number}.wav") <= matras * 0.5 + 2.6
        song = mido.MidiFile(tmp_path / f"s-{number}.mid")
        assert [message.tempo for message in song.tracks[0] if message.type == "set_tempo"] == [500_000]
    assert_clean_error(invoke("sample", "--wav", tmp_path / "t.wav", "--bpm", "0"), "bpm must be between")
    assert not (tmp_path / "t.wav").exists()


def test_library_compositions_are_dicts_that_play(tmp_path):
    generator = seqgen.load("pretrained:tabla")
    piece = generator.compositions(cycles=1, seed=5)[0]
    assert isinstance(piece, dict) and json.loads(json.dumps(piece)) == dict(piece)
    data = piece.to_wav(tmp_path / "p.wav", bpm=80, click=True)
    assert (tmp_path / "p.wav").read_bytes() == data and data[:4] == b"RIFF"
    assert piece.to_midi(tmp_path / "p.mid", laya="vilambit")[:4] == b"MThd"
    path = notation(tmp_path)
    read = seqgen.read_compositions(path)
    assert [item["title"] for item in read] == ["one", "two"] and read[1]["taal"] == "keherwa"
    assert read[0].to_wav(bpm=60) == read[0].to_wav(bpm=60)  # the same bytes every time
    with pytest.raises(seqgen.api.SeqgenError, match="unknown tonic"):
        read[0].to_wav(sa="Z")
