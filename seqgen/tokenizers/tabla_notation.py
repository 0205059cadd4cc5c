"""Tabla line notation: read text into compositions (cycles of vibhags of matras of bols) and print
them back in canonical form.

Reading is tolerant (any letter case, aliases, bars touching words, ``Tir Kit``); printing is
canonical and a fixed point. Single words are the lexicon's job (``bols``); whether a cycle fits a
taal is the validator's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from seqgen.errors import LocatedError, Location, NotationError
from seqgen.tokenizers.bols import UnknownBol, split_word

_HEADER = re.compile(r"#\s*([A-Za-z][\w-]*)\s*:\s*(.*?)\s*$")
_ITEM = re.compile(r"\|\|?|[^\s|]+")
# Keys whose values are names, printed in lower case.
_NAME_KEYS = ("taal", "form")


@dataclass(frozen=True)
class Matra:
    """One beat: its bols (canonical) and where it was written (0 when generated)."""

    bols: tuple[str, ...]
    line: int = 0
    column: int = 0

    @property
    def text(self) -> str:
        return "".join(self.bols)


@dataclass
class Cycle:
    """One avartan as written: vibhags of matras; ``closed`` when it ended with ``||``."""

    vibhags: list[list[Matra]] = field(default_factory=list)
    closed: bool = False

    @property
    def matras(self) -> list[Matra]:
        return [matra for vibhag in self.vibhags for matra in vibhag]

    def text(self) -> str:
        vibhags = " | ".join(" ".join(matra.text for matra in vibhag) for vibhag in self.vibhags)
        return f"{vibhags} ||" if self.closed else vibhags


@dataclass
class Composition:
    """Headers (``(key, value)``; key ``None`` for a free comment line) and cycles."""

    headers: list[tuple[str | None, str]] = field(default_factory=list)
    cycles: list[Cycle] = field(default_factory=list)
    source: str = "<text>"
    line: int = 0

    def header(self, key: str) -> str | None:
        for name, value in self.headers:
            if name == key:
                return value.lower() if key in _NAME_KEYS else value
        return None

    @property
    def taal(self) -> str | None:
        return self.header("taal")

    @property
    def form(self) -> str | None:
        return self.header("form")

    @property
    def title(self) -> str | None:
        return self.header("title")

    def describe(self) -> str:
        """A short name for messages: the title, or the line it starts on."""
        return f"{self.title!r}" if self.title else f"composition at line {self.line}"

    def text(self) -> str:
        """Canonical line notation: headers, then one cycle per line."""
        lines = [_format_header(key, value) for key, value in self.headers]
        lines += [cycle.text() for cycle in self.cycles]
        return "\n".join(lines)


def _format_header(key: str | None, value: str) -> str:
    if key is None:
        return f"# {value}".rstrip()
    return f"# {key}: {value.lower() if key in _NAME_KEYS else value}"


def format_compositions(compositions: list[Composition]) -> str:
    """Canonical text of several compositions, a blank line between them."""
    return "".join(composition.text() + "\n\n" for composition in compositions).rstrip("\n") + "\n"


def parse(text: str, source: str = "<text>") -> list[Composition]:
    """Read every composition in ``text``.

    Args:
        text: tabla line notation (DESIGN.md section 3).
        source: file name used in error locations.

    Returns:
        The compositions in order, including header-only blocks (a file preamble).

    Raises:
        NotationError: listing every unknown bol and misplaced bar, each with file:line:col.
    """
    compositions, problems = [], []
    for composition, found in read(text, source):
        compositions.append(composition)
        problems += found
    if problems:
        raise NotationError(problems)
    return compositions


def read(text: str, source: str = "<text>") -> list[tuple[Composition, list[LocatedError]]]:
    """Like ``parse``, but returns each composition with its own problems instead of raising.

    A composition with problems lacks the words that could not be read; a checker reports its
    problems and leaves its rhythm alone.
    """
    reader = _Reader(source)
    for number, line in enumerate(text.splitlines(), start=1):
        reader.read_line(line, number)
    return reader.finish()


class _Reader:
    """Line-by-line state machine behind ``parse``."""

    def __init__(self, source: str):
        self.source = source
        self.compositions: list[tuple[Composition, list[LocatedError]]] = []
        self.problems: list[LocatedError] = []
        self.current: Composition | None = None
        self.vibhag: list[Matra] = []
        self.cycle = Cycle()

    def read_line(self, line: str, number: int) -> None:
        stripped = line.strip()
        if not stripped:
            self._end_composition()
        elif stripped.startswith("#"):
            self._read_header(stripped, number)
        else:
            self._composition(number)
            self._read_bols(line, number)

    def finish(self) -> list[tuple[Composition, list[LocatedError]]]:
        self._end_composition()
        return self.compositions

    def _composition(self, number: int) -> Composition:
        if self.current is None:
            self.current = Composition(source=self.source, line=number)
        return self.current

    def _read_header(self, stripped: str, number: int) -> None:
        # A header after bols starts the next composition.
        if self.current is not None and (self.current.cycles or self.cycle.vibhags or self.vibhag):
            self._end_composition()
        match = _HEADER.fullmatch(stripped)
        header = (match.group(1).lower(), match.group(2)) if match else (None, stripped[1:].strip())
        self._composition(number).headers.append(header)

    def _read_bols(self, line: str, number: int) -> None:
        items = [(m.group(), m.start() + 1) for m in _ITEM.finditer(line)]
        for index, (item, column) in enumerate(items):
            if item in ("|", "||"):
                self._close_vibhag(item == "||", Location(self.source, number, column))
            elif _is_spaced_tirkit(items, index):
                self.vibhag.append(Matra(("Ti", "Ra", "Ki", "Ta"), number, column))
            elif not _is_kit_after_tir(items, index):
                self._read_word(item, number, column)

    def _read_word(self, word: str, number: int, column: int) -> None:
        try:
            self.vibhag.append(Matra(split_word(word), number, column))
        except UnknownBol as error:
            where = Location(self.source, number, column + error.offset)
            self.problems.append(LocatedError(where, str(error)))

    def _close_vibhag(self, closes_cycle: bool, where: Location) -> None:
        if not self.vibhag:
            what = "cycle" if closes_cycle and not self.cycle.vibhags else "vibhag"
            bar = "||" if closes_cycle else "|"
            self.problems.append(LocatedError(where, f"empty {what} before {bar!r}"))
        else:
            self.cycle.vibhags.append(self.vibhag)
        self.vibhag = []
        if closes_cycle and self.cycle.vibhags:  # an empty cycle is reported above, never kept
            self.cycle.closed = True
            self._composition(where.line).cycles.append(self.cycle)
            self.cycle = Cycle()

    def _end_composition(self) -> None:
        if self.current is None:
            return
        if self.vibhag:
            self.cycle.vibhags.append(self.vibhag)
        if self.cycle.vibhags:
            self.current.cycles.append(self.cycle)
        self.compositions.append((self.current, self.problems))
        self.current, self.vibhag, self.cycle, self.problems = None, [], Cycle(), []


def _is_spaced_tirkit(items: list[tuple[str, int]], index: int) -> bool:
    # "Tir Kit" written with a space is one stroke group, TiRaKiTa, in one matra.
    return (
        items[index][0].lower() == "tir"
        and index + 1 < len(items)
        and items[index + 1][0].lower() == "kit"
    )


def _is_kit_after_tir(items: list[tuple[str, int]], index: int) -> bool:
    return index > 0 and _is_spaced_tirkit(items, index - 1)
