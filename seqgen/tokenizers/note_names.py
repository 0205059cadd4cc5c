"""Note-name text: melodies and chords written as note names, read into bars and printed back.

The grammar (one piece per file, or pieces separated by blank lines)::

    piece     := header* item+            items separated by spaces and line breaks
    header    := '#' key ':' value        '# time: 3/4' sets the meter (default 4/4); others are kept
    item      := event | '|'
    event     := (chord | rest) [':' duration] ['~']
    chord     := pitch ('.' pitch)*       C4.E4.G4: notes sounding together, written in any order
    rest      := 'R' | 'r'
    pitch     := letter [accidental] octave
    letter    := A-G or a-g               (case carries no meaning)
    accidental:= '#' | '##' | 'b' | 'bb' | '♯' | '♭'
    octave    := integer                  scientific: C4 is middle C (MIDI 60), A4 is 440 Hz
               | '+'* or '-'*             octave marks around octave 4: C = C4, C#++ = C#6, c- = C3
    duration  := n | n/d | decimal        in quarter-note beats: 1 a quarter, 1/2 an eighth, 3/2 a
                                          dotted quarter, 4 a whole note; default 1

Chords join names with ``.``, since ``+`` is the octave mark. ``~`` ties an event into the next one,
which must sound the same pitches; inside a bar the two are read as one longer event. Durations live on a grid of ``GRID`` steps a quarter note
(sixteenth notes); one that is not a whole number of steps is an error.

Bars: the meter fixes a bar's length. Events fill bars in order; one that runs past a bar line is
split there into two tied events, as a score writes it (the only ties canonical text has). A written ``|`` must stand where a bar is
full (it checks the writing; it is never needed). The last bar of a piece is completed with a rest.
So every piece is whole bars, which is what the bar-length constraint generates.

Canonical form (what ``format_pieces`` prints and what the tokens are): the ``# time:`` header,
then four bars a line, each ending in ``|``; pitches with sharps and octave numbers (``C#4``),
chords from low to high, every duration written (``C4:1/2``). Reading MIDI is ``notes_midi``'s job;
the token stream is ``tokenizers.notes``'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from fractions import Fraction

from seqgen.errors import SeqgenError

GRID = 4  # grid steps a quarter note: sixteenth notes
DEFAULT_TIME = (4, 4)
BAR = "|"
REST = "R"
TIE = "~"
CHORD_JOIN = "."
TIME_KEY = "time"
NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_SEMITONES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_ACCIDENTALS = {"": 0, "#": 1, "##": 2, "♯": 1, "b": -1, "bb": -2, "♭": -1}
BASE_OCTAVE = 4  # the octave of a name written without a number or marks
_PITCH = re.compile(r"([A-Ga-g])(##|#|♯|bb|b|♭)?(-?\d+|\++|-+)?")
_DURATION = re.compile(r"(\d+)(?:/(\d+))?|(\d*\.\d+)")
_TIME = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")
# Meters seqgen reads: denominators a sixteenth-note grid divides, and up to 32 beats a bar.
DENOMINATORS = (1, 2, 4, 8, 16)
MAX_NUMERATOR = 32


class NotationError(SeqgenError):
    """Note-name text that breaks the grammar; the message names the file, line and column."""


@dataclass(frozen=True)
class Event:
    """A note, a chord or a rest (no pitches): MIDI pitch numbers, length in grid steps, tied on."""

    pitches: tuple[int, ...]
    steps: int
    tie: bool = False

    @property
    def text(self) -> str:
        names = CHORD_JOIN.join(pitch_name(pitch) for pitch in self.pitches) or REST
        return f"{names}:{duration_text(self.steps)}{TIE if self.tie else ''}"


@dataclass
class Piece:
    """One melody: its meter, its bars of events and its header lines (``(key, value)``; key None for
    free comment lines)."""

    time: tuple[int, int] = DEFAULT_TIME
    bars: list[list[Event]] = field(default_factory=list)
    headers: list[tuple[str | None, str]] = field(default_factory=list)

    @property
    def bar_steps(self) -> int:
        return bar_steps(self.time)

    @property
    def events(self) -> list[Event]:
        return [event for bar in self.bars for event in bar]


def pitch_name(pitch: int) -> str:
    """``60`` -> ``"C4"`` (sharps, scientific octave numbers)."""
    return f"{NAMES[pitch % 12]}{pitch // 12 - 1}"


def parse_pitch(text: str) -> int | None:
    """The MIDI number of a pitch name (``C#4``, ``Bb3``, ``c-``, ``C#++``), or None if it is not one."""
    match = _PITCH.fullmatch(text)
    if match is None:
        return None
    letter, accidental, octave = match.group(1).upper(), match.group(2) or "", match.group(3) or ""
    if octave[:1] in ("+", "-") and not octave.lstrip("-").isdigit():
        number = BASE_OCTAVE + octave.count("+") - octave.count("-")
    else:
        number = int(octave) if octave else BASE_OCTAVE
    pitch = 12 * (number + 1) + _SEMITONES[letter] + _ACCIDENTALS[accidental]
    return pitch if 0 <= pitch <= 127 else None


def duration_text(steps: int) -> str:
    """Grid steps as quarter-note beats: ``2`` -> ``"1/2"``, ``4`` -> ``"1"``, ``6`` -> ``"3/2"``."""
    beats = Fraction(steps, GRID)
    return str(beats.numerator) if beats.denominator == 1 else f"{beats.numerator}/{beats.denominator}"


def beats_text(steps: int) -> str:
    """``"1 beat"``, ``"3/2 beats"``: grid steps in words."""
    return f"{duration_text(steps)} beat{'' if steps == GRID else 's'}"


def parse_duration(text: str) -> int | None:
    """Grid steps of a duration in beats (``1/2``, ``3``, ``1.5``), or None if it is not a positive
    whole number of steps."""
    match = _DURATION.fullmatch(text)
    if match is None:
        return None
    if match.group(3) is not None:
        beats = Fraction(match.group(3))
    elif match.group(2) is not None:
        if int(match.group(2)) == 0:
            return None
        beats = Fraction(int(match.group(1)), int(match.group(2)))
    else:
        beats = Fraction(int(match.group(1)))
    steps = beats * GRID
    return int(steps) if steps.denominator == 1 and steps > 0 else None


def parse_time(text: str) -> tuple[int, int] | None:
    """``"3/4"`` -> ``(3, 4)`` for a meter seqgen can bar on its grid, else None."""
    match = _TIME.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        return None
    time = (int(match.group(1)), int(match.group(2)))
    return time if 1 <= time[0] <= MAX_NUMERATOR and time[1] in DENOMINATORS else None


def check_time(text: str) -> tuple[int, int]:
    """``parse_time`` or a one-line ``SeqgenError``."""
    time = parse_time(text)
    if time is None:
        raise SeqgenError(f"unknown time signature {text!r}; write beats/note as in 4/4, 3/4 or 6/8 "
                          f"(1 to {MAX_NUMERATOR} beats of a whole, half, quarter, eighth or sixteenth note)")
    return time


def time_text(time: tuple[int, int]) -> str:
    return f"{time[0]}/{time[1]}"


def bar_steps(time: tuple[int, int]) -> int:
    """Grid steps in one bar of ``time``: 16 for 4/4, 12 for 3/4 and 6/8."""
    return time[0] * 4 * GRID // time[1]


def parse_event(word: str) -> Event | str:
    """An event from its text, or a short reason why ``word`` is not one."""
    tie = word.endswith(TIE)
    body = word[:-1] if tie else word
    names, colon, duration = body.partition(":")
    steps = parse_duration(duration) if colon else GRID
    if steps is None:
        return f"duration {duration!r} is not a whole number of sixteenth notes (write beats: 1, 1/2, 3/4, 3/2)"
    if names in (REST, REST.lower()):
        return "a rest cannot be tied" if tie else Event((), steps)
    pitches = []
    for name in names.split(CHORD_JOIN):
        pitch = parse_pitch(name)
        if pitch is None:
            return (f"{name!r} is not a note name from C-1 to G9 (write C4, C#5, Bb3, c-, C#++; chords as "
                    "C4.E4.G4; rests as R)")
        pitches.append(pitch)
    return Event(tuple(sorted(set(pitches))), steps, tie)


class BarFiller:
    """Lays events into bars of ``steps`` grid steps, splitting one that crosses a bar line into tied
    parts; keeps the token stream as it goes (a bar's ``|`` is written once something follows it,
    so an open prime does not end on a bar line it never wrote)."""

    def __init__(self, steps: int):
        self.steps = steps
        self.bars: list[list[Event]] = []
        self.current: list[Event] = []
        self.filled = 0
        self.tokens: list[str] = []
        self.bar_due = False  # a bar has just filled and its '|' is not written yet

    def add(self, event: Event) -> None:
        while self.filled + event.steps > self.steps:
            room = self.steps - self.filled
            # a rest crossing the bar line is two rests; a note or chord is held over with a tie
            self._take(replace(event, steps=room, tie=bool(event.pitches)))
            event = replace(event, steps=event.steps - room)
        self._take(event)

    def bar(self) -> None:
        """Write the due bar line."""
        self.tokens.append(BAR)
        self.bar_due = False

    def _take(self, event: Event) -> None:
        if self.bar_due:
            self.bar()
        if self.current and self.current[-1].tie:
            # a tie inside a bar is one longer event (every length is one token): C4:1~ C4:1 is C4:2
            held = self.current.pop()
            self.tokens.pop()
            self.filled -= held.steps
            event = replace(event, steps=held.steps + event.steps)
        self.current.append(event)
        self.tokens.append(event.text)
        self.filled += event.steps
        if self.filled == self.steps:
            self.bars.append(self.current)
            self.current, self.filled, self.bar_due = [], 0, True

    def finish(self) -> list[list[Event]]:
        """The bars, the last completed with a rest; ``tokens`` then ends with its bar line."""
        if self.current:
            self._take(Event((), self.steps - self.filled))
        if self.bar_due:
            self.bar()
        return self.bars


def parse(text: str, source: str = "<text>") -> list[Piece]:
    """The pieces of note-name text (see the module docstring for the grammar).

    Raises:
        NotationError: ``source:line:column: reason`` for the first thing that breaks the grammar.
    """
    return [piece for piece in (_read_piece(block, source) for block in _blocks(text)) if piece.bars]


def _blocks(text: str) -> list[list[tuple[int, str]]]:
    """Numbered lines of each piece: pieces are separated by blank lines."""
    blocks: list[list[tuple[int, str]]] = [[]]
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            blocks[-1].append((number, line))
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _read_piece(lines: list[tuple[int, str]], source: str) -> Piece:
    piece, filler = _read_events(lines, source, open_end=False)
    piece.bars = filler.finish()
    return piece


def _read_events(lines: list[tuple[int, str]], source: str, open_end: bool) -> tuple[Piece, BarFiller]:
    """The piece's headers and meter, and its events laid into bars (the last bar as it stands)."""
    piece = Piece()
    for number, line in lines:
        if line.lstrip().startswith("#"):
            key, value = _header(line)
            piece.headers.append((key, value))
            if key == TIME_KEY:
                time = parse_time(value)
                if time is None:
                    raise NotationError(f"{source}:{number}: unknown time signature {value!r}; write beats/note "
                                        "as in 4/4, 3/4 or 6/8")
                piece.time = time
    filler, reader = BarFiller(piece.bar_steps), _TieReader()
    for number, line in lines:
        if line.lstrip().startswith("#"):
            continue
        for match in re.finditer(r"\S+", line):
            _read_word(match.group(), f"{source}:{number}:{match.start() + 1}", filler, reader, piece)
    if not open_end:
        reader.finish()
    return piece, filler


def _header(line: str) -> tuple[str | None, str]:
    body = line.lstrip()[1:].strip()
    key, colon, value = body.partition(":")
    if colon and re.fullmatch(r"[A-Za-z][\w-]*", key.strip()):
        return key.strip().lower(), value.strip()
    return None, body


def _read_word(word: str, where: str, filler: BarFiller, reader: "_TieReader", piece: Piece) -> None:
    if word == BAR:
        if filler.bar_due:
            filler.bar()
        elif filler.current:
            raise NotationError(f"{where}: bar line after {beats_text(filler.filled)}; a "
                                f"{time_text(piece.time)} bar holds {beats_text(piece.bar_steps)}")
        else:
            raise NotationError(f"{where}: a bar line with no notes before it")
        return
    event = parse_event(word)
    if isinstance(event, str):
        raise NotationError(f"{where}: {event}")
    reader.check(event, where)
    filler.add(event)


class _TieReader:
    """Checks that a tie leads into the same pitches and that a piece does not end on one."""

    def __init__(self):
        self.tied: Event | None = None
        self.tied_where = ""

    def check(self, event: Event, where: str) -> None:
        if self.tied is not None and event.pitches != self.tied.pitches:
            raise NotationError(f"{where}: the tie before this joins {self.tied.text.rstrip(TIE)} to different "
                                "notes; a tie holds the same notes on")
        self.tied, self.tied_where = (event, where) if event.tie else (None, "")

    def finish(self) -> None:
        if self.tied is not None:
            raise NotationError(f"{self.tied_where}: the piece ends on a tie; nothing follows to hold on to")


def open_tokens(text: str, source: str = "<prime>") -> tuple[tuple[int, int] | None, list[str]]:
    """The meter a prime names (None if it names none) and its tokens, bar lines where bars fill;
    the last bar stays open for a sampler to continue (no rest added, no ``|`` unless written).

    Raises:
        SeqgenError: not exactly one piece, or a ``NotationError`` in it.
    """
    blocks = _blocks(text)
    if len(blocks) != 1:
        raise SeqgenError("the prime must be one piece of note names, e.g. 'C4:1 E4:1 G4:2 |'")
    piece, filler = _read_events(blocks[0], source, open_end=True)
    named = any(key == TIME_KEY for key, _ in piece.headers)
    return (piece.time if named else None), filler.tokens


def format_pieces(pieces: list[Piece], bars_per_line: int = 4) -> str:
    """Canonical text of pieces, a blank line between them."""
    return "\n\n".join(format_piece(piece, bars_per_line) for piece in pieces) + "\n"


def format_piece(piece: Piece, bars_per_line: int = 4) -> str:
    lines = [f"# {key}: {value}" if key else f"# {value}" for key, value in piece.headers if key != TIME_KEY]
    lines.insert(0, f"# {TIME_KEY}: {time_text(piece.time)}")
    for first in range(0, len(piece.bars), bars_per_line):
        bars = piece.bars[first:first + bars_per_line]
        lines.append(" ".join(" ".join(event.text for event in bar) + f" {BAR}" for bar in bars))
    return "\n".join(lines)
