import math

import pytest

from seqgen.errors import SeqgenError
from seqgen.ngram import MAX_ORDER, KneserNey


@pytest.mark.parametrize("order", [1, 2, 3])
def test_probabilities_sum_to_one_for_seen_and_unseen_contexts(order):
    sequences = [[3, 4, 5, 4, 5, 6], [3, 5, 5, 4, 6], [4, 4, 4]]
    model = KneserNey(order, vocab_size=8).fit(sequences, pad=2)
    for context in [(2, 2), (4, 5), (7, 7), (5,)]:
        total = sum(model.prob(context, token) for token in range(8))
        assert math.isclose(total, 1.0, rel_tol=1e-9)


@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_the_distribution_vector_is_prob_for_every_id(order):
    import random

    rng = random.Random(order)
    sequences = [[rng.randrange(4, 20) for _ in range(rng.randint(3, 30))] for _ in range(30)]
    model = KneserNey(order, vocab_size=20).fit(sequences, pad=2)
    for context in [(2, 2, 2, 2), tuple(sequences[0][:4]), (19, 18, 17, 16), ()]:
        vector = model.distribution(context)
        assert vector.tolist() == pytest.approx([model.prob(context, token) for token in range(20)], rel=1e-12)
        assert int(vector.argmax()) == model.most_likely(context, range(20))


def test_frequent_continuation_is_most_likely():
    model = KneserNey(3, vocab_size=6).fit([[3, 4, 5] * 20], pad=2)
    assert model.most_likely((3, 4), range(6)) == 5
    assert model.prob((3, 4), 5) > 0.9


def test_order_is_a_whole_number_from_1_to_max_order():
    assert KneserNey(MAX_ORDER, vocab_size=6).fit([[3, 4, 5] * 4], pad=2).prob((3, 4), 5) > 0
    for order in (0, MAX_ORDER + 1, 100000, 2.5, True, "3"):
        with pytest.raises(SeqgenError, match=f"from 1 to {MAX_ORDER}"):
            KneserNey(order)
