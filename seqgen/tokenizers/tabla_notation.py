"""Tabla line notation: read text into compositions (cycles of vibhags of matras of pulses of bols)
and print them back in canonical form.

Reading is tolerant (any letter case, aliases, bars touching words); printing is canonical and a
fixed point. Each whitespace-separated word is one matra (``Tir Kit`` is two matras); a comma inside
a word separates equal pulses of that matra (``DhaGeNa,DhaGeTiTa``: two pulses of 3 and 4 strokes).

A ``# bols: NAME[:CLASS[:KHALI]] ...`` header declares syllables the built-in lexicon lacks (syntax
in ``bols``); a declaration applies from its composition to the end of the file. A lexicon given to
``parse``/``read`` (from a lexicon file) applies to the whole text.

Reading is linear in the text's size: words are capped in length by the lexicon, and reading stops
after ``MAX_PROBLEMS`` problems. Single words are the lexicon's job (``bols``); whether a cycle fits
a taal is the validator's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from seqgen.errors import LocatedError, Location, NotationError, SeqgenError
from seqgen.tokenizers.bols import DEFAULT_LEXICON, PULSE_SEPARATOR, BadWord, Lexicon, declare, parse_item

_HEADER = re.compile(r"#\s*([A-Za-z][\w-]*)\s*:\s*(.*?)\s*$")
# Bars are '|' and '||'; Hindi books write them as the dandas '।' and '॥'.
_ITEM = re.compile(r"\|\|?|[।॥]|[^\s|।॥]+")
_BARS = {"|": "|", "||": "||", "।": "|", "॥": "||"}
# Keys whose values are names, printed in lower case.
_NAME_KEYS = ("taal", "form")
BOLS_KEY = "bols"
# A file with more problems than this is not notation; stop reading it (bounded time and memory).
MAX_PROBLEMS = 1000


@dataclass(frozen=True, slots=True)
class Matra:
    """One beat: its bols (canonical), their pulses, and where it was written (0 when generated).

    ``pulses`` splits ``bols`` into the equal sub-beats written with commas; a matra written without
    commas has one pulse holding all its bols (the default).
    """

    bols: tuple[str, ...]
    line: int = 0
    column: int = 0
    pulses: tuple[tuple[str, ...], ...] = ()

    def __post_init__(self) -> None:
        if not self.pulses:
            object.__setattr__(self, "pulses", (tuple(self.bols),))
        elif not (len(self.pulses) == 1 and self.pulses[0] == self.bols) and \
                tuple(bol for pulse in self.pulses for bol in pulse) != tuple(self.bols):
            raise ValueError(f"pulses {self.pulses} do not hold the bols {self.bols}")

    @classmethod
    def of_pulses(cls, pulses, line: int = 0, column: int = 0) -> "Matra":
        """A matra from its pulses (each a sequence of canonical bols)."""
        pulses = tuple(tuple(pulse) for pulse in pulses)
        bols = pulses[0] if len(pulses) == 1 else tuple(bol for pulse in pulses for bol in pulse)
        return cls(bols, line, column, pulses)

    @property
    def text(self) -> str:
        return PULSE_SEPARATOR.join("".join(pulse) for pulse in self.pulses)


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
    # The lexicon it was read with (declarations included): classes of declared bols live there.
    lexicon: Lexicon = field(default=DEFAULT_LEXICON, compare=False, repr=False)

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


def parse(text: str, source: str = "<text>", lexicon: Lexicon | None = None) -> list[Composition]:
    """Read every composition in ``text``.

    Args:
        text: tabla line notation (DESIGN.md section 3).
        source: file name used in error locations.
        lexicon: the syllables to read (default: the built-in lexicon); ``# bols:`` headers add to it.

    Returns:
        The compositions in order, including header-only blocks (a file preamble).

    Raises:
        NotationError: listing every unknown bol and misplaced bar, each with file:line:col.
    """
    compositions, problems = [], []
    for composition, found in read(text, source, lexicon):
        compositions.append(composition)
        problems += found
    if problems:
        raise NotationError(problems)
    return compositions


def read(text: str, source: str = "<text>",
         lexicon: Lexicon | None = None) -> list[tuple[Composition, list[LocatedError]]]:
    """Like ``parse``, but returns each composition with its own problems instead of raising.

    A composition with problems lacks the words that could not be read; a checker reports its
    problems and leaves its rhythm alone. After ``MAX_PROBLEMS`` problems reading stops, and the
    last problem says so.
    """
    reader = _Reader(source, lexicon or DEFAULT_LEXICON)
    for number, line in enumerate(text.splitlines(), start=1):
        reader.read_line(line, number)
        if reader.problem_count >= MAX_PROBLEMS:
            reader.give_up(number)
            break
    return reader.finish()


class CycleCollector:
    """Matras into vibhags and cycles as bars arrive: the one bar state machine, shared by the
    notation reader and the token decoder. Whether the cycles fit a taal is ``rhythm``'s question."""

    def __init__(self) -> None:
        self.cycles: list[Cycle] = []
        self.vibhag: list[Matra] = []
        self.cycle = Cycle()

    def add(self, matra: Matra) -> None:
        self.vibhag.append(matra)

    @property
    def pending(self) -> bool:
        """Matras or cycles collected so far."""
        return bool(self.cycles or self.cycle.vibhags or self.vibhag)

    def empty_before_bar(self, closes_cycle: bool) -> str | None:
        """What a bar here would close with nothing in it (``vibhag`` or ``cycle``), else None."""
        if self.vibhag:
            return None
        return "cycle" if closes_cycle and not self.cycle.vibhags else "vibhag"

    def bar(self, closes_cycle: bool) -> None:
        """``|`` (or ``||`` when ``closes_cycle``): close the vibhag, and the cycle with ``||``.
        An empty vibhag or cycle is never kept."""
        if self.vibhag:
            self.cycle.vibhags.append(self.vibhag)
            self.vibhag = []
        if closes_cycle and self.cycle.vibhags:
            self.cycle.closed = True
            self.cycles.append(self.cycle)
            self.cycle = Cycle()

    def finish(self) -> list[Cycle]:
        """All cycles, the last one unclosed when no ``||`` ended it."""
        if self.vibhag:
            self.cycle.vibhags.append(self.vibhag)
            self.vibhag = []
        if self.cycle.vibhags:
            self.cycles.append(self.cycle)
            self.cycle = Cycle()
        return self.cycles


class _Reader:
    """Line-by-line state machine behind ``parse``."""

    def __init__(self, source: str, lexicon: Lexicon):
        self.source = source
        self.lexicon = lexicon
        self.problem_count = 0
        self.compositions: list[tuple[Composition, list[LocatedError]]] = []
        self.problems: list[LocatedError] = []
        self.current: Composition | None = None
        self.collector = CycleCollector()
        self.unread = False  # the vibhag held words that could not be read (reported already)

    def read_line(self, line: str, number: int) -> None:
        stripped = line.strip()
        if not stripped:
            self._end_composition()
        elif stripped.startswith("#"):
            self._read_header(line, number)
        else:
            self._composition(number)
            self._read_bols(line, number)

    def finish(self) -> list[tuple[Composition, list[LocatedError]]]:
        self._end_composition()
        return self.compositions

    def give_up(self, number: int) -> None:
        self._problem(Location(self.source, number), f"more than {MAX_PROBLEMS} problems; stopped reading here")

    def _problem(self, where: Location, message: str) -> None:
        self.problem_count += 1
        self.problems.append(LocatedError(where, message))

    def _composition(self, number: int) -> Composition:
        if self.current is None:
            self.current = Composition(source=self.source, line=number, lexicon=self.lexicon)
        return self.current

    def _read_header(self, line: str, number: int) -> None:
        stripped = line.strip()
        # A header after bols starts the next composition.
        if self.current is not None and self.collector.pending:
            self._end_composition()
        match = _HEADER.fullmatch(stripped)
        header = (match.group(1).lower(), match.group(2)) if match else (None, stripped[1:].strip())
        composition = self._composition(number)
        if header[0] == BOLS_KEY:
            indent = len(line) - len(line.lstrip())
            header = (BOLS_KEY, self._declare(header[1], number, indent + match.start(2) + 1))
            composition.lexicon = self.lexicon
        composition.headers.append(header)

    def _declare(self, value: str, number: int, column: int) -> str:
        # Each item is checked on its own, so one bad item does not hide the others' problems.
        written = []
        for item in _ITEM_WORD.finditer(value):
            try:
                syllable = parse_item(item.group())
                self.lexicon = declare(self.lexicon, [syllable])
            except SeqgenError as error:
                self._problem(Location(self.source, number, column + item.start()), str(error))
                continue
            written.append(_declaration_text(item.group(), syllable.name))
        return " ".join(written)

    def _read_bols(self, line: str, number: int) -> None:
        for match in _ITEM.finditer(line):
            if self.problem_count >= MAX_PROBLEMS:
                return
            item, column = match.group(), match.start() + 1
            if item in _BARS:
                self._close_vibhag(_BARS[item] == "||", Location(self.source, number, column))
            else:
                self._read_word(item, number, column)

    def _read_word(self, word: str, number: int, column: int) -> None:
        try:
            bols, pulses = self.lexicon.read_matra(word)
        except BadWord as error:
            self._problem(Location(self.source, number, column + error.offset), str(error))
            self.unread = True
            return
        self.collector.add(Matra(bols, number, column, pulses))

    def _close_vibhag(self, closes_cycle: bool, where: Location) -> None:
        empty = self.collector.empty_before_bar(closes_cycle)
        if empty and not self.unread:  # a vibhag of unreadable words is reported already
            bar = "||" if closes_cycle else "|"
            self._problem(where, f"empty {empty} before {bar!r}")
        self.collector.bar(closes_cycle)
        self.unread = False

    def _end_composition(self) -> None:
        if self.current is None:
            return
        self.current.cycles = self.collector.finish()
        self.compositions.append((self.current, self.problems))
        self.current, self.collector, self.problems = None, CycleCollector(), []
        self.unread = False


_ITEM_WORD = re.compile(r"[^\s,]+")


def _declaration_text(item: str, name: str) -> str:
    # Canonical form of a declaration item: capitalised name, lower-case class, capitalised khali.
    parts = item.split(":")
    parts[0] = name
    if len(parts) > 1:
        parts[1] = parts[1].lower()
    if len(parts) > 2:
        parts[2] = parts[2][:1].upper() + parts[2][1:].lower()
    return ":".join(parts)
