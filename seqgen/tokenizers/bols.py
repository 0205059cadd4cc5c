"""The tabla bol lexicon: syllables, their spellings and classes, and splitting one matra word into bols.

A ``Lexicon`` holds one record per syllable (``Syllable``: canonical spelling, other spellings, class,
khali counterpart) and reads single words: ``DhaGeTiRaKiTa``, ``tirkit``, ``DhaGeNa,DhaGeTiTa``.
Reading whole compositions (bars, cycles, headers) is ``tabla_notation``'s job.

Classes (what the bayan does, which is what the khali rule cares about):

- ``bass``: a bayan stroke that rings, alone (``Ge``, ``Ga``, ``Gi``, ``Ghi``, ``Ghen``);
- ``both``: a dayan stroke with the bayan ringing (``Dha``, ``Dhin``, ``Dhi``, ``Din``, ``Kda``...);
- ``closed``: no ringing bass, whether the dayan rings or not (``Ta``, ``Tin``, ``Na``, ``Ke``, ``Kat``...).

``is_bass`` is true for ``bass`` and ``both``. Khali counterparts: Dha->Ta, Dhin->Tin, Dhi->Ti,
Dhe->Te, Dhet->Tit, Ge->Ke, Ga->Ka, Gi->Ki, Ghi->Ki, Ghen->Ke, Din->Tin, Di->Ti, Da->Ta, Ding->Tin,
Kda->Kra (the flam Ka+Dha closes to Ka+Ta). Taa, Tii and Kii (long vowels) are syllables of their own
and print as written; ``Din``, ``Tun`` and ``Kra`` are their own syllables, not spellings of Dhin,
Tu and Kran.

Declaring syllables we don't know (one item per syllable)::

    NAME[:CLASS[:KHALI]]        e.g.  Chap   Ghen:bass:Ke   Tak:closed

CLASS is ``bass``, ``both`` or ``closed`` (default ``closed``: the khali rule then ignores it); KHALI
must be a known syllable without bass. Items go in a composition header (``# bols: Kda Ghen:bass``,
read by ``tabla_notation``) or in a lexicon file, one item a line, optionally followed by ``=`` and
other spellings of it::

    # my gharana's syllables
    Tak:closed = tak thak
    Ghen:bass:Ke

NAME is 1-12 ASCII letters and prints capitalised (``Tak``). Declaring a syllable that is already
known with the same class is allowed and changes nothing; anything that would change a known
syllable or spelling is an error.

Real spellings: romanisations of the gharanas and books (``Tirikita``, ``Thun``, ``Kdatta``,
``Ghidanag``, ``DhereDhere``) and bols printed in Devanagari (``धा धिं धिं धा``, ``तिरकिट``) read to
canonical bols. Words that are not bols but turn up on real bol lines (the Bhatkhande marks ``X``,
``0``, ``2``; dandas; ``Tak``, whose reading differs by gharana; Kathak syllables) are refused with a
one-line reason saying what to write instead.

Splitting is linear in the word's length: a word is cut into capitalised chunks (``Dha|Ge|TiT``),
chunks that cannot be read alone are merged with as few neighbours as possible, and each chunk
group is read case-free by a dynamic programme over positions bounded by the longest spelling.
Words longer than ``MAX_WORD_CHARS`` or matras of more than ``MAX_STROKES`` strokes are refused.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from seqgen.errors import LocatedError, Location, SeqgenError

REST = "-"
PULSE_SEPARATOR = ","
CLASSES = ("bass", "both", "closed")
# A matra holds 1-16 strokes in solo repertoire, 20 at the very most; words stay far below this
# many characters, and the cap keeps every word's reading cheap whatever a file holds.
MAX_STROKES = 20
MAX_WORD_CHARS = 200
_NAME = re.compile(r"[A-Za-z]{1,12}")
_MAX_CACHE = 20_000
_SYLLABLE_SIZE = 5  # letters in a long syllable (Chaap); a longer unreadable run is narrowed down


@dataclass(frozen=True)
class Syllable:
    """One bol: canonical spelling, class, khali counterpart and other spellings (lower case)."""

    name: str
    kind: str | None  # None only in a declaration that names no class
    khali: str | None = None
    spellings: tuple[str, ...] = ()

    def item(self) -> str:
        """The ``NAME:CLASS[:KHALI]`` item that declares it in a ``# bols:`` header."""
        return ":".join([self.name, self.kind or "closed"] + ([self.khali] if self.khali else []))

    def declaration(self) -> dict:
        """The JSON form a tokenizer spec stores."""
        record: dict = {"name": self.name, "class": self.kind or "closed"}
        if self.khali:
            record["khali"] = self.khali
        if self.spellings:
            record["spellings"] = list(self.spellings)
        return record


def _s(name: str, kind: str, khali: str | None = None, *spellings: str) -> Syllable:
    return Syllable(name, kind, khali, spellings)


# The built-in syllables (DESIGN.md section 3, "Real notation").
SYLLABLES: tuple[Syllable, ...] = (
    _s("Dha", "both", "Ta", "dhaa"), _s("Dhin", "both", "Tin", "dheen"), _s("Dhi", "both", "Ti", "dhee"),
    _s("Dhe", "both", "Te"), _s("Dhet", "both", "Tit", "dhit"), _s("Din", "both", "Tin"),
    _s("Di", "both", "Ti"), _s("Da", "both", "Ta"), _s("Ding", "both", "Tin"), _s("Kda", "both", "Kra"),
    _s("Ge", "bass", "Ke", "ghe", "gay"), _s("Ga", "bass", "Ka", "gha"), _s("Gi", "bass", "Ki"),
    _s("Ghi", "bass", "Ki"), _s("Ghen", "bass", "Ke"),
    _s("Ta", "closed", None, "tha"), _s("Taa", "closed"), _s("Tin", "closed", None, "teen"),
    # "Thu"/"Thun" are how many books romanise थु/थुन (Ta Thun, Thun Na): the open dayan strokes Tu, Tun
    _s("Ti", "closed"), _s("Tii", "closed", None, "tee"), _s("Tu", "closed", None, "thu"),
    _s("Tun", "closed", None, "thun"),
    _s("Te", "closed"), _s("Tit", "closed", None, "tet"), _s("Na", "closed", None, "naa"),
    # "Ri" as in "Tirikita": the same middle stroke as the Ra of TiRaKiTa, only voiced with an i
    _s("Ne", "closed"), _s("Ra", "closed", None, "ri"), _s("Re", "closed"), _s("Ke", "closed"), _s("Ka", "closed"),
    _s("Ki", "closed"), _s("Kii", "closed"), _s("Kat", "closed", None, "kath"), _s("Kar", "closed"),
    _s("Kran", "closed"), _s("Kra", "closed"), _s("Kri", "closed"), _s("Kru", "closed"),
    _s("Tra", "closed"), _s("Chap", "closed", None, "chaap"),
)
# Spellings of stroke groups and rests; ``Tir Kit`` as two words is two matras, each of two bols.
GROUP_SPELLINGS: dict[str, tuple[str, ...]] = {
    "tir": ("Ti", "Ra"), "kit": ("Ki", "Ta"), "tirkit": ("Ti", "Ra", "Ki", "Ta"),
    # "Dhir Dhir Kit Tak" in rela books: Dhir is Dhi Ra as Tir is Ti Ra; "trkt" is a book shorthand
    "dhir": ("Dhi", "Ra"), "trkt": ("Ti", "Ra", "Ki", "Ta"),
    # Hindi drops a word's last short a when it is romanised (Tir = TiRa, Kit = KiTa, Dhir = DhiRa), so
    # the Farukhabad "Ghidanag" is GhiDaNaGa: Nag = NaGa. ("Ghid" is left out: it would crowd the
    # nearest-spelling suggestions for Ghin and the like; "GhidaNag" reads.)
    "nag": ("Na", "Ga"),
    # A doubled consonant marks a stressed stroke in romanised bols (Tinna = Tin Na, Dhetta = Dhet Ta),
    # so the "tta" of "Kdatta" is one Ta after the flam: Kda Ta. Longest-first reading keeps
    # "Katta", "Titta" and "Dhitta" as Kat Ta, Tit Ta and Dhet Ta.
    "tta": ("Ta",),
    REST: (REST,), "s": (REST,), "ऽ": (REST,),
}
# Bols printed in Devanagari, as Hindi primers and books write them: one spelling per akshara, so
# joined words read as in Latin (तिरकिट = TiRaKiTa, धागे = DhaGe, किटतक = KiTaTaKa). ट (the
# retroflex t of तिरकिट) is Ta; the nasal (ं, ँ) or a virama (धिन्) makes Dhin/Tin; the long ी is Dhi
# for धी (as "dhee" is) but Tii/Kii for ती/की, as "tee" reads.
DEVANAGARI_SPELLINGS: dict[str, tuple[str, ...]] = {
    "धा": ("Dha",), **dict.fromkeys(("धिं", "धिँ", "धीं", "धिन्"), ("Dhin",)),
    **dict.fromkeys(("धि", "धी"), ("Dhi",)),
    "धे": ("Dhe",), **dict.fromkeys(("धेत", "धेत्", "धित", "धित्"), ("Dhet",)),
    **dict.fromkeys(("दिं", "दिन्"), ("Din",)), "दि": ("Di",), "दा": ("Da",),
    **dict.fromkeys(("गे", "घे"), ("Ge",)), **dict.fromkeys(("ग", "गा", "घ"), ("Ga",)), "गि": ("Gi",),
    "घि": ("Ghi",), **dict.fromkeys(("घें", "घेन्"), ("Ghen",)),
    **dict.fromkeys(("ता", "त", "ट"), ("Ta",)),
    **dict.fromkeys(("तिं", "तिँ", "तीं", "तिन्"), ("Tin",)), "ति": ("Ti",), "ती": ("Tii",),
    **dict.fromkeys(("तु", "तू"), ("Tu",)), "तुन्": ("Tun",),
    **dict.fromkeys(("ते", "टे"), ("Te",)), **dict.fromkeys(("तित", "तित्"), ("Tit",)),
    **dict.fromkeys(("ना", "न"), ("Na",)), "ने": ("Ne",), **dict.fromkeys(("र", "रा"), ("Ra",)), "रे": ("Re",),
    "के": ("Ke",), **dict.fromkeys(("क", "का"), ("Ka",)), "कि": ("Ki",), "की": ("Kii",),
    **dict.fromkeys(("कत", "कत्"), ("Kat",)),
}
GROUP_SPELLINGS.update(DEVANAGARI_SPELLINGS)
# A bare न ends both the nasal syllable (धिन धिन धा = Dhin Dhin Dha) and a Na (धिनगिन = DhiNaGiNa,
# as a teacher reads the joined Farukhabad phrase), so these read as one syllable only as a whole pulse.
DEVANAGARI_WORDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("धिन", "धीन"), ("Dhin",)), **dict.fromkeys(("तिन", "तीन"), ("Tin",)), "दिन": ("Din",),
    "तुन": ("Tun",), "घेन": ("Ghen",),
}

# Words that are not bols but that real transcriptions put on the bol line, and what to do instead.
_MARK_HELP = "leave it out: seqgen places the X 2 0 3 marks from the taal"
_NOT_BOLS: dict[str, str] = {
    "x": f"is the sam mark of Bhatkhande notation, not a bol; {_MARK_HELP}",
    "+": f"is the sam mark of some transcriptions, not a bol; {_MARK_HELP}",
    # 0 is khali in every Bhatkhande grid; reading it as a rest would silently shift the cycle by a matra
    "0": f"is the khali mark of Bhatkhande notation, not a bol or a rest; {_MARK_HELP}; write a rest as -",
    "।": "(danda) is not a bol; write | to close a vibhag",
    "॥": "(double danda) is not a bol; write || to close a cycle",
}
# Unknown syllables that deserve more than a nearest spelling.
_UNKNOWN_HELP: dict[str, str] = {
    # Punjab notation plays Tak as one stroke; Delhi books write "Kit Tak" for KiTa TaKa. Either reading
    # silently chosen would be wrong for the other half of the players, so the writer says which.
    "tak": "Tak is one stroke in Punjab notation: declare it with '# bols: Tak'; for Ta Ka write TaKa",
    **dict.fromkeys(("thei", "tei", "thai", "tat", "aa"),
                    "a Kathak syllable, not a tabla bol: write the tabla strokes, or declare it in '# bols:'"),
}
# Hindi books close vibhags with dandas, often touching the last bol ("धा।").
_DANDA_HELP = {"॥": "a double danda: write || to close a cycle", "।": "a danda: write | to close a vibhag"}


class BadWord(SeqgenError, ValueError):
    """A matra word that cannot be read; ``offset`` is where in the word the trouble starts."""

    def __init__(self, message: str, offset: int = 0):
        self.offset = offset
        super().__init__(message)


class UnknownBol(BadWord):
    """Part of a word that no sequence of known bols spells: ``syllable`` at ``offset`` in ``word``."""

    def __init__(self, word: str, offset: int, suggestions: list[str], syllable: str | None = None):
        self.word = word
        self.syllable = syllable or word
        self.suggestions = suggestions
        inside = f" in {_short(word)!r}" if self.syllable != word else ""
        hint = f"; did you mean {', '.join(suggestions)}?" if suggestions else ""
        advice = _UNKNOWN_HELP.get(self.syllable.lower()) or next(
            (text for danda, text in _DANDA_HELP.items() if danda in self.syllable), None)
        hint += f" ({advice})" if advice else ""
        super().__init__(f"unknown bol {_short(self.syllable)!r}{inside}{hint}", offset)


def _short(text: str, limit: int = 40) -> str:
    # A message must stay one short line even for a 10 MB word.
    return text if len(text) <= limit else text[:limit] + "..."


# Canonical joins capitalise each bol ("DhiTra"); a rest or a run of other characters is its own chunk.
_CHUNK = re.compile(r"[A-Z][a-z]*|[a-z]+|-|[^A-Za-z-]+")


class Lexicon:
    """Syllables and spellings; reads matra words. Immutable: ``declare`` returns a new lexicon."""

    def __init__(self, syllables: Iterable[Syllable], groups: dict[str, tuple[str, ...]] | None = None):
        self.syllables: dict[str, Syllable] = {}
        self.groups: dict[str, tuple[str, ...]] = dict(groups or {})
        self.spellings: dict[str, tuple[str, ...]] = dict(self.groups)
        for syllable in syllables:
            self.syllables[syllable.name] = syllable
            for spelling in (syllable.name.lower(), *syllable.spellings):
                self.spellings[spelling] = (syllable.name,)
        self.longest = max(len(spelling) for spelling in self.spellings)
        self._cache: dict[str, tuple] = {}  # word -> (bols, pulses)

    # -- classes -----------------------------------------------------------------------------

    @property
    def bols(self) -> tuple[str, ...]:
        """Every canonical bol, the rest ``-`` last."""
        return (*self.syllables, REST)

    def __contains__(self, bol: object) -> bool:
        return bol in self.syllables or bol == REST

    def kind(self, bol: str) -> str | None:
        """``bass``, ``both``, ``closed``, ``rest`` or ``None`` for an unknown bol."""
        if bol == REST:
            return "rest"
        syllable = self.syllables.get(bol)
        return syllable.kind if syllable else None

    def is_bass(self, bol: str) -> bool:
        return self.kind(bol) in ("bass", "both")

    def is_closed(self, bol: str) -> bool:
        return self.kind(bol) == "closed"

    def khali(self, bol: str) -> str:
        syllable = self.syllables.get(bol)
        return syllable.khali if syllable and syllable.khali else bol

    def bass_bols(self) -> frozenset[str]:
        return frozenset(bol for bol in self.syllables if self.is_bass(bol))

    def declared(self) -> list[Syllable]:
        """The syllables this lexicon adds to (or spells differently from) the built-in one."""
        return [syllable for name, syllable in self.syllables.items()
                if DEFAULT_LEXICON.syllables.get(name) != syllable]

    # -- declarations ------------------------------------------------------------------------

    def declare(self, syllables: Iterable[Syllable]) -> "Lexicon":
        """A lexicon with ``syllables`` added or, for known ones, their new spellings added.

        The syllables must have passed ``check_declaration``; use the module's ``declare``.
        """
        merged = dict(self.syllables)
        for syllable in syllables:
            known = merged.get(syllable.name)
            if known is None:
                merged[syllable.name] = Syllable(syllable.name, syllable.kind or "closed", syllable.khali,
                                                 syllable.spellings)
            else:
                extra = tuple(spelling for spelling in syllable.spellings if spelling not in known.spellings)
                merged[syllable.name] = Syllable(known.name, known.kind, known.khali, known.spellings + extra)
        if merged == self.syllables:
            return self
        return Lexicon(merged.values(), self.groups)

    def check_declaration(self, syllable: Syllable) -> None:
        """Raise ``SeqgenError`` when ``syllable`` would change a known syllable or spelling.

        ``syllable.kind`` is ``None`` when the declaration named no class.
        """
        known = self.syllables.get(syllable.name)
        if known is not None:
            if syllable.kind is not None and (known.kind, known.khali) != (syllable.kind, syllable.khali):
                raise SeqgenError(f"{syllable.name} is already known as {_describe(known)}")
        elif syllable.name.lower() in self.spellings:
            owner = "".join(self.spellings[syllable.name.lower()])
            raise SeqgenError(f"{syllable.name!r} is already a spelling of {owner}")
        for spelling in syllable.spellings:
            owner_bols = self.spellings.get(spelling)
            if owner_bols is not None and owner_bols != (syllable.name,):
                raise SeqgenError(f"{spelling!r} is already a spelling of {''.join(owner_bols)}")
        if syllable.khali is not None:
            counterpart = self.syllables.get(syllable.khali)
            if counterpart is None:
                raise SeqgenError(f"khali counterpart {syllable.khali!r} of {syllable.name} is not a known bol")
            if counterpart.kind != "closed":
                raise SeqgenError(f"khali counterpart {syllable.khali} of {syllable.name} must be closed, "
                                  f"not {counterpart.kind}")

    # -- reading words -----------------------------------------------------------------------

    def split_word(self, word: str) -> tuple[str, ...]:
        """The canonical bols of one matra word, pulses flattened (see ``split_matra``)."""
        return self.read_matra(word)[0]

    def split_matra(self, word: str) -> tuple[tuple[str, ...], ...]:
        """Split one matra word into pulses of canonical bols: ``DhaGe,TiRaKiTa`` -> two pulses.

        Raises:
            BadWord: a word too long or with too many strokes, an empty pulse, or
                ``UnknownBol`` naming the part that no known bols spell.
        """
        return self.read_matra(word)[1]

    def read_matra(self, word: str) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
        """``(bols, pulses)`` of one matra word: its bols flat and in pulses (see ``split_matra``)."""
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        if len(word) > MAX_WORD_CHARS:
            raise BadWord(f"word of {len(word)} characters ({_short(word, 20)!r}) is too long for one matra "
                          f"(at most {MAX_WORD_CHARS} characters, {MAX_STROKES} strokes)")
        not_bol = _NOT_BOLS.get(word.lower()) or (
            f"is a vibhag or matra number, not a bol; {_MARK_HELP}" if word.isascii() and word.isdigit() else None)
        if not_bol:
            raise BadWord(f"{_short(word)!r} {not_bol}")
        pulses, offset = [], 0
        for text in word.split(PULSE_SEPARATOR):
            if not text:
                spaced = "; matras are separated by spaces alone ('Dha Dhin', not 'Dha, Dhin')" \
                    if word.endswith(PULSE_SEPARATOR) else ""
                raise BadWord(f"empty pulse in {_short(word)!r}: a comma separates pulses inside one matra word "
                              f"(no spaces, nothing before the first or after the last){spaced}", offset)
            pulses.append(DEVANAGARI_WORDS.get(text) or self._split_pulse(word, text, offset))
            offset += len(text) + 1
        strokes = sum(len(pulse) for pulse in pulses)
        if strokes > MAX_STROKES:
            raise BadWord(f"matra {_short(word)!r} holds {strokes} strokes; at most {MAX_STROKES} fit one matra")
        if len(self._cache) >= _MAX_CACHE:
            self._cache.clear()
        flat = pulses[0] if len(pulses) == 1 else tuple(bol for pulse in pulses for bol in pulse)
        self._cache[word] = result = (flat, tuple(pulses))
        return result

    def _split_pulse(self, word: str, text: str, offset: int) -> tuple[str, ...]:
        chunks = [(match.start(), match.group()) for match in _CHUNK.finditer(text)]
        alone = [self.segment(chunk.lower()) for _, chunk in chunks]
        if all(part is not None for part in alone):  # the usual case: every capital hint holds
            return tuple(bol for part in alone for bol in part)
        groups = self._group_chunks([chunk for _, chunk in chunks], [part is not None for part in alone])
        if groups is None:
            start, syllable = self._unreadable(text, chunks)
            raise UnknownBol(word, offset + start, self.suggest(syllable), syllable)
        bols: list[str] = []
        for group in groups:
            bols += self.segment(group.lower())
        return tuple(bols)

    def _group_chunks(self, chunks: list[str], readable_alone: list[bool]) -> list[str] | None:
        # Capitals mark bol boundaries where the writer gave them ("DhiTra" is Dhi Tra, though
        # "dhitra" reads longest-first as Dhit Ra). A chunk that cannot be read alone ("T" in
        # "DhiTraTiT") joins the fewest neighbours that make it readable, sparing chunks that read
        # alone where it can ("DhiTRA" is Dhi Tra, not Dhet Ra). best[i] is the cheapest grouping of
        # chunks[:i] as (cost, groups), cost = (readable chunks merged, merges); groups span <= `span`.
        span = self.longest + 2
        best: list[tuple[tuple[int, int], list[str]] | None] = [((0, 0), [])] + [None] * len(chunks)
        for end in range(1, len(chunks) + 1):
            if all(entry is None for entry in best[max(0, end - span):end]):
                return None  # no group can bridge this far: stop early on hopeless words
            for start in range(end - 1, max(0, end - span) - 1, -1):
                before = best[start]
                if before is None:
                    continue
                merged = sum(readable_alone[start:end]) if end - start > 1 else 0
                cost = (before[0][0] + merged, before[0][1] + end - start - 1)
                current = best[end]
                if (current is None or cost < current[0]) and \
                        self.segment("".join(chunks[start:end]).lower()) is not None:
                    best[end] = (cost, before[1] + ["".join(chunks[start:end])])
        final = best[len(chunks)]
        return final[1] if final is not None else None

    def _unreadable(self, text: str, chunks: list[tuple[int, str]]) -> tuple[int, str]:
        # Where reading stops: the first chunk no grouping gets past, up to the next chunk a reading
        # could start at. A capitalised chunk or a run as short as a syllable ("thak") is named whole;
        # a longer run ("dhagexyzna") is narrowed the same way, character by character ("xyz").
        names = [chunk for _, chunk in chunks]
        first, last = _stuck_run(len(names), lambda a, b: self._reads("".join(names[a:b])), self.longest + 2)
        start = chunks[first][0]
        stop = chunks[last][0] if last < len(chunks) else len(text)
        run = text[start:stop]
        if (last - first == 1 and run[:1].isupper()) or len(run) <= _SYLLABLE_SIZE:
            return start, run
        inner, inner_stop = _stuck_run(len(run), lambda a, b: run[a:b].lower() in self.spellings, self.longest)
        if inner == len(run):  # readable only across more chunks than a group spans
            return start, run
        return start + inner, run[inner:inner_stop]

    def _reads(self, text: str) -> bool:
        return self.segment(text.lower()) is not None

    def segment(self, lowered: str) -> tuple[str, ...] | None:
        """Canonical bols of a lower-case spelling run, longest spelling first, or ``None``.

        A dynamic programme over positions: ``readable[i]`` says whether ``lowered[i:]`` splits into
        spellings; then the longest spelling that leaves a readable rest is taken at each step, which
        is what longest-first backtracking would find, in time linear in the length.
        """
        size, longest = len(lowered), self.longest
        readable = [False] * size + [True]
        for start in range(size - 1, -1, -1):
            readable[start] = any(readable[start + length] and lowered[start:start + length] in self.spellings
                                  for length in range(1, min(longest, size - start) + 1))
        if not readable[0]:
            return None
        bols: list[str] = []
        position = 0
        while position < size:
            length = next(length for length in range(min(longest, size - position), 0, -1)
                          if readable[position + length] and lowered[position:position + length] in self.spellings)
            bols += self.spellings[lowered[position:position + length]]
            position += length
        return tuple(bols)

    def suggest(self, word: str, limit: int = 3) -> list[str]:
        """The closest known spellings of ``word`` (canonical forms), best first."""
        if not word or len(word) > 30:
            return []
        close = difflib.get_close_matches(word.lower(), list(self.spellings), n=limit * 2, cutoff=0.5)
        suggestions: list[str] = []
        for spelling in close:
            canonical = "".join(self.spellings[spelling])
            if canonical not in suggestions:
                suggestions.append(canonical)
        return suggestions[:limit]


def _stuck_run(count: int, readable, span: int) -> tuple[int, int]:
    """``(first, stop)`` over ``count`` units: ``units[:first]`` is the longest prefix that splits into
    readable runs (``readable(a, b)``, at most ``span`` units each), and ``stop`` the next unit after
    ``first`` where a readable run starts (``count`` when none does)."""
    reached = {0}
    for end in range(1, count + 1):
        if end - max(reached) > span:
            break  # nothing further can be reached
        if any(start in reached and readable(start, end) for start in range(max(0, end - span), end)):
            reached.add(end)
    first = max(reached)
    stop = next((index for index in range(first + 1, count)
                 if any(readable(index, end) for end in range(index + 1, min(count, index + span) + 1))), count)
    return first, stop


def _describe(syllable: Syllable) -> str:
    khali = f", khali {syllable.khali}" if syllable.khali else ""
    return f"{syllable.kind}{khali}"


# -- declarations --------------------------------------------------------------------------------


def parse_item(item: str, spellings: Iterable[str] = ()) -> Syllable:
    """Read one ``NAME[:CLASS[:KHALI]]`` item; its ``kind`` is ``None`` when no class is written.

    Raises:
        SeqgenError: a bad name, class or khali counterpart.
    """
    parts = item.split(":")
    if len(parts) > 3:
        raise SeqgenError(f"bad syllable declaration {_short(item)!r}: write NAME, NAME:CLASS or NAME:CLASS:KHALI")
    name = _name(parts[0], item)
    kind = parts[1].strip().lower() if len(parts) > 1 else None
    if kind is not None and kind not in CLASSES:
        raise SeqgenError(f"unknown class {_short(parts[1])!r} for {name}; use one of {', '.join(CLASSES)}")
    khali = _name(parts[2], item) if len(parts) > 2 else None
    others = []
    for spelling in spellings:
        if not _NAME.fullmatch(spelling):
            raise SeqgenError(f"bad spelling {_short(spelling)!r} for {name}: use 1-12 ASCII letters")
        if spelling.lower() != name.lower() and spelling.lower() not in others:
            others.append(spelling.lower())
    return Syllable(name, kind, khali, tuple(others))


def _name(text: str, item: str) -> str:
    if not _NAME.fullmatch(text):
        raise SeqgenError(f"bad syllable name {_short(text)!r} in {_short(item)!r}: use 1-12 ASCII letters")
    return text[0].upper() + text[1:].lower()


def declare(lexicon: Lexicon, syllables: Iterable[Syllable]) -> Lexicon:
    """``lexicon`` with ``syllables`` added, each checked against it and against the others.

    Raises:
        SeqgenError: a declaration that would change a known syllable or spelling.
    """
    for syllable in syllables:
        lexicon.check_declaration(syllable)
        lexicon = lexicon.declare([syllable])
    return lexicon


def syllables_from_spec(records: object) -> list[Syllable]:
    """Syllables from a tokenizer spec's ``bols`` list (``Syllable.declaration`` records)."""
    if not isinstance(records, list):
        raise SeqgenError("tokenizer spec 'bols' must be a list")
    syllables = []
    for record in records:
        if not isinstance(record, dict) or not isinstance(record.get("name"), str):
            raise SeqgenError("each declared bol in a tokenizer spec needs a 'name'")
        kind, khali, spellings = record.get("class", "closed"), record.get("khali"), record.get("spellings", [])
        if not isinstance(kind, str) or not (khali is None or isinstance(khali, str)) or not (
                isinstance(spellings, list) and all(isinstance(spelling, str) for spelling in spellings)):
            raise SeqgenError(f"declared bol {_short(record['name'])!r} in a tokenizer spec is malformed")
        item = ":".join([record["name"], kind] + ([khali] if khali else []))
        syllables.append(parse_item(item, spellings))
    return syllables


def parse_lexicon(text: str, source: str = "<lexicon>") -> list[tuple[int, Syllable]]:
    """``(line number, syllable)`` of a lexicon file: ``NAME[:CLASS[:KHALI]] [= SPELLING ...]`` a line,
    ``#`` starting a comment.

    Raises:
        LocatedError: the first bad line, with file:line:col.
    """
    syllables = []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0]
        if not content.strip():
            continue
        column = len(line) - len(line.lstrip()) + 1
        head, _, tail = content.partition("=")
        items = head.split()
        try:
            if len(items) != 1:
                raise SeqgenError("write one syllable a line: NAME[:CLASS[:KHALI]] [= SPELLING ...]")
            syllables.append((number, parse_item(items[0], tail.split())))
        except SeqgenError as error:
            raise LocatedError(Location(source, number, column), str(error)) from None
    return syllables


def load_lexicon(path: str | Path, encoding: str | None = None) -> Lexicon:
    """The built-in lexicon with a lexicon file's syllables (``parse_lexicon``'s format) added.

    Raises:
        SeqgenError: an unreadable file or a bad declaration, with file:line:col.
    """
    from seqgen.corpus import read_text

    lexicon = DEFAULT_LEXICON
    for number, syllable in parse_lexicon(read_text(path, encoding), str(path)):
        try:
            lexicon = declare(lexicon, [syllable])
        except SeqgenError as error:
            raise LocatedError(Location(str(path), number, 1), str(error)) from None
    return lexicon


DEFAULT_LEXICON = Lexicon(SYLLABLES, GROUP_SPELLINGS)

# The built-in lexicon, as module-level names other modules use.
CANONICAL_BOLS: tuple[str, ...] = DEFAULT_LEXICON.bols
BASS_BOLS: frozenset[str] = DEFAULT_LEXICON.bass_bols()
KHALI_OF: dict[str, str] = {s.name: s.khali for s in SYLLABLES if s.khali}
LEXICON: dict[str, tuple[str, ...]] = DEFAULT_LEXICON.spellings


def split_word(word: str, lexicon: Lexicon | None = None) -> tuple[str, ...]:
    """Split one matra word (``DhaGe``, ``tirkit``, ``Dha-``) into canonical bols (pulses flattened).

    Raises:
        BadWord: see ``Lexicon.split_matra``.
    """
    return (lexicon or DEFAULT_LEXICON).split_word(word)


def suggest(word: str, limit: int = 3, lexicon: Lexicon | None = None) -> list[str]:
    """The closest known spellings of ``word`` (canonical forms), best first."""
    return (lexicon or DEFAULT_LEXICON).suggest(word, limit)


def is_bass(bol: str, lexicon: Lexicon | None = None) -> bool:
    """Whether ``bol`` (canonical) lets the bayan ring (class ``bass`` or ``both``)."""
    return (lexicon or DEFAULT_LEXICON).is_bass(bol)


def is_closed(bol: str, lexicon: Lexicon | None = None) -> bool:
    """Whether ``bol`` (canonical) is a stroke without ringing bass (a rest is neither)."""
    return (lexicon or DEFAULT_LEXICON).is_closed(bol)


def khali(bol: str, lexicon: Lexicon | None = None) -> str:
    """The closed counterpart of ``bol``; bols without one are returned unchanged."""
    return (lexicon or DEFAULT_LEXICON).khali(bol)
