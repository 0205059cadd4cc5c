"""Small MIDI files for the notes tests, written with mido (no binaries in the repository)."""

from __future__ import annotations

from pathlib import Path

import mido

TPB = 480  # ticks per beat of the files written here


def write_midi(path: Path, notes: list[tuple[float, float, int]], time: tuple[int, int] | None = (4, 4),
               tpb: int = TPB, channel: int = 0, extra_tracks: list[list[tuple[float, float, int, int]]] = ()) -> Path:
    """A type-1 file: a conductor track with the time signature, then a track of ``notes``
    (``(start beat, length in beats, pitch)``) on ``channel``, then ``extra_tracks`` of
    ``(start, length, pitch, channel)``."""
    song = mido.MidiFile(type=1, ticks_per_beat=tpb)
    conductor = mido.MidiTrack()
    if time is not None:
        conductor.append(mido.MetaMessage("time_signature", numerator=time[0], denominator=time[1], time=0))
    song.tracks.append(conductor)
    song.tracks.append(track([(start, length, pitch, channel) for start, length, pitch in notes], tpb))
    for notes_of_track in extra_tracks:
        song.tracks.append(track(notes_of_track, tpb))
    song.save(path)
    return path


def track(notes: list[tuple[float, float, int, int]], tpb: int = TPB) -> mido.MidiTrack:
    events = []
    for start, length, pitch, channel in notes:
        events.append((round(start * tpb), 1, pitch, channel))
        events.append((round((start + length) * tpb), 0, pitch, channel))
    events.sort(key=lambda event: (event[0], event[1]))
    messages, now = mido.MidiTrack(), 0
    for tick, on, pitch, channel in events:
        messages.append(mido.Message("note_on", note=pitch, channel=channel, velocity=80 if on else 0,
                                     time=tick - now))
        now = tick
    return messages


def melody(beats: list[tuple[int, float]], start: float = 0.0) -> list[tuple[float, float, int]]:
    """``(pitch, length)`` pairs played one after another (pitch None: a rest)."""
    notes, now = [], start
    for pitch, length in beats:
        if pitch is not None:
            notes.append((now, length, pitch))
        now += length
    return notes
