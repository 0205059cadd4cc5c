"""Constraints: which token may come next, given the sequence so far (taal cycles, stanza shape,
bars of a melody).

A constraint is a fold over the generated tokens: ``start()`` gives a small immutable state,
``advance(state, id)`` the next one, and ``bias(state)`` a logit bias over the vocabulary: ``-inf``
for forbidden tokens, a finite penalty for discouraged ones, 0 otherwise. Biases of several
constraints add up (all-of). States are hashable; ``key(state)`` is the part of a state its bias
depends on (not how many cycles or lines are done), so biases are cached per key and a long piece
costs no more memory per token than a short one. ``longest`` is the most tokens a finished sequence
can hold, so the sampler knows how far a stream may run before it must have ended, and
``read_prefix(ids)`` walks a user's prime through the rules, refusing the first token that is not
allowed where it stands, in words a tabla player (or a lyricist) understands.
NumPy, the vocabulary and the taal table only; never TensorFlow. Drawing tokens is ``sampling``'s job.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from typing import Hashable, Protocol

import numpy as np

from seqgen.errors import SeqgenError
from seqgen.keyed_bias import KeyedBias
from seqgen.rhythm import Beat, Event, Meter, RhythmError
from seqgen.taals import Taal
from seqgen.tokenizers.bols import is_bass, khali as khali_of
from seqgen.tokenizers.lyrics import LINE_END, SPACE, STANZA_END
from seqgen.tokenizers.note_names import BAR, Event as NoteEvent, bar_steps, beats_text, duration_text, parse_event
from seqgen.tokenizers.note_names import time_text
from seqgen.tokenizers.tabla import CYCLE_END, MATRA_END, VIBHAG_END
from seqgen.validator import KHALI_RULE_FORMS, landing_of
from seqgen.vocab import END, SPECIALS, Vocab

State = Hashable
KHALI_MODES = ("hard", "soft", "off")
# Logit penalty for bass bols in a khali region under the soft rule: a factor of about 1/20.
SOFT_KHALI_PENALTY = -3.0
# Strokes per matra the sampler may write: any count a matra can hold in solo repertoire.
LAYAKARIS = tuple(range(1, 17))
# The most tokens one generated piece may need. Beyond this a request is refused up front: at the
# ~8,000 tokens/s of one stream it is already half a minute of sampling (2,380 cycles of teentaal
# at four bols a matra, or 15,000 lyric lines).
MAX_PIECE_TOKENS = 200_000
# The pulse separator (sub-beats inside a matra): structure, not a bol.
PULSE = Event.PULSE.value
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")


class PrimeError(SeqgenError):
    """A prime (prefix) breaks the shape being generated; the message says where and why."""


class Constraint(Protocol):
    longest: int  # the most tokens a finished sequence holds before </s>

    def start(self) -> State: ...

    def advance(self, state: State, token: int) -> State: ...

    def bias(self, state: State) -> np.ndarray: ...

    def key(self, state: State) -> Hashable: ...

    def read_prefix(self, ids: list[int]) -> State: ...


def state_after(constraint: Constraint, ids: list[int]) -> State:
    """The constraint's state after reading ``ids`` from its start, without checking them."""
    state = constraint.start()
    for token in ids:
        state = constraint.advance(state, token)
    return state


def allowed_after(constraint: Constraint, ids: list[int]) -> np.ndarray:
    """The mask of allowed next ids after ``ids``, from scratch (tests and one-off checks)."""
    return np.isfinite(constraint.bias(state_after(constraint, ids)))


def _walk(constraint, ids: list[int], word_ids: np.ndarray, unk: int, explain) -> State:
    """The state after ``ids``, each checked against the bias before it; ``explain(state, index)``
    words the first refusal. ``<unk>`` (a prime word the model lacks) passes where any word may."""
    state = constraint.start()
    for index, token in enumerate(ids):
        bias = constraint.bias(state)
        allowed = np.isfinite(bias[token]) or (token == unk and np.isfinite(bias[word_ids]).any())
        if not allowed:
            raise PrimeError(explain(state, index))
        state = constraint.advance(state, token)
    return state


def _check_size(longest: int, request: str, fits: str) -> None:
    if longest > MAX_PIECE_TOKENS:
        raise SeqgenError(f"{request} can take up to {longest:,} tokens; seqgen generates at most "
                          f"{MAX_PIECE_TOKENS:,} in one piece ({fits})")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _ordinal(number: int) -> str:
    """``first`` for 1 ... ``eighth``; ``9th`` beyond."""
    return _ORDINALS[number - 1] if number <= len(_ORDINALS) else f"{number}th"


class AllOf:
    """Several constraints at once: a token must be allowed by each; penalties add up."""

    def __init__(self, *constraints: Constraint):
        self.constraints = constraints
        self.longest = min(constraint.longest for constraint in constraints)

    def start(self) -> State:
        return tuple(constraint.start() for constraint in self.constraints)

    def advance(self, state: State, token: int) -> State:
        return tuple(c.advance(s, token) for c, s in zip(self.constraints, state))

    def bias(self, state: State) -> np.ndarray:
        return sum(c.bias(s) for c, s in zip(self.constraints, state))

    def key(self, state: State) -> Hashable:
        return tuple(c.key(s) for c, s in zip(self.constraints, state))

    def read_prefix(self, ids: list[int]) -> State:
        # each constraint words its own refusal; a prefix every one accepts is accepted by all
        return tuple(constraint.read_prefix(ids) for constraint in self.constraints)


def default_khali_mode(form: str | None) -> str:
    """Hard for kaida and rela, soft for theka and its prakars, off for everything else."""
    if form in KHALI_RULE_FORMS:
        return "hard"
    if form in ("theka", "prakar"):
        return "soft"
    return "off"


def bol_tokens(vocab: Vocab) -> list[str]:
    """The vocabulary's bols: every token that is not a special, a bar, the pulse separator or a
    ``<...>`` header token, so syllables added to the lexicon (or declared by a user) count too."""
    structure = {*SPECIALS, MATRA_END, VIBHAG_END, CYCLE_END, PULSE}
    return [token for token in vocab.tokens
            if token not in structure and not (token.startswith("<") and token.endswith(">"))]


class TaalConstraint(KeyedBias):
    """Exactly ``cycles`` cycles of ``taal`` as the taal automaton (``rhythm.Meter``) allows them:
    matras per vibhag, ``|``/``||`` in place, strokes per matra from ``layakaris`` (one value for
    the whole composition when ``uniform``), pulses, the khali rule, a pickup start and a landing
    on sam, then ``</s>``. The validator reads compositions with the same automaton.

    Args:
        vocab: the model's vocabulary (tabla tokens).
        taal: the taal record.
        cycles: cycles to generate (``||`` bars; a pickup's partial first cycle counts as one).
        form: the composition's form; decides the khali region, the default khali mode and
            whether the piece lands on sam.
        khali: ``hard``, ``soft``, ``off`` or None for the form's default.
        layakaris: allowed strokes per matra.
        uniform: keep the first matra's stroke count for every matra.
        start: the 1-based matra the piece begins on (a pickup when > 1; it then lands on sam).
        theme_cycles: a kaida's or rela's theme length, whose third quarter is the khali region.
        bass: which bols let the bayan ring (default: the built-in lexicon's; a bundle passes its own).
        landing: ``must`` or ``no`` to override the form's landing on sam (a kaida closing with a tihai).

    Raises:
        SeqgenError: bad values, a vocabulary without the bar tokens, or more cycles than
            ``MAX_PIECE_TOKENS`` allows.
    """

    def __init__(self, vocab: Vocab, taal: Taal, cycles: int, form: str | None = None, khali: str | None = None,
                 layakaris: tuple[int, ...] = LAYAKARIS, uniform: bool = True, start: int = 1,
                 theme_cycles: int = 1, bass=is_bass, landing: str | None = None):
        if cycles < 1:
            raise SeqgenError(f"cycles must be at least 1, got {cycles}")
        if not layakaris or any(value not in LAYAKARIS for value in layakaris):
            raise SeqgenError(f"layakari must be from {LAYAKARIS[0]} to {LAYAKARIS[-1]} strokes per matra, "
                              f"got {', '.join(map(str, layakaris)) or 'none'}")
        khali = khali or default_khali_mode(form)
        if khali not in KHALI_MODES:
            raise SeqgenError(f"unknown khali mode {khali!r}; use one of {', '.join(KHALI_MODES)}")
        self.vocab, self.taal, self.cycles, self.form = vocab, taal, cycles, form
        self.layakaris, self.uniform, self.khali = tuple(sorted(layakaris)), uniform, khali
        self.meter = Meter(taal, start=start, cycles=cycles, landing=landing or landing_of(form, start),
                           strokes=self.layakaris, uniform=uniform, khali=khali,
                           theme_matras=theme_cycles * taal.matras if form in KHALI_RULE_FORMS else None)
        self._require(MATRA_END, VIBHAG_END, CYCLE_END, END)
        self.longest = self._longest(cycles)
        _check_size(self.longest, f"{_plural(cycles, 'cycle')} of {taal.name}",
                    f"at most {MAX_PIECE_TOKENS // self._longest(1):,} cycles of {taal.name} "
                    f"at {_plural(max(self.layakaris), 'bol')} a matra")
        self.matra_end, self.vibhag_end = vocab.id(MATRA_END), vocab.id(VIBHAG_END)
        self.cycle_end, self.end, self.unk = vocab.id(CYCLE_END), vocab.id(END), vocab.unk_id
        self.pulse = vocab.id(PULSE) if PULSE in vocab else -1
        bols = bol_tokens(vocab)
        self.bol_ids = np.array(vocab.encode(bols), dtype=np.int64)
        self.bass_ids = np.array(vocab.encode([bol for bol in bols if bass(bol)]), dtype=np.int64)
        self._events = {self.matra_end: Event.MATRA, self.vibhag_end: Event.VIBHAG,
                        self.cycle_end: Event.CYCLE, self.end: Event.END, self.pulse: Event.PULSE}

    def _longest(self, cycles: int) -> int:
        # every matra: its strokes, the pulse marks between them and '_'; every vibhag: its bar;
        # and the landing matra on sam
        most = max(self.layakaris)
        per_matra = most + (most - 1 if PULSE in self.vocab else 0) + 1
        landing = per_matra if self.meter.landing == "must" else 0
        return cycles * (self.taal.matras * per_matra + len(self.taal.vibhags)) + landing

    def _require(self, *tokens: str) -> None:
        missing = [token for token in tokens if token not in self.vocab]
        if missing:
            raise SeqgenError(f"this model's vocabulary lacks {', '.join(missing)}: it is not a tabla model")

    def event(self, token: int) -> Event:
        """The rhythm event a token id stands for (any other token is a stroke)."""
        return self._events.get(token, Event.STROKE)

    def start(self) -> State:
        return Beat()

    def advance(self, state: Beat, token: int) -> Beat:
        # unchecked: the bias has already allowed the token (read_prefix checks a user's prime)
        try:
            return self.meter.advance(state, self.event(token))
        except RhythmError:
            return state  # only reachable by state_after on ids that break the rules

    def key(self, state: Beat) -> Hashable:
        """What the bias depends on: the place in the cycle (and theme), not how many cycles came before."""
        meter = self.meter
        return (meter.allowed(state), state.layakari, meter.is_khali(state))

    def _bias(self, key: Hashable) -> np.ndarray:
        allowed, _, in_khali = key
        bias = np.full(len(self.vocab), -np.inf)
        for event, token in ((Event.MATRA, self.matra_end), (Event.VIBHAG, self.vibhag_end),
                             (Event.CYCLE, self.cycle_end), (Event.END, self.end), (Event.PULSE, self.pulse)):
            if event in allowed and token >= 0:
                bias[token] = 0.0
        if Event.STROKE in allowed:
            bias[self.bol_ids] = 0.0
            if in_khali and len(self.bass_ids):
                bias[self.bass_ids] = -np.inf if self.khali == "hard" else SOFT_KHALI_PENALTY
        return bias

    def read_prefix(self, ids: list[int]) -> State:
        """The state after a prime, refusing (``PrimeError``) the first token that breaks the taal,
        the layakari, the khali rule or the number of cycles, in a tabla player's words."""
        def explain(state: Beat, index: int) -> str:
            return _TaalPrime(self, ids).explain(_BeatView(self.meter, state), index)  # only on a refusal

        return _walk(self, ids, self.bol_ids, self.unk, explain)


class _BeatView:
    """A beat in the terms the prime messages use: cycles done, matras done in the current cycle
    (counted from sam), strokes in the current matra, whether a bar is due, the fixed layakari."""

    def __init__(self, meter: Meter, beat: Beat):
        position = meter.start - 1 + beat.done
        self.cycles_done = beat.cycle_bars
        self.matra = position - beat.cycle_bars * meter.taal.matras
        self.bols = beat.strokes
        self.bar_pending = beat.bar_due is not None
        self.layakari = beat.layakari
        self.beat, self.meter = beat, meter


class _TaalPrime:
    """Words for why a prime token is refused; only ever built once, for the first refusal."""

    def __init__(self, constraint: TaalConstraint, ids: list[int]):
        self.c, self.taal = constraint, constraint.taal
        self.tokens = constraint.vocab.decode(ids)

    def explain(self, state: _BeatView, index: int) -> str:
        token, cycle = self.tokens[index], state.cycles_done + 1
        if state.cycles_done == self.c.cycles:
            return self._too_many_cycles(index)
        if token in (VIBHAG_END, CYCLE_END):
            return self._misplaced_bar(state, token, cycle)
        if state.bar_pending and token != MATRA_END:
            return self._vibhag_too_long(state, index, cycle)
        if token == MATRA_END or state.bols >= max(self._counts(state)):
            return self._layakari(state, index, cycle)
        if token == PULSE:
            return f"the prime's ',' at matra {state.matra + 1} of cycle {cycle} opens an empty pulse"
        if token not in bol_tokens(self.c.vocab):
            return f"the prime's {token!r} is not a bol (at matra {state.matra + 1} of cycle {cycle})"
        return self._khali(state, index, cycle)

    def _counts(self, state: _BeatView) -> tuple[int, ...]:
        return (state.layakari,) if state.layakari else self.c.layakaris

    def _too_many_cycles(self, index: int) -> str:
        rest = self.tokens[index:]
        written = self.c.cycles + rest.count(CYCLE_END) + (rest[-1] != CYCLE_END)
        return (f"the prime has {written} cycles of {self.taal.name}, more than the {self.c.cycles} asked for "
                f"(the prime's cycles count toward the cycles generated)")

    def _vibhag(self, matra: int) -> int:
        """0-based vibhag of a 0-based matra."""
        return self.taal.vibhag_of(matra + 1)

    def _where(self, vibhag: int, cycle: int, bar: str | None) -> str:
        if bar and cycle == 1 and vibhag == 0:
            return f"before its first {bar!r}"
        return f"in vibhag {vibhag + 1} of cycle {cycle}"

    def _misplaced_bar(self, state: _BeatView, token: str, cycle: int) -> str:
        if state.bar_pending:  # the right place for a bar, the wrong bar
            if token == VIBHAG_END:
                return (f"the prime closes cycle {cycle} with '|' after its {self.taal.matras} matras; "
                        f"a {self.taal.name} cycle ends there: write '||'")
            return (f"the prime writes '||' after {state.matra} matras of cycle {cycle}; a {self.taal.name} "
                    f"cycle has {self.taal.matras} matras (write '|' between vibhags)")
        vibhag = self._vibhag(state.matra)
        written = state.matra - (self.taal.vibhag_starts[vibhag] - 1)
        return (f"the prime has {_plural(written, 'matra')} {self._where(vibhag, cycle, token)}; "
                f"{self.taal.name}'s {_ordinal(vibhag + 1)} vibhag has {self.taal.vibhags[vibhag]}")

    def _vibhag_too_long(self, state: _BeatView, index: int, cycle: int) -> str:
        vibhag = self._vibhag(state.matra - 1)
        more, bar, open_matra = 0, None, False
        for token in self.tokens[index:]:  # the prime's matras up to the bar that closes this vibhag
            if token in (VIBHAG_END, CYCLE_END):
                bar = token
                break
            more += token == MATRA_END
            open_matra = token != MATRA_END
        written = self.taal.vibhags[vibhag] + more + (bar is None and open_matra)
        right_bar = CYCLE_END if state.matra == self.taal.matras else VIBHAG_END
        return (f"the prime has {written} matras {self._where(vibhag, cycle, bar)}; {self.taal.name}'s "
                f"{_ordinal(vibhag + 1)} vibhag has {self.taal.vibhags[vibhag]} "
                f"('{right_bar}' belongs after matra {state.matra})")

    def _matra_bols(self, index: int) -> list[str]:
        """The bols of the prime's matra that holds token ``index`` (or that it closes)."""
        separators = (MATRA_END, VIBHAG_END, CYCLE_END)
        begin = index
        while begin > 0 and self.tokens[begin - 1] not in separators:
            begin -= 1
        end = index
        while end < len(self.tokens) and self.tokens[end] not in separators:
            end += 1
        return self.tokens[begin:end]

    def _layakari(self, state: _BeatView, index: int, cycle: int) -> str:
        bols = self._matra_bols(index)
        matra = (f"the prime's matra {state.matra + 1} of cycle {cycle} ({''.join(bols)}) "
                 f"has {_plural(len(bols), 'bol')}")
        if state.layakari and len(self.c.layakaris) > 1 and len(bols) <= max(self.c.layakaris):
            return (f"{matra}, but its first matra has {state.layakari}: a piece keeps one layakari "
                    f"(bols per matra) throughout")
        if len(self.c.layakaris) == 1:
            wanted = self.c.layakaris[0]
            return f"{matra}; layakari {wanted} means {_plural(wanted, 'bol')} in every matra"
        return f"{matra}; seqgen writes {self.c.layakaris[0]} to {self.c.layakaris[-1]} bols per matra"

    def _khali(self, state: _BeatView, index: int, cycle: int) -> str:
        bol, matra = self.tokens[index], state.matra
        meter, beat = self.c.meter, state.beat
        low = high = matra
        while low > 0 and meter.is_khali(replace(beat, done=beat.done - (matra - low + 1))):
            low -= 1
        while high + 1 < self.taal.matras and meter.is_khali(replace(beat, done=beat.done + (high - matra + 1))):
            high += 1
        region = (f"the {self.c.form}'s khali quarter" if self.c.form in KHALI_RULE_FORMS
                  else f"{self.taal.name}'s khali vibhag")
        text = "".join(self._matra_bols(index))
        return (f"the prime's matra {matra + 1} of cycle {cycle} ({text}) falls in {region} "
                f"(matras {low + 1}-{high + 1}) but keeps its bass ({bol}); play it closed "
                f"({khali_of(bol)}) or turn the khali rule off")


@dataclass(frozen=True)
class _StanzaState:
    stanzas_done: int = 0
    line: int = 0           # lines completed in the current stanza
    tokens: int = 0         # tokens in the current line
    after_space: bool = False


class StanzaConstraint(KeyedBias):
    """Exactly ``stanzas`` stanzas of exactly ``lines`` lines, each line ``min_tokens`` to
    ``max_tokens`` tokens long; the last line of a stanza ends with ``<stanza>``, then ``</s>``.

    Raises:
        SeqgenError: bad values, a vocabulary without line tokens, or a song longer than
            ``MAX_PIECE_TOKENS`` allows.
    """

    def __init__(self, vocab: Vocab, stanzas: int, lines: int, min_tokens: int = 3, max_tokens: int = 12):
        if stanzas < 1 or lines < 1:
            raise SeqgenError(f"stanzas and lines must be at least 1, got {stanzas} and {lines}")
        if not 1 <= min_tokens <= max_tokens:
            raise SeqgenError(f"need 1 <= min tokens <= max tokens per line, got {min_tokens} and {max_tokens}")
        # every line: its words and its end token
        self.longest = stanzas * lines * (max_tokens + 1)
        _check_size(self.longest, f"{_plural(stanzas, 'stanza')} of {_plural(lines, 'line')} of up to "
                    f"{_plural(max_tokens, 'word')}",
                    f"at most {MAX_PIECE_TOKENS // (max_tokens + 1):,} lines in all at {max_tokens} words a line")
        missing = [token for token in (LINE_END, STANZA_END) if token not in vocab]
        if missing:
            raise SeqgenError(f"this model's vocabulary lacks {', '.join(missing)}: it is not a lyrics model")
        self.vocab, self.stanzas, self.lines = vocab, stanzas, lines
        self.min_tokens, self.max_tokens = min_tokens, max_tokens
        self.line_end, self.stanza_end, self.end = vocab.id(LINE_END), vocab.id(STANZA_END), vocab.id(END)
        self.space = vocab.id(SPACE) if SPACE in vocab else -1
        self.words = np.ones(len(vocab), dtype=bool)
        self.words[[vocab.id(token) for token in vocab.tokens if token.startswith("<") and token.endswith(">")]] = False

    def start(self) -> State:
        return _StanzaState()

    def advance(self, state: _StanzaState, token: int) -> _StanzaState:
        if token == self.stanza_end:
            return _StanzaState(state.stanzas_done + 1, 0, 0)
        if token == self.line_end:
            return _StanzaState(state.stanzas_done, state.line + 1, 0)
        if token == self.end:
            return state
        return _StanzaState(state.stanzas_done, state.line, state.tokens + 1, token == self.space)

    def key(self, state: _StanzaState) -> Hashable:
        """What the bias depends on: the place in the line and whether it is a stanza's last."""
        return state.stanzas_done == self.stanzas, state.line == self.lines - 1, state.tokens, state.after_space

    def _bias(self, key: Hashable) -> np.ndarray:
        done, last_line, tokens, after_space = key
        bias = np.full(len(self.vocab), -np.inf)
        if done:
            bias[self.end] = 0.0
            return bias
        if tokens < self.max_tokens:
            bias[self.words] = 0.0
            # a space neither starts a line, follows a space, nor takes the last word's place
            if self.space >= 0 and 0 < tokens < self.max_tokens - 1 and not after_space:
                bias[self.space] = 0.0
        if tokens >= self.min_tokens and not after_space:
            bias[self.stanza_end if last_line else self.line_end] = 0.0
        return bias

    def read_prefix(self, ids: list[int]) -> State:
        """The state after a prime, refusing (``PrimeError``) the first token that breaks the
        number of stanzas, lines per stanza or words per line."""
        words = np.flatnonzero(self.words)
        return _walk(self, ids, words, self.vocab.unk_id, lambda state, index: self._explain(ids, state, index))

    def _explain(self, ids: list[int], state: _StanzaState, index: int) -> str:
        token = ids[index]
        line = f"line {state.line + 1} of the prime's stanza {state.stanzas_done + 1}"
        if state.stanzas_done == self.stanzas:
            written = self.stanzas + 1 + ids[index:].count(self.stanza_end)
            return f"the prime has {written} stanzas, more than the {self.stanzas} asked for"
        if token == self.line_end and state.line == self.lines - 1:
            written = self.lines + 1 + sum(1 for token in self._rest_of_stanza(ids, index) if token == self.line_end)
            return (f"the prime's stanza {state.stanzas_done + 1} has {written} lines; "
                    f"{_plural(self.lines, 'line')} per stanza were asked for")
        if token in (self.line_end, self.stanza_end) and state.tokens < self.min_tokens:
            return f"{line} has {_plural(state.tokens, 'word')}; every line needs at least {self.min_tokens}"
        if token == self.stanza_end:
            return (f"the prime's stanza {state.stanzas_done + 1} has {_plural(state.line + 1, 'line')}; "
                    f"every stanza needs exactly {self.lines}")
        if state.tokens >= self.max_tokens:
            written = sum(1 for _ in self._rest_of_line(ids, index)) + state.tokens
            return f"{line} has {written} words; a line holds at most {self.max_tokens}"
        return f"{line} has a {self.vocab.tokens[token]!r} where none may stand"

    def _rest_of_stanza(self, ids: list[int], index: int):
        for token in ids[index + 1:]:
            if token == self.stanza_end:
                return
            yield token

    def _rest_of_line(self, ids: list[int], index: int):
        for token in ids[index:]:
            if token in (self.line_end, self.stanza_end):
                return
            yield token


# The most morae one metered line may ask for: far past any sung line (a 7-7-7-5 dodoitsu is 26).
MAX_LINE_MORAE = 64
# Spaces and punctuation (no morae) one metered line may hold: a line cannot run on in commas.
MAX_SILENT_TOKENS = 2


def parse_meter(text) -> tuple[int, ...]:
    """``"7,5"`` -> ``(7, 5)``: morae per line, repeating over each stanza's lines.

    Raises:
        SeqgenError: anything but comma-separated whole numbers from 1 to ``MAX_LINE_MORAE``.
    """
    if isinstance(text, (list, tuple)):
        parts = list(text)
    elif isinstance(text, str):
        # NFKC: a Japanese keyboard types ７，５
        parts = [part.strip() for part in unicodedata.normalize("NFKC", text).split(",")]
    else:
        raise SeqgenError(f"meter must be text such as '7,5' or a list of numbers, got {type(text).__name__}")
    meter = []
    for part in parts:
        number = part if isinstance(part, int) and not isinstance(part, bool) else None
        if isinstance(part, str) and part.isascii() and part.isdigit():
            number = int(part)
        if number is None or not 1 <= number <= MAX_LINE_MORAE:
            raise SeqgenError(f"meter {text!r}: each line's morae must be a whole number from 1 to "
                              f"{MAX_LINE_MORAE}, as in 7,5 or 8,8,8,6")
        meter.append(number)
    if not meter:
        raise SeqgenError("meter is empty; give morae per line, as in 7,5")
    return tuple(meter)


@dataclass(frozen=True)
class _MeterState:
    stanzas_done: int = 0
    line: int = 0           # lines completed in the current stanza
    morae: int = 0          # morae sung so far in the current line
    tokens: int = 0         # tokens in the current line
    silent: int = 0         # spaces and punctuation in the current line
    after_space: bool = False
    after_silent: bool = False  # the previous token is punctuation
    kanji_before: int = -1  # the previous token when it ends in a kanji, else -1


class MeterConstraint(StanzaConstraint):
    """A stanza shape whose lines have exactly ``meter[i % len(meter)]`` morae (line ``i`` of each
    stanza): a word is allowed only if the line can still be completed after it, and the line ends
    exactly when its morae are sung.

    Args:
        mora_counts: morae of each vocabulary id; -1 for a token whose count is unknown or uncertain
            (``readings.Readings.meter_morae``), which a metered line never uses.
        junctions: the pairs (a token ending in a kanji, the word after it) the corpus has. When
            given, a word follows a kanji-final token only as one of these pairs: a kanji is read by
            what follows it (一 + 人 is ひとり), and a pairing the corpus never has could be read with
            other morae. Spaces, punctuation and line ends may always follow. Where no word could
            follow, the rule yields.

    Raises:
        SeqgenError: a meter the vocabulary's words cannot fill (for instance, no word short enough).
    """

    def __init__(self, vocab: Vocab, stanzas: int, lines: int, meter: tuple[int, ...], mora_counts: np.ndarray,
                 junctions: frozenset[tuple[str, str]] | None = None):
        self.meter = meter
        self.mora_counts = np.asarray(mora_counts)
        super().__init__(vocab, stanzas, lines, 1, max(meter) + MAX_SILENT_TOKENS)
        usable = self.words & (self.mora_counts >= 0)
        if self.space >= 0:
            usable[self.space] = False
        self.sung = usable & (self.mora_counts > 0)
        self.silent = usable & (self.mora_counts == 0)
        # an opening bracket or quote needs a word after it, so it never ends a line
        self.opening = np.array([bool(token) and all(unicodedata.category(char) in ("Ps", "Pi") for char in token)
                                 for token in vocab.tokens]) & self.silent
        self.junctions = None if junctions is None else _JunctionTable(vocab, frozenset(junctions), self.sung)
        self.fillable = _fillable(set(self.mora_counts[self.sung].tolist()), max(meter))
        impossible = sorted({target for target in meter if not self.fillable[target]})
        if impossible:
            counts = sorted(set(self.mora_counts[self.sung].tolist()))
            raise SeqgenError(f"no line of {', '.join(map(str, impossible))} morae can be made from this model's "
                              f"words (their mora counts: {', '.join(map(str, counts)) or 'none'})")

    def target(self, line: int) -> int:
        return self.meter[line % len(self.meter)]

    def start(self) -> State:
        return _MeterState()

    def advance(self, state: _MeterState, token: int) -> _MeterState:
        if token == self.stanza_end:
            return _MeterState(state.stanzas_done + 1)
        if token == self.line_end:
            return _MeterState(state.stanzas_done, state.line + 1)
        if token == self.end:
            return state
        morae = max(int(self.mora_counts[token]), 0)
        silent = state.silent + (morae == 0)
        kanji_before = token if self.junctions is not None and self.junctions.ends_in_kanji[token] else -1
        return _MeterState(state.stanzas_done, state.line, state.morae + morae, state.tokens + 1, silent,
                           token == self.space, bool(self.silent[token]), kanji_before)

    def key(self, state: _MeterState) -> Hashable:
        return (state.stanzas_done == self.stanzas, state.line == self.lines - 1,
                self.target(state.line) - state.morae, state.tokens == 0, state.silent, state.after_space,
                state.after_silent, state.kanji_before)

    def _bias(self, key: Hashable) -> np.ndarray:
        *shape, kanji_before = key
        bias = self._shape_bias(tuple(shape))
        if kanji_before < 0:
            return bias
        joined = bias.copy()
        joined[self.junctions.unseen_after(kanji_before)] = -np.inf
        return joined if np.isfinite(joined).any() else bias

    def _shape_bias(self, key: Hashable) -> np.ndarray:
        done, last_line, left, empty, silent, after_space, after_silent = key
        bias = np.full(len(self.vocab), -np.inf)
        if done:
            bias[self.end] = 0.0
            return bias
        # a word fits if the morae left after it can still be filled
        fits = self.sung & (self.mora_counts <= left)
        fits[fits] = self.fillable[left - self.mora_counts[fits]]
        bias[fits] = 0.0
        # punctuation comes one mark at a time (no "、、"), after a word
        if not empty and silent < MAX_SILENT_TOKENS and not after_silent:
            bias[self.silent] = 0.0
            if left == 0:
                bias[self.opening] = -np.inf
            # a space neither starts nor ends a line, nor follows a space
            if self.space >= 0 and left > 0 and not after_space:
                bias[self.space] = 0.0
        if left == 0 and not empty and not after_space:
            bias[self.stanza_end if last_line else self.line_end] = 0.0
        return bias

    def _explain(self, ids: list[int], state: _MeterState, index: int) -> str:
        token = ids[index]
        line = f"line {state.line + 1} of the prime's stanza {state.stanzas_done + 1}"
        if state.stanzas_done < self.stanzas and token in (self.line_end, self.stanza_end) \
                and not (token == self.line_end and state.line == self.lines - 1):
            return f"{line} has {state.morae} morae; the meter asks for {self.target(state.line)}"
        if 0 <= token < len(self.mora_counts) and self.words[token] and self.mora_counts[token] < 0:
            return (f"{line}: the model does not know for sure how {self.vocab.tokens[token]!r} is read, "
                    "so a metered line cannot count it")
        if state.kanji_before >= 0 and self.junctions.unseen_after(state.kanji_before)[token]:
            return (f"{line}: the corpus never has {self.vocab.tokens[token]!r} after "
                    f"{self.vocab.tokens[state.kanji_before]!r}, so how that kanji is read there (and its morae) "
                    "is unknown")
        if self.words[token] and self.mora_counts[token] > 0:
            return (f"{line} would run past its {self.target(state.line)} morae at "
                    f"{self.vocab.tokens[token]!r}")
        return super()._explain(ids, state, index)


class _JunctionTable:
    """Which words may follow each kanji-final token (the corpus's pairs)."""

    def __init__(self, vocab: Vocab, junctions: frozenset[tuple[str, str]], words: np.ndarray):
        from seqgen.kana import is_kanji

        self.words = words
        self.ends_in_kanji = np.array([bool(token) and is_kanji(token[-1]) for token in vocab.tokens])
        self.seen: dict[int, list[int]] = {}
        for first, second in junctions:
            if first in vocab and second in vocab:
                self.seen.setdefault(vocab.id(first), []).append(vocab.id(second))

    def unseen_after(self, token: int) -> np.ndarray:
        unseen = self.words.copy()
        unseen[self.seen.get(token, [])] = False
        return unseen


def _fillable(counts: set[int], most: int) -> np.ndarray:
    """``fillable[n]``: n morae can be made as a sum of the given word counts (0 always can)."""
    fillable = np.zeros(most + 1, dtype=bool)
    fillable[0] = True
    for total in range(1, most + 1):
        fillable[total] = any(count <= total and fillable[total - count] for count in counts)
    return fillable


@dataclass(frozen=True)
class _BarState:
    bars_done: int = 0
    filled: int = 0                        # grid steps of the current bar written so far
    tied: tuple[int, ...] | None = None    # the pitches a tie holds into the next event


class BarConstraint(KeyedBias):
    """Exactly ``bars`` bars of a melody, each filled to exactly its meter's length: the automaton
    counts the grid steps of every event (``note_names``) and allows an event only if the rest of
    the bar can still be filled by the vocabulary's durations after it, ``|`` exactly when the bar
    is full, and ``</s>`` after the last bar. A tie (``C4:1~``) only ends a bar, never the last, as in
    canonical text; it leads into the same pitches when the vocabulary has them at a length that
    fits (else the rule yields).

    Args:
        vocab: the model's vocabulary (notes tokens).
        bars: bars to generate (a prime's bars count).
        time: the meter, ``(beats, note value)``: ``(4, 4)``, ``(3, 4)``, ``(6, 8)``.

    Raises:
        SeqgenError: a vocabulary without ``|``, a bar its durations cannot fill exactly, or more
            bars than ``MAX_PIECE_TOKENS`` allows.
    """

    def __init__(self, vocab: Vocab, bars: int, time: tuple[int, int]):
        if bars < 1:
            raise SeqgenError(f"bars must be at least 1, got {bars}")
        if BAR not in vocab:
            raise SeqgenError(f"this model's vocabulary lacks {BAR}: it is not a notes model")
        self.vocab, self.bars, self.time = vocab, bars, time
        self.steps = bar_steps(time)
        self.bar, self.end, self.unk = vocab.id(BAR), vocab.id(END), vocab.unk_id
        events = [parse_event(token) if not token.startswith("<") else None for token in vocab.tokens]
        self.events = [event if isinstance(event, NoteEvent) else None for event in events]
        self.is_event = np.array([event is not None for event in self.events])
        self.lengths = np.array([event.steps if event else 0 for event in self.events], dtype=np.int64)
        self.ties = np.array([bool(event and event.tie) for event in self.events])
        # events sounding the same pitches share a group number (-1: not an event)
        self.groups: dict[tuple[int, ...], int] = {}
        self.group_of = np.array([-1 if event is None else self.groups.setdefault(event.pitches, len(self.groups))
                                  for event in self.events], dtype=np.int64)
        self.fillable = _fillable(set(self.lengths[self.is_event].tolist()), self.steps)
        if not self.fillable[self.steps]:
            lengths = sorted(set(self.lengths[self.is_event].tolist()))
            raise SeqgenError(f"no {time_text(time)} bar ({beats_text(self.steps)}) can be filled exactly from this "
                              f"model's note lengths ({', '.join(duration_text(n) for n in lengths) or 'none'} beats)")
        self.longest = bars * (self.steps + 1)  # every event at least one step, and each bar's '|'
        _check_size(self.longest, f"{_plural(bars, 'bar')} of {time_text(time)}",
                    f"at most {MAX_PIECE_TOKENS // (self.steps + 1):,} bars of {time_text(time)}")

    def start(self) -> State:
        return _BarState()

    def advance(self, state: _BarState, token: int) -> _BarState:
        if token == self.bar:
            return _BarState(state.bars_done + 1, 0, state.tied)
        event = self.events[token] if 0 <= token < len(self.events) else None
        if event is None:
            return state  # </s> (or a token the bias never allows)
        return _BarState(state.bars_done, state.filled + event.steps, event.pitches if event.tie else None)

    def key(self, state: _BarState) -> Hashable:
        """What the bias depends on: the place in the bar, whether it is the last, a held tie."""
        return state.bars_done >= self.bars, state.bars_done == self.bars - 1, state.filled, state.tied

    def _bias(self, key: Hashable) -> np.ndarray:
        done, last_bar, filled, tied = key
        bias = np.full(len(self.vocab), -np.inf)
        if done:
            bias[self.end] = 0.0
            return bias
        left = self.steps - filled
        if left <= 0:
            bias[self.bar] = 0.0
            return bias
        # an event fits if what is left of the bar after it can still be filled exactly
        fits = self.is_event & (self.lengths <= left)
        fits[fits] = self.fillable[left - self.lengths[fits]]
        # a tie only crosses a bar line (inside a bar it would be one longer note), and not the last
        fits &= ~self.ties | ((self.lengths == left) & (not last_bar))
        if tied is not None:
            same = fits & (self.group_of == self.groups.get(tied, -2))
            if same.any():
                fits = same
        bias[fits] = 0.0
        return bias

    def read_prefix(self, ids: list[int]) -> State:
        """The state after a prime, refusing (``PrimeError``) the first token that overfills a bar,
        closes one early or runs past the bars asked for."""
        words = np.flatnonzero(self.is_event)
        return _walk(self, ids, words, self.unk, lambda state, index: self._explain(ids, state, index))

    def _explain(self, ids: list[int], state: _BarState, index: int) -> str:
        token, bar = self.vocab.tokens[ids[index]], state.bars_done + 1
        meter = f"a {time_text(self.time)} bar holds {beats_text(self.steps)}"
        if state.bars_done >= self.bars:
            return f"the prime has more than the {_plural(self.bars, 'bar')} asked for"
        if ids[index] == self.bar:
            return f"the prime's bar {bar} ends after {beats_text(state.filled)}; {meter}"
        if state.filled >= self.steps:
            return f"the prime's bar {bar} is full before {token!r}; {meter}"
        if state.tied is not None:
            return f"the prime's tie in bar {bar} leads into {token!r}, not the same notes"
        return (f"the prime's {token!r} does not fit what is left of bar {bar} "
                f"({beats_text(self.steps - state.filled)}); {meter}")
