"""The sampler with fake logits: choice rules, limits, cut streams and checked settings."""

import numpy as np
import pytest

from seqgen.errors import SeqgenError
from seqgen.sampling import (MAX_CALL_TOKENS, Sampler, SamplingConfig, SamplingError, TruncationWarning, _keep_top_k,
                             _keep_top_p)

from fakes import RandomLogitsModel

END = 3


def fixed_sampler(logits):
    return Sampler(RandomLogitsModel(len(logits), fixed=np.asarray(logits, float)), END, [0, 1, 2])


def test_greedy_takes_the_likeliest_allowed_token_and_never_banned_ones():
    sampler = fixed_sampler([9.0, 9.0, 9.0, -5.0, 1.0, 2.0])
    with pytest.warns(TruncationWarning, match="1 of 1 sequences reached the 5-token limit"):
        [ids] = sampler.generate([2], 1, SamplingConfig(greedy=True, max_tokens=5))
    assert ids == [5] * 5


@pytest.mark.filterwarnings("ignore::seqgen.sampling.TruncationWarning")  # some streams may be cut
def test_same_seed_same_output_and_different_seed_differs():
    def sample(seed):
        sampler = Sampler(RandomLogitsModel(20, seed=1), END, [0, 1, 2])
        return sampler.generate([2], 4, SamplingConfig(seed=seed, max_tokens=30))

    first = sample(7)
    assert sample(7) == first
    assert sample(8) != first


def test_top_k_and_top_p_filter_the_tail():
    scores = np.log(np.array([[0.5, 0.3, 0.15, 0.05]]))
    assert np.isfinite(_keep_top_k(scores, 2)).tolist() == [[True, True, False, False]]
    kept = _keep_top_p(np.exp(scores), 0.7)
    assert (kept > 0).tolist() == [[True, True, False, False]]
    assert _keep_top_p(np.exp(scores), 0.1)[0, 0] == 1.0


def test_top_k_one_equals_greedy():
    logits = np.random.default_rng(0).normal(size=12)
    with pytest.warns(TruncationWarning):
        greedy = fixed_sampler(logits).generate([2], 1, SamplingConfig(greedy=True, max_tokens=4))
        top1 = fixed_sampler(logits).generate([2], 1, SamplingConfig(top_k=1, seed=3, max_tokens=4))
    assert greedy == top1


def test_end_token_stops_a_stream():
    sampler = fixed_sampler([0.0, 0.0, 0.0, 50.0, 0.0])
    assert sampler.generate([2], 3, SamplingConfig(seed=0)) == [[], [], []]


def test_nothing_allowed_is_reported_not_looped():
    class Impossible:
        def start(self):
            return 0

        def advance(self, state, token):
            return state

        def bias(self, state):
            return np.full(6, -np.inf)

    with pytest.raises(SamplingError, match="no token is allowed"):
        fixed_sampler(np.zeros(6)).generate([2], 1, SamplingConfig(seed=0), Impossible())


@pytest.mark.parametrize("settings, fragment", [
    (dict(temperature=0), "temperature"), (dict(temperature=-1), "temperature"), (dict(top_p=0), "top-p"),
    (dict(top_p=1.5), "top-p"), (dict(top_k=-1), "top-k"), (dict(beam=-2), "beam"),
    (dict(temperature="hot"), "temperature must be a finite number, got 'hot'"),
    (dict(temperature=float("nan")), "temperature"), (dict(temperature=float("inf")), "temperature"),
    (dict(temperature=1e-9), "temperature must be at least"), (dict(top_p=float("nan")), "top-p"),
    (dict(seed=-1), "seed must be at least 0, got -1"), (dict(seed="abc"), "seed must be a whole number"),
    (dict(seed=2.5), "seed must be a whole number"), (dict(seed=True), "seed must be a whole number"),
    (dict(top_k=2.5), "top-k must be a whole number"), (dict(top_k=False), "top-k"),
    (dict(greedy="yes"), "greedy must be True or False"), (dict(greedy=1), "greedy"),
    (dict(beam=10 ** 6), "beam width must be at most"), (dict(max_tokens=0), "max_tokens"),
    (dict(max_tokens=10 ** 9), "max_tokens must be at most"),
])
def test_bad_settings_are_one_line_errors(settings, fragment):
    with pytest.raises(SeqgenError, match=fragment.replace("(", r"\(")) as error:
        SamplingConfig(**settings)
    assert "\n" not in str(error.value)


def test_numpy_numbers_are_accepted_and_normalised():
    config = SamplingConfig(seed=np.int64(3), top_k=np.int32(2), temperature=np.float32(0.5), greedy=np.bool_(False))
    assert type(config.seed) is int and type(config.top_k) is int and type(config.temperature) is float
    assert config.greedy is False


def test_unknown_sampling_option_is_named():
    assert SamplingConfig.from_options({"seed": 3, "top_k": 2}) == SamplingConfig(seed=3, top_k=2)
    with pytest.raises(SeqgenError, match="unknown sampling option 'temprature'"):
        SamplingConfig.from_options({"temprature": 0.5})


class NeverEnds:
    """A constraint that says its sequences hold at most ``longest`` tokens, then never lets one end."""

    longest = 7

    def start(self):
        return 0

    def advance(self, state, token):
        return state + 1

    def key(self, state):
        return None

    def bias(self, state):
        bias = np.zeros(6)
        bias[END] = -np.inf
        return bias


@pytest.mark.parametrize("beam", [0, 2])
def test_a_constrained_stream_that_stops_without_ending_is_an_error(beam):
    with pytest.raises(SamplingError, match="stopped after 7 tokens without ending"):
        fixed_sampler(np.zeros(6)).generate([2], 2, SamplingConfig(seed=0, beam=beam), NeverEnds())


def test_an_unconstrained_cut_says_how_many_streams_were_cut():
    logits = np.zeros(6)
    logits[END] = -4.0  # streams end now and then, not always within 20 tokens
    with pytest.warns(TruncationWarning, match=r"(\d+) of 40 sequences reached the 20-token limit") as caught:
        results = fixed_sampler(logits).generate([2], 40, SamplingConfig(seed=1, max_tokens=20))
    cut = sum(len(ids) == 20 for ids in results)
    assert 0 < cut < 40
    assert str(caught[0].message).startswith(f"{cut} of 40")
    assert all(END not in ids for ids in results)


def test_beam_search_cut_streams_warn_too():
    with pytest.warns(TruncationWarning):
        [ids] = fixed_sampler([0.0, 0.0, 0.0, -50.0, 1.0, 2.0]).generate([2], 1, SamplingConfig(beam=2, max_tokens=6))
    assert len(ids) == 6


@pytest.mark.parametrize("n", [0, -1, "2", 2.0, True])
def test_bad_stream_counts_are_errors(n):
    with pytest.raises(SeqgenError, match="the number of sequences"):
        fixed_sampler(np.zeros(6)).generate([2], n, SamplingConfig(seed=0))


def test_too_many_tokens_in_one_call_is_refused_up_front():
    streams = MAX_CALL_TOKENS // 4000 + 1
    with pytest.raises(SeqgenError, match=f"{streams:,} sequences of up to 4,000 tokens"):
        fixed_sampler(np.zeros(6)).generate([2], streams, SamplingConfig(seed=0))
