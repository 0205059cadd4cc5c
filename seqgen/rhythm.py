"""THE taal automaton: where a composition stands in its cycle, and what may come next.

A composition is a stream of rhythm events: strokes, the end of a pulse (``,`` inside a matra), the
end of a matra, a vibhag bar ``|`` and a cycle bar ``||`` (exactly the tabla token stream). A
``Meter`` (taal, start matra, cycles, sam landing, strokes per matra, khali mode and theme length)
says which events may follow a ``Beat`` (the state after some events), and ``advance`` moves on.

The validator walks written compositions through it, the sampling constraint masks tokens with it,
and the grid lays matras out by it, so none of them can disagree about a cycle. The khali
arithmetic (which matras of a theme are its khali quarter) also lives here, once.

Reading notation is ``tokenizers.tabla_notation``'s job; which bol is bass is the lexicon's.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from functools import cached_property

from seqgen.errors import SeqgenError
from seqgen.taals import Taal

# A matra holds 1 to 16 strokes in solo repertoire, and sometimes 20 (DESIGN.md section 3).
MAX_STROKES = 20
KHALI_MODES = ("hard", "soft", "off")
# After its last '||' a piece may have no landing, may have one matra on sam, or must have it.
LANDINGS = ("no", "may", "must")


class Event(enum.Enum):
    STROKE = "stroke"
    PULSE = ","
    MATRA = "_"
    VIBHAG = "|"
    CYCLE = "||"
    END = "end"


class RhythmError(SeqgenError):
    """An event that does not fit the meter where it stands."""


@dataclass(frozen=True)
class Beat:
    """The state after some events (hashable: constraints cache by it).

    Attributes:
        done: matras completed since the composition's start.
        strokes: strokes written in the current matra.
        pulse: strokes written in the current pulse.
        bar_due: the bar that must come next (``Event.VIBHAG``/``Event.CYCLE``), or None.
        cycle_bars: ``||`` written so far.
        layakari: strokes per matra once a uniform meter has fixed it (0: not yet).
        ended: the piece is over (the sam landing is written); only the end may follow.
    """

    done: int = 0
    strokes: int = 0
    pulse: int = 0
    bar_due: Event | None = None
    cycle_bars: int = 0
    layakari: int = 0
    ended: bool = False


@dataclass(frozen=True)
class Meter:
    """The rules a composition's rhythm follows.

    Attributes:
        taal: the cycle.
        start: 1-based matra of the cycle where the composition begins (a pickup when > 1); the
            first ``||`` then closes a partial cycle.
        cycles: ``||`` bars to write before the end (None: any number, for reading).
        landing: whether the piece ends with one matra on sam after its last ``||``: ``must``
            (cadential forms and pickups: their last stroke falls on sam), ``may`` (reading any
            other form: a kaida may close with its own tihai) or ``no``.
        strokes: allowed strokes per matra.
        uniform: every matra holds as many strokes as the first.
        khali: ``hard``, ``soft`` or ``off``: how the khali region treats bass strokes.
        theme_matras: length of a kaida/rela theme; its third quarter is the khali region. None:
            the taal's khali vibhags are (as for a theka).
    """

    taal: Taal
    start: int = 1
    cycles: int | None = None
    landing: str = "no"
    strokes: tuple[int, ...] = tuple(range(1, MAX_STROKES + 1))
    uniform: bool = False
    khali: str = "off"
    theme_matras: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= self.start <= self.taal.matras:
            raise SeqgenError(f"start matra must be between 1 and {self.taal.matras} in {self.taal.name}, "
                              f"got {self.start}")
        if self.cycles is not None and self.cycles < 1:
            raise SeqgenError(f"cycles must be at least 1, got {self.cycles}")
        if not self.strokes or any(not 1 <= count <= MAX_STROKES for count in self.strokes):
            raise SeqgenError(f"strokes per matra must be between 1 and {MAX_STROKES}")
        if self.landing not in LANDINGS:
            raise SeqgenError(f"landing must be one of {', '.join(LANDINGS)}, got {self.landing!r}")
        if self.khali not in KHALI_MODES:
            raise SeqgenError(f"unknown khali mode {self.khali!r}; use one of {', '.join(KHALI_MODES)}")
        if self.theme_matras is not None and self.theme_matras < 4:
            raise SeqgenError(f"a theme needs at least 4 matras, got {self.theme_matras}")

    # ------------------------------------------------------------------ positions

    @cached_property
    def vibhag_ends(self) -> frozenset[int]:
        """Positions in the cycle (1..matras) after which a bar stands."""
        ends, position = set(), 0
        for size in self.taal.vibhags:
            position += size
            ends.add(position)
        return frozenset(ends)

    def matra_of(self, beat: Beat) -> int:
        """0-based matra of the cycle that the next stroke falls in."""
        return (self.start - 1 + beat.done) % self.taal.matras

    def vibhag_of(self, matra: int) -> int:
        """0-based vibhag of a 0-based matra."""
        return self.taal.vibhag_of(matra + 1)

    def is_khali(self, beat: Beat) -> bool:
        """Whether the current matra lies in the khali region (always False when khali is off)."""
        if self.khali == "off":
            return False
        if self.theme_matras:
            return khali_quarter_holds(self.start - 1 + beat.done, self.theme_matras)
        return self.taal.marks[self.vibhag_of(self.matra_of(beat))] == "0"

    # ------------------------------------------------------------------ the automaton

    def allowed(self, beat: Beat) -> frozenset[Event]:
        """The events that may follow ``beat``."""
        if beat.ended:
            return frozenset({Event.END})
        if beat.bar_due is not None:
            return frozenset({beat.bar_due})
        allowed: set[Event] = set()
        if beat.strokes == 0 and self._may_end(beat):
            allowed.add(Event.END)
        if self.finished(beat) and self.landing == "no":
            return frozenset(allowed)
        counts = self._counts(beat)
        if beat.strokes < max(counts):
            allowed.add(Event.STROKE)
        if beat.pulse and beat.strokes < max(counts):
            allowed.add(Event.PULSE)
        if beat.pulse and beat.strokes in counts:
            allowed.add(Event.MATRA)
        return frozenset(allowed)

    def _counts(self, beat: Beat) -> tuple[int, ...]:
        # the landing on sam is one stroke (or a few), whatever the piece's layakari
        if self.finished(beat):
            return tuple(range(1, max(self.strokes) + 1))
        return (beat.layakari,) if beat.layakari else self.strokes

    def finished(self, beat: Beat) -> bool:
        """All requested cycles are written (never, when reading)."""
        return self.cycles is not None and beat.cycle_bars >= self.cycles

    def _may_end(self, beat: Beat) -> bool:
        # at a matra boundary with no bar due
        if self.cycles is not None:  # generating: after the cycles, unless a landing must follow
            return self.finished(beat) and self.landing != "must"
        if beat.done == 0:
            return True  # reading: a piece without matras (a preamble) is not a rhythm problem
        # reading: right after a '||', or after the one landing matra that follows it
        after_sam_bar = beat.cycle_bars > 0 and self.matra_of(beat) == 0
        after_landing = beat.cycle_bars > 0 and self.matra_of(beat) == 1
        return (after_sam_bar and self.landing != "must") or (after_landing and self.landing != "no")

    def advance(self, beat: Beat, event: Event) -> Beat:
        """The beat after ``event``.

        Raises:
            RhythmError: when ``event`` may not follow ``beat`` (the message says why, in a
                tabla player's words).
        """
        if event not in self.allowed(beat):
            raise RhythmError(self.explain(beat, event))
        if event is Event.STROKE:
            return replace(beat, strokes=beat.strokes + 1, pulse=beat.pulse + 1)
        if event is Event.PULSE:
            return replace(beat, pulse=0)
        if event is Event.MATRA:
            return self._end_matra(beat)
        if event in (Event.VIBHAG, Event.CYCLE):
            return replace(beat, bar_due=None, cycle_bars=beat.cycle_bars + (event is Event.CYCLE))
        return beat  # END

    def _end_matra(self, beat: Beat) -> Beat:
        finished = self.finished(beat)
        layakari = beat.layakari or (beat.strokes if self.uniform else 0)
        done = beat.done + 1
        if finished:  # the landing stroke on sam closes the piece
            return replace(beat, done=done, strokes=0, pulse=0, layakari=layakari, ended=True)
        position = (self.start - 1 + done) % self.taal.matras or self.taal.matras
        due = Event.CYCLE if position == self.taal.matras else (
            Event.VIBHAG if position in self.vibhag_ends else None)
        return replace(beat, done=done, strokes=0, pulse=0, bar_due=due, layakari=layakari)

    def explain(self, beat: Beat, event: Event) -> str:
        """Why ``event`` may not follow ``beat``."""
        taal = self.taal
        matra = self.matra_of(beat)
        if beat.ended:
            return "the piece has ended on sam; nothing may follow its landing"
        if beat.bar_due is Event.CYCLE:
            return (f"matra {taal.matras} ends the {taal.name} cycle: write '||' here" if event is Event.VIBHAG
                    else f"the cycle has more than {taal.matras} matras; {taal.name} has {taal.matras}")
        if beat.bar_due is Event.VIBHAG:
            vibhag = self.vibhag_of(matra - 1)
            if event is Event.CYCLE:
                return f"'||' after matra {matra}, but a {taal.name} cycle has {taal.matras} matras"
            return (f"vibhag {vibhag + 1} of {taal.name} has {taal.vibhags[vibhag]} matras: write '|' "
                    f"after matra {matra}")
        if event in (Event.VIBHAG, Event.CYCLE):
            if beat.strokes:
                return f"a bar inside a matra (after {beat.strokes} strokes): end the matra first"
            vibhag = self.vibhag_of(matra)
            return (f"'{event.value}' after matra {matra} of {taal.name}, where vibhag {vibhag + 1} "
                    f"(of {taal.vibhags[vibhag]} matras) has not ended")
        if event is Event.END:
            if beat.strokes:
                return "the piece ends inside a matra"
            if self.cycles is not None and beat.cycle_bars < self.cycles:
                return f"the piece ends after {beat.cycle_bars} of {self.cycles} cycles"
            if self.landing == "must" and beat.cycle_bars > 0 and matra == 0:
                return ("its last stroke must fall on sam: write the landing matra on a line after the "
                        "last '||' (this one ends on the last matra of the cycle)")
            return f"the cycle is not closed with '||' ({matra} of {taal.matras} matras)"
        counts = self._counts(beat)
        if event is Event.MATRA:
            return (f"a matra of {beat.strokes} strokes; this piece holds "
                    f"{' or '.join(map(str, counts))} per matra" if beat.pulse else "an empty pulse or matra")
        if self.cycles is not None and beat.cycle_bars >= self.cycles:
            return f"the piece already has its {self.cycles} cycles"
        return f"a matra of more than {max(counts)} strokes"


def walk(meter: Meter, events, beat: Beat | None = None) -> Beat:
    """The beat after ``events`` from ``beat`` (default: the start); raises RhythmError."""
    beat = beat or Beat()
    for event in events:
        beat = meter.advance(beat, event)
    return beat


# ---------------------------------------------------------------------------------- khali arithmetic

def khali_quarter(length: int) -> range:
    """0-based positions of the khali quarter (the third of four) in a theme of ``length`` matras."""
    return range(2 * length // 4, 3 * length // 4)


def khali_quarter_holds(position: int, theme_matras: int) -> bool:
    """Whether absolute matra ``position`` (0-based, from the first theme's start) is in a khali quarter."""
    return (position % theme_matras) in khali_quarter(theme_matras)


def first_quarter(length: int) -> range:
    """0-based positions of the theme's first quarter, which its khali quarter mirrors."""
    return range(0, length // 4)
