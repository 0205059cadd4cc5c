"""Drawing sequences from a step function: temperature, top-k, top-p, greedy and beam search, for a
batch of streams at once, with a constraint's bias added to the logits before every draw.

The model is anything with ``initial_state``, ``step`` and ``select`` (``numpy_model.NumpyModel``);
the constraint anything with ``start``/``advance``/``bias`` (``constraints``). A constrained stream
runs until ``</s>`` or the constraint's ``longest``, and one that stops without ``</s>`` is a
``SamplingError``: a cut piece never passes for a finished one. An unconstrained stream stops at
``max_tokens`` with a ``TruncationWarning``. Text is not known here. The argument checks shared
with ``generation`` (whole numbers, flags) live here too, since sampling settings are most of them.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from seqgen.errors import SeqgenError
from seqgen.settings import shown
from seqgen.numpy_model import log_softmax

# Tokens one call may generate over all its streams (n x longest): bounds memory and time.
MAX_CALL_TOKENS = 2_000_000
# Beyond this, a beam costs much and finds nothing a narrower one misses.
MAX_BEAM = 100
# Below this, logits divided by the temperature overflow; greedy is the same choice, safely.
MIN_TEMPERATURE = 1e-4


def _shown(value: Any) -> str:
    return shown(value, limit=40)


def whole_number(value: Any, what: str, minimum: int | None = None, maximum: int | None = None) -> int:
    """``value`` as an ``int``, or a ``SeqgenError`` naming ``what``; bools are not numbers here."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise SeqgenError(f"{what} must be a whole number, got {_shown(value)}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise SeqgenError(f"{what} must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise SeqgenError(f"{what} must be at most {maximum:,}, got {value:,}")
    return value


def real_number(value: Any, what: str) -> float:
    """``value`` as a finite ``float``, or a ``SeqgenError`` naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise SeqgenError(f"{what} must be a finite number, got {_shown(value)}")
    return float(value)


def flag(value: Any, what: str) -> bool:
    """``value`` if it is ``True`` or ``False`` (NumPy bools too), else a ``SeqgenError``."""
    if not isinstance(value, (bool, np.bool_)):
        raise SeqgenError(f"{what} must be True or False, got {_shown(value)}")
    return bool(value)


def optional_text(value: Any, what: str) -> str | None:
    """``value`` if it is a string or None, else a ``SeqgenError``."""
    if value is not None and not isinstance(value, str):
        raise SeqgenError(f"{what} must be text, got {_shown(value)}")
    return value


@dataclass(frozen=True)
class SamplingConfig:
    """How the next token is chosen. Every value is checked here, so a bad one from Python or
    the CLI is one ``SeqgenError`` line, never a TypeError from inside NumPy."""

    temperature: float = 1.0   # divides the logits: below 1 is safer, above 1 wilder
    top_k: int = 0             # keep only the k likeliest tokens; 0 keeps all
    top_p: float = 1.0         # keep the smallest set of tokens whose probability reaches p
    greedy: bool = False       # always take the likeliest allowed token
    beam: int = 0              # beam width; 0 samples instead
    seed: int | None = None    # same seed, same output
    max_tokens: int = 4000     # an unconstrained stream without </s> is cut here, with a warning

    def __post_init__(self) -> None:
        temperature = real_number(self.temperature, "temperature")
        if not temperature > 0:
            raise SeqgenError(f"temperature must be greater than 0, got {self.temperature}")
        if temperature < MIN_TEMPERATURE:
            raise SeqgenError(f"temperature must be at least {MIN_TEMPERATURE}, got {self.temperature} "
                              "(greedy takes the likeliest token)")
        top_p = real_number(self.top_p, "top-p")
        if not 0 < top_p <= 1:
            raise SeqgenError(f"top-p must be in (0, 1], got {self.top_p}")
        checked = {
            "temperature": temperature, "top_p": top_p,
            "top_k": whole_number(self.top_k, "top-k", minimum=0),
            "greedy": flag(self.greedy, "greedy"),
            "beam": whole_number(self.beam, "beam width", minimum=0, maximum=MAX_BEAM),
            "seed": None if self.seed is None else whole_number(self.seed, "seed", minimum=0),
            "max_tokens": whole_number(self.max_tokens, "max_tokens", minimum=1, maximum=MAX_CALL_TOKENS),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)  # frozen: normalise NumPy numbers once

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> "SamplingConfig":
        """Build from keyword options (``Generator.compositions(**sampling)``), refusing unknown names."""
        known = cls.__dataclass_fields__
        unknown = [name for name in options if name not in known]
        if unknown:
            raise SeqgenError(f"unknown sampling option {unknown[0]!r}; known: {', '.join(known)}")
        return cls(**options)


class SamplingError(SeqgenError):
    """No token is allowed, or a constrained stream stopped without ``</s>``."""


class TruncationWarning(UserWarning):
    """An unconstrained stream reached ``max_tokens`` without ``</s>`` and was cut there."""


class _Unconstrained:
    def start(self):
        return None

    def advance(self, state, token):
        return None

    def bias(self, state):
        return 0.0

    def key(self, state):
        return None


class _StateTable:
    """A constraint's states numbered as they are met, their bias rows in one array (one row per
    distinct ``key``, so a long piece adds states but not rows), transitions in a dict, so a step
    over many streams is one array lookup plus a dict lookup per stream."""

    def __init__(self, constraint, start_state, width: int):
        self.constraint = constraint
        self.key = getattr(constraint, "key", lambda state: state)
        self.index: dict = {}
        self.states: list = []
        self.row_of = np.zeros(16, dtype=np.int64)  # state number -> row of ``rows``
        self.row_index: dict = {}
        self.rows = np.zeros((16, width))
        self.transitions: dict[tuple[int, int], int] = {}
        self.start = self.number(start_state)

    def number(self, state) -> int:
        found = self.index.get(state)
        if found is not None:
            return found
        number = len(self.states)
        if number == len(self.row_of):  # grow by doubling
            self.row_of = np.concatenate([self.row_of, np.zeros_like(self.row_of)])
        self.row_of[number] = self._row(self.key(state), state)
        self.index[state] = number
        self.states.append(state)
        return number

    def _row(self, key, state) -> int:
        row = self.row_index.get(key)
        if row is None:
            row = len(self.row_index)
            if row == len(self.rows):
                self.rows = np.concatenate([self.rows, np.zeros_like(self.rows)])
            self.rows[row] = self.constraint.bias(state)
            self.row_index[key] = row
        return row

    def bias(self, numbers: np.ndarray) -> np.ndarray:
        return self.rows[self.row_of[numbers]]

    def advance(self, numbers: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """Next state numbers of many streams; only transitions never seen before cost more than a lookup."""
        following = []
        for number, token in zip(numbers.tolist(), tokens.tolist()):
            found = self.transitions.get((number, token))
            if found is None:
                found = self.number(self.constraint.advance(self.states[number], token))
                self.transitions[number, token] = found
            following.append(found)
        return np.array(following, dtype=np.int64)


class Sampler:
    """Generates id sequences from a model.

    Args:
        model: the step-function model.
        end_id: the id that ends a sequence.
        banned_ids: ids never emitted (``<pad>``, ``<unk>``, ``<s>``).
    """

    def __init__(self, model, end_id: int, banned_ids: list[int]):
        self.model = model
        self.end_id = end_id
        self.base_bias = np.zeros(model.vocab_size)
        self.base_bias[banned_ids] = -np.inf

    def generate(self, prime: list[int], n: int, config: SamplingConfig, constraint=None,
                 constraint_state=None) -> list[list[int]]:
        """``n`` sequences continuing ``prime`` (ids after the prime, without the final end id).

        Args:
            prime: ids fed before generating (at least one, usually ``<s>`` and header tokens).
            n: sequences to return.
            config: sampling settings.
            constraint: allowed-next-token rules, or None.
            constraint_state: the constraint's state after the prime (default ``constraint.start()``).

        Raises:
            SamplingError: no token allowed, or a constrained stream stopped without ``</s>``.
            SeqgenError: ``n`` not a whole number >= 1, or ``n`` streams too long for one call.
        """
        n = whole_number(n, "the number of sequences", minimum=1)
        limit = self._limit(n, config, constraint)
        constrained = constraint is not None
        constraint = constraint or _Unconstrained()
        if constraint_state is None:
            constraint_state = constraint.start()
        logits, state = self._read_prime(prime)
        search = self._beam_search if config.beam else self._sample
        sequences, cut = search(logits, state, n, limit, config, constraint, constraint_state)
        if cut and constrained:
            raise SamplingError(f"{cut} of {n} constrained sequences stopped after {limit:,} tokens without "
                                "ending: the constraint let a stream run past its own length (a bug)")
        if cut:
            warnings.warn(f"{cut} of {n} sequences reached the {limit:,}-token limit without ending and were cut "
                          "there", TruncationWarning, stacklevel=2)
        return sequences

    @staticmethod
    def _limit(n: int, config: SamplingConfig, constraint) -> int:
        """Tokens a stream may take: the constraint's own bound (a constrained stream always
        reaches ``</s>`` within it), else ``max_tokens``."""
        limit = getattr(constraint, "longest", None) or config.max_tokens
        if n * limit > MAX_CALL_TOKENS:
            raise SeqgenError(f"{n:,} sequences of up to {limit:,} tokens each is more than seqgen generates in "
                              f"one call ({MAX_CALL_TOKENS:,} tokens); ask for fewer or shorter ones")
        return limit

    def _read_prime(self, prime: list[int]):
        if not prime:
            raise SeqgenError("generation needs a prime of at least one token")
        state = self.model.initial_state(1)
        for token in prime:
            logits, state = self.model.step(np.array([token]), state)
        return logits, state

    def _sample(self, logits, state, n, limit, config, constraint, constraint_state) -> tuple[list[list[int]], int]:
        """Sequences and how many were cut at ``limit`` without drawing ``</s>``."""
        rng = np.random.default_rng(config.seed)
        logits, state = np.repeat(logits, n, axis=0), self.model.select(state, np.zeros(n, dtype=np.int64))
        table = _StateTable(constraint, constraint_state, self.model.vocab_size)
        numbers = np.full(n, table.start)
        # active streams advance together, so they share one length: columns grow as it does
        outputs = np.zeros((n, min(limit, 1024)), dtype=np.int64)
        lengths = np.zeros(n, dtype=np.int64)
        length = 0
        active = np.arange(n)  # streams still going; rows of logits, state and numbers follow it
        for _ in range(limit + 1):
            tokens = self._choose(logits, self.base_bias + table.bias(numbers), config, rng)
            going = np.flatnonzero(tokens != self.end_id)
            if not len(going) or length == limit:  # all ended, or the ones left are cut
                break
            if len(going) < len(active):  # only the streams still going are stepped
                active, tokens, numbers = active[going], tokens[going], numbers[going]
                state = self.model.select(state, going)
            if length == outputs.shape[1]:
                outputs = np.concatenate([outputs, np.zeros_like(outputs)], axis=1)
            outputs[active, length] = tokens
            lengths[active] += 1
            length += 1
            numbers = table.advance(numbers, tokens)
            logits, state = self.model.step(tokens, state)
        return [outputs[row, :lengths[row]].tolist() for row in range(n)], len(going)

    def _choose(self, logits: np.ndarray, bias: np.ndarray, config: SamplingConfig, rng) -> np.ndarray:
        scores = _require_allowed(logits / config.temperature + bias)
        if config.greedy:
            return scores.argmax(axis=1)
        if config.top_k:
            scores = _keep_top_k(scores, config.top_k)
        probabilities = np.exp(scores - scores.max(axis=1, keepdims=True))
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        if config.top_p < 1:
            probabilities = _keep_top_p(probabilities, config.top_p)
        cumulative = probabilities.cumsum(axis=1)
        draws = rng.random(len(scores))[:, None] * cumulative[:, -1:]
        # the first token whose cumulative probability passes the draw; never a zero-probability one
        return np.minimum((cumulative <= draws).sum(axis=1), len(cumulative[0]) - 1)

    def _beam_search(self, logits, state, n, limit, config, constraint, constraint_state):
        """The ``n`` best-scoring sequences of a beam of width ``max(beam, n)`` and how many of them
        were cut at ``limit``. Beams keep back-pointers, not token lists: no copying per step."""
        width = max(config.beam, n)
        totals, cstates = [0.0], [constraint_state]  # per beam: sum of log-probabilities, constraint state
        parents: list[list[int]] = []  # per step: the beam each beam of the next step came from
        chosen: list[list[int]] = []   # per step: the token it took
        finished: list[tuple[float, int, int]] = []  # (total, tokens before </s>, beam at that step)
        for step in range(limit + 1):
            bias = self.base_bias + np.stack([np.broadcast_to(constraint.bias(s), self.base_bias.shape)
                                             for s in cstates])
            scores = _require_allowed(log_softmax(logits / config.temperature) + bias)
            candidates = []
            for row, total in enumerate(totals):
                for token in np.argsort(-scores[row])[:width]:
                    if np.isfinite(scores[row, token]):
                        candidates.append((total + float(scores[row, token]), row, int(token)))
            candidates.sort(key=lambda item: -item[0])
            kept = []
            for total, row, token in candidates:
                if token == self.end_id:
                    finished.append((total, step, row))
                elif len(kept) < width:
                    kept.append((total, row, token))
            if len(finished) >= width or not kept or step == limit:
                break
            parents.append([row for _, row, _ in kept])
            chosen.append([token for _, _, token in kept])
            state = self.model.select(state, np.array(parents[-1]))
            logits, state = self.model.step(np.array(chosen[-1]), state)
            totals = [total for total, _, _ in kept]
            cstates = [constraint.advance(cstates[row], token) for _, row, token in kept]
        cut = 0
        if step == limit and len(finished) < n:  # too few ended: the best running beams fill up, cut
            running = sorted(range(len(totals)), key=lambda row: -totals[row])[:n - len(finished)]
            finished += [(totals[row], step, row) for row in running]
            cut = len(running)
        # length-normalised: a sum of log-probabilities alone favours the shortest sequences
        finished.sort(key=lambda item: -item[0] / (item[1] + 1))
        return [self._trace(parents, chosen, length, row) for _, length, row in finished[:n]], cut

    @staticmethod
    def _trace(parents: list[list[int]], chosen: list[list[int]], length: int, row: int) -> list[int]:
        """The tokens of beam ``row`` after ``length`` steps, followed back to the start."""
        ids = []
        for step in range(length - 1, -1, -1):
            ids.append(chosen[step][row])
            row = parents[step][row]
        return ids[::-1]


def _require_allowed(scores: np.ndarray) -> np.ndarray:
    """``scores`` unchanged, unless some row allows no token at all."""
    if not np.isfinite(scores.max(axis=1)).all():
        raise SamplingError("no token is allowed next: the constraint cannot be met with this model's vocabulary")
    return scores


def _keep_top_k(scores: np.ndarray, k: int) -> np.ndarray:
    if k >= scores.shape[1]:
        return scores
    threshold = np.partition(scores, -k, axis=1)[:, -k:].min(axis=1, keepdims=True)
    return np.where(scores >= threshold, scores, -np.inf)


def _keep_top_p(probabilities: np.ndarray, p: float) -> np.ndarray:
    order = np.argsort(-probabilities, axis=1)
    ranked = np.take_along_axis(probabilities, order, axis=1)
    # keep a token while the mass before it is below p: the likeliest token is always kept
    keep_ranked = (ranked.cumsum(axis=1) - ranked) < p
    keep = np.zeros_like(keep_ranked)
    np.put_along_axis(keep, order, keep_ranked, axis=1)
    kept = np.where(keep, probabilities, 0.0)
    return kept / kept.sum(axis=1, keepdims=True)
