"""An independent checker of tabla forms (tihai, chakradar, kaida), written apart from seqgen.

This module imports nothing from seqgen on purpose: it is the judge that seqgen's form grammars are
held to (issue 9, "Done when"), so it must not share seqgen's reader, taal tables or lexicon. It reads
the canonical text that ``seqgen sample --format text`` and ``seqgen format`` print:

- ``#`` lines are headers (``# taal:``, ``# start:``, ``# bols:`` ...) or comments and are skipped in
  the body; a blank line or a new ``# taal:`` header after body lines starts a new piece;
- the body is whitespace-separated words: a word is one matra, ``|`` closes a vibhag, ``||`` a cycle;
- a matra is split at capital letters into strokes (``DhaGeTiTa`` -> Dha Ge Ti Ta); ``-`` is a rest
  stroke; a comma separates equal pulses of the matra and is not a stroke;
- ``# start: N`` means the first cycle begins at matra N (a pickup); the one word after the last
  ``||`` is the landing matra on sam.

Every check returns ``(ok, reason)``: ``reason`` says what is wrong, or, when ``ok``, what was found
(phrase and gap lengths, where the tihai starts). :func:`parse` raises :class:`FormError` for text
that is not a well-formed sequence of complete cycles in its taal.

Timing: with ``timed=True`` the tihai checks also compare *when* strokes fall, not only which strokes
they are: the three phrases must have identical onsets relative to their own first stroke, and the
second phrase must start as long after the first as the third after the second (equal spacing in
time, not just in stroke counts). Strokes in one matra share it evenly per pulse.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

# Vibhag layouts of the nine taals (matras per vibhag); a cycle is their sum.
TAALS: dict[str, tuple[int, ...]] = {
    "teentaal": (4, 4, 4, 4),
    "jhaptaal": (2, 3, 2, 3),
    "ektaal": (2, 2, 2, 2, 2, 2),
    "rupak": (3, 2, 2),
    "keherwa": (4, 4),
    "dadra": (3, 3),
    "jhoomra": (3, 4, 3, 4),
    "deepchandi": (3, 4, 3, 4),
    "dhamar": (5, 2, 3, 4),
}

# Bass-ringing strokes (the bayan sounds) and their closed (khali) counterparts.
BASS_TO_CLOSED: dict[str, str] = {
    "Dha": "Ta", "Dhin": "Tin", "Dhi": "Ti", "Dhe": "Te", "Dhet": "Tit",
    "Ge": "Ke", "Ga": "Ka", "Gi": "Ki", "Ghi": "Ki", "Ghen": "Ke",
    "Din": "Tin", "Di": "Ti", "Da": "Ta", "Ding": "Tin", "Kda": "Kra",
}

REST = "-"
CADENTIAL_FORMS = {"tihai", "chakradar", "tukda", "paran", "mukhda", "mohra", "farmaishi", "kamali"}

_STROKE = re.compile(r"[A-Z][a-z]*|-")
_PULSE = re.compile(r"(?:[A-Z][a-z]*|-)+")
_TOKEN = re.compile(r"\|\||\||[^\s|]+")  # a cycle bar, a vibhag bar, or a word


class FormError(ValueError):
    """The text is not canonical notation of whole cycles in a known taal."""


@dataclass(frozen=True)
class Matra:
    """One matra: its pulses, each a tuple of strokes (``-`` for a rest)."""

    word: str
    pulses: tuple[tuple[str, ...], ...]

    @property
    def strokes(self) -> tuple[str, ...]:
        return tuple(stroke for pulse in self.pulses for stroke in pulse)

    def onsets(self, position: int) -> list[Fraction]:
        """Onset of each stroke, in matras, for this matra sitting at absolute ``position``."""
        share = Fraction(1, len(self.pulses))
        return [position + index * share + share * k / len(pulse)
                for index, pulse in enumerate(self.pulses) for k in range(len(pulse))]


@dataclass
class Piece:
    """A parsed composition: headers, the matras before the landing, and the landing matra."""

    headers: dict[str, str]
    taal: str
    start: int
    matras: list[Matra]
    landing: Matra | None
    bass: dict[str, str] = field(default_factory=lambda: dict(BASS_TO_CLOSED))

    @property
    def cycle(self) -> int:
        return sum(TAALS[self.taal])

    def strokes(self) -> list[tuple[str, Fraction]]:
        """Every stroke with its onset in matras from the first sam (the landing included)."""
        out: list[tuple[str, Fraction]] = []
        matras = self.matras + ([self.landing] if self.landing else [])
        for index, matra in enumerate(matras):
            out.extend(zip(matra.strokes, matra.onsets(self.start - 1 + index)))
        return out


def read_matra(word: str) -> Matra:
    """Split a canonical matra word into pulses of strokes; raise FormError if it is not one."""
    pulses = word.split(",")
    if not all(_PULSE.fullmatch(pulse) for pulse in pulses):
        raise FormError(f"not a canonical matra: {word!r}")
    return Matra(word, tuple(tuple(_STROKE.findall(pulse)) for pulse in pulses))


def split_pieces(text: str) -> list[str]:
    """Split sample output into pieces: at blank lines, and at a ``# taal:`` header after a body."""
    pieces: list[list[str]] = []
    current: list[str] = []
    has_body = False
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            if has_body:  # a blank line ends a piece (blank lines between headers are kept)
                pieces.append(current)
                current, has_body = [], False
            continue
        if stripped.startswith("#") and has_body and re.match(r"#\s*taal\s*:", stripped):
            pieces.append(current)
            current, has_body = [], False
        current.append(line)
        has_body = has_body or not stripped.startswith("#")
    if has_body:
        pieces.append(current)
    return ["\n".join(piece) + "\n" for piece in pieces]


def _declared_bass(value: str) -> dict[str, str]:
    """Bass syllables declared in a ``# bols:`` header (NAME:bass:KHALI or NAME:both:KHALI)."""
    declared = {}
    for item in value.split():
        parts = item.split(":")
        if len(parts) >= 2 and parts[1] in ("bass", "both"):
            declared[parts[0]] = parts[2] if len(parts) > 2 else parts[0]
    return declared


def parse(text: str) -> Piece:
    """Read one piece and check that every cycle is complete for its taal, honouring ``# start:``.

    Bars must stand exactly where the taal puts them: ``|`` after each vibhag but the last of a cycle,
    ``||`` after the last. After the final ``||`` at most one matra may follow: the landing on sam.
    """
    headers: dict[str, str] = {}
    words: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            match = re.match(r"#\s*([\w-]+)\s*:\s*(.*)$", stripped)
            if match and not words:
                headers.setdefault(match.group(1).lower(), match.group(2).strip())
            continue
        words.extend(_TOKEN.findall(stripped))
    taal = headers.get("taal", "teentaal").lower()
    if taal not in TAALS:
        raise FormError(f"unknown taal {taal!r}")
    vibhags = TAALS[taal]
    cycle = sum(vibhags)
    try:
        start = int(headers.get("start", "1"))
    except ValueError:
        raise FormError(f"bad start header {headers['start']!r}") from None
    if not 1 <= start <= cycle:
        raise FormError(f"start {start} outside 1..{cycle}")
    ends = {sum(vibhags[:k]) for k in range(1, len(vibhags))}  # matras that close a vibhag (1-based)

    matras: list[Matra] = []
    position = start  # 1-based place in the cycle of the next matra
    expect: str | None = None  # the bar due before the next matra, if any
    cycles_closed = 0
    for word in words:
        if word in ("|", "||"):
            if expect != word:
                raise FormError(f"{word!r} before matra {position} of {taal} "
                                f"(expected {expect or 'a matra'})")
            expect = None
            cycles_closed += word == "||"
            continue
        if expect is not None:
            raise FormError(f"missing {expect!r} before matra {position} ({word!r}) of {taal}")
        matras.append(read_matra(word))
        if position == cycle:
            expect, position = "||", 1
        else:
            expect = "|" if position in ends else None
            position += 1
    if cycles_closed == 0:
        raise FormError("no complete cycle (no '||')")
    if expect is None and position == 1:
        landing = None  # the text ends right after '||'
    elif expect is None and position == 2:
        landing = matras.pop()  # exactly one matra after the last '||': the landing on sam
    else:
        raise FormError(f"incomplete last cycle: the text stops before matra {position} of {taal}"
                        + (f" (a {expect!r} is due)" if expect else ""))
    piece = Piece(headers, taal, start, matras, landing)
    piece.bass.update(_declared_bass(headers.get("bols", "")))
    form = headers.get("form", "").lower()
    if (form in CADENTIAL_FORMS or start > 1) and landing is None:
        raise FormError(f"a {form or 'pickup'} piece must end with its landing matra on sam")
    return piece


# ------------------------------------------------------------------------------------------ tihai

def _repeats(seq, a: int, b: int, length: int) -> bool:
    return seq[a:a + length] == seq[b:b + length]


def _relative(onsets: list[Fraction], at: int, length: int) -> list[Fraction]:
    return [onset - onsets[at] for onset in onsets[at:at + length]]


def find_tihais(strokes: list[str], onsets: list[Fraction] | None = None, end: int | None = None,
                min_phrase: int = 2, filled_gaps: bool = False):
    """Every (phrase, gap) decomposition P G P G P of ``strokes[:end]`` that ends at ``end``.

    P is ``min_phrase`` strokes or more and not all rests; G is rests only (possibly empty), or, with
    ``filled_gaps``, any two identical stretches (``Dha -TiTa Dha -TiTa Dha``). With
    ``onsets`` the three phrases must also fall identically in time and be equally spaced. Yields
    ``(start_index, phrase_length, gap_length)``, shortest phrase first.
    """
    end = len(strokes) if end is None else end
    for p in range(min_phrase, end // 3 + 1):
        third = end - p
        phrase = strokes[third:end]
        if phrase[-1] == REST or all(stroke == REST for stroke in phrase):
            continue
        rests = 0  # rests right before the third phrase bound the gap length
        while rests < third and strokes[third - 1 - rests] == REST:
            rests += 1
        for g in range(0, (third if filled_gaps else rests) + 1):
            first = end - 3 * p - 2 * g
            if first < 0:
                break
            second = first + p + g
            if not (_repeats(strokes, first, third, p) and _repeats(strokes, second, third, p)):
                continue
            if filled_gaps:
                if not _repeats(strokes, first + p, second + p, g):
                    continue
            elif any(stroke != REST for stroke in strokes[first + p:second]):
                continue
            if onsets is not None:
                shape = _relative(onsets, third, p)
                if _relative(onsets, first, p) != shape or _relative(onsets, second, p) != shape:
                    continue
                if onsets[second] - onsets[first] != onsets[third] - onsets[second]:
                    continue
            yield first, p, g


def _landed(text: str) -> tuple[Piece, list[str], list[Fraction]]:
    piece = parse(text)
    if piece.landing is None:
        raise FormError("no landing matra after the last '||'")
    if len(piece.landing.strokes) != 1 or piece.landing.strokes[0] == REST:
        raise FormError(f"the landing matra {piece.landing.word!r} is not one stroke on sam")
    pairs = piece.strokes()
    return piece, [s for s, _ in pairs], [t for _, t in pairs]


def _where(piece: Piece, onset: Fraction) -> str:
    cycle = piece.cycle
    matra = int(onset) % cycle + 1
    offset = onset - int(onset)
    return f"matra {matra}" + (f" + {offset}" if offset else "")


def check_tihai(text: str, timed: bool = False) -> tuple[bool, str]:
    """Whether the piece ends with a tihai P G P G P whose last stroke is the landing on sam."""
    try:
        piece, strokes, onsets = _landed(text)
    except FormError as error:
        return False, str(error)
    for first, p, g in find_tihais(strokes, onsets if timed else None):
        return True, (f"tihai of a {p}-stroke phrase, gap {g} ({'dam' if g else 'bedam'}), "
                      f"from {_where(piece, onsets[first])}")
    return False, (f"no phrase played three times with equal rest gaps ends on the landing "
                   f"({len(strokes)} strokes, last 12: {' '.join(strokes[-12:])})")


def tihai_shapes(text: str, timed: bool = False) -> set[tuple[int, int]]:
    """Every (phrase strokes, gap strokes) of a tihai in the piece that ends on its landing."""
    try:
        _, strokes, onsets = _landed(text)
    except FormError:
        return set()
    return {(p, g) for _, p, g in find_tihais(strokes, onsets if timed else None)}


def check_chakradar(text: str, timed: bool = False, filled_gaps: bool = False) -> tuple[bool, str]:
    """A tihai whose phrase P itself ends in a small tihai p g p g p (inside P, ending with P).

    The small phrase p may be a single stroke (``Dha - Dha - Dha``); its gaps are rests, or with
    ``filled_gaps`` any identical stretches (``Dha -TiTa Dha -TiTa Dha``, common in real chakradars).
    """
    try:
        piece, strokes, onsets = _landed(text)
    except FormError as error:
        return False, str(error)
    timing = onsets if timed else None
    for first, p, g in find_tihais(strokes, timing):
        phrase, phrase_onsets = strokes[first:first + p], onsets[first:first + p]
        for _, q, h in find_tihais(phrase, phrase_onsets if timed else None, min_phrase=1,
                                   filled_gaps=filled_gaps):
            return True, (f"chakradar: a {p}-stroke phrase (gap {g}) from {_where(piece, onsets[first])}"
                          f", ending in a tihai of {q} strokes (gap {h})")
    return False, "no tihai whose phrase ends in a tihai lands on sam"


# ------------------------------------------------------------------------------------------ kaida

def _quarters(n: int) -> list[range]:
    return [range(k * n // 4, (k + 1) * n // 4) for k in range(4)]


def check_unit(matras: list[Matra], bass: dict[str, str] | None = None) -> tuple[bool, str]:
    """Bhari-bhari-khali-bhari for one theme or palta of n matras, quartered by matras.

    Q3 equals Q1 with every bass stroke closed, matra for matra and stroke for stroke, each stroke at
    the same place in its matra (``DhaGeNaDhaTiRa`` and ``DhaGeNa,DhaTiRa`` sound alike and match);
    Q3 holds no bass stroke, and Q1, Q2, Q4 each hold at least one bass stroke.
    """
    bass = BASS_TO_CLOSED if bass is None else bass
    q1, q2, q3, q4 = ([matras[i] for i in quarter] for quarter in _quarters(len(matras)))
    if len(q1) != len(q3):
        return False, f"a unit of {len(matras)} matras has no equal first and third quarters"
    for name, quarter in (("Q1", q1), ("Q2", q2), ("Q4", q4)):
        if not any(stroke in bass for matra in quarter for stroke in matra.strokes):
            return False, f"{name} ({' '.join(m.word for m in quarter)}) has no bass stroke"
    kept = [stroke for matra in q3 for stroke in matra.strokes if stroke in bass]
    if kept:
        return False, f"the khali quarter ({' '.join(m.word for m in q3)}) keeps bass: {' '.join(kept)}"
    for a, b in zip(q1, q3):
        closed = [bass.get(stroke, stroke) for stroke in a.strokes]
        if list(zip(closed, a.onsets(0))) != list(zip(b.strokes, b.onsets(0))):
            return False, (f"the khali quarter ({' '.join(m.word for m in q3)}) is not the first "
                           f"({' '.join(m.word for m in q1)}) closed: {b.word} should be "
                           f"{''.join(closed)} in the rhythm of {a.word}")
    return True, "bhari-bhari-khali-bhari"


def _tail_text(piece: Piece, cycles_used: int) -> str:
    """The closing section (from cycle ``cycles_used`` on, with the landing) as canonical text."""
    vibhags = TAALS[piece.taal]
    ends = [sum(vibhags[:k]) for k in range(1, len(vibhags) + 1)]
    rest = piece.matras[cycles_used * piece.cycle:]
    lines = []
    for c in range(0, len(rest), piece.cycle):
        words = []
        for i, matra in enumerate(rest[c:c + piece.cycle], start=1):
            words.append(matra.word)
            if i in ends:
                words.append("||" if i == piece.cycle else "|")
        lines.append(" ".join(words))
    lines.append(piece.landing.word if piece.landing else "")
    return f"# taal: {piece.taal}\n# form: tihai\n" + "\n".join(lines) + "\n"


def check_kaida(text: str, theme_cycles: int, paltas: int | None = None,
                timed: bool = False) -> tuple[bool, str]:
    """Theme + paltas (``theme_cycles`` cycles each, every one bhari-bhari-khali-bhari), then a closing
    section that ends with a tihai on sam.

    With ``paltas`` the piece must hold exactly ``1 + paltas`` units before its closing section. Without,
    the units are as many whole units as leave a closing section holding a tihai (at least one unit).
    """
    try:
        piece = parse(text)
    except FormError as error:
        return False, str(error)
    if piece.start != 1:
        return False, f"a kaida starts on sam, not at matra {piece.start}"
    if piece.landing is None:
        return False, "no landing matra after the last '||': the kaida does not end with a tihai on sam"
    unit = theme_cycles * piece.cycle
    available = len(piece.matras) // unit
    counts = [1 + paltas] if paltas is not None else range(available, 0, -1)
    reasons = []
    for units in counts:
        if units > available or units < 1:
            reasons.append(f"{units} units of {unit} matras do not fit in {len(piece.matras)} matras")
            continue
        tail_ok, tail_reason = check_tihai(_tail_text(piece, units * theme_cycles), timed=timed)
        if not tail_ok:
            reasons.append(f"after {units} units the closing section has no tihai on sam: {tail_reason}")
            continue
        for k in range(units):
            ok, reason = check_unit(piece.matras[k * unit:(k + 1) * unit], piece.bass)
            if not ok:
                return False, f"{'theme' if k == 0 else f'palta {k}'}: {reason}"
        return True, f"theme and {units - 1} paltas, bhari-bhari-khali-bhari; closing {tail_reason}"
    return False, "; ".join(reasons[:2])
