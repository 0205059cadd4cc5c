"""When each stroke of a composition sounds at a tempo: the one clock that audio, MIDI and the
practice page share.

The tempo is given in matras a minute (``bpm``) or by a named laya (``tempo``). Inside a matra the
strokes sit evenly; a matra written in pulses (``DhaGeNa,DhaGeTiTa``) splits into equal pulses first
and each pulse's strokes sit evenly inside it, so uneven groups keep the rhythm the notation gives.
Rests (``-``) keep their place and make no sound. Where a matra stands in its cycle (a ``# start:``
pickup included) comes from the taal automaton (``rhythm.Meter``), so the clock cannot disagree with
the validator or the grid; a composition that does not fit its taal is refused before it is timed.

Looping repeats the piece starting on the same matra of the cycle each time, on the first such matra
after the previous repetition; a landing on sam that the next repetition also begins on is played
once. Turning strokes into sound or MIDI is ``audio``'s and ``midi``'s job.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from seqgen.errors import SeqgenError
from seqgen.rhythm import Beat, Meter
from seqgen.taals import Taal, get_taal
from seqgen.tokenizers.bols import REST
from seqgen.tokenizers.tabla_notation import Composition, Matra, parse

# Matras a minute. DESIGN.md section 3: vilambit ~30-60, madhya ~60-120, drut ~120-240; a named laya
# sits in the middle of its range.
LAYAS = {"vilambit": 45.0, "madhya": 90.0, "drut": 180.0}
DEFAULT_LAYA = "madhya"
# Ati-vilambit khyal accompaniment goes down to about 10 matras a minute and ati-drut solo passages
# up to about 600; outside that a tempo is a typing mistake.
MIN_BPM, MAX_BPM = 10.0, 600.0
MAX_LOOPS = 100


@dataclass(frozen=True)
class StrokeTime:
    """One stroke (or rest) and when it falls.

    Attributes:
        bol: the canonical bol, ``-`` for a rest (which makes no sound).
        time: seconds from the piece's first written matra.
        matra: 0-based index of its matra, counted from the piece's first matra.
        cycle_matra: 1-based matra of the cycle it falls in (honouring ``# start:``).
        duration: seconds until the next stroke slot of its matra (its share of the matra).
        repeat: 0-based repetition when looping.
    """

    bol: str
    time: float
    matra: int
    cycle_matra: int
    duration: float = 0.0
    repeat: int = 0

    @property
    def sounds(self) -> bool:
        return self.bol != REST


@dataclass(frozen=True)
class MatraTime:
    """One matra of the timeline (loop gaps included): its start, place in the cycle and mark."""

    time: float
    cycle_matra: int
    mark: str  # the vibhag mark (X, 0, 2...) when a vibhag begins here, else ""


@dataclass(frozen=True)
class Timeline:
    """Everything that happens in a rendering: the strokes, every matra's beat and the length."""

    taal: Taal
    bpm: float
    start: int
    strokes: list[StrokeTime]
    matras: list[MatraTime]

    @property
    def matra_seconds(self) -> float:
        return 60.0 / self.bpm

    @property
    def duration(self) -> float:
        """Seconds from the first matra to the end of the last."""
        return len(self.matras) * self.matra_seconds


def check_bpm(bpm) -> float:
    """``bpm`` as a float, or a one-line ``SeqgenError`` when it is not a sensible tempo."""
    if isinstance(bpm, bool) or not isinstance(bpm, (int, float)) or not math.isfinite(bpm):
        raise SeqgenError(f"bpm must be a number of matras a minute, got {bpm!r}")
    if not MIN_BPM <= bpm <= MAX_BPM:
        raise SeqgenError(f"bpm must be between {MIN_BPM:g} and {MAX_BPM:g} matras a minute, got {bpm:g}")
    return float(bpm)


def tempo(bpm=None, laya: str | None = None) -> float:
    """Matras a minute from ``bpm`` or a named ``laya`` (vilambit, madhya, drut); madhya when neither."""
    if bpm is not None and laya is not None:
        raise SeqgenError("give a bpm or a laya, not both")
    if bpm is not None:
        return check_bpm(bpm)
    name = DEFAULT_LAYA if laya is None else laya
    if not isinstance(name, str) or name.strip().lower() not in LAYAS:
        raise SeqgenError(f"unknown laya {name!r}; use one of {', '.join(LAYAS)} "
                          f"({', '.join(f'{speed:g}' for speed in LAYAS.values())} matras a minute)")
    return LAYAS[name.strip().lower()]


def check_loop(loop) -> int:
    if isinstance(loop, bool) or not isinstance(loop, int) or not 1 <= loop <= MAX_LOOPS:
        raise SeqgenError(f"loop must be a whole number from 1 to {MAX_LOOPS}, got {loop!r}")
    return loop


def stroke_times(composition: Composition, bpm, taal: str | None = None, loop: int = 1) -> list[StrokeTime]:
    """Every stroke and rest of ``composition`` at ``bpm`` matras a minute, in time order."""
    return timeline(composition, bpm, taal, loop).strokes


def matra_times(composition: Composition, bpm, taal: str | None = None) -> list[float]:
    """The start (seconds) of every matra of the piece, for highlighting it as it sounds."""
    return [beat.time for beat in timeline(composition, bpm, taal).matras]


def timeline(composition: Composition, bpm, taal: str | None = None, loop: int = 1) -> Timeline:
    """The strokes and matra beats of ``composition`` played ``loop`` times at ``bpm``.

    Args:
        composition: a parsed composition (its ``# taal:`` header names the taal unless ``taal`` does).
        bpm: matras a minute.
        taal: overrides the composition's taal header.
        loop: times to play it.

    Raises:
        SeqgenError: a bad tempo or loop count, no or an unknown taal, no matras, or a composition
            whose cycles do not fit its taal (the validator's first problem, with file:line:col).
    """
    composition = single(composition)
    bpm, loop = check_bpm(bpm), check_loop(loop)
    record, meter = playable_meter(composition, taal)
    matras = _matras(composition)
    seconds = 60.0 / bpm
    period = _period(composition, record, len(matras))
    strokes: list[StrokeTime] = []
    for repeat in range(loop):
        last = repeat == loop - 1
        for index, matra in enumerate(matras):
            if not last and index >= period:
                break  # the landing on sam is the next repetition's first matra
            position = repeat * period + index
            cycle_matra = meter.matra_of(Beat(done=position)) + 1
            strokes += _matra_strokes(matra, position * seconds, seconds, index, cycle_matra, repeat)
    total = (loop - 1) * period + len(matras)
    beats = [_matra_time(meter, position, seconds) for position in range(total)]
    return Timeline(record, bpm, meter.start, strokes, beats)


def single(composition: Composition | str) -> Composition:
    """A parsed composition, or the one composition that notation text holds."""
    if isinstance(composition, Composition):
        return composition
    if isinstance(composition, str):
        pieces = [piece for piece in parse(composition, "<text>") if piece.cycles]
        if len(pieces) == 1:
            return pieces[0]
        raise SeqgenError(f"the text holds {len(pieces)} compositions; give one")
    raise SeqgenError(f"a composition must be a parsed Composition or notation text, got {type(composition).__name__}")


def playable_meter(composition: Composition, taal: str | None = None) -> tuple[Taal, Meter]:
    """The taal and reading meter of a composition that fits its taal; else a one-line error."""
    from seqgen.validator import errors, reading_meter, validate

    name = taal or composition.taal
    if name is None:
        raise SeqgenError(f"{composition.source}:{composition.line}: {composition.describe()} names no taal: "
                          f"add a '# taal: NAME' header or pass a taal")
    record = get_taal(name)
    if not _matras(composition):
        raise SeqgenError(f"{composition.source}:{composition.line}: {composition.describe()} has no matras to play")
    problems = errors(validate(composition, record.name, khali_rule=False))
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise SeqgenError(f"{problems[0]}{more}")
    return record, reading_meter(composition, record)


def _matras(composition: Composition) -> list[Matra]:
    return [matra for cycle in composition.cycles for matra in cycle.matras]


def _period(composition: Composition, taal: Taal, count: int) -> int:
    """Matras between the starts of two repetitions: the piece without its landing on sam, rounded
    up to whole cycles so every repetition starts on the same matra of the cycle."""
    closed = sum(len(cycle.matras) for cycle in composition.cycles if cycle.closed)
    body = closed if composition.cycles and not composition.cycles[-1].closed and closed else count
    return max(1, math.ceil(body / taal.matras)) * taal.matras


def _matra_strokes(matra: Matra, begin: float, seconds: float, index: int, cycle_matra: int,
                   repeat: int) -> list[StrokeTime]:
    """The matra's strokes: equal pulses, each pulse's strokes evenly inside it."""
    strokes = []
    pulse_seconds = seconds / len(matra.pulses)
    for number, pulse in enumerate(matra.pulses):
        slot = pulse_seconds / len(pulse)
        for place, bol in enumerate(pulse):
            time = begin + number * pulse_seconds + place * slot
            strokes.append(StrokeTime(bol, time, index, cycle_matra, slot, repeat))
    return strokes


def _matra_time(meter: Meter, position: int, seconds: float) -> MatraTime:
    matra = meter.matra_of(Beat(done=position)) + 1
    starts = dict(zip(meter.taal.vibhag_starts, meter.taal.marks))
    return MatraTime(position * seconds, matra, starts.get(matra, ""))
