import pytest

from seqgen.errors import SeqgenError
from seqgen.vocab import SPECIALS, UNK, Vocab


def test_specials_then_kept_then_frequency_with_text_tie_break():
    vocab = Vocab.build([["b", "a", "c", "a"], ["c", "d"]], max_size=7, keep=["|"])
    assert vocab.tokens == (*SPECIALS, "|", "a", "c")  # a and c tie at 2; b, d cut by max_size


def test_order_does_not_depend_on_input_order():
    docs = [["x", "y", "z"], ["z", "y", "x"]]
    assert Vocab.build(docs).tokens == Vocab.build(list(reversed(docs))).tokens


def test_encode_decode_and_unknown():
    vocab = Vocab.build([["a", "b"]])
    ids = vocab.encode(["a", "zzz", "b"])
    assert vocab.decode(ids) == ["a", UNK, "b"]


def test_coverage_counts_unknown_share():
    vocab = Vocab.build([["a", "a", "b"]], max_size=5)
    coverage = vocab.coverage([["a", "a", "b", "c"]])
    assert (coverage.tokens, coverage.unknown, coverage.distinct_unknown) == (4, 2, 2)
    assert coverage.unknown_rate == 0.5


def test_json_round_trip_and_validation():
    vocab = Vocab.build([["春", "夏"]])
    assert Vocab.from_json(vocab.to_json()).tokens == vocab.tokens
    for broken in ("{", "[]", '{"tokens": [1]}', '{"tokens": ["a"]}'):
        with pytest.raises(SeqgenError):
            Vocab.from_json(broken)


def test_too_small_max_size_is_an_error():
    with pytest.raises(SeqgenError, match="too small"):
        Vocab.build([["a"]], max_size=4, keep=["|"])


def test_deeply_nested_json_is_an_error_not_a_recursion_error():
    with pytest.raises(SeqgenError, match="nested too deeply"):
        Vocab.from_json("[" * 100_000 + "]" * 100_000)
