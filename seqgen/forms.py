"""Form grammars around the learned model: tihai, chakradar, tukda, kaida and rela with paltas,
theka prakar.

A form is a ``Plan`` over the strokes of a piece: for every stroke, whether the model chooses it
freely (perhaps only among bass or closed bols), whether it must be a rest or a given bol, or
whether it must repeat an earlier stroke, as written or with its bass closed (a khali). The plan
fixes repetition, mirroring and arithmetic; the LSTM fills the free strokes in the style of the
corpus. ``PlanConstraint`` enforces a plan while sampling, beside the taal automaton
(``constraints.TaalConstraint``), which still owns matras, bars and the landing on sam.

The arithmetic, written once:
- **Tihai:** phrase P of p strokes (ending on a resonant bol, Dha or Dhin) and gap G of g rests,
  played P G P G P: 3p + 2g strokes whose last falls on sam. Counted back from sam, that fixes where it starts (often mid-cycle).
- **Chakradar:** a tihai whose phrase itself ends in a small tihai.
- **Kaida/rela:** a theme of n matras in four quarters (``rhythm.first_quarter`` ... ``khali_quarter``):
  the third is the first with its bass closed, the fourth repeats the second (bhari again, the
  theme's cadence); paltas rebuild the first half from the theme's own matras (doubled, halved,
  reordered) and keep the four-part shape; a tihai closes the piece.
- **Prakar:** the theka's sam stroke and vibhag cadences kept, its closed matras kept closed.

Reading forms out of written compositions (``find_tihai``) lives here too, so ``check`` and
``evaluate`` recognise a tihai by the same rule the sampler builds it with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Hashable

import numpy as np

from seqgen.errors import SeqgenError
from seqgen.keyed_bias import KeyedBias
from seqgen.rhythm import first_quarter, khali_quarter
from seqgen.taals import Taal
from seqgen.tokenizers.bols import PULSE_SEPARATOR, REST, Lexicon
from seqgen.tokenizers.tabla_notation import parse

# Forms with a grammar here; others are sampled under the taal automaton alone.
TIHAI_FORMS = ("tihai", "tukda", "chakradar")
THEME_FORMS = ("kaida", "rela")
PRAKAR_FORMS = ("prakar",)
GRAMMAR_FORMS = TIHAI_FORMS + THEME_FORMS + PRAKAR_FORMS
# Strokes per matra a form is written at unless --layakari says otherwise.
DEFAULT_LAYAKARI = {"tihai": 2, "tukda": 2, "chakradar": 2, "kaida": 4, "rela": 4, "prakar": 2}
MAX_PALTAS = 12
# A tihai or chakradar longer than this many cycles is no longer heard as one cadence.
MAX_TIHAI_CYCLES = 8

# What a free stroke may be.
ANY, BASS, CLOSED, MIRRORABLE, BASS_MIRRORABLE, CADENCE, STROKE = "any", "bass", "closed", "mirrorable", \
    "bass-mirrorable", "cadence", "stroke"


class FormError(SeqgenError):
    """A form request that cannot be met (a phrase too long for the cycles, paltas without a theme...)."""


@dataclass(frozen=True)
class Step:
    """What one stroke must be: ``free`` (the model picks among ``pick``), ``rest``, ``fixed``
    (``bol``), or ``copy`` of stroke ``source`` (``closed``: with its bass closed)."""

    kind: str
    pick: str = ANY
    source: int = -1
    closed: bool = False
    bol: str = ""


@dataclass(frozen=True)
class Section:
    """A named stretch of strokes: ``[start, end)``."""

    kind: str
    start: int
    end: int


@dataclass
class Plan:
    """Every stroke of a piece, where it starts, how many cycles it spans, and its sections."""

    layakari: int
    start: int                      # 1-based matra of the first stroke's matra
    cycles: int                     # '||' bars
    landing: bool                   # one stroke on sam after the last '||'
    steps: list[Step] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    theme_cycles: int = 1

    def add(self, kind: str, steps: list[Step]) -> None:
        self.sections.append(Section(kind, len(self.steps), len(self.steps) + len(steps)))
        self.steps += steps


def free(count: int, pick: str = ANY) -> list[Step]:
    return [Step("free", pick) for _ in range(count)]


def rests(count: int) -> list[Step]:
    return [Step("rest") for _ in range(count)]


def copies(start: int, count: int, closed: bool = False) -> list[Step]:
    return [Step("copy", source=start + index, closed=closed) for index in range(count)]


# ---------------------------------------------------------------------------------------- tihai

@dataclass(frozen=True)
class TihaiShape:
    phrase: int   # strokes in P
    gap: int      # rests in G (0: bedam)

    @property
    def length(self) -> int:
        """Strokes from the first of P to the last, which falls on sam: 3p + 2g."""
        return 3 * self.phrase + 2 * self.gap


def tihai_steps(shape: TihaiShape, offset: int, phrase: list[Step] | None = None) -> list[Step]:
    """P G P G P starting at stroke ``offset``: the first P as given (default: free strokes ending
    on a bass stroke, a clear cadence), then rests and copies of it."""
    # a phrase opens with a stroke (rests around it belong to the gaps) and ends on a resonant one
    first = phrase if phrase is not None else (
        [Step("free", STROKE)] + free(shape.phrase - 2) + [Step("free", CADENCE)] if shape.phrase > 1
        else [Step("free", CADENCE)])
    steps = list(first)
    for _ in range(2):
        steps += rests(shape.gap)
        steps += copies(offset, shape.phrase)
    return steps


def default_tihai(strokes_available: int, layakari: int, seed: int | None = 0) -> TihaiShape:
    """A tihai whose pre-sam strokes fit ``strokes_available``: with ``seed`` 0 the longest dam
    tihai (a gap of one matra); other seeds draw among dam and bedam shapes that nearly fill it."""
    shapes = tihai_shapes(strokes_available, layakari)
    if seed == 0 or len(shapes) == 1:
        return shapes[0]
    return shapes[int(np.random.default_rng(seed).integers(len(shapes)))]


def tihai_shapes(strokes_available: int, layakari: int) -> list[TihaiShape]:
    """Tihais that fit: gaps of a matra, half a matra, one stroke or none; for each, the longest
    phrase and one a matra shorter. The first is the longest dam tihai."""
    shapes: list[TihaiShape] = []
    for gap in dict.fromkeys((layakari, max(1, layakari // 2), 1, 0)):
        longest = (strokes_available + 1 - 2 * gap) // 3
        shorter = longest - layakari if longest - layakari >= 2 * layakari else longest
        for phrase in dict.fromkeys((longest, shorter)):
            if phrase >= 2 and phrase > gap:
                shapes.append(TihaiShape(phrase, gap))
    return shapes or [TihaiShape(max(1, (strokes_available + 1) // 3), 0)]


def _fit_cycles(before_sam: int, cycle_strokes: int, cycles: int | None, what: str, skipped: int = 0) -> int:
    """The cycles a tihai of ``before_sam`` pre-sam strokes needs when ``skipped`` strokes of the first
    cycle come before the piece's start; ``cycles`` when given and enough."""
    needed = max(1, math.ceil((before_sam + skipped) / cycle_strokes))
    if needed > MAX_TIHAI_CYCLES:
        raise FormError(f"{what} takes {before_sam + 1} strokes to land on sam, {needed} cycles; seqgen writes "
                        f"tihais of at most {MAX_TIHAI_CYCLES} cycles: use a shorter --phrase or --gap")
    if cycles is None:
        return needed
    if cycles < needed:
        raise FormError(f"{what} takes {before_sam + 1} strokes to land on sam, which needs {needed} cycles; "
                        f"--cycles {cycles} is too few")
    return cycles


def tihai_plan(taal: Taal, layakari: int, shape: TihaiShape | None, cycles: int | None, start: int | None,
               form: str = "tihai", seed: int | None = 0) -> Plan:
    """A tihai (or a tukda: free material, then the tihai) landing on sam.

    With neither ``cycles`` nor ``start`` the piece starts where the tihai must (a pickup). With
    ``cycles`` it starts on sam (or on ``start``) and the model plays free material up to the
    tihai. A tukda without ``cycles`` gets one cycle of material before its tihai.
    """
    cycle_strokes = taal.matras * layakari
    shape = shape or default_tihai(cycle_strokes - ((start or 1) - 1) * layakari, layakari, seed)
    if shape.phrase < 1 or shape.gap < 0:
        raise FormError("a tihai needs a phrase of at least 1 stroke and a gap of 0 or more")
    what = f"a tihai of {shape.phrase}-stroke phrases and {shape.gap}-stroke gaps"
    skipped = ((start or 1) - 1) * layakari
    if form == "tukda" and cycles is None:  # a tukda plays a cycle of its own before its tihai
        cycles = _fit_cycles(shape.length - 1, cycle_strokes, None, what, skipped) + 1
    cycles = _fit_cycles(shape.length - 1, cycle_strokes, cycles, what, skipped)
    plan_start, lead = _place(taal, layakari, cycles, start, shape.length - 1)
    plan = Plan(layakari, plan_start, cycles, landing=True)
    _lead_in(plan, lead, "tukda" if form == "tukda" else "mukhda")
    plan.add("tihai", tihai_steps(shape, len(plan.steps)))
    return plan


def _lead_in(plan: Plan, strokes: int, kind: str) -> None:
    """What comes before a tihai: rests when it begins inside the piece's first matra, else free
    material (a mukhda, or a tukda's own phrases)."""
    if 0 < strokes < plan.layakari:
        plan.steps += rests(strokes)  # the tihai begins inside this matra: not a section of its own
    elif strokes:
        plan.add(kind, free(strokes))


def _place(taal: Taal, layakari: int, cycles: int, start: int | None, before_sam: int) -> tuple[int, int]:
    """(start matra, strokes before the tihai) for a tihai of ``before_sam`` pre-sam strokes in
    ``cycles`` cycles; a pickup when ``start`` is None and the tihai needs less."""
    total = cycles * taal.matras * layakari
    if start is None:
        first = total - before_sam           # stroke (from the first sam) where the tihai begins
        start = first // layakari + 1 if first < taal.matras * layakari else 1
    available = total - (start - 1) * layakari
    if available < before_sam:
        raise FormError(f"starting at matra {start}, {cycles} cycle{'s' if cycles > 1 else ''} hold "
                        f"{available} strokes; the tihai needs {before_sam + 1} (its last on sam)")
    return start, available - before_sam


def chakradar_plan(taal: Taal, layakari: int, cycles: int | None, start: int | None) -> Plan:
    """A tihai whose phrase is itself a lead and a small tihai (bedam or with short gaps)."""
    inner = TihaiShape(layakari, max(1, layakari // 2))
    lead = 2 * layakari
    phrase_length = lead + inner.length
    outer = TihaiShape(phrase_length, layakari)
    cycle_strokes = taal.matras * layakari
    cycles = _fit_cycles(outer.length - 1, cycle_strokes, cycles, "this chakradar", ((start or 1) - 1) * layakari)
    plan_start, before = _place(taal, layakari, cycles, start, outer.length - 1)
    plan = Plan(layakari, plan_start, cycles, landing=True)
    _lead_in(plan, before, "mukhda")
    offset = len(plan.steps)
    phrase = free(lead) + tihai_steps(inner, offset + lead)
    plan.add("chakradar", tihai_steps(outer, offset, phrase))
    return plan


# ---------------------------------------------------------------------------------------- kaida, rela

def theme_quarters(matras: int) -> tuple[range, range, range, range]:
    """The four quarters of a theme of ``matras`` matras, in matras (the khali rule's arithmetic)."""
    first, third = first_quarter(matras), khali_quarter(matras)
    return first, range(first.stop, third.start), third, range(third.stop, matras)


def kaida_plan(taal: Taal, layakari: int, theme_cycles: int, paltas: int, seed: int | None,
               tihai_cycles: int = 1) -> Plan:
    """Theme, ``paltas`` paltas and a closing tihai; each theme unit bhari-bhari-khali-bhari."""
    matras = theme_cycles * taal.matras
    q1, q2, q3, q4 = theme_quarters(matras)
    if len(q1) != len(q3) or len(q2) != len(q4) or not len(q1):
        raise FormError(f"a theme of {theme_cycles} cycle{'s' if theme_cycles > 1 else ''} of {taal.name} "
                        f"({matras} matras) does not split into mirrored quarters; try --theme-cycles "
                        f"{theme_cycles * 2}")
    patterns = palta_patterns(len(q1), len(q1) + len(q2))
    if paltas > len(patterns):
        raise FormError(f"this theme allows {len(patterns)} different paltas; --paltas {paltas} is too many")
    chosen = _choose(patterns, paltas, seed)
    cycles = theme_cycles * (1 + paltas) + tihai_cycles
    plan = Plan(layakari, 1, cycles, landing=True, theme_cycles=theme_cycles)
    plan.add("theme", _theme_steps(q1, q2, layakari))
    for number, pattern in enumerate(chosen, start=1):
        plan.add(f"palta {number}", _unit_steps(plan.sections[0].start, pattern, len(q1), layakari))
    cycle_strokes = taal.matras * layakari
    shape = default_tihai(tihai_cycles * cycle_strokes, layakari, seed)
    _lead_in(plan, tihai_cycles * cycle_strokes - (shape.length - 1), "mukhda")
    plan.add("tihai", tihai_steps(shape, len(plan.steps)))
    return plan


def _theme_steps(q1: range, q2: range, layakari: int) -> list[Step]:
    """Q1 free (opening on a bass stroke, every bol one that has a closed form), Q2 free (opening
    on bass, its last matra a bass cadence), Q3 = Q1 closed, Q4 = Q2."""
    q1_steps = [Step("free", BASS_MIRRORABLE)] + free(len(q1) * layakari - 1, MIRRORABLE)
    q2_steps: list[Step] = []
    for index in range(len(q2)):  # its first matra and its last (the cadence) open on bass
        head = BASS if index in (0, len(q2) - 1) else ANY
        q2_steps += [Step("free", head)] + free(layakari - 1)
    strokes = q1_steps + q2_steps
    return strokes + copies(0, len(q1) * layakari, closed=True) + copies(len(q1) * layakari, len(q2) * layakari)


def palta_patterns(quarter: int, half: int) -> list[tuple[int, ...]]:
    """New first halves built from the theme's first-half matras (indices), each ``half`` long and
    ending on the theme's cadence matra: the opening doubled, halved, reordered."""
    opening, middle, cadence = list(range(quarter)), list(range(quarter, half - 1)), half - 1
    halved = opening[:max(1, quarter // 2)]
    candidates = [
        opening + opening + middle,                 # opening doubled
        halved + halved + opening + middle,         # opening halved and doubled
        middle + opening,                           # reordered
        halved * 4 + middle,                        # halved four times
        opening + middle + middle,                  # middle doubled
        halved + opening + halved + middle,         # halved around the opening
        middle + middle + opening,                  # middle first, doubled
        opening + halved + halved + middle,
    ]
    patterns: list[tuple[int, ...]] = []
    for candidate in candidates:
        pattern = tuple(candidate[:half - 1] + [cadence])
        if len(pattern) == half and pattern != tuple(range(half)) and pattern not in patterns:
            patterns.append(pattern)
    return patterns


def _choose(patterns: list[tuple[int, ...]], count: int, seed: int | None) -> list[tuple[int, ...]]:
    # the first palta doubles the opening, as teachers begin; the rest in an order the seed decides
    if count == 0:
        return []
    rest = patterns[1:]
    order = np.random.default_rng(seed).permutation(len(rest)) if rest else []
    return [patterns[0]] + [rest[index] for index in order][:count - 1]


def _unit_steps(theme_start: int, pattern: tuple[int, ...], quarter: int, layakari: int) -> list[Step]:
    """A palta: its first half copies theme matras in ``pattern`` order; its khali quarter is its
    own first quarter closed; its fourth quarter repeats its second."""
    first_half: list[Step] = []
    for matra in pattern:
        first_half += copies(theme_start + matra * layakari, layakari)
    opening = first_half[:quarter * layakari]
    rest = first_half[quarter * layakari:]
    closed = [Step("copy", source=step.source, closed=True) for step in opening]
    return first_half + closed + list(rest)


# ---------------------------------------------------------------------------------------- prakar

def prakar_plan(taal: Taal, layakari: int, cycles: int, lexicon: Lexicon) -> Plan:
    """Theka variations: the sam stroke and each vibhag's last matra open with the theka's bol;
    matras the theka plays closed stay closed."""
    [theka] = parse(taal.theka)
    matras = theka.cycles[0].matras
    cadences = {start - 1 + size - 1 for start, size in zip(taal.vibhag_starts, taal.vibhags)}
    plan = Plan(layakari, 1, cycles, landing=False)
    steps: list[Step] = []
    for index, matra in enumerate(matras):
        closed = not any(lexicon.is_bass(bol) for bol in matra.bols if bol != REST)
        first = matra.bols[0]
        if (index == 0 or index in cadences) and first != REST:
            head = Step("fixed", bol=first)
        else:
            head = Step("free", CLOSED if closed else ANY)
        steps += [head] + free(layakari - 1, CLOSED if closed else ANY)
    for cycle in range(cycles):
        plan.add(f"prakar {cycle + 1}", list(steps))
    return plan


# ---------------------------------------------------------------------------------------- the constraint

class PlanConstraint(KeyedBias):
    """Which bol may stand at each stroke of a plan; bars and matra ends are left to the taal
    automaton (their bias here is 0). A state is the tuple of strokes so far, so copies can look back.

    Args:
        vocab: the model's vocabulary.
        plan: the form's plan.
        bol_ids: ids of the vocabulary's bols (``constraints.bol_tokens``).
        lexicon: bass/closed classes and khali counterparts.
    """

    def __init__(self, vocab, plan: Plan, bol_ids: np.ndarray, lexicon: Lexicon):
        self.vocab, self.plan, self.lexicon = vocab, plan, lexicon
        self.bol_ids = bol_ids
        self.bol_set = frozenset(int(i) for i in bol_ids)
        self.rest = vocab.id(REST) if REST in vocab else -1
        # a plan counts strokes, not pulses: copies must sound alike, so no ',' regroups them
        self.pulse = vocab.id(PULSE_SEPARATOR) if PULSE_SEPARATOR in vocab else -1
        self.longest = 10 ** 9  # the taal constraint bounds the length; AllOf takes the smaller
        tokens = vocab.tokens
        self.picks = {pick: np.array([i for i in bol_ids if self._fits(tokens[i], pick)], dtype=np.int64)
                      for pick in (ANY, BASS, CLOSED, MIRRORABLE, BASS_MIRRORABLE, CADENCE, STROKE)}
        for step in plan.steps:
            self._require_possible(step)

    def _fits(self, bol: str, pick: str) -> bool:
        bass = self.lexicon.is_bass(bol)
        mirrorable = not bass or not self.lexicon.is_bass(self.lexicon.khali(bol))
        return {ANY: True, BASS: bass, CLOSED: not bass,
                MIRRORABLE: mirrorable, BASS_MIRRORABLE: bass and mirrorable,
                CADENCE: self.lexicon.kind(bol) == "both",  # both hands ring: Dha, Dhin
                STROKE: bol != REST}[pick]

    def _require_possible(self, step: Step) -> None:
        if step.kind == "free" and not len(self.picks[step.pick]):
            raise FormError(f"this model's vocabulary has no {step.pick} bol this form needs")
        if step.kind == "rest" and self.rest < 0:
            raise FormError("this model's vocabulary has no rest '-', which this form needs")
        if step.kind == "fixed" and step.bol not in self.vocab:
            raise FormError(f"this model's vocabulary lacks {step.bol!r}, which this form needs")

    def start(self) -> tuple[int, ...]:
        return ()

    def advance(self, state: tuple[int, ...], token: int) -> tuple[int, ...]:
        return state + (token,) if token in self.bol_set or token == self.vocab.unk_id else state

    def requirement(self, state: tuple[int, ...]) -> tuple[str, int | str]:
        """What the next stroke must be: ("pick", name), ("only", id) or ("none", 0)."""
        index = len(state)
        if index >= len(self.plan.steps):
            return ("none", 0)
        step = self.plan.steps[index]
        if step.kind == "free":
            return ("pick", step.pick)
        if step.kind == "rest":
            return ("only", self.rest)
        if step.kind == "fixed":
            return ("only", self.vocab.id(step.bol))
        token = state[step.source]
        if step.closed:
            closed = self.lexicon.khali(self.vocab.tokens[token])
            token = self.vocab.id(closed) if closed in self.vocab else token
        return ("only", token)

    def key(self, state: tuple[int, ...]) -> Hashable:
        return self.requirement(state)

    def _bias(self, key: Hashable) -> np.ndarray:
        kind, value = key
        bias = np.zeros(len(self.vocab))
        bias[self.bol_ids] = -np.inf
        if self.pulse >= 0:
            bias[self.pulse] = -np.inf
        if kind == "pick":
            bias[self.picks[value]] = 0.0
        elif kind == "only":
            bias[value] = 0.0
        return bias

    def read_prefix(self, ids: list[int]) -> tuple[int, ...]:
        if ids:
            raise FormError("a prime cannot be combined with a form's grammar yet; leave out --prime or --form")
        return ()


# ---------------------------------------------------------------------------------------- reading forms

@dataclass(frozen=True)
class FoundTihai:
    """A tihai found in written strokes: its shape and the stroke index where it begins."""

    shape: TihaiShape
    start: int


# The longest stretch searched for a tihai: 8 cycles of the longest taal at 20 strokes a matra.
TIHAI_SEARCH_STROKES = MAX_TIHAI_CYCLES * 16 * 20


def find_tihai(strokes: list[str], min_phrase: int = 2, window: int = TIHAI_SEARCH_STROKES) -> FoundTihai | None:
    """The longest P G P G P (G all rests; P begins and ends with a stroke) that ends with the last
    stroke of ``strokes`` (the one on sam); None when there is none.

    Because P begins and ends with a stroke, each gap is exactly the run of rests before the next
    P, so one pass over phrase lengths finds every tihai: linear in the phrase lengths tried, and
    only the last ``window`` strokes are searched (a tihai is one cadence of at most
    ``MAX_TIHAI_CYCLES`` cycles, not a whole file).
    """
    tail = strokes[-window:]
    offset, total = len(strokes) - len(tail), len(tail)
    if not tail or tail[-1] == REST:
        return None
    best = None
    for phrase in range(min_phrase, total // 3 + 1):
        third = total - phrase
        if tail[third] == REST:
            continue
        gap = _rests_before(tail, third)
        second = third - gap - phrase
        if second < 0 or tail[second] == REST or tail[second:third - gap] != tail[third:]:
            continue
        if _rests_before(tail, second) < gap:
            continue
        first = second - gap - phrase
        if first >= 0 and tail[first:second - gap] == tail[third:]:
            best = FoundTihai(TihaiShape(phrase, gap), offset + first)
    return best


def _rests_before(strokes: list[str], index: int) -> int:
    """How many rests stand right before ``strokes[index]``."""
    count = 0
    while index - count - 1 >= 0 and strokes[index - count - 1] == REST:
        count += 1
    return count
