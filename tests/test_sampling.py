import numpy as np
import pytest

from seqgen.errors import SeqgenError
from seqgen.sampling import Sampler, SamplingConfig, SamplingError, _keep_top_k, _keep_top_p

from fakes import RandomLogitsModel

END = 3


def fixed_sampler(logits):
    return Sampler(RandomLogitsModel(len(logits), fixed=np.asarray(logits, float)), END, [0, 1, 2])


def test_greedy_takes_the_likeliest_allowed_token_and_never_banned_ones():
    sampler = fixed_sampler([9.0, 9.0, 9.0, -5.0, 1.0, 2.0])
    [ids] = sampler.generate([2], 1, SamplingConfig(greedy=True, max_tokens=5))
    assert ids == [5] * 5


def test_same_seed_same_output_and_different_seed_differs():
    sampler = Sampler(RandomLogitsModel(20, seed=1), END, [0, 1, 2])
    first = sampler.generate([2], 4, SamplingConfig(seed=7, max_tokens=30))
    sampler = Sampler(RandomLogitsModel(20, seed=1), END, [0, 1, 2])
    assert sampler.generate([2], 4, SamplingConfig(seed=7, max_tokens=30)) == first
    sampler = Sampler(RandomLogitsModel(20, seed=1), END, [0, 1, 2])
    assert sampler.generate([2], 4, SamplingConfig(seed=8, max_tokens=30)) != first


def test_top_k_and_top_p_filter_the_tail():
    scores = np.log(np.array([[0.5, 0.3, 0.15, 0.05]]))
    assert np.isfinite(_keep_top_k(scores, 2)).tolist() == [[True, True, False, False]]
    kept = _keep_top_p(np.exp(scores), 0.7)
    assert (kept > 0).tolist() == [[True, True, False, False]]
    assert _keep_top_p(np.exp(scores), 0.1)[0, 0] == 1.0


def test_top_k_one_equals_greedy():
    logits = np.random.default_rng(0).normal(size=12)
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


@pytest.mark.parametrize("settings", [dict(temperature=0), dict(temperature=-1), dict(top_p=0), dict(top_p=1.5),
                                      dict(top_k=-1), dict(beam=-2)])
def test_out_of_range_settings_are_errors(settings):
    with pytest.raises(SeqgenError):
        SamplingConfig(**settings)
