"""The notes domain end to end: a folder of MIDI files trains (tiny, real TensorFlow) and samples to
MIDI that reads back, WAV, and note-name text that reads back; bad MIDI is one line and exit 2 with
nothing written; and the MIDI reader agrees with music21 on real Bach chorales (if installed)."""

import io
import json
import wave

import mido
import pytest

from seqgen.tokenizers import create
from seqgen.tokenizers.note_names import GRID, parse

from cli_helpers import assert_clean_error, invoke, run_seqgen
from notes_files import melody, write_midi

TINY_FLAGS = ["--epochs", "2", "--rnn-size", "16", "--embedding-dim", "8", "--seq-length", "16",
              "--batch-size", "8", "--val-frac", "0.2", "--seed", "3", "--quiet"]
SCALE = [60, 62, 64, 65, 67, 69, 71, 72]


def _midi_folder(folder):
    folder.mkdir()
    for number in range(6):
        tune = [(SCALE[(number + step * 3) % 8], (0.5, 1, 1, 2)[(number + step) % 4]) for step in range(20)]
        write_midi(folder / f"tune{number}.mid", melody(tune))
    write_midi(folder / "chords.midi", [(0, 2, 60), (0, 2, 64), (0, 2, 67), (3, 1, 65)])
    return folder


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    root = tmp_path_factory.mktemp("notes")
    out = root / "bundle"
    result = invoke("train", "notes", _midi_folder(root / "midi"), "--out", out, *TINY_FLAGS)
    assert result.exit_code == 0, result.output
    return out


def test_a_midi_folder_trains_and_samples_to_midi_that_reads_back(bundle, tmp_path):
    config = json.loads((bundle / "config.json").read_text(encoding="utf-8"))
    assert config["domain"] == "notes" and config["corpus"]["documents"] == 7
    assert json.loads((bundle / "tokenizer.json").read_text(encoding="utf-8")) == {"name": "notes", "time": "4/4"}
    result = invoke("sample", "--model", bundle, "--bars", "4", "--seed", "5", "--format", "json",
                    "--midi", tmp_path / "out.mid", "--wav", tmp_path / "out.wav", "--bpm", "120")
    assert result.exit_code == 0, result.output
    [melody_dict] = json.loads(result.stdout)
    assert [sum(parse(f"{event}")[0].events[0].steps for event in bar) for bar in melody_dict["bars"]] == [16] * 4
    song = mido.MidiFile(tmp_path / "out.mid")
    assert song.ticks_per_beat == 480
    tick, sounding, heard = 0, {}, []
    for message in song.tracks[0]:
        tick += message.time
        if message.type == "note_on" and message.velocity:
            sounding[message.note] = tick
        elif message.type in ("note_on", "note_off"):
            begin = sounding.pop(message.note)
            heard.append((begin / 480, (tick - begin) / 480, message.note))
    assert sorted(heard) == sorted((note["start"], note["duration"], note["pitch"]) for note in melody_dict["notes"])
    with wave.open(io.BytesIO((tmp_path / "out.wav").read_bytes())) as reader:
        seconds = reader.getnframes() / reader.getframerate()
    assert 8.0 <= seconds < 8.2  # 16 beats at 120 a minute, plus the last note's release


def test_durations_in_the_midi_file_match_the_melody(bundle, tmp_path):
    result = invoke("sample", "--model", bundle, "--bars", "3", "--seed", "9", "--format", "json",
                    "--midi", tmp_path / "out.mid")
    [melody_dict] = json.loads(result.stdout)
    from seqgen.notes_midi import read_midi

    again = read_midi((tmp_path / "out.mid").read_bytes(), "out.mid")
    assert [[event.text for event in bar] for bar in again.bars] == melody_dict["bars"]


def test_printed_text_reads_back_as_the_same_melody(bundle, tmp_path):
    result = invoke("sample", "--model", bundle, "--bars", "4", "--n", "2", "--seed", "2",
                    "--prime", "C4:1 E4:1 G4:1")
    assert result.exit_code == 0, result.output
    documents = create("notes").tokenize(result.stdout)
    assert len(documents) == 2 and all(doc.tokens[1:4] == ("C4:1", "E4:1", "G4:1") for doc in documents)
    assert create("notes").detokenize(documents) == result.stdout
    assert all(doc.tokens.count("|") == 4 for doc in documents)


def test_three_four_on_request_and_an_impossible_meter(bundle):
    result = invoke("sample", "--model", bundle, "--bars", "2", "--time", "3/4", "--seed", "1")
    assert result.exit_code == 0 and result.stdout.startswith("# time: 3/4\n")
    assert "never saw 3/4" in result.stderr
    assert_clean_error(invoke("sample", "--model", bundle, "--time", "1/16"), "no 1/16 bar (1/4 beats) can be filled")
    assert_clean_error(invoke("sample", "--model", bundle, "--time", "4/5"), "unknown time signature '4/5'")
    assert_clean_error(invoke("sample", "--model", bundle, "--form", "tihai"), "--form is for tabla models")
    assert_clean_error(invoke("sample", "--model", bundle, "--format", "svg"), "a notes model prints text or json")
    assert_clean_error(invoke("sample", "--model", bundle, "--bars", "1", "--prime", "C4:1 E4:1 G4:1 C4:1 | E4:1"),
                       "more than the 1 bar asked for")


@pytest.mark.parametrize("name, data, words", [
    ("cut.mid", None, "truncated MIDI file"),
    ("words.mid", b"not a MIDI file at all\n", "not a readable MIDI file"),
    ("silent.mid", "silent", "holds no notes"),
])
def test_bad_midi_in_the_corpus_is_one_line_and_nothing_is_written(tmp_path, name, data, words):
    folder = _midi_folder(tmp_path / "midi")
    if data is None:
        data = (folder / "tune0.mid").read_bytes()[:-7]
    elif data == "silent":
        data = write_midi(tmp_path / "silent.mid", []).read_bytes()
    (folder / name).write_bytes(data)
    result = invoke("train", "notes", folder, "--out", tmp_path / "bundle", *TINY_FLAGS)
    assert_clean_error(result, str(folder / name), words)
    assert not (tmp_path / "bundle").exists()


def test_bad_midi_in_a_real_process(tmp_path):
    (tmp_path / "broken.mid").write_bytes(b"MThd\x00\x00\x00\x06\x00\x01\x00")
    result = run_seqgen("train", "notes", tmp_path / "broken.mid", "--out", tmp_path / "bundle", "--quiet")
    assert_clean_error(result, "broken.mid: truncated MIDI file")
    assert not (tmp_path / "bundle").exists()


def test_the_midi_reader_agrees_with_music21_on_bach_chorales(tmp_path):
    music21 = pytest.importorskip("music21")
    from fractions import Fraction

    from seqgen.notes_midi import read_midi, sounding_notes

    checked = 0
    for path in music21.corpus.getComposer("bach")[:40]:
        score = music21.corpus.parse(path)
        soprano = score.parts[0]
        if len(soprano.recurse().getElementsByClass("TimeSignature")) != 1:
            continue  # the reader follows the first meter only
        # the MIDI export plays repeats out, as a performer would
        notes = list(soprano.expandRepeats().stripTies().flatten().notes)
        if any(Fraction(note.quarterLength) * GRID % 1 for note in notes):
            continue  # a grace note or a triplet: not on the sixteenth-note grid
        soprano.write("midi", fp=tmp_path / "soprano.mid")
        piece = read_midi((tmp_path / "soprano.mid").read_bytes(), "soprano.mid")
        sounded = sounding_notes(piece)
        assert [pitch for _, _, pitch in sounded] == [note.pitch.midi for note in notes], path
        assert [Fraction(length, GRID) for _, length, _ in sounded] == \
            [Fraction(note.quarterLength) for note in notes], path
        assert piece.time == tuple(int(part) for part in
                                   soprano.recurse().getElementsByClass("TimeSignature")[0].ratioString.split("/"))
        checked += 1
        if checked == 5:
            break
    assert checked == 5
