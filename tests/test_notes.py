"""The notes domain without training: note-name grammar, MIDI reading and writing, the synth, and
the bar-length constraint under random logits."""

import io
import wave

import mido
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqgen.constraints import BarConstraint, PrimeError
from seqgen.corpus import CorpusError, read_corpus
from seqgen.errors import SeqgenError
from seqgen.notes_audio import render_wav
from seqgen.notes_midi import read_midi, sounding_notes, write_midi
from seqgen.sampling import Sampler, SamplingConfig
from seqgen.tokenizers import create
from seqgen.tokenizers.note_names import (Event, NotationError, format_pieces, open_tokens, parse, parse_event,
                                          parse_pitch)
from seqgen.tokenizers.notes import piece_tokens, tokens_to_piece
from seqgen.vocab import PAD, Vocab

from fakes import RandomLogitsModel
from notes_files import melody, write_midi as write_file

NOTES = create("notes")
MIDI_SUFFIXES = (".txt", ".mid", ".midi")


# --- note-name text ---------------------------------------------------------------------------


@pytest.mark.parametrize("name, pitch", [
    ("C4", 60), ("c4", 60), ("A4", 69), ("C#5", 73), ("Db5", 73), ("Bb3", 58), ("B#3", 60), ("C-1", 0),
    ("G9", 127), ("E##4", 66), ("C", 60), ("c-", 48), ("C#++", 73 + 12), ("a--", 45), ("F♯4", 66),
])
def test_pitch_names(name, pitch):
    assert parse_pitch(name) == pitch


@pytest.mark.parametrize("name", ["H4", "C10", "G#9", "Cb-1", "C+4", "C4+", "", "C##b4"])
def test_not_pitch_names(name):
    assert parse_pitch(name) is None


def test_text_reads_into_whole_bars_with_ties_at_bar_lines():
    [piece] = parse("# title: scale\nC4 D4:1/2 E4:0.5 F4:3 G4 G4 G4 | c+.E5.G4:2 R:1 Bb3:1/2~ Bb3:5\n")
    assert piece.time == (4, 4)
    assert [[event.text for event in bar] for bar in piece.bars] == [
        ["C4:1", "D4:1/2", "E4:1/2", "F4:2~"],
        ["F4:1", "G4:1", "G4:1", "G4:1"],
        ["G4.C5.E5:2", "R:1", "A#3:1~"],   # the tie inside the bar became one longer note
        ["A#3:4~"],
        ["A#3:1/2", "R:7/2"],               # the last bar is completed with a rest
    ]
    assert NOTES.tokenize("C4:4")[0].tokens == ("<time:4/4>", "C4:4", "|")


def test_canonical_text_round_trips_through_tokens():
    text = "# time: 3/4\n# title: waltz\nC4:2 E4.G4:1 | R:1 C#5:2~ | C#5:3 |\n\nD4 E4 F#4 G4 | A4\n"
    documents = NOTES.tokenize(text, "waltz.txt")
    canonical = NOTES.detokenize(documents)
    assert canonical == ("# time: 3/4\n# title: waltz\nC4:2 E4.G4:1 | R:1 C#5:2~ | C#5:3 |\n\n"
                         "# time: 4/4\nD4:1 E4:1 F#4:1 G4:1 | A4:1 R:3 |\n")
    assert NOTES.tokenize(canonical) == documents


events = st.builds(Event, st.lists(st.integers(0, 127), max_size=3).map(lambda p: tuple(sorted(set(p)))),
                   st.integers(1, 24))


@settings(max_examples=60, deadline=None)
@given(st.lists(events, min_size=1, max_size=30), st.sampled_from([(4, 4), (3, 4), (6, 8), (5, 4), (2, 2)]))
def test_any_events_print_and_read_back(items, time):
    piece = tokens_to_piece(["<time:%d/%d>" % time] + [event.text for event in items])
    assert all(sum(event.steps for event in bar) == piece.bar_steps for bar in piece.bars)
    assert sum(event.steps for event in piece.events) >= sum(event.steps for event in items)
    text = format_pieces([piece])
    [again] = parse(text)
    assert piece_tokens(again) == piece_tokens(piece)
    assert format_pieces([again]) == text


@pytest.mark.parametrize("text, where, words", [
    ("C4 |", "x.txt:1:4", "bar line after 1 beat; a 4/4 bar holds 4 beats"),
    ("| C4", "x.txt:1:1", "no notes before it"),
    ("C4:4 | |", "x.txt:1:8", "no notes before it"),
    ("C4 H4", "x.txt:1:4", "'H4' is not a note name"),
    ("C4:1/3", "x.txt:1:1", "not a whole number of sixteenth notes"),
    ("C4:0", "x.txt:1:1", "not a whole number"),
    ("\nC4~ D4", "x.txt:2:5", "a tie holds the same notes on"),
    ("C4~", "x.txt:1:1", "ends on a tie"),
    ("R~", "x.txt:1:1", "a rest cannot be tied"),
    ("# time: 5/3\nC4", "x.txt:1", "unknown time signature '5/3'"),
])
def test_notation_errors_name_file_line_and_column(text, where, words):
    with pytest.raises(NotationError) as error:
        parse(text, "x.txt")
    assert str(error.value).startswith(where + ":") and words in str(error.value)


def test_open_prime_keeps_its_last_bar_open():
    assert open_tokens("C4:3 D4:2 E4") == (None, ["C4:3", "D4:1~", "|", "D4:1", "E4:1"])
    assert open_tokens("# time: 3/4\nC4:3") == ((3, 4), ["C4:3"])
    assert open_tokens("# time: 3/4\nC4:3 |") == ((3, 4), ["C4:3", "|"])


def test_fit_learns_the_most_common_meter():
    tokenizer = create("notes")
    tokenizer.fit(["# time: 3/4\nC4:3\n\n# time: 3/4\nD4:3", "E4:4"])
    assert tokenizer.spec() == {"name": "notes", "time": "3/4"}
    assert create("notes", time="3/4").meter == (3, 4)


# --- MIDI ---------------------------------------------------------------------------------------


def _read(path):
    return read_midi(path.read_bytes(), path)


def test_a_monophonic_line_quantised_to_sixteenths(tmp_path):
    # slightly early and late ticks round to the grid; a short gap becomes a rest
    notes = [(0, 1, 60), (1.02, 0.5, 62), (1.5, 0.48, 64), (2.5, 1.5, 65), (4, 2, 67)]
    piece = _read(write_file(tmp_path / "line.mid", notes, tpb=96))
    assert [event.text for event in piece.events] == ["C4:1", "D4:1/2", "E4:1/2", "R:1/2", "F4:3/2",
                                                      "G4:2", "R:2"]
    assert [len(bar) for bar in piece.bars] == [5, 2]


def test_chords_rests_and_a_leading_rest(tmp_path):
    notes = [(1, 1, 64), (1, 1, 60), (1, 1, 67), (2, 0.5, 72), (3, 1, 60), (3, 1, 65)]
    piece = _read(write_file(tmp_path / "chords.mid", notes))
    assert [event.text for event in piece.events] == ["R:1", "C4.E4.G4:1", "C5:1/2", "R:1/2", "C4.F4:1"]


def test_three_four_time_and_notes_across_bar_lines(tmp_path):
    piece = _read(write_file(tmp_path / "waltz.mid", melody([(67, 2), (69, 2), (71, 2)]), time=(3, 4)))
    assert piece.time == (3, 4)
    assert [[event.text for event in bar] for bar in piece.bars] == [["G4:2", "A4:1~"], ["A4:1", "B4:2"]]


def test_the_busiest_part_is_the_melody_and_percussion_is_ignored(tmp_path):
    drums = [(beat / 2, 0.25, 36, 9) for beat in range(16)]
    bass = [(0, 4, 36, 1)]
    path = write_file(tmp_path / "band.mid", melody([(72, 1), (74, 1), (76, 2)]), extra_tracks=[drums, bass])
    assert [event.text for event in _read(path).events] == ["C5:1", "D5:1", "E5:2"]
    # a type-0 file: the busiest channel of the one track
    song = mido.MidiFile(type=0, ticks_per_beat=480)
    from notes_files import track

    song.tracks.append(track([(0, 1, 60, 0), (1, 1, 62, 0), (0, 2, 48, 3)]))
    song.save(tmp_path / "type0.mid")
    assert [event.text for event in _read(tmp_path / "type0.mid").events] == ["C4:1", "D4:1", "R:2"]


def test_a_file_without_time_signature_is_four_four(tmp_path):
    piece = _read(write_file(tmp_path / "plain.mid", melody([(60, 3)]), time=None))
    assert piece.time == (4, 4) and piece.bar_steps == 16


def _truncated(tmp_path):
    data = write_file(tmp_path / "whole.mid", melody([(60, 1)] * 8)).read_bytes()
    (tmp_path / "whole.mid").unlink()
    return data[:-9]


@pytest.mark.parametrize("name, make, words", [
    ("cut.mid", _truncated, "truncated MIDI file"),
    ("text.mid", lambda tmp: b"C4 D4 E4 | these are words, not MIDI\n", "not a readable MIDI file"),
    ("empty.mid", lambda tmp: b"", "truncated MIDI file"),
    ("silent.mid", lambda tmp: _bytes(write_file(tmp / "s.mid", [])), "holds no notes"),
    ("drums.midi", lambda tmp: _bytes(write_file(tmp / "d.mid", [], extra_tracks=[[(0, 1, 36, 9)]])), "no notes"),
])
def test_bad_midi_is_one_line_naming_the_file(tmp_path, name, make, words):
    path = tmp_path / "corpus" / name
    path.parent.mkdir()
    path.write_bytes(make(tmp_path))
    with pytest.raises(CorpusError) as error:
        read_corpus(path.parent, suffixes=MIDI_SUFFIXES)
    message = str(error.value)
    assert message.startswith(str(path)) and words in message and "\n" not in message


def _bytes(path):
    data = path.read_bytes()
    path.unlink()
    return data


def test_folders_list_midi_files_only_for_domains_that_read_them(tmp_path):
    write_file(tmp_path / "a.MID", melody([(60, 4)]))
    (tmp_path / "b.txt").write_text("D4:4 |\n", encoding="utf-8")
    texts = dict(read_corpus(tmp_path, suffixes=MIDI_SUFFIXES))
    assert "# source: a.MID\nC4:4 |" in texts[str(tmp_path / "a.MID")]
    assert list(dict(read_corpus(tmp_path))) == [str(tmp_path / "b.txt")]  # tabla and lyrics: .txt only


def test_written_midi_reads_back_note_for_note(tmp_path):
    [piece] = parse("# time: 3/4\nC4:1/2 E4.G4:1 R:1/2 A4:1~ | A4:2 B3:1/4 R:3/4 |")
    data = write_midi(piece, tmp_path / "out.mid", bpm=90)
    assert (tmp_path / "out.mid").read_bytes() == data
    song = mido.MidiFile(file=io.BytesIO(data))
    assert song.tracks[0][1].tempo == round(60_000_000 / 90)
    again = read_midi(data, "out.mid")
    assert again.time == (3, 4) and piece_tokens(again) == piece_tokens(piece)
    assert sounding_notes(piece) == [(0, 2, 60), (2, 4, 64), (2, 4, 67), (8, 12, 69), (20, 1, 59)]
    ons = [message for message in song.tracks[0] if message.type == "note_on" and message.velocity]
    assert len(ons) == 5  # the tied A4 sounds once


def test_the_synth_writes_a_wav_of_the_right_length(tmp_path):
    [piece] = parse("C4:1 E4.G4.C5:1 R:1 A4:1 |")
    data = render_wav(piece, tmp_path / "out.wav", bpm=120, sample_rate=22050)
    with wave.open(io.BytesIO(data)) as reader:
        frames = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
        assert reader.getframerate() == 22050
    assert abs(len(frames) / 22050 - 2.06) < 0.01  # four beats at 120, plus the release
    rest = frames[int(1.07 * 22050):int(1.45 * 22050)]  # the third beat, after the chord's release
    assert np.abs(frames).max() > 3000 and np.abs(rest).max() < 50


# --- the bar-length constraint ----------------------------------------------------------------

LENGTHS = ["1/4", "1/2", "3/4", "1", "3/2", "2", "3", "4"]
NOTE_TOKENS = [f"{name}:{length}" for name in ("C4", "E4", "G4", "C4.E4.G4", "R") for length in LENGTHS]
TIE_TOKENS = [f"{name}:{length}~" for name in ("C4", "G4") for length in LENGTHS]
VOCAB = Vocab.build([NOTE_TOKENS + TIE_TOKENS], keep=NOTES.structure_tokens + ("<time:3/4>",))


def _generate(vocab, bars, time, seed, n=4, prime=()):
    constraint = BarConstraint(vocab, bars, time)
    ids = vocab.encode(list(prime))
    state = constraint.read_prefix(ids)
    sampler = Sampler(RandomLogitsModel(len(vocab), seed), vocab.end_id,
                      [vocab.id(PAD), vocab.unk_id, vocab.start_id])
    results = sampler.generate([vocab.start_id, *ids], n, SamplingConfig(seed=seed), constraint, state)
    return [list(prime) + vocab.decode(ids) for ids in results]


def _bars(tokens):
    """The events of each bar of a generated stream (``</s>`` dropped)."""
    bars, current = [], []
    for token in tokens:
        if token == "|":
            bars.append(current)
            current = []
        elif token != "</s>":
            current.append(parse_event(token))
    assert not current, "tokens after the last bar"
    return bars


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([(4, 4), (3, 4), (6, 8), (7, 8), (2, 2)]), st.integers(1, 6))
def test_every_generated_bar_fills_its_meter(seed, time, bars):
    steps = time[0] * 16 // time[1]
    for tokens in _generate(VOCAB, bars, time, seed):
        found = _bars(tokens)
        assert [sum(event.steps for event in bar) for bar in found] == [steps] * bars, tokens
        # ties only close a bar (never the last) and lead into the same notes
        for number, bar in enumerate(found):
            for index, event in enumerate(bar):
                if event.tie:
                    assert index == len(bar) - 1 and number < bars - 1, tokens
                    assert found[number + 1][0].pitches == event.pitches, tokens


def test_a_prime_counts_and_a_bad_prime_is_refused():
    [tokens] = _generate(VOCAB, 2, (4, 4), seed=1, n=1, prime=["C4:3", "E4:1", "|", "G4:1"])
    assert tokens[:4] == ["C4:3", "E4:1", "|", "G4:1"] and len(_bars(tokens)) == 2
    constraint = BarConstraint(VOCAB, 2, (4, 4))
    with pytest.raises(PrimeError, match="bar 1 ends after 3 beats; a 4/4 bar holds 4 beats"):
        constraint.read_prefix(VOCAB.encode(["C4:3", "|"]))
    with pytest.raises(PrimeError, match="does not fit what is left of bar 1"):
        constraint.read_prefix(VOCAB.encode(["C4:3", "E4:2"]))
    with pytest.raises(PrimeError, match="more than the 1 bar asked for"):
        BarConstraint(VOCAB, 1, (3, 4)).read_prefix(VOCAB.encode(["C4:3", "|", "C4:1"]))


def test_a_meter_the_note_lengths_cannot_fill_is_one_line():
    vocab = Vocab.build([["C4:1", "D4:2"]], keep=NOTES.structure_tokens)
    with pytest.raises(SeqgenError) as error:
        BarConstraint(vocab, 4, (7, 16))
    assert str(error.value) == ("no 7/16 bar (7/4 beats) can be filled exactly from this model's note lengths "
                                "(1, 2 beats)")
    with pytest.raises(SeqgenError, match="not a notes model"):
        BarConstraint(Vocab.build([["C4:1"]]), 4, (4, 4))
