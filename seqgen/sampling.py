"""Drawing sequences from a step function: temperature, top-k, top-p, greedy and beam search, for a
batch of streams at once, with a constraint's bias added to the logits before every draw.

The model is anything with ``initial_state``, ``step`` and ``select`` (``numpy_model.NumpyModel``);
the constraint anything with ``start``/``advance``/``bias`` (``constraints``). Text is not known here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seqgen.errors import SeqgenError
from seqgen.numpy_model import log_softmax


@dataclass(frozen=True)
class SamplingConfig:
    """How the next token is chosen."""

    temperature: float = 1.0   # divides the logits: below 1 is safer, above 1 wilder
    top_k: int = 0             # keep only the k likeliest tokens; 0 keeps all
    top_p: float = 1.0         # keep the smallest set of tokens whose probability reaches p
    greedy: bool = False       # always take the likeliest allowed token
    beam: int = 0              # beam width; 0 samples instead
    seed: int | None = None    # same seed, same output
    max_tokens: int = 4000     # a stream without </s> stops here (only unconstrained streams can)

    def __post_init__(self) -> None:
        if not self.temperature > 0:
            raise SeqgenError(f"temperature must be greater than 0, got {self.temperature}")
        if self.top_k < 0:
            raise SeqgenError(f"top-k must not be negative, got {self.top_k}")
        if not 0 < self.top_p <= 1:
            raise SeqgenError(f"top-p must be in (0, 1], got {self.top_p}")
        if self.beam < 0:
            raise SeqgenError(f"beam width must not be negative, got {self.beam}")
        if self.max_tokens < 1:
            raise SeqgenError(f"max_tokens must be at least 1, got {self.max_tokens}")


class SamplingError(SeqgenError):
    """No token is allowed: the constraint cannot be met with this vocabulary."""


class _Unconstrained:
    def start(self):
        return None

    def advance(self, state, token):
        return None

    def bias(self, state):
        return 0.0


class _StateTable:
    """A constraint's states numbered as they are met, with their bias rows in one array and
    transitions in a dict, so a step over many streams is one array lookup instead of a bias
    computation per stream."""

    def __init__(self, constraint, start_state, width: int):
        self.constraint = constraint
        self.index: dict = {}
        self.states: list = []
        self.rows = np.zeros((16, width))
        self.transitions = np.full((16, width), -1, dtype=np.int64)  # -1: not computed yet
        self.start = self.number(start_state)

    def number(self, state) -> int:
        found = self.index.get(state)
        if found is not None:
            return found
        if len(self.states) == len(self.rows):  # grow by doubling
            self.rows = np.concatenate([self.rows, np.zeros_like(self.rows)])
            self.transitions = np.concatenate([self.transitions, np.full_like(self.transitions, -1)])
        self.rows[len(self.states)] = self.constraint.bias(state)
        self.index[state] = len(self.states)
        self.states.append(state)
        return self.index[state]

    def advance(self, numbers: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        """Next state numbers of many streams; only transitions never seen before cost Python work."""
        following = self.transitions[numbers, tokens]
        for index in np.flatnonzero(following < 0).tolist():
            number, token = int(numbers[index]), int(tokens[index])
            if self.transitions[number, token] < 0:
                self.transitions[number, token] = self.number(self.constraint.advance(self.states[number], token))
            following[index] = self.transitions[number, token]
        return following


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
        """
        if n < 1:
            raise SeqgenError(f"the number of sequences must be at least 1, got {n}")
        constraint = constraint or _Unconstrained()
        if constraint_state is None:
            constraint_state = constraint.start()
        logits, state = self._read_prime(prime)
        if config.beam:
            return self._beam_search(logits, state, n, config, constraint, constraint_state)
        return self._sample(logits, state, n, config, constraint, constraint_state)

    def _read_prime(self, prime: list[int]):
        if not prime:
            raise SeqgenError("generation needs a prime of at least one token")
        state = self.model.initial_state(1)
        for token in prime:
            logits, state = self.model.step(np.array([token]), state)
        return logits, state

    def _sample(self, logits, state, n, config, constraint, constraint_state) -> list[list[int]]:
        rng = np.random.default_rng(config.seed)
        logits, state = np.repeat(logits, n, axis=0), self.model.select(state, np.zeros(n, dtype=np.int64))
        table = _StateTable(constraint, constraint_state, self.model.vocab_size)
        numbers = np.full(n, table.start)
        outputs = np.zeros((n, config.max_tokens), dtype=np.int64)
        lengths = np.zeros(n, dtype=np.int64)
        active = np.arange(n)  # streams still going; rows of logits, state and numbers follow it
        for _ in range(config.max_tokens):
            tokens = self._choose(logits, self.base_bias + table.rows[numbers], config, rng)
            going = np.flatnonzero(tokens != self.end_id)
            if not len(going):
                break
            if len(going) < len(active):  # only the streams still going are stepped
                active, tokens, numbers = active[going], tokens[going], numbers[going]
                state = self.model.select(state, going)
            outputs[active, lengths[active]] = tokens
            lengths[active] += 1
            numbers = table.advance(numbers, tokens)
            logits, state = self.model.step(tokens, state)
        return [outputs[row, :lengths[row]].tolist() for row in range(n)]

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

    def _beam_search(self, logits, state, n, config, constraint, constraint_state) -> list[list[int]]:
        width = max(config.beam, n)
        beams = [(0.0, [], constraint_state)]  # (sum of log-probabilities, ids, constraint state)
        finished: list[tuple[float, list[int]]] = []
        for _ in range(config.max_tokens):
            bias = self.base_bias + np.stack([np.broadcast_to(constraint.bias(s), self.base_bias.shape)
                                             for _, _, s in beams])
            scores = _require_allowed(log_softmax(logits / config.temperature) + bias)
            candidates = []
            for row, (total, ids, cstate) in enumerate(beams):
                for token in np.argsort(-scores[row])[:width]:
                    if np.isfinite(scores[row, token]):
                        candidates.append((total + float(scores[row, token]), row, int(token)))
            candidates.sort(key=lambda item: -item[0])
            kept = []
            for total, row, token in candidates:
                if token == self.end_id:
                    finished.append((total, beams[row][1]))
                elif len(kept) < width:
                    kept.append((total, row, token))
            if len(finished) >= width or not kept:
                break
            rows = np.array([row for _, row, _ in kept])
            state = self.model.select(state, rows)
            logits, state = self.model.step(np.array([token for _, _, token in kept]), state)
            beams = [(total, beams[row][1] + [token], constraint.advance(beams[row][2], token))
                     for total, row, token in kept]
        if not finished:
            finished = [(total, ids) for total, ids, _ in beams]
        # length-normalised: a sum of log-probabilities alone favours the shortest sequences
        finished.sort(key=lambda item: -item[0] / (len(item[1]) + 1))
        return [ids for _, ids in finished[:n]]


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
