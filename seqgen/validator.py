"""The composition validator: does every cycle fit its taal, and does a kaida keep the khali rule?

It works on parsed compositions (``tokenizers.tabla_notation``) and taal records (``taals``) and
reports problems; it never changes a composition. Enforcing the same rules while sampling is
``constraints``'s job.
"""

from __future__ import annotations

from dataclasses import dataclass

from seqgen.errors import Location
from seqgen.taals import Taal, UnknownTaal, get_taal
from seqgen.tokenizers.bols import is_bass
from seqgen.tokenizers.tabla_notation import Composition, Cycle, Matra

# Forms whose last stroke lands on sam: one matra after the final `||` is that landing.
CADENTIAL_FORMS = frozenset({"tihai", "chakradar", "tukda", "paran", "mukhda"})
# Forms whose theme units follow bhari-bhari-khali-bhari strictly (DESIGN.md section 3).
KHALI_RULE_FORMS = frozenset({"kaida", "rela"})


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one composition, at one place."""

    location: Location
    composition: str
    cycle: int  # 1-based; 0 for the composition as a whole
    message: str

    def __str__(self) -> str:
        where = f"cycle {self.cycle}: " if self.cycle else ""
        return f"{self.location}: {self.composition}: {where}{self.message}"


def validate(composition: Composition, taal_name: str | None = None, khali_rule: bool = True) -> list[Problem]:
    """Check every cycle of ``composition`` against its taal.

    Args:
        composition: a parsed composition.
        taal_name: overrides the composition's ``# taal:`` header.
        khali_rule: check the khali quarter of kaida and rela theme units.

    Returns:
        Problems in reading order; empty when the composition is valid.

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
    for number, cycle in enumerate(composition.cycles, start=1):
        _check_cycle(report, taal, cycle, number, is_last=number == len(composition.cycles))
    if khali_rule and composition.form in KHALI_RULE_FORMS:
        _check_khali_rule(report, taal, composition)
    return sorted(report.problems, key=lambda problem: (problem.location.line, problem.location.column))


class _Report:
    def __init__(self, composition: Composition):
        self.composition = composition
        self.problems: list[Problem] = []

    def add(self, matra: Matra | None, cycle: int, message: str) -> None:
        if matra is not None and matra.line:
            location = Location(self.composition.source, matra.line, matra.column)
        else:
            location = Location(self.composition.source, self.composition.line, 1 if self.composition.line else 0)
        self.problems.append(Problem(location, self.composition.describe(), cycle, message))


def _check_cycle(report: _Report, taal: Taal, cycle: Cycle, number: int, is_last: bool) -> None:
    first = cycle.matras[0]
    if not cycle.closed:
        if is_last and _is_sam_landing(report.composition, cycle):
            return
        report.add(first, number, f"cycle is not closed with '||' ({len(cycle.matras)} of {taal.matras} matras)")
        return
    if len(cycle.matras) != taal.matras:
        report.add(first, number, f"has {len(cycle.matras)} matras; {taal.name} has {taal.matras}")
        return
    if len(cycle.vibhags) != len(taal.vibhags) or any(
        len(written) != size for written, size in zip(cycle.vibhags, taal.vibhags)
    ):
        written = "+".join(str(len(vibhag)) for vibhag in cycle.vibhags)
        expected = "+".join(str(size) for size in taal.vibhags)
        wrong = _first_misplaced_matra(cycle, taal)
        report.add(wrong, number, f"vibhags are {written}; {taal.name} divides its matras {expected}")


def _is_sam_landing(composition: Composition, cycle: Cycle) -> bool:
    # The stroke that resolves a tihai falls on the next sam: one matra after the last '||'.
    return (
        composition.form in CADENTIAL_FORMS
        and len(composition.cycles) > 1
        and len(cycle.matras) == 1
    )


def _first_misplaced_matra(cycle: Cycle, taal: Taal) -> Matra:
    # The first matra that starts a vibhag where the taal has none, or vice versa.
    starts_written = set()
    position = 0
    for vibhag in cycle.vibhags:
        starts_written.add(position)
        position += len(vibhag)
    starts_needed = {start - 1 for start in taal.vibhag_starts}
    matras = cycle.matras
    for index in range(len(matras)):
        if (index in starts_written) != (index in starts_needed):
            return matras[index]
    return matras[0]


def _check_khali_rule(report: _Report, taal: Taal, composition: Composition) -> None:
    unit_cycles = _theme_cycles(report, composition)
    full_cycles = [cycle for cycle in composition.cycles if cycle.closed and len(cycle.matras) == taal.matras]
    if len(full_cycles) != len(composition.cycles):
        return  # the rhythm problems are reported already; quarters would be meaningless
    for start in range(0, len(full_cycles) - unit_cycles + 1, unit_cycles):
        unit = [matra for cycle in full_cycles[start:start + unit_cycles] for matra in cycle.matras]
        quarter_start = 2 * len(unit) // 4
        for offset, matra in enumerate(khali_quarter(unit)):
            if any(is_bass(bol) for bol in matra.bols):
                bass = ", ".join(bol for bol in matra.bols if is_bass(bol))
                cycle_number = start + 1 + (quarter_start + offset) // taal.matras
                report.add(matra, cycle_number,
                           f"khali quarter keeps its bass ({bass} in {matra.text}); the khali rule wants it closed")
                break


def khali_quarter(unit: list) -> list:
    """The third of four quarters of a theme unit (any sequence of matras)."""
    length = len(unit)
    return unit[2 * length // 4:3 * length // 4]


def _theme_cycles(report: _Report, composition: Composition) -> int:
    value = composition.header("theme-cycles")
    if value is None:
        return 1
    if value.strip().isdigit() and int(value) > 0:
        return int(value)
    report.add(None, 0, f"'# theme-cycles: {value}' must be a positive whole number; using 1")
    return 1
