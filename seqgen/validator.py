"""The composition validator: does every cycle fit its taal, and does a kaida keep the khali rule?

Rhythm is decided by walking the composition through the taal automaton (``rhythm``), the same one
the sampler uses, so a generated piece and a checked one can never disagree. A pickup start
(``# start: 9``) and a landing on sam after the last ``||`` are part of that walk. The khali rule is
a finding, not a verdict: real kaidas keep some bass in their khali half, so a khali departure is a
warning (``Problem.warning``) unless a caller treats warnings as errors. Reading notation is
``tokenizers.tabla_notation``'s job; enforcing the rules while sampling is ``constraints``'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from seqgen.errors import Location
from seqgen.forms import MAX_TIHAI_CYCLES, find_tihai
from seqgen.rhythm import Beat, Event, Meter, RhythmError, first_quarter, khali_quarter
from seqgen.taals import Taal, UnknownTaal, get_taal
from seqgen.tokenizers.tabla_notation import Composition, Cycle, Matra

# Forms whose last stroke lands on sam: one matra after the final `||` is that landing.
CADENTIAL_FORMS = frozenset({"tihai", "chakradar", "tukda", "paran", "mukhda", "mohra", "farmaishi", "kamali"})
# Forms whose theme units follow bhari-bhari-khali-bhari (DESIGN.md section 3).
KHALI_RULE_FORMS = frozenset({"kaida", "rela"})
# Theme lengths (in cycles) the validator considers when no `# theme-cycles:` header says.
THEME_CYCLE_CANDIDATES = (1, 2, 4)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with (or, when ``warning``, worth knowing about) one composition, at one place."""

    location: Location
    composition: str
    cycle: int  # 1-based; 0 for the composition as a whole
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = f"cycle {self.cycle}: " if self.cycle else ""
        kind = "warning: " if self.warning else ""
        return f"{self.location}: {kind}{self.composition}: {where}{self.message}"


def validate(composition: Composition, taal_name: str | None = None, khali_rule: bool = True) -> list[Problem]:
    """Check every cycle of ``composition`` against its taal.

    Args:
        composition: a parsed composition.
        taal_name: overrides the composition's ``# taal:`` header.
        khali_rule: look at the khali quarters of kaida and rela themes (findings are warnings).

    Returns:
        Problems and warnings in reading order; empty when the composition is valid and textbook.

    Raises:
        UnknownTaal: when ``taal_name`` is given and is not a registered taal.
    """
    report = _Report(composition)
    name = taal_name or composition.taal
    if name is None:
        report.add(None, 0, "no taal: add a '# taal: NAME' header or pass --taal")
        return report.problems
    try:
        taal = get_taal(name)
    except UnknownTaal as error:
        if taal_name is not None:
            raise  # an option the user typed: unusable input, not a problem of the composition
        report.add(None, 0, f"{error} (in the header)")
        return report.problems
    meter = reading_meter(composition, taal, report)
    _walk_cycles(report, meter, composition.cycles)
    if khali_rule and composition.form in KHALI_RULE_FORMS and not report.problems:
        _check_khali_rule(report, taal, composition)
    return sorted(report.problems, key=lambda problem: (problem.location.line, problem.location.column))


def errors(problems: list[Problem]) -> list[Problem]:
    """The problems that are not warnings."""
    return [problem for problem in problems if not problem.warning]


def reading_meter(composition: Composition, taal: Taal, report: "_Report | None" = None) -> Meter:
    """The meter a written composition is read with: its taal, its start, and a landing on sam for
    cadential forms and pickup pieces."""
    start = start_matra(composition, taal, report)
    return Meter(taal, start=start, landing=landing_of(composition.form, start, reading=True))


def lands_on_sam(form: str | None, start: int = 1) -> bool:
    """Cadential forms, and any piece that starts after sam, end with a stroke on sam."""
    return form in CADENTIAL_FORMS or start > 1


def landing_of(form: str | None, start: int = 1, reading: bool = False) -> str:
    """The meter's landing rule: ``must`` for pieces that land on sam; else ``may`` when reading
    (a kaida may close with its own tihai) and ``no`` when generating."""
    if lands_on_sam(form, start):
        return "must"
    return "may" if reading else "no"


def start_matra(composition: Composition, taal: Taal, report: "_Report | None" = None) -> int:
    """The matra a composition begins on: its ``# start:`` header, else 1 (sam)."""
    value = composition.header("start")
    if value is None:
        return 1
    if value.strip().isdigit() and 1 <= int(value) <= taal.matras:
        return int(value)
    if report is not None:
        report.add(None, 0, f"'# start: {value}' must be a matra number from 1 to {taal.matras}; using 1")
    return 1


def first_sounding_matra(composition: Composition, taal: Taal) -> int:
    """Where the strokes begin: the ``# start:`` matra, moved on past leading rest matras (a
    pickup written with rests at the front, which is a whole cycle to the automaton)."""
    start = start_matra(composition, taal)
    for matra in (matra for cycle in composition.cycles for matra in cycle.matras):
        if any(bol != "-" for bol in matra.bols):
            break
        start += 1
    return (start - 1) % taal.matras + 1


def cycle_events(cycle: Cycle) -> list[tuple[Event, Matra]]:
    """A written cycle as rhythm events, each with the matra it belongs to (bars: the matra before)."""
    events: list[tuple[Event, Matra]] = []
    for index, vibhag in enumerate(cycle.vibhags):
        for matra in vibhag:
            for number, pulse in enumerate(matra.pulses):
                if number:
                    events.append((Event.PULSE, matra))
                events += [(Event.STROKE, matra)] * len(pulse)
            events.append((Event.MATRA, matra))
        if index < len(cycle.vibhags) - 1:
            events.append((Event.VIBHAG, vibhag[-1]))
        elif cycle.closed:
            events.append((Event.CYCLE, vibhag[-1]))
    return events


class _Report:
    def __init__(self, composition: Composition):
        self.composition = composition
        self.problems: list[Problem] = []

    def add(self, matra: Matra | None, cycle: int, message: str, warning: bool = False) -> None:
        if matra is not None and matra.line:
            location = Location(self.composition.source, matra.line, matra.column)
        else:
            location = Location(self.composition.source, self.composition.line, 1 if self.composition.line else 0)
        self.problems.append(Problem(location, self.composition.describe(), cycle, message, warning))


def _walk_cycles(report: _Report, meter: Meter, cycles: list[Cycle]) -> None:
    """Walk every written cycle through the automaton; one problem per broken cycle, then go on
    from the next cycle's sam."""
    beat = Beat()
    for number, cycle in enumerate(cycles, start=1):
        try:
            for event, matra in cycle_events(cycle):
                beat = meter.advance(beat, event)
        except RhythmError as error:
            report.add(*_describe_cycle(meter, cycle, number, matra, str(error)))
            beat = _next_sam(meter, number)
    try:
        meter.advance(beat, Event.END)
    except RhythmError as error:
        if not any(problem.cycle == len(cycles) for problem in report.problems):
            last = cycles[-1].matras[0] if cycles else None
            report.add(last, len(cycles), str(error))


def _next_sam(meter: Meter, cycles_written: int) -> Beat:
    # the beat at the sam that follows the written cycle, as if it had been right
    done = cycles_written * meter.taal.matras - (meter.start - 1)
    return Beat(done=done, cycle_bars=cycles_written)


def _describe_cycle(meter: Meter, cycle: Cycle, number: int, matra: Matra, walk_message: str):
    """(matra, cycle, message) for a broken cycle, in the cycle's own terms when its matra count or
    vibhag layout is what is wrong, else the automaton's words at the offending matra."""
    taal = meter.taal
    expected = _expected_layout(meter, number)
    written = [len(vibhag) for vibhag in cycle.vibhags]
    if not cycle.closed:
        return matra, number, walk_message
    if sum(written) != sum(expected):
        if number == 1 and meter.start > 1:
            return (cycle.matras[0], number, f"has {sum(written)} matras; starting at matra {meter.start} of "
                                             f"{taal.name} it should have {sum(expected)}")
        hint = (f"; if the piece starts after sam, say where with '# start: {taal.matras - sum(written) + 1}'"
                if number == 1 and sum(written) < taal.matras else "")
        return cycle.matras[0], number, f"has {sum(written)} matras; {taal.name} has {sum(expected)}{hint}"
    if written != expected:
        shown, wanted = "+".join(map(str, written)), "+".join(map(str, expected))
        return (_first_misplaced_matra(cycle, expected), number,
                f"vibhags are {shown}; {taal.name} divides {'these' if number == 1 and meter.start > 1 else 'its'} "
                f"matras {wanted}")
    return matra, number, walk_message


def _expected_layout(meter: Meter, number: int) -> list[int]:
    """Matras per vibhag that cycle ``number`` (1-based) must have: the taal's, or its tail for a pickup."""
    sizes = list(meter.taal.vibhags)
    if number > 1 or meter.start == 1:
        return sizes
    skip, layout = meter.start - 1, []
    for size in sizes:
        taken = min(skip, size)
        skip -= taken
        if size - taken:
            layout.append(size - taken)
    return layout


def _first_misplaced_matra(cycle: Cycle, expected: list[int]) -> Matra:
    # The first matra that starts a vibhag where the taal has none, or vice versa.
    def starts(sizes):
        found, position = set(), 0
        for size in sizes:
            found.add(position)
            position += size
        return found

    written, needed = starts(len(vibhag) for vibhag in cycle.vibhags), starts(expected)
    matras = cycle.matras
    return next((matras[i] for i in range(len(matras)) if (i in written) != (i in needed)), matras[0])


# ---------------------------------------------------------------------------------------- khali findings

def _check_khali_rule(report: _Report, taal: Taal, composition: Composition) -> None:
    matras = theme_matras(composition, taal)
    theme_cycles = theme_cycles_of(composition, taal, report, matras)
    unit = theme_cycles * taal.matras
    lexicon = composition.lexicon
    for start in range(0, len(matras) - unit + 1, unit):
        quarter = [matras[start + offset] for offset in khali_quarter(unit)]
        for position, matra in zip(khali_quarter(unit), quarter):
            bass = [bol for bol in matra.bols if lexicon.is_bass(bol)]
            if bass:
                report.add(matra, 1 + (start + position) // taal.matras,
                           f"khali quarter keeps its bass ({', '.join(bass)} in {matra.text}); the textbook "
                           f"khali rule closes it (theme of {theme_cycles} cycle{'s' if theme_cycles > 1 else ''})",
                           warning=True)
                break


def theme_cycles_of(composition: Composition, taal: Taal, report: _Report | None = None,
                    matras: list[Matra] | None = None) -> int:
    """A kaida's or rela's theme length in cycles: its ``# theme-cycles:`` header, else inferred
    from its ``theme_matras`` (pass them when already found: finding them searches for a tihai)."""
    value = composition.header("theme-cycles")
    if value is not None:
        if value.strip().isdigit() and int(value) > 0:
            return int(value)
        if report is not None:
            report.add(None, 0, f"'# theme-cycles: {value}' must be a positive whole number; inferring it")
    matras = theme_matras(composition, taal) if matras is None else matras
    return infer_theme_cycles(matras, taal, composition.lexicon)


def theme_matras(composition: Composition, taal: Taal) -> list[Matra]:
    """The matras of a kaida's or rela's theme and paltas: all of them up to the cycle where a
    closing tihai begins (its own phrases are not theme units)."""
    matras = [matra for cycle in composition.cycles for matra in cycle.matras]
    found = closing_tihai(composition, taal)
    if found is None:
        return matras
    first_matra = found.matra_index
    return matras[:first_matra - (start_matra(composition, taal) - 1 + first_matra) % taal.matras]


@dataclass(frozen=True)
class ClosingTihai:
    """A tihai that ends a composition: its shape, the matra (0-based, from the piece's first) where
    its first stroke falls, where that is in the cycle, and whether its last stroke is on sam."""

    phrase: int
    gap: int
    matra_index: int
    cycle: int        # 1-based cycle of the composition where it starts
    matra: int        # 1-based matra of that cycle
    on_sam: bool
    stroke: int = 1   # 1-based stroke of that matra where the phrase begins

    def describe(self, form: str | None = None) -> str:
        gap = f"gaps of {self.gap}" if self.gap else "no gaps (bedam)"
        landing = "lands on sam" if self.on_sam else "does NOT land on sam"
        where = f"cycle {self.cycle} matra {self.matra}" + (f" (its stroke {self.stroke})" if self.stroke > 1 else "")
        kind = "chakradar" if form == "chakradar" else "tihai"
        return f"{kind}: a phrase of {self.phrase} strokes three times with {gap}, from {where}; {landing}"


def closing_tihai(composition: Composition, taal: Taal) -> ClosingTihai | None:
    """The tihai the composition ends with (the same rule ``forms`` builds tihais by), or None.

    The stroke on sam is the first of the landing matra after the last ``||``; a piece without a
    landing is searched from its last stroke, and such a tihai does not land on sam.
    """
    strokes: list[tuple[str, int]] = []
    matras = [matra for cycle in composition.cycles for matra in cycle.matras]
    for index, matra in enumerate(matras):
        strokes += [(bol, index) for bol in matra.bols]
    landing = bool(composition.cycles) and not composition.cycles[-1].closed \
        and len(composition.cycles[-1].matras) == 1 and len(composition.cycles) > 1
    if landing:
        strokes = strokes[:len(strokes) - len(matras[-1].bols) + 1]
    # a tihai is one cadence: search the strokes of its last MAX_TIHAI_CYCLES cycles only
    window = sum(1 for _, matra in strokes if matra >= len(matras) - MAX_TIHAI_CYCLES * taal.matras - 1)
    found = find_tihai([bol for bol, _ in strokes], window=window)
    if found is None:
        return None
    matra_index = strokes[found.start][1]
    stroke = found.start - next(index for index, (_, matra) in enumerate(strokes) if matra == matra_index) + 1
    position = start_matra(composition, taal) - 1 + matra_index
    return ClosingTihai(found.shape.phrase, found.shape.gap, matra_index, position // taal.matras + 1,
                        position % taal.matras + 1, landing, stroke)


def infer_theme_cycles(matras: list[Matra], taal: Taal, lexicon) -> int:
    """The theme length (1, 2 or 4 cycles) whose khali quarters best mirror their first quarters.

    A theme's khali quarter is its first quarter with the bass closed, so for the true length the
    closed first quarter matches the khali quarter stroke for stroke; for a wrong length the
    "khali quarter" is some bhari stretch. Ties go to the shorter theme.
    """
    best, best_score = 1, -1.0
    for cycles in THEME_CYCLE_CANDIDATES:
        unit = cycles * taal.matras
        if unit > len(matras) or len(matras) % unit:
            continue
        score = _mirror_score(matras, unit, lexicon)
        if score > best_score + 1e-9:
            best, best_score = cycles, score
    return best


def _mirror_score(matras: list[Matra], unit: int, lexicon) -> float:
    """Mean over theme units of the share of strokes where the khali quarter equals the first
    quarter closed."""
    scores = []
    for start in range(0, len(matras) - unit + 1, unit):
        first = [bol for offset in first_quarter(unit) for bol in matras[start + offset].bols]
        khali = [bol for offset in khali_quarter(unit) for bol in matras[start + offset].bols]
        closed = [lexicon.khali(bol) for bol in first]
        same = sum(a == b for a, b in zip(closed, khali))
        scores.append(same / max(len(closed), len(khali), 1))
    return sum(scores) / len(scores) if scores else 0.0
