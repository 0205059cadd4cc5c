#!/usr/bin/env python3
"""Write the tabla corpora of seqgen (corpora/<taal>.txt) from hand-written traditional material.

Run from the repository root (seqgen must be importable; the script puts the repository first on
the import path):

    .venv/bin/python corpora/tools/make_tabla_corpora.py

The output is deterministic: the only randomness (choosing which paltas of a kaida to keep, which
theka fillers to combine) comes from ``random.Random`` seeded with ``SEED`` plus a fixed label.

Method
------
1. Hand-written material. Below are written out, by hand, in the corpus notation:
   thekas of nine taals, theka prakars (fillers and full variants), kaida / rela / peshkar themes
   (as named phrases, a theme order and a closed/open cadence) at speeds from tisra (3 strokes a
   matra) to 16 strokes a matra, tihai phrases, tukda, chakradar and paran bodies. These are widely
   taught traditional compositions and phrases of the Delhi, Ajrada, Lucknow, Farukhabad, Benares and
   Punjab styles, written from general knowledge in seqgen's 40-syllable lexicon (``Kda``, ``Ghen``,
   ``Din``, ``Tun``, ``Ghi``, ``Da``...). They are not a transcription of any one printed source.

2. Derivations by traditional rules:
   * Khali mirroring: a bass (bayan) bol is replaced by its closed counterpart (Dha->Ta, Ge->Ke,
     Kda->Kra, ...; the lexicon's ``khali``). Every kaida, rela and peshkar unit is
     bhari-bhari-khali-bhari: the khali quarter (``seqgen.rhythm.khali_quarter``) is the first
     quarter mirrored, the fourth brings the bass back.
   * Paltas: a kaida's phrases are permuted (repeated, reordered, doubled) into a new first half
     of the same length; the cadence stays, so the four-quarter shape is kept.
   * Layakari: thekas are written at thah, dugun, tigun and chaugun (2, 3 or 4 theka beats per
     matra) where no matra would hold more than four bols.
   * Tihais: a phrase ending on Dha, played three times with equal gaps, placed so that its last
     Dha falls on sam (written alone on the line after the last cycle). Tukdas are a body plus a
     tihai; chakradars play a whole tukda three times. Where the passage does not fill whole
     cycles, the theka (or the kaida's bhari half) is played up to the point where it starts, or
     rest matras are written there, or the piece starts after sam (``# start: N``: a passage of
     3p + 2g pulses counted back from sam fixes N).
   * Pulses: a matra of 6, 8 or 16 strokes is written in pulses of 3 or 4 (``DhaTiTaDha,TiTaDhaDha``),
     as players group them; a composition may mix tisra (3) and chatusra (4) matras.

Every composition is checked here (cycle arithmetic, the lexicon reading every joined word back as
the bols meant, the khali rule for kaida and rela) before any file is written.
``seqgen check --strict corpora/<taal>.txt`` checks the files independently.
"""

from __future__ import annotations

import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from seqgen.rhythm import khali_quarter  # noqa: E402
from seqgen.tokenizers import bols as lexicon  # noqa: E402

SEED = 20240611
OUT_DIR = Path(__file__).resolve().parent.parent  # corpora/
REST = lexicon.REST
PULSE = lexicon.PULSE_SEPARATOR  # marks a pulse boundary inside a matra (a tuple of bols)
MAX_BOLS_PER_MATRA = 4            # thekas and slow themes: one pulse of at most four bols
MAX_BOLS_PER_PULSE = 4            # faster matras are written in pulses of 3 or 4
MAX_STROKES = 16                  # strokes in one matra (lexicon.MAX_STROKES is the reader's cap)

# ---------------------------------------------------------------------------------------------
# Taals (the nine of seqgen, with their thekas as this corpus plays them)
# ---------------------------------------------------------------------------------------------

# Strokes of both hands together: a palta (like the theme) opens on one of these at sam.
SAM_STROKES = frozenset({"Dha", "Dhin", "Dhi", "Dhe", "Dhet", "Kda", "Din", "Da", "Di"})


@dataclass(frozen=True)
class Taal:
    name: str
    vibhags: tuple[int, ...]
    theka: str

    @property
    def matras(self) -> int:
        return sum(self.vibhags)

    @property
    def vibhag_starts(self) -> set[int]:
        """0-based matra indexes where a vibhag starts."""
        starts, position = set(), 0
        for size in self.vibhags:
            starts.add(position)
            position += size
        return starts


TAALS = {taal.name: taal for taal in (
    Taal("teentaal", (4, 4, 4, 4),
         "Dha Dhin Dhin Dha | Dha Dhin Dhin Dha | Dha Tin Tin Ta | Ta Dhin Dhin Dha"),
    Taal("jhaptaal", (2, 3, 2, 3), "Dhi Na | Dhi Dhi Na | Ti Na | Dhi Dhi Na"),
    Taal("ektaal", (2, 2, 2, 2, 2, 2),
         "Dhin Dhin | DhaGe TiRaKiTa | Tu Na | Kat Ta | DhaGe TiRaKiTa | Dhi Na"),
    Taal("rupak", (3, 2, 2), "Tin Tin Na | Dhi Na | Dhi Na"),
    Taal("keherwa", (4, 4), "Dha Ge Na Ti | Na Ka Dhi Na"),
    Taal("dadra", (3, 3), "Dha Dhi Na | Dha Tu Na"),
    Taal("jhoomra", (3, 4, 3, 4),
         "Dhin -Dha TiRaKiTa | Dhin Dhin DhaGe TiRaKiTa | Tin -Ta TiRaKiTa | Dhin Dhin DhaGe TiRaKiTa"),
    Taal("deepchandi", (3, 4, 3, 4), "Dha Dhin - | Dha Dha Tin - | Ta Tin - | Dha Dha Dhin -"),
    Taal("dhamar", (5, 2, 3, 4), "Ka Dhi Ta Dhi Ta | Dha - | Ga Ti Ta | Ti Ta Ta -"),
)}

# ---------------------------------------------------------------------------------------------
# Small notation helpers. A matra is a tuple of bols; a passage is a flat list of bols.
# ---------------------------------------------------------------------------------------------

_BOL_IN_WORD = re.compile(r"[A-Z][a-z]*|-|,")


def word_bols(word: str) -> tuple[str, ...]:
    """Split one hand-written matra (``DhaGe``, ``-Dha``, ``DhaTiTa,DhaGeNa``) by capital letters;
    a pulse boundary stays in the tuple as ``PULSE``."""
    bols = tuple(_BOL_IN_WORD.findall(word))
    if "".join(bols) != word:
        raise ValueError(f"cannot read {word!r}")
    return bols


def matras(text: str) -> list[tuple[str, ...]]:
    """Matras of hand-written line notation; bars are only there for the reader and are dropped."""
    return [word_bols(word) for word in text.split() if word not in ("|", "||")]


def bols(text: str) -> list[str]:
    """A flat bol passage from hand-written text (words may be joined: ``TiRaKiTa``)."""
    return [bol for matra in matras(text) for bol in matra if bol != PULSE]


def strokes(matra: tuple[str, ...]) -> tuple[str, ...]:
    """The strokes (bols and rests) of a matra, pulse marks dropped."""
    return tuple(b for b in matra if b != PULSE)


def is_bass(bol: str) -> bool:
    """Whether a bol lets the bayan ring (the lexicon's class; rests and pulse marks never do)."""
    return bol not in (REST, PULSE) and lexicon.is_bass(bol)


def khali(passage) -> list[str]:
    """Khali mirroring: every bass bol becomes its closed counterpart (the lexicon's ``khali``)."""
    return [b if b in (REST, PULSE) else lexicon.khali(b) for b in passage]


def chunk(passage: list[str], density: int, pulse: int | None = None) -> list[tuple[str, ...]]:
    """Cut a bol passage into matras of ``density`` bols each, in pulses of ``pulse`` bols."""
    if len(passage) % density:
        raise ValueError(f"{len(passage)} bols do not fill matras of {density}")
    if pulse and density % pulse:
        raise ValueError(f"pulses of {pulse} do not fill matras of {density}")
    found = []
    for i in range(0, len(passage), density):
        matra = passage[i:i + density]
        if pulse and pulse < density:
            grouped: list[str] = []
            for j in range(0, density, pulse):
                grouped += ([PULSE] if j else []) + matra[j:j + pulse]
            matra = grouped
        found.append(tuple(matra))
    return found


def cycle_through(source: list[tuple[str, ...]], count: int) -> list[tuple[str, ...]]:
    """The first ``count`` matras of ``source`` played round and round (a theka lead-in)."""
    return [source[i % len(source)] for i in range(count)]


def rests(count: int) -> list[str]:
    return [REST] * count


def spoken(passage: list[str]) -> str:
    """A passage as it would be recited, for titles."""
    return " ".join(passage)


# ---------------------------------------------------------------------------------------------
# Compositions and writing
# ---------------------------------------------------------------------------------------------

@dataclass
class Composition:
    """One composition: its matras from ``start`` on, and the landing matra of a cadential form."""
    taal: Taal
    form: str
    title: str
    body: list[tuple[str, ...]]               # matras from matra ``start`` of the first cycle to the last ||
    landing: tuple[str, ...] | None = None     # the stroke on sam after a cadential passage
    headers: dict[str, str] = field(default_factory=dict)
    start: int = 1                            # matra of the cycle the piece begins on (a pickup when > 1)

    def cycles(self) -> list[list[tuple[str, ...]]]:
        """The written cycles; with a pickup the first holds only matras ``start``..end."""
        size = self.taal.matras
        first = size - self.start + 1
        return [self.body[:first]] + [self.body[i:i + size] for i in range(first, len(self.body), size)]

    def bol_count(self) -> int:
        return sum(len(strokes(m)) for m in self.body) + (len(self.landing) if self.landing else 0)

    def text(self) -> str:
        lines = [f"# taal: {self.taal.name}", f"# form: {self.form}", f"# title: {self.title}"]
        if self.start > 1:
            lines.append(f"# start: {self.start}")
        lines += [f"# {key}: {value}" for key, value in self.headers.items()]
        for number, cycle in enumerate(self.cycles()):
            lines.append(format_cycle(self.taal, cycle, self.start if number == 0 else 1))
        if self.landing:
            lines.append("".join(self.landing))
        return "\n".join(lines)


def format_cycle(taal: Taal, cycle: list[tuple[str, ...]], start: int = 1) -> str:
    """One cycle in line notation; a pickup cycle (``start`` > 1) begins inside a vibhag."""
    parts, position = [], 0
    for size in taal.vibhags:
        begin = max(position, start - 1)
        if begin < position + size:
            parts.append(" ".join("".join(m) for m in cycle[begin - start + 1:position + size - start + 1]))
        position += size
    return " | ".join(parts) + " ||"


def write_corpus(taal: Taal, compositions: list[Composition]) -> tuple[int, int]:
    preamble = [
        f"# {taal.name.capitalize()} compositions for seqgen, one cycle per line.",
        "# Generated by corpora/tools/make_tabla_corpora.py from hand-written traditional material",
        "# (thekas, prakars, kaida and rela themes, tihai and tukda phrases) and variations derived",
        "# by traditional rules (khali mirroring, paltas, layakari, tihais landing on sam).",
        "# See corpora/README.md for the notation and provenance. Corpus text licence CC0-1.0.",
    ]
    text = "\n".join(preamble) + "\n\n" + "\n\n".join(c.text() for c in compositions) + "\n"
    (OUT_DIR / f"{taal.name}.txt").write_text(text, encoding="utf-8")
    return len(compositions), sum(c.bol_count() for c in compositions)


# ---------------------------------------------------------------------------------------------
# Thekas and prakars
# ---------------------------------------------------------------------------------------------

LAYA_NAMES = {1: "thah", 2: "dugun", 3: "tigun", 4: "chaugun", 6: "chhagun (tisra)", 8: "athgun",
              16: "16 a matra"}


def layakari(cycle: list[tuple[str, ...]], factor: int) -> list[tuple[str, ...]] | None:
    """The cycle at ``factor`` times the speed: ``factor`` theka beats in every matra.

    None when a matra would hold more than four bols (e.g. Ektaal's TiRaKiTa in dugun).
    """
    stream = cycle * factor
    merged = [tuple(b for m in stream[i:i + factor] for b in m) for i in range(0, len(stream), factor)]
    return merged if all(len(m) <= MAX_BOLS_PER_MATRA for m in merged) else None


def theka_compositions(taal: Taal, variants: list[tuple[str, str]]) -> list[Composition]:
    """Each named theka variant at every laya that fits (thah is played for two cycles)."""
    found = []
    for name, text in variants:
        cycle = matras(text)
        for factor in (1, 2, 3, 4):
            fast = layakari(cycle, factor)
            if fast is None:
                continue
            body = fast * 2 if factor == 1 else fast
            title = f"{name}, {LAYA_NAMES[factor]}"
            found.append(Composition(taal, "theka", title, body))
    return found


def prakar_compositions(taal: Taal, prakars: list[tuple[str, list[str]]]) -> list[Composition]:
    """Hand-written prakars; each is played after one cycle of the plain theka."""
    theka = matras(taal.theka)
    return [Composition(taal, "prakar", title, theka + [m for text in cycles for m in matras(text)])
            for title, cycles in prakars]


def mirror_vibhag(vibhag: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    """Teentaal's khali vibhag copies the second vibhag closed, keeping the Dha on matra 9
    exactly as the standard theka does (Dha Dhin Dhin Dha -> Dha Tin Tin Ta)."""
    first = list(vibhag[0])
    first = first[:1] + khali(first[1:])
    return [tuple(first)] + [tuple(khali(list(m))) for m in vibhag[1:]]


# Fillers for a bhari vibhag of Teentaal (four matras) and for the returning fourth vibhag.
TEENTAAL_BHARI_FILLERS = [
    "Dha Dhin Dhin Dha", "Dha DhinDhin Dhin Dha", "Dha Dhin DhinDhin Dha", "Dha Dhin Dhin DhaGe",
    "DhaDha Dhin Dhin Dha", "Dha TiRaKiTa Dhin Dha", "Dha Dhin TiRaKiTa Dha", "Dha -Dha Dhin Dha",
    "Dha Dhin -Dhin Dha", "Dha DhinNa DhinNa Dha", "Dha Dhin DhinDha -Dha", "DhaGe NaDha Dhin Dha",
]
TEENTAAL_RETURN_FILLERS = [
    "Ta Dhin Dhin Dha", "TiRaKiTa Dhin Dhin Dha", "TeTe Dhin Dhin Dha", "Ta DhinDhin Dhin Dha",
    "Ta Dhin DhinDhin Dha", "Ta TiRaKiTa Dhin Dha", "TaKe NaDha Dhin Dha", "Ta Dhin Dhin DhaGe",
]


def teentaal_filled_prakars(count: int) -> list[Composition]:
    """Theka prakars by the filler rule: bhari vibhags 1-2 from the filler list, vibhag 3 the
    closed mirror of vibhag 2, vibhag 4 a returning filler. Two cycles share vibhag 2."""
    taal = TAALS["teentaal"]
    rng = random.Random(f"{SEED}:teentaal-prakars")
    seen, found = set(), []
    while len(found) < count:
        second = matras(rng.choice(TEENTAAL_BHARI_FILLERS))
        cycles = []
        for _ in range(2):
            first = matras(rng.choice(TEENTAAL_BHARI_FILLERS))
            back = matras(rng.choice(TEENTAAL_RETURN_FILLERS))
            cycles.append(first + second + mirror_vibhag(second) + back)
        key = tuple(m for c in cycles for m in c)
        if key in seen or cycles[0] == cycles[1]:
            continue
        seen.add(key)
        n = len(found) + 1
        found.append(Composition(taal, "prakar", f"Theka prakar {n} (filled vibhags)",
                                 cycles[0] + cycles[1]))
    return found


# ---------------------------------------------------------------------------------------------
# Kaida, rela and peshkar: themes and paltas
# ---------------------------------------------------------------------------------------------

@dataclass
class Theme:
    """A kaida-like theme: named phrases, the order of the theme's bhari body, and its cadence.

    The bhari half of a unit is ``body + closed cadence``; the khali half is the first quarter
    mirrored, then the rest of the body and the open cadence (the bass comes back).
    """
    name: str
    density: int                       # bols per matra
    phrases: dict[str, str]
    theme: str                         # phrase names, e.g. "a b a b a b"
    cadence: tuple[str, str]           # (closing the bhari half, closing the unit)
    extras: str = ""                   # phrase names paltas may use beyond the theme's own
    paltas: int = 9
    theme_cycles: int = 1
    pulse: int | None = None           # bols per written pulse when a matra holds more than four

    def __post_init__(self) -> None:
        if self.density > MAX_BOLS_PER_MATRA and not self.pulse:
            raise ValueError(f"{self.name}: {self.density} bols a matra need pulses")

    def phrase(self, name: str) -> list[str]:
        return bols(self.phrases[name])

    def body_bols(self, names: tuple[str, ...]) -> list[str]:
        return [b for n in names for b in self.phrase(n)]


def quarters(theme: Theme, taal: Taal) -> tuple[int, int]:
    """(bols in the bhari half, bols in the khali quarter) of one theme unit, by the project's rule."""
    length = taal.matras * theme.theme_cycles
    region = khali_quarter(length)
    if 2 * region.start != length:
        raise ValueError(f"{theme.name}: a theme of {length} matras has no khali half to mirror")
    return region.start * theme.density, len(region) * theme.density


def unit_bols(theme: Theme, taal: Taal, names: tuple[str, ...]) -> list[str]:
    """One bhari-bhari-khali-bhari unit built from a body (a sequence of phrase names)."""
    half, quarter = quarters(theme, taal)
    body = theme.body_bols(names)
    closed, opened = bols(theme.cadence[0]), bols(theme.cadence[1])
    if len(body) + len(closed) != half or len(closed) > quarter or len(opened) != len(closed):
        raise ValueError(f"{theme.name}: body {len(body)} + cadence {len(closed)} bols "
                         f"do not make a half of {half}")
    return body + closed + khali(body[:quarter]) + body[quarter:] + opened


def theme_matras(theme: Theme, passage: list[str]) -> list[tuple[str, ...]]:
    """A theme's bols written out in its matras and pulses."""
    return chunk(passage, theme.density, theme.pulse)


def max_run(passage: list[str]) -> int:
    longest, run = 1, 1
    for before, bol in zip(passage, passage[1:]):
        run = run + 1 if bol == before else 1
        longest = max(longest, run)
    return longest


def palta_bodies(theme: Theme, taal: Taal) -> list[tuple[str, ...]]:
    """The theme's body followed by ``theme.paltas`` permutations of its phrases.

    Traditional palta rules kept here: the same length as the theme's body (so the cadence and
    the four quarters stay where they were); it opens on a two-handed stroke (Dha, Dhin, ...)
    as sam wants; every phrase of the theme appears (it stays recognisably the same kaida); no
    phrase three times in a row and no bol four times in a row; the first quarter holds bass,
    so that its khali mirror is heard as khali. Candidates are drawn at random (seeded) and
    ordered as a player develops them: first those that only vary the first quarter, then
    those that keep the opening phrase, then freer ones.
    """
    own = theme.theme.split()
    names = sorted(set(own) | set(theme.extras.split()))
    lengths = {n: len(theme.phrase(n)) for n in names}
    target = sum(lengths[n] for n in own)
    _, quarter = quarters(theme, taal)
    theme_body = theme.body_bols(tuple(own))
    rng = random.Random(f"{SEED}:{taal.name}:{theme.name}")

    def acceptable(seq: tuple[str, ...]) -> bool:
        passage = theme.body_bols(seq)
        return (seq != tuple(own)
                and passage[0] in SAM_STROKES
                and set(own) <= set(seq)
                and all(not (a == b == c) for a, b, c in zip(seq, seq[1:], seq[2:]))
                and max_run(passage) <= 3
                and any(is_bass(b) for b in passage[:quarter]))

    found, seen = [], set()
    for _ in range(6000):
        seq, total = [], 0
        while total < target:
            options = [n for n in names if total + lengths[n] <= target
                       and not (len(seq) >= 2 and seq[-1] == seq[-2] == n)]
            if not seq:
                options = [n for n in options if theme.phrase(n)[0] in SAM_STROKES]
            if not options:
                break
            choice = rng.choice(options)
            seq.append(choice)
            total += lengths[choice]
        key = tuple(seq)
        if (total == target and key not in seen and acceptable(key)
                and readable(theme_matras(theme, unit_bols(theme, taal, key)))):
            seen.add(key)
            found.append(key)

    def tier(seq: tuple[str, ...]) -> int:
        passage = theme.body_bols(seq)
        if passage[quarter:] == theme_body[quarter:]:
            return 0  # only the first quarter is varied
        if seq[0] == own[0]:
            return 1  # keeps the opening phrase
        return 2

    tiers = [[s for s in found if tier(s) == t] for t in range(3)]
    chosen: list[tuple[str, ...]] = []
    shares = [max(1, theme.paltas // 3), max(1, theme.paltas // 3), theme.paltas]
    for t, share in enumerate(shares):
        chosen += tiers[t][:share]
        if len(chosen) >= theme.paltas:
            break
    # If a tier was short, fill from whatever is left, in the order found.
    for seq in found:
        if len(chosen) >= theme.paltas:
            break
        if seq not in chosen:
            chosen.append(seq)
    if len(chosen) < theme.paltas:
        raise ValueError(f"{theme.name}: only {len(chosen)} paltas found, want {theme.paltas}")
    return [tuple(own)] + chosen[:theme.paltas]


def theme_composition(theme: Theme, taal: Taal, form: str, number: int) -> Composition:
    units = [unit_bols(theme, taal, names) for names in palta_bodies(theme, taal)]
    body = [m for unit in units for m in theme_matras(theme, unit)]
    headers = {"theme-cycles": str(theme.theme_cycles)} if theme.theme_cycles > 1 else {}
    label = form.capitalize()
    return Composition(taal, form, f"{label} {number} — {theme.name}", body, headers=headers)


def theme_tihai(theme: Theme, taal: Taal, form: str, number: int) -> Composition:
    """The kaida's own ending: its bhari half (or the whole theme), then a tihai landing on sam.

    The tihai phrase is the open cadence plus Dha, or a longer tail of the bhari half plus Dha;
    gaps are up to about two matras of rests. Among the tihais that fit, the one whose phrases
    start on beats (or all at the same place in the beat) is preferred, then the shortest.
    """
    own = tuple(theme.theme.split())
    d = theme.density
    half = theme.body_bols(own) + bols(theme.cadence[1])
    leads = [theme_matras(theme, half), theme_matras(theme, unit_bols(theme, taal, own))]
    # Tihai phrases: the cadence, then ever longer tails of the half (whole phrases), + Dha.
    opened = bols(theme.cadence[1])
    tails, length = [opened], len(opened)
    for name in reversed(own):
        length += len(theme.phrase(name))
        tails.append(half[-length:])
    options = [Passage(tail + ["Dha"], [0]) for tail in tails]
    fits = []
    for lead_rank, lead in enumerate(leads):
        for cycles in range(1, 5):
            room = cycles * taal.matras - len(lead)  # matras left for the tihai before sam
            for rank, phrase in enumerate(options):
                for gap in range(0, 3 * d):
                    passage = tihai(phrase, gap)
                    pad = room * d - (len(passage.bols) - 1)
                    if room > 0 and 0 <= pad < d:
                        stream = Passage(rests(pad), []) + passage
                        wander, off = misaligned(stream, d)
                        cost = (wander, gap >= 2 * d, off, cycles, lead_rank, rank, abs(gap - d))
                        fits.append((cost, lead, stream))
    if not fits:
        raise ValueError(f"{theme.name}: no tihai fits")
    _, lead, stream = min(fits, key=lambda fit: fit[0])
    body = lead + chunk(stream.bols[:-1], d, theme.pulse)
    return Composition(taal, "tihai", f"{form.capitalize()} {number} — tihai", body, (stream.bols[-1],))


# ---------------------------------------------------------------------------------------------
# Cadential forms: tihai, tukda, chakradar
# ---------------------------------------------------------------------------------------------

@dataclass
class Passage:
    """Bols, with the places where phrases begin (they sound best begun on a beat)."""
    bols: list[str]
    starts: list[int]

    def __add__(self, other: "Passage") -> "Passage":
        return Passage(self.bols + other.bols, self.starts + [len(self.bols) + s for s in other.starts])


def phrase_of(text: str) -> Passage:
    return Passage(bols(text), [0])


def tihai(phrase: Passage, gap: int) -> Passage:
    """A phrase three times with equal gaps (dam); with gap 0 it is bedam."""
    dam = Passage(rests(gap), [])
    return phrase + dam + phrase + dam + phrase


def misaligned(passage: Passage, density: int) -> tuple[int, int]:
    """How far the phrases are from starting on beats: first, how many different offsets
    within the matra they start at (a tihai whose three phrases all start just after the beat
    is fine; one that wanders is not), then how many start off the beat."""
    offsets = [s % density for s in passage.starts]
    return len(set(offsets)) - 1, sum(1 for o in offsets if o)


def land_on_sam(taal: Taal, passage: Passage, density: int, pulse: int | None = None):
    """Place ``passage`` (ending on its landing stroke) so that the last stroke falls on sam.

    Returns (matras before sam, landing matra, matras of the cycle before it starts, rests padded,
    phrases not starting on a beat). A few rests in front align the passage to whole matras;
    its length counted back from sam fixes where in the cycle it starts.
    """
    pad = (1 - len(passage.bols)) % density
    stream = Passage(rests(pad), []) + passage
    inner = chunk(stream.bols[:-1], density, pulse)
    lead = (-len(inner)) % taal.matras
    return inner, (stream.bols[-1],), lead, pad, misaligned(stream, density)


# How a cadential passage that does not fill whole cycles is written:
# "theka": the theka is played up to where it starts; "rests": rest matras stand there;
# "pickup": the piece starts there (``# start: N``) and the first written cycle is partial.
LEAD_INS = ("theka", "rests", "pickup")


def lead_in(taal: Taal, inner: list[tuple[str, ...]], landing: tuple[str, ...], how: str):
    """(body, start) of a cadential piece whose ``inner`` matras end just before sam."""
    lead = (-len(inner)) % taal.matras
    if how == "pickup":
        return inner, lead + 1
    if how == "rests":
        return [(REST,)] * lead + inner, 1
    return cycle_through(matras(taal.theka), lead) + inner, 1


def cadential(taal: Taal, form: str, title: str, passage: Passage, density: int,
              how: str = "theka", pulse: int | None = None) -> Composition:
    inner, landing, _, _, _ = land_on_sam(taal, passage, density, pulse)
    body, start = lead_in(taal, inner, landing, how)
    return Composition(taal, form, title, body, landing, start=start)


def mixed_cadential(taal: Taal, form: str, title: str, sections: list[tuple[str, int, int | None]],
                    how: str = "pickup") -> Composition:
    """A cadential piece whose sections move between speeds (tisra next to chatusra matras).

    ``sections`` are (bols, bols a matra, bols a pulse); all but the last fill whole matras, the
    last ends on the stroke that lands on sam.
    """
    inner: list[tuple[str, ...]] = []
    for text, density, pulse in sections[:-1]:
        inner += chunk(bols(text), density, pulse)
    text, density, pulse = sections[-1]
    tail, landing, _, _, _ = land_on_sam(taal, phrase_of(text), density, pulse)
    body, start = lead_in(taal, inner + tail, landing, how)
    return Composition(taal, form, title, body, landing, start=start)


def best_choice(taal: Taal, make, choices):
    """The choice (density, gaps...) for which ``make(*choice)`` lands on sam most neatly.

    In order: it reads back unchanged (``KaTra`` in one matra would read as Kat Ra), its phrases
    start on beats, it starts on a vibhag, its gaps are near one matra, little padding, and it
    starts early in the cycle.
    """
    def cost(choice):
        density = choice[0]
        inner, _, lead, pad, off = land_on_sam(taal, make(*choice), density)
        gaps = sum(abs(g - density) for g in choice[1:3])
        return (not readable(inner), off, lead not in taal.vibhag_starts, gaps, pad, lead)
    return min(choices, key=cost)


def tihai_composition(taal: Taal, phrase: Passage, density: int, gap: int, number: int,
                      how: str = "theka", pulse: int | None = None) -> Composition:
    kind = "bedam" if gap == 0 else "dumdaar"
    passage = tihai(phrase, gap)
    _, _, lead, _, _ = land_on_sam(taal, passage, density, pulse)
    written = {"theka": "", "rests": ", rests before", "pickup": ", pickup"}[how]
    title = (f"Tihai {number} — {spoken(phrase.bols)}, {kind}, {LAYA_NAMES[density]}, "
             f"from matra {lead + 1}{written}")
    return cadential(taal, "tihai", title, passage, density, how, pulse)


def tukda_composition(taal: Taal, body: Passage, phrases: list[Passage], densities: tuple[int, ...],
                      number: int, how: str = "theka", form: str = "tukda") -> Composition:
    """A body and a tihai; the tihai phrase is the candidate that lands most neatly."""
    def make(d, gap, breath, which):
        # A breath (a rest or two) between body and tihai is allowed when it helps the alignment.
        return body + Passage(rests(breath), []) + tihai(phrases[which], gap)
    choices = [(d, g, b, w) for w in range(len(phrases)) for d in densities
               for b in range(d) for g in range(0, 2 * d + 1)]
    choice = best_choice(taal, make, choices)
    phrase = phrases[choice[3]]
    written = {"theka": "", "rests": ", rests before", "pickup": ", pickup"}[how]
    title = f"{form.capitalize()} {number} — {spoken(body.bols[:6])} ..., tihai {spoken(phrase.bols)}{written}"
    return cadential(taal, form, title, make(*choice), choice[0], how)


def chakradar_composition(taal: Taal, body: Passage, phrase: Passage, densities: tuple[int, ...],
                          number: int, how: str = "theka", form: str = "chakradar") -> Composition:
    def make(d, inner_gap, outer_gap):
        return tihai(body + tihai(phrase, inner_gap), outer_gap)
    choices = [(d, g1, g2) for d in densities for g1 in range(0, d + 1) for g2 in range(0, 2 * d + 1)]
    choice = best_choice(taal, make, choices)
    title = (f"{form.capitalize()} {number} — {spoken(body.bols[:6])} ..., {spoken(phrase.bols)} three times three"
             + (", pickup" if how == "pickup" else ""))
    return cadential(taal, form, title, make(*choice), choice[0], how)


# ---------------------------------------------------------------------------------------------
# Hand-written material: Teentaal
# ---------------------------------------------------------------------------------------------

TEENTAAL_THEKAS = [
    ("Teentaal theka", TAALS["teentaal"].theka),
    ("Teentaal theka with Ta on the khali", "Dha Dhin Dhin Dha | Dha Dhin Dhin Dha | Ta Tin Tin Ta | Ta Dhin Dhin Dha"),
    ("Teentaal theka, Punjab style", "Dha Dhin Dhin Dha | Dha Dhin Dhin Dha | Dha Tin Tin Ta | Na Dhin Dhin Dha"),
]

TEENTAAL_PRAKARS = [
    ("Theka prakar, vilambit with fillers", [
        "Dha DhinDhin DhaGe TiRaKiTa | Dha DhinDhin DhaGe TiRaKiTa | Ta TinTin TaKe TiRaKiTa | Ta DhinDhin DhaGe TiRaKiTa"]),
    ("Theka prakar, Punjab gharana", [
        "Dha -Dha DhinDhin DhaDha | Dha -Dha DhinDhin DhaDha | Ta -Ta TinTin TaTa | Ta -Ta DhinDhin DhaDha"]),
    ("Theka prakar, Ajrada", [
        "DhaGe NaDha -Dha Dhin | DhaGe NaDha -Dha Dhin | TaKe NaTa -Ta Tin | TaKe NaDha -Dha Dhin"]),
    ("Theka prakar, Farukhabad", [
        "Dha -Ge TiTa Dhin | Dha -Ge TiTa Dhin | Ta -Ke TiTa Tin | Ta -Ge TiTa Dhin"]),
    ("Theka prakar, Delhi", [
        "Dha TiTe Dhin Dha | Dha TiTe Dhin Dha | Ta TiTe Tin Ta | TiTe TiTe Dhin Dha",
        "DhaDha TiTe DhinNa Dha | DhaDha TiTe DhinNa Dha | TaTa TiTe TinNa Ta | Ta TiTe DhinNa Dha"]),
    ("Theka prakar, Lucknow", [
        "Dha Dhin DhaGe TiTa | Dha Dhin DhaGe TiTa | Ta Tin TaKe TiTa | Ta Dhin DhaGe TiTa"]),
    ("Theka prakar with rests", [
        "Dha - Dhin Dha | Dha - Dhin Dha | Dha - Tin Ta | Ta - Dhin Dha",
        "Dha Dhin - Dha | Dha Dhin - Dha | Dha Tin - Ta | Ta Dhin - Dha"]),
    ("Theka prakar, madhya laya", [
        "DhaDhin DhinDha DhaDhin DhinDha | DhaDhin DhinDha DhaDhin DhinDha | DhaTin TinTa TaTin TinTa | TaDhin DhinDha DhaDhin DhinDha"]),
    ("Theka prakar, Benares", [
        "Dha DhetTa DhinNa Dha | Dha DhetTa DhinNa Dha | Ta TitTa TinNa Ta | Ta DhetTa DhinNa Dha"]),
    ("Theka prakar, with TiRaKiTa", [
        "Dha Dhin Dhin TiRaKiTa | Dha Dhin Dhin TiRaKiTa | Ta Tin Tin TiRaKiTa | Ta Dhin Dhin TiRaKiTa",
        "TiRaKiTa Dhin Dhin Dha | TiRaKiTa Dhin Dhin Dha | TiRaKiTa Tin Tin Ta | TiRaKiTa Dhin Dhin Dha"]),
]

# Cadences reused by several kaidas: (closing the bhari half, closing the unit).
TIN_NA = ("Dha Ge Tin Na", "Dha Ge Dhin Na")
KENA = ("Tin Na Ke Na", "Dhin Na Ge Na")
LONG_KENA = ("Dha Ti Dha Ge Tin Na Ke Na", "Dha Ti Dha Ge Dhin Na Ge Na")

TEENTAAL_KAIDAS = [
    Theme("Dha Dha Ti Te (Delhi)", 2, {"a": "Dha Dha", "b": "Ti Te", "c": "Dha Ge"},
          "a b a b a b", TIN_NA, extras="c"),
    Theme("Dha Ti Dha Ge Na Dha Ti Ra Ki Ta (Delhi)", 2,
          {"a": "Dha Ti Dha Ge", "b": "Na Dha", "c": "Ti Ra Ki Ta", "d": "Dha Ti"},
          "a b c d", TIN_NA),
    Theme("Dha TiRaKiTa (Delhi)", 2, {"a": "Dha -", "b": "Ti Ra Ki Ta", "c": "Dha Dha", "d": "Ta Ka"},
          "a b c b", KENA, extras="d"),
    Theme("Dha Ge Na Dha (Ajrada)", 2,
          {"a": "Dha Ge Na Dha", "b": "Ge Na", "c": "Dha Ge", "d": "Ti Ra Ki Ta"},
          "a b c d", TIN_NA),
    Theme("Dha Ge Ne Ge (Ajrada)", 2, {"a": "Dha -", "b": "Ge Ne", "c": "Dha Ge", "d": "Na Ge"},
          "a b c d a b", KENA),
    Theme("Dha Ge Ti Ta (Lucknow)", 2, {"a": "Dha Ge Ti Ta", "b": "Ge Na", "c": "Dha Ge", "d": "Ti Ta"},
          "a b c d b", TIN_NA),
    Theme("Ge Te Te Ka Ta Ga Dhi Ge Na (Farukhabad)", 2,
          {"a": "Dha Ge", "b": "Te Te", "c": "Ka Ta", "d": "Ga Dhi", "e": "Ge Na"},
          "a b c d e a", KENA),
    Theme("Ti Ta Ka Ta Ga Dhi Ge Na (Farukhabad)", 2,
          {"a": "Dha -", "b": "Ti Ta", "c": "Ka Ta", "d": "Ga Dhi", "e": "Ge Na"},
          "a b c d e b", KENA),
    Theme("Dhe Te Dhe Te (Benares)", 2, {"a": "Dhe Te", "b": "Dha Ge", "c": "Ti Ra Ki Ta"},
          "a a b c b", KENA),
    Theme("Dha Ge Ti Ra Ki Ta (Delhi)", 2, {"a": "Dha Ge", "b": "Ti Ra Ki Ta", "c": "Dha Dha"},
          "a b c b", KENA),
    Theme("Kat Ta Ga Dhi Ge Na (Farukhabad)", 2,
          {"a": "Dha -", "b": "Kat Ta", "c": "Ga Dhi", "d": "Ge Na"},
          "a b c d b c", ("Ge Na Tin Na", "Ge Na Dhin Na")),
    Theme("Dhin - Dha Ge (Delhi)", 2, {"a": "Dhin -", "b": "Dha Ge", "c": "Ti Ra Ki Ta", "d": "Dhin Na"},
          "a b c a b", TIN_NA, extras="d"),
    Theme("Na Dha Ti Ra Ki Ta (Ajrada)", 2,
          {"a": "Dha Ge", "b": "Na Dha", "c": "Ti Ra Ki Ta", "d": "Ge Na"},
          "a b c b d", KENA),
    Theme("Dha Ti Dha Ge, chaugun (Delhi)", 4,
          {"a": "Dha Ti Dha Ge", "b": "Na Dha Ti Ra", "c": "Ki Ta Dha Ti", "d": "Dha Ge Na Dha"},
          "a b c a b c", LONG_KENA, extras="d"),
    Theme("Dha Dha Ti Te Dha Dha Tu Na (Delhi)", 4,
          {"a": "Dha Dha Ti Te", "b": "Dha Dha Tu Na", "c": "Ti Te Ti Te", "d": "Dha Ge Na Dha"},
          "a b a b c b", ("Ta Ta Ti Te Dha Dha Tu Na", "Dha Dha Ti Te Dha Dha Dhi Na"), extras="d"),
    Theme("Dha Ge Ti Ta Ka Ta (Lucknow)", 4,
          {"a": "Dha Ge Ti Ta", "b": "Ge Na Dha Ge", "c": "Ti Ta Ka Ta", "d": "Ga Dhi Ge Na"},
          "a b c d a c", ("Ga Dhi Ge Na Tin Na Ke Na", "Ga Dhi Ge Na Dhin Na Ge Na")),
    Theme("Dha Ge Te Te Ka Ta Ga Dhi (Farukhabad)", 4,
          {"a": "Dha Ge Te Te", "b": "Ka Ta Ga Dhi", "c": "Ge Na Dha -", "d": "Ti Ra Ki Ta"},
          "a b c a b d", ("Dha Ge Te Te Tin Na Ke Na", "Dha Ge Te Te Dhin Na Ge Na")),
    Theme("Dha Ge Na Dha Ti Ra Ki Ta (Ajrada)", 4,
          {"a": "Dha Ge Na Dha", "b": "Ti Ra Ki Ta", "c": "Ta Ka Dha Ge", "d": "Na Dha Ge Na"},
          "a b a b c b", ("Dha Ge Na Dha Tin Na Ke Na", "Dha Ge Na Dha Dhin Na Ge Na"), extras="d"),
    Theme("Dhe Te Dhe Te Kat Ta (Benares)", 4,
          {"a": "Dhe Te Dhe Te", "b": "Kat Ta Dhe Te", "c": "Dha Ge Ti Ta", "d": "Ka Ta Dha -"},
          "a b c a b d", ("Dhe Te Dha Ge Tin Na Ke Na", "Dhe Te Dha Ge Dhin Na Ge Na")),
    Theme("Dhin Na Ge Na (Delhi)", 4,
          {"a": "Dha Ge Dhin Na", "b": "Ge Na Dha Ge", "c": "Ti Ra Ki Ta", "d": "Dhin Na Ge Na"},
          "a b c d a c", LONG_KENA),
    Theme("Dha Ti Dha Ge, vilambit over two cycles (Delhi)", 2,
          {"a": "Dha Ti Dha Ge", "b": "Na Dha Ti Ra", "c": "Ki Ta Dha Ti", "d": "Dha Ge Na Dha"},
          "a b c a b c", LONG_KENA, extras="d", paltas=5, theme_cycles=2),
    Theme("Dha Dha Ti Te, vilambit over two cycles (Delhi)", 2,
          {"a": "Dha Dha", "b": "Ti Te", "c": "Dha Ge", "d": "Tu Na"},
          "a b a b a b a b a b c d", ("Ta Ta Ti Te Dha Ge Tin Na", "Dha Dha Ti Te Dha Ge Dhin Na"),
          paltas=5, theme_cycles=2),
]

TEENTAAL_RELAS = [
    Theme("Dhi Re Dhi Re Ki Ta Ta Ka (Delhi)", 4,
          {"a": "Dhi Re Dhi Re", "b": "Ki Ta Ta Ka", "c": "Ti Ra Ki Ta", "d": "Dha Ti Dha Ge"},
          "a b a b c b", LONG_KENA, extras="d"),
    Theme("Ti Ra Ki Ta Ta Ka (Ajrada)", 4,
          {"a": "Dha - Dha -", "b": "Ti Ra Ki Ta", "c": "Ta Ka Ti Ra", "d": "Ki Ta Ta Ka"},
          "a b c d b c", LONG_KENA),
    Theme("Dha Ge Na Ga Ti Ra Ki Ta", 4,
          {"a": "Dha Ge Na Ga", "b": "Ti Ra Ki Ta", "c": "Na Ga Ti Ra", "d": "Ki Ta Ta Ka"},
          "a b a b c d", ("Dha Ge Na Ga Tin Na Ke Na", "Dha Ge Na Ga Dhin Na Ge Na")),
    Theme("Dhe Re Dhe Re (Benares)", 4,
          {"a": "Dhe Re Dhe Re", "b": "Ki Ta Ta Ka", "c": "Dhe Te Dhe Te", "d": "Ti Ra Ki Ta"},
          "a b a b c d", ("Dha Ge Te Te Tin Na Ke Na", "Dha Ge Te Te Dhin Na Ge Na")),
    Theme("Ga Dhi Ge Na (Farukhabad)", 4,
          {"a": "Ga Dhi Ge Na", "b": "Dha Ge Ti Ra", "c": "Ki Ta Ta Ka", "d": "Ka Ta Ga Dhi"},
          "a b c d a b", ("Ga Dhi Ge Na Tin Na Ke Na", "Ga Dhi Ge Na Dhin Na Ge Na")),
    Theme("Dha Tra Ka Dhi Ki Ta (Benares)", 4,
          {"a": "Dha Tra Ka Dhi", "b": "Ki Ta Ta Ka", "c": "Tra Ka Dhi Ki", "d": "Ta Dha - Dha"},
          "a b c d a b", LONG_KENA),
    Theme("Dha Ge Ti Ta Ge Na (Lucknow)", 4,
          {"a": "Dha Ge Ti Ta", "b": "Ge Na Dha Ge", "c": "Ti Ra Ki Ta", "d": "Ta Ka Ti Ta"},
          "a b c d a b", ("Dha Ge Ti Ta Tin Na Ke Na", "Dha Ge Ti Ta Dhin Na Ge Na")),
    Theme("Dhi Re Dhi Re Dha Ge Na Dha, two cycles (Delhi)", 4,
          {"a": "Dhi Re Dhi Re", "b": "Ki Ta Ta Ka", "c": "Dha Ge Na Dha", "d": "Ti Ra Ki Ta"},
          "a b a b c d a b c d a b c d", LONG_KENA, paltas=4, theme_cycles=2),
]

TEENTAAL_PESHKARS = [
    Theme("Dhi - - Kran (Delhi)", 4,
          {"a": "Dhi - - Kran", "b": "Dhi - Dha -", "c": "Dha Ti Dha Dha", "d": "Dhin - Na -"},
          "a b c b a d", ("Dha Ti Dha Dha Tin - Na -", "Dha Ti Dha Dha Dhin - Na -"), paltas=6),
    Theme("Dhin - - Dha (Farukhabad)", 4,
          {"a": "Dhin - - Dha", "b": "- Dhin Dha Dha", "c": "Ti Dha Dha Dhin", "d": "Dha - Ti Dha"},
          "a b c d a b", ("Dha Dha Ti Dha Tin - Na -", "Dha Dha Ti Dha Dhin - Na -"), paltas=6),
    Theme("Dha - Ge Na (Ajrada)", 4,
          {"a": "Dha - Ge Na", "b": "Dha - Ti -", "c": "Dha Ge Na Dha", "d": "- Dha Ge Na"},
          "a b c d a b", ("Dha Ti Dha Ge Tin - Na -", "Dha Ti Dha Ge Dhin - Na -"), paltas=6),
    Theme("Dhi - Dha - Ti Ta (Lucknow)", 4,
          {"a": "Dhi - Dha -", "b": "Ti Ta Dhi -", "c": "Dha Ge Ti Ta", "d": "Ge Na Dha -"},
          "a b c d a b", ("Dha Ge Ti Ta Tin - Na -", "Dha Ge Ti Ta Dhin - Na -"), paltas=6),
    Theme("Dhe - Te - (Benares)", 4,
          {"a": "Dhe - Te -", "b": "Dha - Ge Na", "c": "Dhe Te Dha -", "d": "Kat - Dha -"},
          "a b c d a b", ("Dha - Ge Na Tin - Na -", "Dha - Ge Na Dhin - Na -"), paltas=6),
]

# Tihai phrases: each ends on the Dha that lands.
TIHAI_PHRASES = [
    "Ti Ra Ki Ta Ta Ka Dha", "Ta Ki Ta Dha", "Dhi Ki Ta Dha", "Kran Dha - Ta Ki Ta Dha",
    "Ga Dhi Ge Na Dha", "Kat Ta Ga Dhi Ge Na Dha", "Dha Ti Ra Ki Ta Dha", "Ta Ka Dhi Ki Ta Dha",
    "Dha Ge Te Te Ka Ta Ga Dhi Ge Na Dha", "Dhe Te Dhe Te Dha", "Na Dha Ti Ra Ki Ta Dha",
    "Dha Dha Ti Te Dha", "Tra Ka Dhi Ki Ta Dha", "Dha Ge Na Dha Ti Ra Ki Ta Dha", "Dhin Na Ge Na Dha",
    "Dha Ge Dhin Na Dha", "Ti Ta Ka Ta Ga Dhi Ge Na Dha", "Dhet Ta Dhet Ta Dha", "Dha - Kat Ta Dha",
    "Ti Te Kat Ta Ga Dhi Ge Na Dha",
]

# Tukda and chakradar bodies (the part before the tihai).
TUKDA_BODIES = [
    "Dha Ge Te Te Ka Ta Ga Dhi Ge Na Dha -",
    "Kran Dha - Ta Ki Ta Dha - Ta Ka Ti Ra Ki Ta Ta Ka",
    "Dhet Dhet Ta Ge Na Dha Ti Ra Ki Ta Ta Ka",
    "Dha Ti Ra Ki Ta Ta Ka Ti Ra Ki Ta Ta Ka Dha - -",
    "Ta Ka Dhi Ki Ta Dha - Ta Ka Dhi Ki Ta",
    "Dhi Ta Dhi Ta Kat Ta Ga Dhi Ge Na Dha -",
    "Ga Dhi Ge Na Na Ge Ti Ta Ka Ta Ga Dhi Ge Na Dha -",
    "Dha - Kran Dha - Ta Ki Ta",
    "Dha Ge Na Dha Ti Ra Ki Ta Dha Ge Dhin Na Ge Na Ta Ka",
    "Tra Ka Dhi Ki Ta Dha - Tra Ka Dhi Ki Ta Ta Ka Ti Ta",
    "Dhin - Na Ge Dhin - Na Ge Ti Ra Ki Ta Ta Ka Dha -",
    "Ne Dha Ge Ne Dha Ge Ti Ra Ki Ta",
    "Kat Ta Kat Ta Ga Dhi Ge Na",
    "Dha - Dhet Ta Dhet Ta Dha - Kat Ta Ga Dhi Ge Na Dha -",
    "Dhi Ki Ta Dha - Dhi Ki Ta Ta Ka Ti Ra Ki Ta Ta Ka",
    "Dha - Ta - Kran - Dha - Ti Ra Ki Ta Ta Ka Dha -",
    "Dha Ge Ti Ta Ge Na Dha Ge Ti Ta Ka Ta Ga Dhi Ge Na",
    "Dhe Te Dhe Te Dha Ge Ti Ra Ki Ta Ta Ka",
    "Ta Ki Ta Ta Ka Dhi Ki Ta Dha - Dha -",
    "Dha Dha Ti Te Dha Dha Ti Te Kat Ta Ga Dhi Ge Na",
    "Dha - Ne Dha Ti Ra Ki Ta Ta Ka Dha - Ti Ra Ki Ta",
    "Kran - Dha Ti Ra Ki Ta Ta Ka Ta Ki Ta",
]

CHAKRADAR_BODIES = [
    ("Dha - Ge Na Dha - Ti Ra Ki Ta Ta Ka", "Kat Ta Ga Dhi Ge Na Dha"),
    ("Kran Dha - Ta Ki Ta Dha -", "Ti Ra Ki Ta Ta Ka Dha"),
    ("Dha Ge Te Te Ka Ta Ga Dhi Ge Na Dha -", "Na Dha Ti Ra Ki Ta Dha"),
    ("Dhi Ta Dhi Ta Kat Ta", "Ga Dhi Ge Na Dha"),
    ("Tra Ka Dhi Ki Ta Dha - Tra Ka Dhi Ki Ta", "Dhet Ta Dhet Ta Dha"),
    ("Dha - Ti Ra Ki Ta Ta Ka", "Dha - Kat Ta Dha"),
    ("Dhet Ta Dhet Ta Kat Ta", "Dha Ge Dhin Na Dha"),
    ("Ga Dhi Ge Na Na Ge Ti Ta", "Kat Ta Ga Dhi Ge Na Dha"),
    ("Dha - Kran Dha - Ta Ki Ta", "Ti Ta Ka Ta Ga Dhi Ge Na Dha"),
    ("Ti Ra Ki Ta Ta Ka Ta Ka", "Dha Dha Ti Te Dha"),
    ("Dhin - Na Ge Ti Ra Ki Ta", "Dhin Na Ge Na Dha"),
    ("Dha Ge Ti Ta Ka Ta Ga Dhi Ge Na", "Dhe Te Dhe Te Dha"),
    ("Ne Dha Ge Ne Dha Ge", "Ti Ra Ki Ta Ta Ka Dha"),
    ("Dhe Te Dhe Te Kat Ta", "Kran Dha - Ta Ki Ta Dha"),
    ("Kat Ta Kat Ta Ga Dhi Ge Na", "Dha Ge Na Dha Ti Ra Ki Ta Dha"),
    ("Dha - Ta - Ti Ra Ki Ta", "Ga Dhi Ge Na Dha"),
]


# Faster relas and kaidas: 8 or 16 strokes a matra in pulses of four, tisra (3, or 6 in pulses of
# three). Several use the syllables of the Farukhabad and Ajrada repertoire (Kda, Ghi, Da).
EIGHT_KENA = ("Dha Ti Dha Ge Tin Na Ke Na", "Dha Ti Dha Ge Dhin Na Ge Na")
TEENTAAL_FAST_THEMES = [
    ("rela", Theme("Dha Ti Ta Dha Ti Ta Dha Dha, 8 a matra (Delhi)", 8,
                   {"a": "Dha Ti Ta Dha Ti Ta Dha Dha", "b": "Ti Ta Dha Ge Na Dha Ti Ta",
                    "c": "Dha Ti Ta Dha Ge Na Dha Ge", "d": "Ti Ra Ki Ta Ta Ka Ti Ta"},
                   "a b a b c d b", EIGHT_KENA, paltas=5, pulse=4)),
    ("rela", Theme("Dhi Re Dhi Re Ki Ta Ta Ka, 8 a matra (Delhi)", 8,
                   {"a": "Dhi Re Dhi Re Ki Ta Ta Ka", "b": "Ti Ra Ki Ta Ta Ka Ti Ta",
                    "c": "Dha Ge Na Ga Dhi Re Dhi Re", "d": "Ki Ta Ta Ka Ti Ra Ki Ta"},
                   "a b a b c d a", EIGHT_KENA, paltas=5, pulse=4)),
    ("rela", Theme("Ghi Da Na Ga Dhi Na Gi Na, 8 a matra (Farukhabad)", 8,
                   {"a": "Ghi Da Na Ga Dhi Na Gi Na", "b": "Dha Ti Ra Ki Ta Ta Ka Ta",
                    "c": "Ghi Da Na Ga Ti Ra Ki Ta", "d": "Dhi Na Gi Na Ta Ka Ti Ta"},
                   "b a c d b a c", ("Ghi Da Na Ga Tin Na Ki Na", "Ghi Da Na Ga Dhin Na Gi Na"),
                   paltas=5, pulse=4)),
    ("rela", Theme("Kda Dha Ti Ta, 8 a matra (Ajrada)", 8,
                   {"a": "Kda Dha Ti Ta Kda Dha Ti Ta", "b": "Dha Ge Na Dha Ti Ra Ki Ta",
                    "c": "Ta Ka Ti Ra Ki Ta Ta Ka", "d": "Kda Dha Ti Ta Dha Ge Na Dha"},
                   "a b a c d b c", EIGHT_KENA, paltas=5, pulse=4)),
    ("kaida", Theme("Dha Ti Dha Ge Na Dha Ti Ra Ki Ta, 8 a matra (Delhi)", 8,
                    {"a": "Dha Ti Dha Ge Na Dha Ti Ra", "b": "Ki Ta Dha Ti Dha Ge Na Dha",
                     "c": "Ti Ra Ki Ta Ta Ka Ti Ra", "d": "Dha Ge Na Dha Ti Ra Ki Ta"},
                    "a b c a b c d", EIGHT_KENA, paltas=5, pulse=4)),
    ("rela", Theme("Dhi Re Dhi Re Ki Ta Ta Ka, 16 a matra (Delhi)", 16,
                   {"a": "Dhi Re Dhi Re Ki Ta Ta Ka Ti Ra Ki Ta Ta Ka Ti Ta",
                    "b": "Dha Ge Na Ga Dhi Re Dhi Re Ki Ta Ta Ka Ti Ra Ki Ta",
                    "c": "Dhi Re Dhi Re Dha Ge Na Ga Ti Ra Ki Ta Ta Ka Ti Ta",
                    "d": "Ta Ka Ti Ra Ki Ta Ta Ka Dha Ge Na Ga Dhi Re Dhi Re"},
                   "a b a b c d a",
                   ("Ti Ra Ki Ta Ta Ka Ti Ra Ki Ta Dha Ge Tin Na Ke Na",
                    "Ti Ra Ki Ta Ta Ka Ti Ra Ki Ta Dha Ge Dhin Na Ge Na"), paltas=3, pulse=4)),
    ("kaida", Theme("Dha Ti Ta Dha Dha Ti, tisra (Delhi)", 3,
                    {"a": "Dha Ti Ta", "b": "Dha Dha Ti", "c": "Ta Dha Ge", "d": "Na Dha Ge"},
                    "a a b c a b", ("Dha Ge Tin Na Ke Na", "Dha Ge Dhin Na Ge Na"), extras="d", paltas=6)),
    ("kaida", Theme("Ga Dhi Ge Na Dha Ti, tisra (Farukhabad)", 3,
                    {"a": "Dha Ti Ta", "b": "Ga Dhi Ge", "c": "Na Dha Ge", "d": "Ti Ra Ki"},
                    "a b c a b c", ("Dha Ge Tin Na Ke Na", "Dha Ge Dhin Na Ge Na"), extras="d", paltas=6)),
    ("rela", Theme("Dhi Re Dhi Re Ki Ta, 6 a matra (tisra, Delhi)", 6,
                   {"a": "Dhi Re Dhi Re Ki Ta", "b": "Ta Ka Ti Ra Ki Ta",
                    "c": "Dha Ti Ta Dha Ge Na", "d": "Dha Ge Na Dha Ti Ta"},
                   "a b a b c d a", ("Dha Ge Tin Na Ke Na", "Dha Ge Dhin Na Ge Na"), paltas=5, pulse=3)),
]

# Tihai phrases with the syllables of pakhawaj-style parans and Farukhabad compositions; played as
# pickups (starting after sam, ``# start:``) and after rest matras.
PICKUP_TIHAI_PHRASES = [
    "Kda Dha Ti Ta Dha", "Ghen Na Kat Ta Dha", "Din Ta Kat Ta Dha", "Tun Na Kat Ta Dha",
    "Ghi Da Na Ga Dha", "Dha Ti Ra Ki Ta Ta Ka Dha", "Kat Ta Ghen Na Dha", "Kri Dha Ti Ta Dha",
    "Dhet Dhet Ta Ge Na Dha", "Ta Ka Dhi Ki Ta Dha", "Dha Ge Din Ta Dha", "Kda Dha Ti Ta Ghen Na Dha",
]

# Parans: a pakhawaj-style body (Ghen, Din, Tun, Kat, Kda, Kri, Chap) and the tihai that ends it.
PARANS = [
    ("Dha - Ghen Na Dha Ti Ta Kat Ta Ghen Na Dha Ti Ta Kat Ta", "Ghen Na Dha Ti Ta Dha"),
    ("Kda Dha Ti Ta Kat Ta Ghen Na Din Ta Kat Ta Tun Na Kat Ta", "Din Ta Kat Ta Dha"),
    ("Dha Ti Ta Kat Ta Ga Di Ghen Na Dha - Kda Dha Ti Ta Dha -", "Kat Ta Ghen Na Dha"),
    ("Kri Dha Ti Ta Dha - Kri Dha Ti Ta Ghen Na Din Ta Kat Ta", "Kri Dha Ti Ta Dha"),
    ("Dha Ge Tun Na Kat Ta Dha Ge Din Ta Kat Ta", "Tun Na Kat Ta Dha"),
    ("Chap - Dha Ti Ta Kat Ta Ghen Na Dha - Kda Dha Ti Ta -", "Ghen Na Kat Ta Dha"),
    ("Dhet Dhet Ta Ge Ghen Na Kat Ta Din Ta Kat Ta Ghen Na Dha -", "Dha Ti Ta Kat Ta Dha"),
    ("Ta Kat Ta Kat Ghen Na Dha Ti Ta Kda Dha Ti Ta Kat Ta -", "Kda Dha Ti Ta Dha"),
]

# Pieces that change speed as solos do: (title, form, sections). Each section is (bols, bols a
# matra, bols a pulse); the last is the tihai that lands on sam.
MIXED_LAYA = [
    ("Tukda in chaugun with a tisra tihai", "tukda", [
        ("Dha Ge Te Te Ka Ta Ga Dhi Ge Na Dha - Ti Ra Ki Ta", 4, None),
        ("Dhi Ki Ta Dha - - Dhi Ki Ta Dha - - Dhi Ki Ta Dha", 3, None)]),
    ("Tukda in tisra with a chaugun tihai", "tukda", [
        ("Dha Ti Ta Dha Ge Na Dha Ti Ta Kat Ta Ga Dhi Ge Na Dha - -", 3, None),
        ("Ti Ra Ki Ta Ta Ka Ti Ta Dha - - - Ti Ra Ki Ta Ta Ka Ti Ta Dha - - - Ti Ra Ki Ta Ta Ka Ti Ta Dha",
         4, None)]),
    ("Chakradar moving from 4 to 6 to 8 a matra", "chakradar", [
        ("Dha - Kat Ta Ga Dhi Ge Na", 4, None),
        ("Dha Ti Ta Dha Ge Na Kda Dha Ti Ta Dha -", 6, 3),
        ("Ta Ka Ti Ra Ki Ta Ta Ka Dha - - - Ta Ka Ti Ra Ki Ta Ta Ka Dha - - - "
         "Ta Ka Ti Ra Ki Ta Ta Ka Dha", 8, 4)]),
    ("Paran with a tisra middle", "paran", [
        ("Dha - Ghen Na Kat Ta Din Ta", 4, None),
        ("Kda Ti Ta Ghen Na Dha Kda Ti Ta Ghen Na Dha", 3, None),
        ("Dha - Ghen Na Dha - - - Dha - Ghen Na Dha - - - Dha - Ghen Na Dha", 4, None)]),
    ("Rela passage at 8 a matra closing in tisra", "tukda", [
        ("Dhi Re Dhi Re Ki Ta Ta Ka Ti Ra Ki Ta Ta Ka Ti Ta Dha Ge Na Ga Dhi Re Dhi Re Ki Ta Ta Ka Ti Ra Ki Ta", 8, 4),
        ("Ti Ra Ki Ta Ta Ka Dha - - Ti Ra Ki Ta Ta Ka Dha - - Ti Ra Ki Ta Ta Ka Dha", 3, None)]),
    ("Tukda in 6 a matra with a 4 a matra tihai", "tukda", [
        ("Dhi Re Dhi Re Ki Ta Ta Ka Ti Ra Ki Ta Dha Ti Ta Dha Ge Na Dha - - Dha - -", 6, 3),
        ("Dha Ge Din Ta Dha - - - Dha Ge Din Ta Dha - - - Dha Ge Din Ta Dha", 4, None)]),
]


def pickup_pieces(taal: Taal, phrases: list[str], first: int, densities=(2, 3, 4, 6, 8)) -> list[Composition]:
    """Tihais that start after sam (``# start:``) and, every third one, after rest matras instead.

    Each phrase takes the laya and gap whose start falls inside the cycle (not on sam) with its
    phrases on beats; later phrases take faster layas so that the corpus holds 6 and 8 a matra.
    """
    found = []
    for i, text in enumerate(phrases):
        phrase = phrase_of(text)
        pulse_of = {6: 3, 8: 4}

        def cost(choice):
            d, g = choice
            _, _, lead, pad, off = land_on_sam(taal, tihai(phrase, g), d, pulse_of.get(d))
            return (lead == 0, off, abs(g - d), pad, -lead)
        allowed = densities[i % len(densities):] + densities[:i % len(densities)]
        d, g = min([(d, g) for d in allowed[:2] for g in range(0, 2 * d + 1)], key=cost)
        how = "rests" if i % 3 == 2 else "pickup"
        found.append(tihai_composition(taal, phrase, d, g, first + i, how, pulse_of.get(d)))
    return found


def teentaal_corpus() -> list[Composition]:
    taal = TAALS["teentaal"]
    found: list[Composition] = []
    found += theka_compositions(taal, TEENTAAL_THEKAS)
    found += prakar_compositions(taal, TEENTAAL_PRAKARS)
    found += teentaal_filled_prakars(16)
    found += theme_family(taal, "peshkar", TEENTAAL_PESHKARS, with_tihai=False)
    found += theme_family(taal, "kaida", TEENTAAL_KAIDAS, with_tihai=True)
    found += theme_family(taal, "rela", TEENTAAL_RELAS, with_tihai=True)
    found += standalone_tihais(taal, TIHAI_PHRASES, bedam=True)
    found += [tukda_composition(taal, phrase_of(body), tihai_candidates(3 * i + 1), (2, 4), i + 1)
              for i, body in enumerate(TUKDA_BODIES)]
    found += [chakradar_composition(taal, phrase_of(body), phrase_of(phrase), (2, 4), i + 1)
              for i, (body, phrase) in enumerate(CHAKRADAR_BODIES)]
    numbers = {"kaida": len(TEENTAAL_KAIDAS), "rela": len(TEENTAAL_RELAS)}
    for form, theme in TEENTAAL_FAST_THEMES:
        numbers[form] += 1
        number = numbers[form]
        found.append(theme_composition(theme, taal, form, number))
        found.append(theme_tihai(theme, taal, form, number))
    found += pickup_pieces(taal, PICKUP_TIHAI_PHRASES + TIHAI_PHRASES[::2], len(TIHAI_PHRASES) * 2 + 1)
    # Chakradars that start after sam: every other body again, as a pickup at another laya.
    found += [chakradar_composition(taal, phrase_of(body), phrase_of(phrase), (3, 4), i + 1, "pickup")
              for i, (body, phrase) in enumerate(CHAKRADAR_BODIES) if i % 2 == 0]
    found += [tukda_composition(taal, phrase_of(body), [phrase_of(ending)], (2, 3, 4), i + 1,
                                ("pickup", "theka", "rests")[i % 3], form="paran")
              for i, (body, ending) in enumerate(PARANS)]
    found += [chakradar_composition(taal, phrase_of(body), phrase_of(ending), (2, 4), len(PARANS) + i + 1,
                                    "pickup", form="paran")
              for i, (body, ending) in enumerate(PARANS[:4])]
    found += [mixed_cadential(taal, form, f"{title} ({number})", sections, ("pickup", "theka")[number % 2])
              for number, (title, form, sections) in enumerate(MIXED_LAYA, start=1)]
    return found


def tihai_candidates(start: int, count: int = 4) -> list[Passage]:
    """A few tihai phrases, taken round the list from ``start``, for a tukda to choose from."""
    return [phrase_of(TIHAI_PHRASES[(start + 5 * i) % len(TIHAI_PHRASES)]) for i in range(count)]


def theme_family(taal: Taal, form: str, themes: list[Theme], with_tihai: bool) -> list[Composition]:
    found = []
    for number, theme in enumerate(themes, start=1):
        found.append(theme_composition(theme, taal, form, number))
        if with_tihai:
            found.append(theme_tihai(theme, taal, form, number))
    return found


def standalone_tihais(taal: Taal, phrases: list[str], bedam: bool) -> list[Composition]:
    """Tihais played out of the theka: each phrase dumdaar at the laya where it sits best
    (typically the Dha filling its matra with rests), and, if ``bedam``, also without gaps at
    another laya."""
    found = []
    for text in phrases:
        phrase = phrase_of(text)

        def make(density, gap):
            return tihai(phrase, gap)
        density, gap = best_choice(taal, make, [(d, g) for d in (2, 4, 3) for g in range(1, 2 * d + 1)])
        found.append(tihai_composition(taal, phrase, density, gap, len(found) + 1))
        if bedam:
            other, _ = best_choice(taal, make, [(d, 0) for d in (2, 4, 3) if d != density])
            found.append(tihai_composition(taal, phrase, other, 0, len(found) + 1))
    return found


# ---------------------------------------------------------------------------------------------
# Hand-written material: the other taals
# ---------------------------------------------------------------------------------------------

@dataclass
class SmallCorpus:
    thekas: list[tuple[str, str]]
    prakars: list[tuple[str, list[str]]]
    kaidas: list[tuple[str, Theme]] = field(default_factory=list)   # (form, theme)
    tukdas: int = 2
    chakradars: int = 1


SMALL_CORPORA = {
    "jhaptaal": SmallCorpus(
        thekas=[("Jhaptaal theka", TAALS["jhaptaal"].theka)],
        prakars=[
            ("Jhaptaal prakar, rests", ["Dhi -Na | Dhi Dhi Na | Ti -Na | Dhi Dhi Na"]),
            ("Jhaptaal prakar, TiRaKiTa", ["Dhi Na | Dhi Dhi Na | Ti Na | TiRaKiTa Dhi Na"]),
            ("Jhaptaal prakar, GeNa", ["DhiNa GeNa | Dhi Dhi Na | TiNa KeNa | Dhi Dhi Na"]),
            ("Jhaptaal prakar, doubled", ["Dhi Na | DhiDhi NaNa DhiNa | Ti Na | DhiDhi NaNa DhiNa",
                                          "DhiNa -Na | DhiDhi -Na DhiNa | TiNa -Na | DhiDhi -Na DhiNa"]),
            ("Jhaptaal prakar, DhaGe", ["Dhi Na | DhaGe Dhi Na | Ti Na | DhaGe Dhi Na"]),
        ],
        kaidas=[
            ("kaida", Theme("Dha Ti Dha Ge Na Dha Ti Ra Ki Ta", 2,
                            {"a": "Dha Ti Dha Ge", "b": "Na Dha", "c": "Ti Ra Ki Ta"},
                            "a b c a b", KENA, paltas=5, theme_cycles=2)),
            ("kaida", Theme("Dha Dha Ti Te", 2, {"a": "Dha Dha", "b": "Ti Te", "c": "Dha Ge"},
                            "a b a b a b a b", TIN_NA, extras="c", paltas=5, theme_cycles=2)),
        ],
    ),
    "ektaal": SmallCorpus(
        thekas=[("Ektaal theka", TAALS["ektaal"].theka)],
        prakars=[
            ("Ektaal prakar, vilambit", ["Dhin -Dhin | DhaGe TiRaKiTa | Tu -Na | Kat -Ta | DhaGe TiRaKiTa | Dhi -Na"]),
            ("Ektaal prakar, GeNa", ["Dhin Dhin | DhaGe TiRaKiTa | Tu Na | Kat Ta | DhaGe TiRaKiTa | DhiNa GeNa"]),
            ("Ektaal prakar, madhya", ["DhinDhin DhaGe | TiRaKiTa TuNa | KatTa DhaGe | TiRaKiTa DhiNa | DhinDhin DhaGe | TiRaKiTa DhiNa"]),
            ("Ektaal prakar, TiRaKiTa doubled", ["Dhin Dhin | DhaGe TiRaKiTa | Tu Na | Kat Ta | TiRaKiTa TiRaKiTa | Dhi Na",
                                                 "Dhin Dhin | TiRaKiTa DhaGe | Tu Na | Kat Ta | TiRaKiTa DhaGe | Dhi Na"]),
            ("Ektaal prakar, drut", ["Dhin Dhin | DhaGe TiRaKiTa | TuNa KatTa | -Ta KatTa | DhaGe TiRaKiTa | Dhi Na"]),
        ],
        kaidas=[
            ("kaida", Theme("Dha Ti Dha Ge Na Dha Ti Ra", 4,
                            {"a": "Dha Ti Dha Ge", "b": "Na Dha Ti Ra", "c": "Ki Ta Ta Ka", "d": "Dha Ge Na Dha"},
                            "a b c a b", KENA, extras="d", paltas=6)),
            ("kaida", Theme("Dha Dha Ti Te", 2, {"a": "Dha Dha", "b": "Ti Te", "c": "Dha Ge"},
                            "a b a b", TIN_NA, extras="c", paltas=5)),
        ],
    ),
    "rupak": SmallCorpus(
        thekas=[("Rupak theka", TAALS["rupak"].theka)],
        prakars=[
            ("Rupak prakar, rest", ["Tin -Tin Na | Dhi Na | Dhi Na"]),
            ("Rupak prakar, GeNa", ["Tin Tin Na | DhiNa GeNa | DhiNa GeNa"]),
            ("Rupak prakar, TiRaKiTa", ["Tin Tin TiRaKiTa | Dhi Na | Dhi Na",
                                        "Tin TinNa TiRaKiTa | Dhi Na | DhiDhi Na"]),
            ("Rupak prakar, doubled", ["TinNa TinNa -Na | DhiNa -Na | DhiNa -Na"]),
            ("Rupak prakar, DhaGe", ["Tin Tin Na | DhaGe Na | Dhi Na"]),
        ],
        kaidas=[
            ("kaida", Theme("Dha Ti Dha Ge Na Dha Ti Ra Ki Ta", 2,
                            {"a": "Dha Ti Dha Ge", "b": "Na Dha", "c": "Ti Ra Ki Ta"},
                            "a b c a b c a", KENA, paltas=5, theme_cycles=4)),
            ("kaida", Theme("Ge Te Te Ka Ta Ga Dhi Ge Na", 2,
                            {"a": "Dha Ge", "b": "Te Te", "c": "Ka Ta", "d": "Ga Dhi", "e": "Ge Na"},
                            "a b c d e a b c d e a b", KENA, paltas=4, theme_cycles=4)),
        ],
    ),
    "keherwa": SmallCorpus(
        thekas=[("Keherwa theka", TAALS["keherwa"].theka),
                ("Keherwa theka with Dhin", "Dha Ge Na Ti | Na Ka Dhin Na")],
        prakars=[
            ("Keherwa prakar, bhajani", ["Dha - Na Dha | - Dha Na -"]),
            ("Keherwa prakar, with khali", ["DhaGe NaTi NaKa DhiNa | TaKe NaTi NaKa DhiNa"]),
            ("Keherwa prakar, Dhin Na", ["Dha Dhin Na Dhin | Ta Tin Na Dhin"]),
            ("Keherwa prakar, rests", ["Dha -Ge Na Ti | Na -Ka Dhi Na"]),
            ("Keherwa prakar, folk", ["Dha Ge Na Ge | Na Ke Dhi Na", "DhaGe NaGe NaKe DhiNa | TaKe NaKe NaGe DhiNa"]),
            ("Keherwa prakar, TiRaKiTa", ["Dha Ge Na Ti | TiRaKiTa Ka Dhi Na"]),
        ],
        kaidas=[
            ("kaida", Theme("Dha Ti Dha Ge Na Dha", 4,
                            {"a": "Dha Ti", "b": "Dha Ge", "c": "Na Dha", "d": "Ti Ra Ki Ta"},
                            "a b c d a", KENA, paltas=6)),
            ("rela", Theme("Dhi Re Dhi Re Ki Ta Ta Ka", 4,
                           {"a": "Dhi Re Dhi Re", "b": "Ki Ta Ta Ka", "c": "Ti Ra", "d": "Ki Ta", "e": "Dha Ge"},
                           "a b c d", KENA, extras="e", paltas=5)),
        ],
    ),
    "dadra": SmallCorpus(
        thekas=[("Dadra theka", TAALS["dadra"].theka)],
        prakars=[
            ("Dadra prakar, Dhin", ["Dha Dhin Na | Dha Tin Na"]),
            ("Dadra prakar, rest", ["Dha -Dhi Na | Dha Tu Na"]),
            ("Dadra prakar, GeNa", ["Dha Ge Na | Na Ti Na", "DhaGe NaDhi DhiNa | TaKe NaTi TiNa"]),
            ("Dadra prakar, khali", ["Dha Dhi Na | Ta Ti Na"]),
            ("Dadra prakar, TiRaKiTa", ["Dha Dhi Na | TiRaKiTa Tu Na"]),
        ],
        kaidas=[
            ("kaida", Theme("Dha Ti Dha Ge Na Dha Ti Ra Ki Ta", 4,
                            {"a": "Dha Ti", "b": "Dha Ge", "c": "Na Dha", "d": "Ti Ra Ki Ta"},
                            "a b c d a b c d", KENA, paltas=5, theme_cycles=2)),
            ("kaida", Theme("Dha Dha Ti Te", 2, {"a": "Dha Dha", "b": "Ti Te", "c": "Dha Ge"},
                            "a b a b", TIN_NA, extras="c", paltas=5, theme_cycles=2)),
        ],
    ),
    "jhoomra": SmallCorpus(
        thekas=[("Jhoomra theka", TAALS["jhoomra"].theka)],
        prakars=[
            ("Jhoomra prakar, held Dhin", ["Dhin --Dha TiRaKiTa | Dhin Dhin DhaGe TiRaKiTa | Tin --Ta TiRaKiTa | Dhin Dhin DhaGe TiRaKiTa"]),
            ("Jhoomra prakar, TiRaKiTa return", ["Dhin -Dha TiRaKiTa | Dhin Dhin DhaGe TiRaKiTa | Tin -Ta TiRaKiTa | TiRaKiTa Dhin DhaGe TiRaKiTa"]),
            ("Jhoomra prakar, DhinNa", ["DhinNa -Dha TiRaKiTa | Dhin DhinNa DhaGe TiRaKiTa | TinNa -Ta TiRaKiTa | Dhin DhinNa DhaGe TiRaKiTa"]),
            ("Jhoomra prakar, DhaGe", ["Dhin -Dha DhaGe | Dhin Dhin DhaGe TiRaKiTa | Tin -Ta TaKe | Dhin Dhin DhaGe TiRaKiTa"]),
            ("Jhoomra prakar, doubled", ["DhinDhin -Dha TiRaKiTa | DhinDhin Dhin DhaGe TiRaKiTa | TinTin -Ta TiRaKiTa | DhinDhin Dhin DhaGe TiRaKiTa"]),
        ],
        kaidas=[
            ("kaida", Theme("Dha Ti Dha Ge Na Dha Ti Ra Ki Ta", 2,
                            {"a": "Dha Ti Dha Ge", "b": "Na Dha", "c": "Ti Ra Ki Ta"},
                            "a b c a b c a", KENA, paltas=4, theme_cycles=2)),
        ],
    ),
    "deepchandi": SmallCorpus(
        thekas=[("Deepchandi theka", TAALS["deepchandi"].theka)],
        prakars=[
            ("Deepchandi prakar, -Dha", ["Dha Dhin -Dha | Dha Dha Tin -Ta | Ta Tin -Ta | Dha Dha Dhin -Dha"]),
            ("Deepchandi prakar, DhaGe", ["Dha Dhin - | DhaGe Dha Tin - | Ta Tin - | DhaGe Dha Dhin -"]),
            ("Deepchandi prakar, DhinNa", ["Dha DhinNa - | Dha Dha TinNa - | Ta TinNa - | Dha Dha DhinNa -"]),
            ("Deepchandi prakar, TiRaKiTa", ["Dha Dhin TiRaKiTa | Dha Dha Tin - | Ta Tin TiRaKiTa | Dha Dha Dhin -"]),
            ("Deepchandi prakar, thumri", ["Dha Dhin -Na | DhaGe Dha Tin -Na | Ta Tin -Na | DhaGe Dha Dhin -Na"]),
        ],
        kaidas=[
            ("kaida", Theme("Dha Dha Ti Te", 2, {"a": "Dha Dha", "b": "Ti Te", "c": "Dha Ge"},
                            "a b a b c b a b a b c b", TIN_NA, paltas=4, theme_cycles=2)),
        ],
    ),
    "dhamar": SmallCorpus(
        thekas=[("Dhamar theka", TAALS["dhamar"].theka)],
        prakars=[
            ("Dhamar prakar, TiTa", ["Ka Dhi Ta Dhi Ta | Dha - | Ga Ti Ta | TiTa Ta Ta -"]),
            ("Dhamar prakar, Dha Ge", ["Ka Dhi Ta Dhi Ta | Dha Ge | Na Ti Ta | Ti Ta Ta -"]),
            ("Dhamar prakar, pakhawaj", ["KaTa Dhi Ta Dhi Ta | Dha - | GaDhi GeNa Ta | Ti Ta Ta -"]),
            ("Dhamar prakar, filled", ["Ka Dhi Ta Dhi Ta | Dha -Dha | Ga Ti Ta | TiTa KaTa Ta -",
                                       "Ka DhiTa DhiTa Dhi Ta | Dha - | Ga TiTa Ta | Ti Ta TaTa -"]),
            ("Dhamar prakar, Kat", ["Ka Dhi Ta Dhi Ta | Dha - | Kat Ti Ta | Ti Ta Ta -"]),
        ],
        kaidas=[
            ("kaida", Theme("Dhe Te Dhe Te", 2, {"a": "Dhe Te", "b": "Dha Ge", "c": "Ti Ra Ki Ta"},
                            "a a b c a a b c a a", KENA, paltas=4, theme_cycles=2)),
        ],
    ),
}


def small_corpus(taal: Taal, spec: SmallCorpus, offset: int) -> list[Composition]:
    """Thekas, prakars, kaida(s) with their tihais, a few tihais, tukdas and a chakradar.

    ``offset`` rotates through the shared tihai and tukda material so taals differ.
    """
    found: list[Composition] = []
    found += theka_compositions(taal, spec.thekas)
    found += prakar_compositions(taal, spec.prakars)
    for number, (form, theme) in enumerate(spec.kaidas, start=1):
        found.append(theme_composition(theme, taal, form, number))
        found.append(theme_tihai(theme, taal, form, number))
    phrases = [TIHAI_PHRASES[(offset + 5 * i) % len(TIHAI_PHRASES)] for i in range(3)]
    found += standalone_tihais(taal, phrases, bedam=False)
    for i in range(spec.tukdas):
        body = phrase_of(TUKDA_BODIES[(offset + 7 * i) % len(TUKDA_BODIES)])
        found.append(tukda_composition(taal, body, tihai_candidates(offset + 3 * i + 2), (2, 4), i + 1))
    found += pickup_pieces(taal, [PICKUP_TIHAI_PHRASES[offset % len(PICKUP_TIHAI_PHRASES)]], len(phrases) + 1,
                           densities=(2, 3, 4))
    for i in range(spec.chakradars):
        body, phrase = CHAKRADAR_BODIES[(offset + i) % len(CHAKRADAR_BODIES)]
        found.append(chakradar_composition(taal, phrase_of(body), phrase_of(phrase), (2, 4), i + 1))
    return found


# ---------------------------------------------------------------------------------------------
# Self-check: the same rules ``seqgen check`` applies, so a bad edit fails here, not later
# ---------------------------------------------------------------------------------------------

def readable(written: list[tuple[str, ...]]) -> bool:
    """Whether every matra, written joined, reads back (through seqgen's lexicon) as the same bols
    in the same pulses."""
    for matra in written:
        word = "".join(matra)
        meant = tuple(tuple(p.split()) for p in " ".join(matra).split(PULSE))
        try:
            if lexicon.DEFAULT_LEXICON.split_matra(word) != meant:
                return False
        except lexicon.BadWord:
            return False
    return True


CADENTIAL = ("tihai", "tukda", "chakradar", "paran")


def check(composition: Composition) -> None:
    """Fail loudly on anything ``seqgen check --strict`` would reject, and on words that read differently."""
    taal = composition.taal
    where = f"{taal.name}: {composition.title}"
    first = taal.matras - composition.start + 1
    body = composition.body
    assert len(body) >= first and (len(body) - first) % taal.matras == 0, f"{where}: partial cycle"
    for matra in body + ([composition.landing] if composition.landing else []):
        pulses = " ".join(matra).split(PULSE)
        assert 1 <= len(strokes(matra)) <= MAX_STROKES, f"{where}: matra {matra}"
        assert all(1 <= len(p.split()) <= MAX_BOLS_PER_PULSE for p in pulses), f"{where}: pulse in {matra}"
        assert readable([matra]), f"{where}: {''.join(matra)} reads differently"
    if composition.landing or composition.start > 1:
        assert composition.form in CADENTIAL and composition.landing and len(composition.landing) == 1, where
    if composition.form in ("kaida", "rela"):
        size = taal.matras * int(composition.headers.get("theme-cycles", "1"))
        region = khali_quarter(size)
        assert composition.start == 1 and len(body) % size == 0, f"{where}: partial theme unit"
        for begin in range(0, len(body), size):
            unit = body[begin:begin + size]
            assert not any(is_bass(b) for m in unit[region.start:region.stop] for b in m), f"{where}: bass in khali"


def main() -> int:
    corpora = {"teentaal": teentaal_corpus()}
    for offset, (name, spec) in enumerate(SMALL_CORPORA.items()):
        corpora[name] = small_corpus(TAALS[name], spec, offset * 2)
    for compositions in corpora.values():
        titles = [c.title for c in compositions]
        assert len(titles) == len(set(titles)), "duplicate titles"
        for composition in compositions:
            check(composition)
    for name, compositions in corpora.items():
        count, total = write_corpus(TAALS[name], compositions)
        forms: dict[str, int] = {}
        for c in compositions:
            forms[c.form] = forms.get(c.form, 0) + 1
        summary = ", ".join(f"{form} {n}" for form, n in sorted(forms.items()))
        print(f"{name + '.txt':<16} {count:>4} compositions {total:>6} bols  ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
