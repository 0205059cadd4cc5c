"""Tabla as a standard MIDI file: two tracks, dayan and bayan, the tempo set so one beat is one matra.

Every part of a bol (``strokes``) is one note on the General MIDI percussion channel (10), so a plain
GM synth plays hand drums and a tabla sound font can map the notes to real strokes:

==========  ======  =====================  ===================================
part        note    GM percussion name     bols
==========  ======  =====================  ===================================
dayan na    63      Open Hi Conga          Na, Ta, Taa, Ne (and Dha, Da, Kran)
dayan tin   60      Hi Bongo               Tin (and Dhin, Din, Ding)
dayan tu    61      Low Bongo              Tu, Tun (and Kru)
dayan dry   62      Mute Hi Conga          Te, Ti, Tii, Tit, Ra, Re, Tra, Chap (and Dhi, Dhe, Dhet...)
bayan ge    64      Low Conga              Ge, Ga, Gi, Ghi, Ghen (and every bol with bass)
bayan ka    66      Low Timbale            Ka, Ke, Ki, Kii, Kat, Kar (and Kra, Kri, Kran, Kru)
==========  ======  =====================  ===================================

A combined bol is a note on each track at the same tick (Dha: 63 on the dayan track, 64 on the
bayan track). A note lasts for its stroke's share of the matra; rests are silence. The first track
carries the tempo (``set_tempo``: 60,000,000 / bpm microseconds a beat) and the time signature of
one matra a beat. 5040 ticks a beat divide evenly into 1-10, 12, 14, 15 and 16 strokes, so the
usual subdivisions (and their uneven pulses) fall exactly on ticks.

Written with ``mido`` (small, pure Python); when strokes fall is ``timing``'s job.
"""

from __future__ import annotations

import io
from pathlib import Path

from seqgen.strokes import BAYAN_PARTS, parts
from seqgen.timing import StrokeTime, single, timeline
from seqgen.tokenizers.tabla_notation import Composition

NOTES = {"na": 63, "tin": 60, "tu": 61, "dry": 62, "ge": 64, "ka": 66}
TICKS_PER_BEAT = 5040
CHANNEL = 9  # General MIDI percussion (channel 10, counted from 1)
VELOCITY = 100


def render_midi(composition: Composition | str, path: str | Path | None, bpm, loop: int = 1,
                taal: str | None = None) -> bytes:
    """The MIDI file (bytes) of ``composition`` at ``bpm`` matras a minute; also written to ``path``.

    Raises:
        SeqgenError: a bad tempo or loop count, or a composition that does not fit its taal.
    """
    import mido

    piece = single(composition)
    clock = timeline(piece, bpm, taal, loop)
    tracks = {"dayan": [], "bayan": []}
    for stroke in clock.strokes:
        for part in parts(stroke.bol, piece.lexicon):
            tracks["bayan" if part in BAYAN_PARTS else "dayan"].append((stroke, NOTES[part]))
    song = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    for name, notes in tracks.items():
        track = mido.MidiTrack()
        track.append(mido.MetaMessage("track_name", name=name, time=0))
        if not song.tracks:
            track.append(mido.MetaMessage("set_tempo", tempo=round(60_000_000 / clock.bpm), time=0))
            track.append(mido.MetaMessage("time_signature", numerator=clock.taal.matras, denominator=4, time=0))
        track += _messages(notes, clock.bpm)
        song.tracks.append(track)
    return save_song(song, path)


def save_song(song, path: str | Path | None) -> bytes:
    """The bytes of a ``mido.MidiFile``, also written atomically to ``path`` when one is given."""
    buffer = io.BytesIO()
    song.save(file=buffer)
    data = buffer.getvalue()
    if path is not None:
        from seqgen.bundle import atomic_write

        atomic_write(Path(path), data)
    return data


def ticks(seconds: float, bpm: float) -> int:
    """The tick ``seconds`` from the start falls on."""
    return round(seconds * bpm / 60.0 * TICKS_PER_BEAT)


def _messages(notes: list[tuple[StrokeTime, int]], bpm: float) -> list:
    """Note on/off messages with delta times; at one tick, notes end before new ones begin."""
    import mido

    events = []
    for stroke, note in notes:
        begin = ticks(stroke.time, bpm)
        end = max(begin + 1, ticks(stroke.time + stroke.duration, bpm))
        events.append((begin, 1, note, "note_on"))
        events.append((end, 0, note, "note_off"))
    events.sort()
    messages, now = [], 0
    for tick, _, note, kind in events:
        messages.append(mido.Message(kind, channel=CHANNEL, note=note, velocity=VELOCITY if kind == "note_on" else 0,
                                     time=tick - now))
        now = tick
    messages.append(mido.MetaMessage("end_of_track", time=0))
    return messages
