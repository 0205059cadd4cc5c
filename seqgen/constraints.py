"""Constraints: which token may come next, given the sequence so far (taal cycles, stanza shape).

A constraint is a fold over the generated tokens: ``start()`` gives a small immutable state,
``advance(state, id)`` the next one, and ``bias(state)`` a logit bias over the vocabulary: ``-inf``
for forbidden tokens, a finite penalty for discouraged ones, 0 otherwise. Biases of several
constraints add up (all-of). States are hashable, so biases are cached and beams can share them.
NumPy, the vocabulary and the taal table only; never TensorFlow. Drawing tokens is ``sampling``'s job.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Hashable, Protocol

import numpy as np

from seqgen.errors import SeqgenError
from seqgen.taals import Taal
from seqgen.tokenizers.bols import BASS_BOLS, CANONICAL_BOLS
from seqgen.tokenizers.lyrics import LINE_END, SPACE, STANZA_END
from seqgen.tokenizers.tabla import CYCLE_END, MATRA_END, VIBHAG_END
from seqgen.validator import KHALI_RULE_FORMS
from seqgen.vocab import END, Vocab

State = Hashable
KHALI_MODES = ("hard", "soft", "off")
# Logit penalty for bass bols in a khali region under the soft rule: a factor of about 1/20.
SOFT_KHALI_PENALTY = -3.0
LAYAKARIS = (1, 2, 3, 4)


class Constraint(Protocol):
    def start(self) -> State: ...

    def advance(self, state: State, token: int) -> State: ...

    def bias(self, state: State) -> np.ndarray: ...


def state_after(constraint: Constraint, ids: list[int]) -> State:
    """The constraint's state after reading ``ids`` from its start (a prime, a prefix)."""
    state = constraint.start()
    for token in ids:
        state = constraint.advance(state, token)
    return state


def allowed_after(constraint: Constraint, ids: list[int]) -> np.ndarray:
    """The mask of allowed next ids after ``ids``, from scratch (tests and one-off checks)."""
    return np.isfinite(constraint.bias(state_after(constraint, ids)))


class AllOf:
    """Several constraints at once: a token must be allowed by each; penalties add up."""

    def __init__(self, *constraints: Constraint):
        self.constraints = constraints

    def start(self) -> State:
        return tuple(constraint.start() for constraint in self.constraints)

    def advance(self, state: State, token: int) -> State:
        return tuple(c.advance(s, token) for c, s in zip(self.constraints, state))

    def bias(self, state: State) -> np.ndarray:
        return sum(c.bias(s) for c, s in zip(self.constraints, state))


def default_khali_mode(form: str | None) -> str:
    """Hard for kaida and rela, soft for theka and its prakars, off for everything else."""
    if form in KHALI_RULE_FORMS:
        return "hard"
    if form in ("theka", "prakar"):
        return "soft"
    return "off"


@dataclass(frozen=True)
class _CycleState:
    cycles_done: int = 0
    matra: int = 0          # matras completed in the current cycle
    bols: int = 0           # bols written in the current matra
    bar_pending: bool = False
    layakari: int = 0       # bols per matra once fixed (0: not yet)


class TaalConstraint:
    """Exactly ``cycles`` cycles of ``taal``: matras per vibhag, ``|``/``||`` in place, bols per
    matra from ``layakaris`` (one value for the whole composition when ``uniform``), the khali rule,
    then ``</s>``.

    Args:
        vocab: the model's vocabulary (tabla tokens).
        taal: the taal record.
        cycles: cycles to generate.
        form: the composition's form; decides the khali region and the default khali mode.
        khali: ``hard``, ``soft``, ``off`` or None for the form's default.
        layakaris: allowed bols per matra.
        uniform: keep the first matra's bol count for every matra.
    """

    def __init__(self, vocab: Vocab, taal: Taal, cycles: int, form: str | None = None, khali: str | None = None,
                 layakaris: tuple[int, ...] = LAYAKARIS, uniform: bool = True):
        if cycles < 1:
            raise SeqgenError(f"cycles must be at least 1, got {cycles}")
        if not layakaris or any(value not in LAYAKARIS for value in layakaris):
            raise SeqgenError(f"layakari must be among {', '.join(map(str, LAYAKARIS))}")
        khali = khali or default_khali_mode(form)
        if khali not in KHALI_MODES:
            raise SeqgenError(f"unknown khali mode {khali!r}; use one of {', '.join(KHALI_MODES)}")
        self.vocab, self.taal, self.cycles = vocab, taal, cycles
        self.layakaris, self.uniform, self.khali = tuple(sorted(layakaris)), uniform, khali
        self.khali_matras = self._khali_region(form)
        self._require(MATRA_END, VIBHAG_END, CYCLE_END, END)
        self.matra_end, self.vibhag_end = vocab.id(MATRA_END), vocab.id(VIBHAG_END)
        self.cycle_end, self.end = vocab.id(CYCLE_END), vocab.id(END)
        self.bol_ids = np.array([vocab.id(bol) for bol in CANONICAL_BOLS if bol in vocab], dtype=np.int64)
        self.bass_ids = np.array([vocab.id(bol) for bol in BASS_BOLS if bol in vocab], dtype=np.int64)
        self.vibhag_ends = {sum(taal.vibhags[:index + 1]) for index in range(len(taal.vibhags))}
        self.bias = lru_cache(maxsize=None)(self._bias)

    def _require(self, *tokens: str) -> None:
        missing = [token for token in tokens if token not in self.vocab]
        if missing:
            raise SeqgenError(f"this model's vocabulary lacks {', '.join(missing)}: it is not a tabla model")

    def _khali_region(self, form: str | None) -> frozenset[int]:
        """0-based matras of a cycle where the bass is closed: the theme's khali quarter for
        kaida/rela (one-cycle theme), the taal's khali vibhags otherwise."""
        if self.khali == "off":
            return frozenset()
        matras = self.taal.matras
        if form in KHALI_RULE_FORMS:
            return frozenset(range(2 * matras // 4, 3 * matras // 4))
        starts = [start - 1 for start in self.taal.vibhag_starts]
        return frozenset(
            matra for index, (start, size) in enumerate(zip(starts, self.taal.vibhags))
            if self.taal.marks[index] == "0" for matra in range(start, start + size)
        )

    def start(self) -> State:
        return _CycleState()

    def advance(self, state: _CycleState, token: int) -> _CycleState:
        if token == self.matra_end:
            layakari = state.layakari or (state.bols if self.uniform else 0)
            matra = state.matra + 1
            return _CycleState(state.cycles_done, matra, 0, matra in self.vibhag_ends, layakari)
        if token in (self.vibhag_end, self.cycle_end):
            if state.matra == self.taal.matras:
                return _CycleState(state.cycles_done + 1, 0, 0, False, state.layakari)
            return _CycleState(state.cycles_done, state.matra, 0, False, state.layakari)
        if token == self.end:
            return state
        return _CycleState(state.cycles_done, state.matra, state.bols + 1, False, state.layakari)

    def _bias(self, state: _CycleState) -> np.ndarray:
        bias = np.full(len(self.vocab), -np.inf)
        if state.bar_pending:
            bias[self.cycle_end if state.matra == self.taal.matras else self.vibhag_end] = 0.0
        elif state.cycles_done == self.cycles:
            bias[self.end] = 0.0
        else:
            counts = (state.layakari,) if state.layakari else self.layakaris
            if state.bols < max(counts):
                self._allow_bols(bias, state.matra)
            if state.bols in counts:
                bias[self.matra_end] = 0.0
        return bias

    def _allow_bols(self, bias: np.ndarray, matra: int) -> None:
        bias[self.bol_ids] = 0.0
        if matra in self.khali_matras and len(self.bass_ids):
            bias[self.bass_ids] = -np.inf if self.khali == "hard" else SOFT_KHALI_PENALTY


@dataclass(frozen=True)
class _StanzaState:
    stanzas_done: int = 0
    line: int = 0           # lines completed in the current stanza
    tokens: int = 0         # tokens in the current line
    after_space: bool = False


class StanzaConstraint:
    """Exactly ``stanzas`` stanzas of exactly ``lines`` lines, each line ``min_tokens`` to
    ``max_tokens`` tokens long; the last line of a stanza ends with ``<stanza>``, then ``</s>``."""

    def __init__(self, vocab: Vocab, stanzas: int, lines: int, min_tokens: int = 3, max_tokens: int = 12):
        if stanzas < 1 or lines < 1:
            raise SeqgenError(f"stanzas and lines must be at least 1, got {stanzas} and {lines}")
        if not 1 <= min_tokens <= max_tokens:
            raise SeqgenError(f"need 1 <= min tokens <= max tokens per line, got {min_tokens} and {max_tokens}")
        missing = [token for token in (LINE_END, STANZA_END) if token not in vocab]
        if missing:
            raise SeqgenError(f"this model's vocabulary lacks {', '.join(missing)}: it is not a lyrics model")
        self.vocab, self.stanzas, self.lines = vocab, stanzas, lines
        self.min_tokens, self.max_tokens = min_tokens, max_tokens
        self.line_end, self.stanza_end, self.end = vocab.id(LINE_END), vocab.id(STANZA_END), vocab.id(END)
        self.space = vocab.id(SPACE) if SPACE in vocab else -1
        self.words = np.ones(len(vocab), dtype=bool)
        self.words[[vocab.id(token) for token in vocab.tokens if token.startswith("<") and token.endswith(">")]] = False
        self.bias = lru_cache(maxsize=None)(self._bias)

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

    def _bias(self, state: _StanzaState) -> np.ndarray:
        bias = np.full(len(self.vocab), -np.inf)
        if state.stanzas_done == self.stanzas:
            bias[self.end] = 0.0
            return bias
        if state.tokens < self.max_tokens:
            bias[self.words] = 0.0
            # a space neither starts a line, follows a space, nor takes the last word's place
            if self.space >= 0 and 0 < state.tokens < self.max_tokens - 1 and not state.after_space:
                bias[self.space] = 0.0
        if state.tokens >= self.min_tokens and not state.after_space:
            bias[self.stanza_end if state.line == self.lines - 1 else self.line_end] = 0.0
        return bias
