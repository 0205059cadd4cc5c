import numpy as np
import pytest

from seqgen.data import DataConfig, build_vocab, eval_windows, id_stream, split_documents, windows
from seqgen.errors import SeqgenError
from seqgen.vocab import Vocab


def test_id_stream_wraps_each_document():
    vocab = Vocab.build([["a", "b"]])
    stream = id_stream([("a", "b"), ("b",)], vocab)
    assert vocab.decode(stream) == ["<s>", "a", "b", "</s>", "<s>", "b", "</s>"]


def test_windows_are_shifted_by_one_with_stride():
    stream = np.arange(10, dtype=np.int32)
    x, y = windows(stream, 4, 2)
    assert x.tolist() == [[0, 1, 2, 3], [2, 3, 4, 5], [4, 5, 6, 7]]
    assert (y == x + 1).all()


def test_too_small_corpus_names_the_minimum():
    with pytest.raises(SeqgenError, match="at least 51"):
        windows(np.arange(20), 50, 50)
    x, _ = eval_windows(np.arange(5), 50)
    assert x.shape == (1, 4)


def test_split_is_by_document_deterministic_and_complete():
    first = split_documents(40, 0.1, 0.05, seed=7)
    assert first == split_documents(40, 0.1, 0.05, seed=7)
    assert first != split_documents(40, 0.1, 0.05, seed=8)
    assert (len(first.val), len(first.test)) == (4, 2)
    assert sorted(first.train + first.val + first.test) == list(range(40))


def test_tiny_corpus_still_keeps_a_training_document():
    split = split_documents(2, 0.5, 0.5, seed=0)
    assert len(split.train) == 1 and len(split.val) == 1 and not split.test


def test_data_config_rejects_bad_fractions():
    with pytest.raises(SeqgenError):
        DataConfig(val_frac=0.6, test_frac=0.5)
    with pytest.raises(SeqgenError):
        DataConfig(seq_length=0)


@pytest.mark.parametrize("setting, fragment", [
    ({"seq_length": True}, "seq_length must be a whole number, got True"),
    ({"seq_length": "50"}, "seq_length must be a whole number"),
    ({"seq_length": 50.0}, "seq_length must be a whole number"),
    ({"stride": -1}, "stride must not be negative"),
    ({"vocab_size": 0}, "vocab_size must be at least 1"),
    ({"val_frac": float("nan")}, "val_frac must be a number"),
    ({"val_frac": "0.1"}, "val_frac must be a number"),
    ({"test_frac": False}, "test_frac must be a number"),
    ({"val_frac": 10 ** 400}, "val_frac must be a number"),
])
def test_data_config_refuses_values_of_the_wrong_kind(setting, fragment):
    with pytest.raises(SeqgenError, match=fragment):
        DataConfig(**setting)


def test_data_config_round_trips_and_refuses_unknown_settings():
    config = DataConfig(seq_length=np.int64(20), val_frac=0)
    assert (type(config.seq_length), type(config.val_frac)) == (int, float)
    assert DataConfig.from_dict(config.to_dict()) == config
    with pytest.raises(SeqgenError, match="data config has unknown settings: 'shuffle'"):
        DataConfig.from_dict({**config.to_dict(), "shuffle": True})


def test_min_count_leaves_rare_tokens_to_unk_and_keeps_structure_tokens():
    documents = [("a", "b", "a", "c"), ("a", "b", "d")]
    vocab = build_vocab(documents, DataConfig(min_count=2), keep=("<nl>", "<stanza>"))
    assert vocab.tokens == ("<pad>", "<unk>", "<s>", "</s>", "<nl>", "<stanza>", "a", "b")
    assert vocab.decode(id_stream([("c", "a")], vocab)) == ["<s>", "<unk>", "a", "</s>"]
    assert build_vocab(documents, DataConfig(), keep=()).tokens[4:] == ("a", "b", "c", "d")
    # the size limit still applies on top of the count
    assert build_vocab(documents, DataConfig(min_count=2, vocab_size=5)).tokens[4:] == ("a",)
    assert Vocab.from_json(vocab.to_json()).tokens == vocab.tokens


@pytest.mark.parametrize("value, fragment", [(0, "min_count must be at least 1"),
                                             (True, "min_count must be a whole number, got True"),
                                             (1.5, "min_count must be a whole number")])
def test_data_config_refuses_a_bad_min_count(value, fragment):
    with pytest.raises(SeqgenError, match=fragment):
        DataConfig(min_count=value)
    if value == 0:
        with pytest.raises(SeqgenError, match="min_count must be a whole number of at least 1"):
            Vocab.build([["a"]], min_count=value)


def test_a_data_config_written_before_min_count_reads_as_keeping_every_token():
    older = DataConfig().to_dict()
    del older["min_count"]  # bundles from before the setting existed
    assert DataConfig.from_dict(older).min_count == 1
