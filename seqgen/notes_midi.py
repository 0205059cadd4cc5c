"""Melodies and standard MIDI files: reading one into a ``note_names.Piece``, writing one back.

Library: ``mido``, already seqgen's MIDI writer for tabla. It is pure Python and small, and reading
needs no more than its messages: pretty_midi adds a sound font and its own dependencies, music21 is
over 100 MB installed and imports for seconds. Neither would read notes more correctly here: all
three see the same note-on/note-off events, and the quantising below is ours in any case.

Reading (what the ``notes`` domain does with every ``.mid``/``.midi`` corpus file):

- **Melody.** A part is the notes of one channel in one track; channel 10 (General MIDI
  percussion) is left out. The part with the most notes is the melody (the first such part on a
  tie); the other parts are ignored. A type-0 file (every channel in one track) thus gives its
  busiest channel, a music21 export of one voice its only part.
- **Meter.** The first ``time_signature`` in the file (any track), else 4/4; later changes are not
  followed (bars are counted in the first meter). MIDI has no bar lines: bars are counted from the
  file's first tick, so a pickup that the file does not pad with rests shifts the bars.
- **Quantising.** Note starts and ends are rounded to the nearest sixteenth note
  (``note_names.GRID`` steps a beat, a beat being the file's ``ticks_per_beat``). Notes starting
  on the same step form one chord; an event lasts until the next event starts, or less when its
  notes end sooner, the gap then becoming a rest (a note shorter than half a step lasts one step).
  Overlapping notes (legato, a sustained note under a moving one) are cut where the next event
  starts, so the events follow one another. A rest fills the time before the first note.
- Velocities, tempo, programs and controllers are not kept.

A damaged file (truncated, not MIDI at all, no notes outside the percussion channel, a meter the
sixteenth-note grid cannot bar) is one ``CorpusError`` line naming the file.

Writing: one track, channel 1, piano; ``ticks_per_beat`` 480, the tempo in beats (quarter notes) a
minute, the piece's time signature; tied events sound as one note.
"""

from __future__ import annotations

import io
from collections import defaultdict
from pathlib import Path

from seqgen.corpus import CorpusError, shown
from seqgen.errors import SeqgenError
from seqgen.tokenizers.note_names import GRID, BarFiller, Event, Piece, format_pieces, parse_time

PERCUSSION = 9  # General MIDI channel 10, counted from 0
TICKS_PER_BEAT = 480
VELOCITY = 80
DEFAULT_BPM = 100.0
MIN_BPM, MAX_BPM = 20.0, 400.0


def midi_text(data: bytes, path: str | Path) -> str:
    """The note-name text of a MIDI file's melody (what the ``notes`` tokenizer reads).

    Raises:
        CorpusError: a file that is not a readable MIDI file or holds no melody.
    """
    piece = read_midi(data, path)
    piece.headers.append(("source", Path(path).name))
    return format_pieces([piece])


def read_midi(data: bytes, path: str | Path) -> Piece:
    """The melody of a MIDI file as a piece in bars (see the module docstring for the rules).

    Raises:
        CorpusError: as ``midi_text``.
    """
    song = _open(data, path)
    time = _time_signature(song, path)
    notes = _melody(song, path)
    return Piece(time, _bars(notes, song.ticks_per_beat, time))


def _open(data: bytes, path):
    import mido

    try:
        song = mido.MidiFile(file=io.BytesIO(data))
    except EOFError:
        raise CorpusError(f"{shown(path)}: truncated MIDI file (it ends inside a track)") from None
    except (OSError, ValueError, KeyError, IndexError, TypeError) as error:
        reason = str(error) or type(error).__name__
        raise CorpusError(f"{shown(path)}: not a readable MIDI file ({reason})") from None
    if song.ticks_per_beat <= 0 or song.type == 2:
        # SMPTE timing has no beats to quantise to; type 2 holds unrelated sequences, not one piece
        raise CorpusError(f"{shown(path)}: a MIDI file without beats (SMPTE timing) or of type 2; "
                          "seqgen reads type 0 and 1 files")
    return song


def _time_signature(song, path) -> tuple[int, int]:
    found = []
    for track in song.tracks:
        tick = 0
        for message in track:
            tick += message.time
            if message.type == "time_signature":
                found.append((tick, message.numerator, message.denominator))
                break
    if not found:
        return (4, 4)
    _, numerator, denominator = min(found)
    time = parse_time(f"{numerator}/{denominator}")
    if time is None:
        raise CorpusError(f"{shown(path)}: time signature {numerator}/{denominator} cannot be barred on a "
                          "sixteenth-note grid")
    return time


def _melody(song, path) -> list[tuple[int, int, int]]:
    """``(start tick, end tick, pitch)`` of the part with the most notes."""
    parts: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
    for number, track in enumerate(song.tracks):
        sounding: dict[tuple[int, int], list[int]] = defaultdict(list)  # (channel, pitch) -> start ticks
        tick = 0
        for message in track:
            tick += message.time
            if message.type not in ("note_on", "note_off") or message.channel == PERCUSSION:
                continue
            key = (message.channel, message.note)
            if message.type == "note_on" and message.velocity > 0:
                sounding[key].append(tick)
            elif sounding[key]:
                parts[(number, message.channel)].append((sounding[key].pop(0), tick, message.note))
        for (channel, pitch), starts in sounding.items():  # never released: they end with the track
            parts[(number, channel)] += [(start, tick, pitch) for start in starts]
    if not parts:
        raise CorpusError(f"{shown(path)}: the MIDI file holds no notes (percussion aside)")
    best = max(parts.values(), key=len)  # max keeps the first of equals: the earliest track and channel
    return sorted(best)


def _bars(notes: list[tuple[int, int, int]], ticks_per_beat: int, time: tuple[int, int]) -> list[list[Event]]:
    def step(tick: int) -> int:
        return round(tick * GRID / ticks_per_beat)

    onsets: dict[int, list[tuple[int, int]]] = defaultdict(list)  # start step -> (end step, pitch)
    for start, end, pitch in notes:
        first = step(start)
        onsets[first].append((max(step(end), first + 1), pitch))
    starts = sorted(onsets)
    filler = BarFiller(Piece(time).bar_steps)
    if starts[0] > 0:
        filler.add(Event((), starts[0]))
    for index, start in enumerate(starts):
        group = onsets[start]
        end = max(stop for stop, _ in group)
        following = starts[index + 1] if index + 1 < len(starts) else end
        end = min(end, following)
        filler.add(Event(tuple(sorted({pitch for _, pitch in group})), end - start))
        if end < following:
            filler.add(Event((), following - end))
    return filler.finish()


def check_bpm(bpm) -> float:
    """Beats (quarter notes) a minute, checked."""
    if isinstance(bpm, bool) or not isinstance(bpm, (int, float)) or not MIN_BPM <= bpm <= MAX_BPM:
        raise SeqgenError(f"bpm must be a number of beats a minute from {MIN_BPM:g} to {MAX_BPM:g}, got {bpm!r}")
    return float(bpm)


def sounding_notes(piece: Piece) -> list[tuple[int, int, int]]:
    """``(start step, length in steps, pitch)`` of every note as it sounds: tied events joined."""
    notes: list[tuple[int, int, int]] = []
    held: dict[int, int] = {}  # pitch -> index in notes of the note a tie holds on
    now = 0
    for event in piece.events:
        still_held = {}
        for pitch in event.pitches:
            if pitch in held:
                start, length, _ = notes[held[pitch]]
                notes[held[pitch]] = (start, length + event.steps, pitch)
                index = held[pitch]
            else:
                notes.append((now, event.steps, pitch))
                index = len(notes) - 1
            if event.tie:
                still_held[pitch] = index
        held = still_held
        now += event.steps
    return sorted(notes)


def write_midi(piece: Piece, path: str | Path | None = None, bpm: float = DEFAULT_BPM) -> bytes:
    """The MIDI file (bytes) of ``piece`` at ``bpm`` beats a minute; also written to ``path`` (atomically)."""
    import mido

    bpm = check_bpm(bpm)
    ticks = TICKS_PER_BEAT // GRID
    events = []
    for start, length, pitch in sounding_notes(piece):
        events.append((start * ticks, 1, pitch))             # note_on after any note_off at the same tick
        events.append(((start + length) * ticks, 0, pitch))
    events.sort()
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("track_name", name="melody", time=0))
    track.append(mido.MetaMessage("set_tempo", tempo=round(60_000_000 / bpm), time=0))
    track.append(mido.MetaMessage("time_signature", numerator=piece.time[0], denominator=piece.time[1], time=0))
    track.append(mido.Message("program_change", channel=0, program=0, time=0))
    now = 0
    for tick, on, pitch in events:
        track.append(mido.Message("note_on" if on else "note_off", channel=0, note=pitch,
                                  velocity=VELOCITY if on else 0, time=tick - now))
        now = tick
    end = sum(event.steps for event in piece.events) * ticks
    track.append(mido.MetaMessage("end_of_track", time=max(0, end - now)))
    song = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    song.tracks.append(track)
    from seqgen.midi import save_song

    return save_song(song, path)

