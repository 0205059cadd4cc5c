"""MIDI: files written to disk and read back with mido: the same strokes, at the same times, on the
dayan and bayan tracks, with the tempo set."""

from __future__ import annotations

import mido
import pytest

from seqgen.errors import SeqgenError
from seqgen.midi import NOTES, TICKS_PER_BEAT, render_midi
from seqgen.strokes import BAYAN_PARTS, parts
from seqgen.timing import stroke_times
from seqgen.tokenizers.tabla_notation import parse

PIECE = """# taal: jhaptaal
# start: 6
DhaGeNa,DhaGeTiTa TiRaKiTa | Tu Na TinNa,KaKaKa ||
Dha
"""


def notes_of(track, tempo):
    """(seconds, note) of every note_on in a track, from delta ticks and the tempo."""
    found, tick = [], 0
    for message in track:
        tick += message.time
        if message.type == "note_on" and message.velocity > 0:
            found.append((round(mido.tick2second(tick, TICKS_PER_BEAT, tempo), 9), message.note))
    return found


@pytest.mark.parametrize("bpm", [40, 80, 160])
def test_midi_reads_back_with_the_same_strokes_and_times(tmp_path, bpm):
    composition = parse(PIECE)[0]
    path = tmp_path / "piece.mid"
    render_midi(composition, path, bpm)
    song = mido.MidiFile(path)
    assert song.type == 1 and [track.name for track in song.tracks] == ["dayan", "bayan"]
    tempos = [message.tempo for message in song.tracks[0] if message.type == "set_tempo"]
    assert tempos == [round(60_000_000 / bpm)]
    expected = {"dayan": [], "bayan": []}
    for stroke in stroke_times(composition, bpm):
        for part in parts(stroke.bol):
            expected["bayan" if part in BAYAN_PARTS else "dayan"].append((stroke.time, NOTES[part]))
    for track in song.tracks:
        found = notes_of(track, tempos[0])
        assert [note for _, note in found] == [note for _, note in expected[track.name]]
        assert [time for time, _ in found] == pytest.approx([time for time, _ in expected[track.name]], abs=1e-4)
    # Dha is a note on each track at once; Na only on the dayan's
    assert (0.0, NOTES["na"]) in notes_of(song.tracks[0], tempos[0])
    assert (0.0, NOTES["ge"]) in notes_of(song.tracks[1], tempos[0])
    assert song.length == pytest.approx(stroke_times(composition, bpm)[-1].time + 60 / bpm, abs=1e-3)


def test_notes_last_their_stroke_share_and_rests_are_silence(tmp_path):
    text = "# taal: dadra\nNa- - Tu | Ge - Ka ||\n"
    song = mido.MidiFile(file=__import__("io").BytesIO(render_midi(text, None, 60)))
    dayan = [(message.type, message.time) for message in song.tracks[0] if message.type.startswith("note")]
    # Na for half a matra, then nothing until Tu at matra 3, which lasts the matra
    assert dayan == [("note_on", 0), ("note_off", TICKS_PER_BEAT // 2),
                     ("note_on", TICKS_PER_BEAT * 3 // 2), ("note_off", TICKS_PER_BEAT)]


def test_loop_repeats_and_bad_tempo_is_one_line(tmp_path):
    once = mido.MidiFile(file=__import__("io").BytesIO(render_midi(PIECE, None, 80)))
    twice = mido.MidiFile(file=__import__("io").BytesIO(render_midi(PIECE, None, 80, loop=2)))
    count = lambda song: sum(message.type == "note_on" for track in song.tracks for message in track)
    # the pickup from matra 6 lands on sam; the second time round starts on matra 6 again
    assert count(twice) == 2 * count(once)
    for bpm in (0, -1, 601, float("inf")):
        with pytest.raises(SeqgenError, match="bpm must be") as error:
            render_midi(PIECE, tmp_path / "x.mid", bpm)
        assert "\n" not in str(error.value) and not list(tmp_path.iterdir())
