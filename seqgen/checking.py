"""Checking a whole notation file: reading problems and taal problems of every composition, in order.

Reading is ``tokenizers.tabla_notation``'s job and the rules are ``validator``'s; this module only
gathers their findings for ``seqgen check``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from seqgen.errors import Location, SeqgenError
from seqgen.taals import get_taal
from seqgen.tokenizers.bols import Lexicon
from seqgen.tokenizers.tabla_notation import read
from seqgen.validator import CADENTIAL_FORMS, Problem, closing_tihai, errors, validate


@dataclass
class CheckReport:
    """What ``check_text`` found: problems (errors) and findings (warnings, e.g. the khali rule)."""

    compositions: int = 0
    cycles: int = 0
    invalid: int = 0
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was recognised, e.g. a tihai and where it starts

    def summary(self) -> str:
        findings = f", {len(self.warnings)} warnings" if self.warnings else ""
        if not self.problems:
            return f"{self.compositions} compositions, {self.cycles} cycles: all valid{findings}"
        return (f"{self.invalid} of {self.compositions} compositions have problems "
                f"({len(self.problems)} problems{findings}, {self.cycles} cycles)")


def check_text(text: str, source: str, taal: str | None = None, lexicon: Lexicon | None = None,
               strict: bool = False) -> CheckReport:
    """Check every composition with cycles in ``text``; ``taal`` overrides the headers, ``lexicon``
    (e.g. from ``--lexicon``) adds syllables, and ``strict`` counts warnings as problems."""
    report = CheckReport()
    for composition, reading_problems in read(text, source, lexicon):
        if not composition.cycles and not reading_problems:
            continue  # a preamble of comments
        report.compositions += 1
        report.cycles += len(composition.cycles)
        problems = [str(problem) for problem in reading_problems]
        findings = [] if problems else validate(composition, taal)
        problems += [] if problems else _sections_problem(composition)
        if not problems and not errors(findings):
            note, finding = _tihai_finding(composition, taal)
            report.notes += [note] if note else []
            findings += [finding] if finding else []
        problems += [str(problem) for problem in findings if strict or not problem.warning]
        report.warnings += [str(problem) for problem in findings if problem.warning and not strict]
        if problems:
            report.invalid += 1
            report.problems += problems
    return report


def _sections_problem(composition) -> list[str]:
    """A ``# sections:`` header that render, play and the library would refuse, as a problem."""
    from seqgen.pieces import sections_of  # lazily: pieces reads files through this package's peers

    try:
        sections_of(composition)
    except SeqgenError as error:
        return [str(error)]
    return []


def _tihai_finding(composition, taal_name: str | None) -> tuple[str | None, Problem | None]:
    """A note naming the tihai a valid composition ends with (where it starts, whether it lands on
    sam); for a tihai-ending form without one, a warning instead."""
    record = get_taal(taal_name or composition.taal)
    found = closing_tihai(composition, record)
    where = Location(composition.source, composition.line, 1 if composition.line else 0)
    if found is not None and (found.on_sam or composition.form in CADENTIAL_FORMS):
        return f"{where}: {composition.describe()}: {found.describe(composition.form)}", None
    if composition.form in CADENTIAL_FORMS:
        message = "no tihai: no phrase is played three times into the stroke on sam"
        return None, Problem(where, composition.describe(), 0, message, warning=True)
    return None, None


def require_valid(text: str, source: str, lexicon: Lexicon | None = None) -> None:
    """Refuse a training file whose compositions break their taal (those naming no taal are
    not checked): a model would learn the broken rhythm. Warnings (a kaida's khali departures)
    never refuse a corpus: real repertoire has them.

    Raises:
        SeqgenError: the first problem with file:line:col, and how many there are.
    """
    problems = []
    for composition, reading_problems in read(text, source, lexicon):
        problems += [str(problem) for problem in reading_problems]
        if composition.cycles and composition.taal and not reading_problems:
            problems += [str(problem) for problem in errors(validate(composition))]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise SeqgenError(f"{problems[0]}{more}; `seqgen check {source}` lists them all")
