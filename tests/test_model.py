"""The model is built from Keras's own recurrent layers with the configured gates, the NumPy forward
pass gives the Keras model's logits, and ModelConfig refuses bad settings and oversized models."""

import keras
import numpy as np
import pytest

import seqgen
from seqgen import model_config
from seqgen.bundle import model_weights
from seqgen.errors import SeqgenError
from seqgen.fused_lstm import LSTM as FusedLSTM
from seqgen.model import ModelConfig, build_model, recurrent_layers
from seqgen.numpy_model import NumpyModel, log_softmax

from cli_helpers import assert_clean_error, invoke
from conftest import ROOT

CORPUS = ROOT / "corpora" / "rupak.txt"

CASES = [("lstm", "hard_sigmoid"), ("lstm", "sigmoid"), ("gru", "hard_sigmoid"), ("gru", "sigmoid"),
         ("rnn", "hard_sigmoid")]


def tiny(cell, gate_activation):
    return ModelConfig(vocab_size=11, embedding_dim=4, rnn_size=6, layers=2, cell=cell,
                       gate_activation=gate_activation)


@pytest.mark.parametrize("cell, gate_activation", CASES)
def test_the_recurrent_layers_are_keras_own_with_the_configured_gates(cell, gate_activation):
    layers = recurrent_layers(build_model(tiny(cell, gate_activation)))
    # the LSTM is Keras's layer with a faster training loop (fused_lstm); its weights and options are Keras's
    stock = {"lstm": FusedLSTM, "gru": keras.layers.GRU, "rnn": keras.layers.SimpleRNN}[cell]
    assert [type(layer) for layer in layers] == [stock, stock]
    assert all(isinstance(layer, {"lstm": keras.layers.LSTM}.get(cell, stock)) for layer in layers)
    assert all(layer.return_sequences for layer in layers)
    if cell != "rnn":
        assert {layer.cell.recurrent_activation.__name__ for layer in layers} == {gate_activation}
    if cell == "gru":
        assert all(layer.cell.reset_after for layer in layers)


@pytest.mark.parametrize("cell, gate_activation", CASES)
def test_numpy_forward_matches_keras_logits(cell, gate_activation):
    config = tiny(cell, gate_activation)
    model = build_model(config)
    model.set_weights([w * 3 for w in model.get_weights()])  # larger weights reach the clipped gate regions
    ids = np.random.default_rng(1).integers(0, 11, (4, 12)).astype("int32")
    keras_log_probs = np.log(model(ids).numpy())
    numpy_model = NumpyModel(model_weights(model), cell, gate_activation)
    np.testing.assert_allclose(log_softmax(numpy_model.sequence_logits(ids)), keras_log_probs, atol=1e-4)


def test_model_config_validates():
    with pytest.raises(SeqgenError, match="unknown cell"):
        ModelConfig(vocab_size=5, cell="transformer")
    with pytest.raises(SeqgenError, match="dropout"):
        ModelConfig(vocab_size=5, dropout=1.5)
    with pytest.raises(SeqgenError, match="rnn_size"):
        ModelConfig(vocab_size=5, rnn_size=-1)
    assert ModelConfig.from_dict(ModelConfig(vocab_size=5).to_dict()) == ModelConfig(vocab_size=5)


@pytest.mark.parametrize("field, value", [("rnn_size", True), ("rnn_size", "8"), ("rnn_size", 8.0), ("layers", None),
                                          ("embedding_dim", [4]), ("vocab_size", False)])
def test_model_config_refuses_values_of_the_wrong_type(field, value):
    with pytest.raises(SeqgenError, match=f"{field} must be a whole number, got"):
        ModelConfig(**{"vocab_size": 5, field: value})


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "0.1", True, -0.1, 1.0])
def test_model_config_refuses_a_bad_dropout(value):
    with pytest.raises(SeqgenError, match="dropout must be"):
        ModelConfig(vocab_size=5, dropout=value)


def test_model_config_normalises_numpy_integers_and_a_whole_dropout():
    config = ModelConfig(vocab_size=np.int64(5), rnn_size=np.int32(8), dropout=0)
    assert (type(config.vocab_size), type(config.rnn_size), type(config.dropout)) == (int, int, float)
    assert ModelConfig.from_dict(config.to_dict()) == config


@pytest.mark.parametrize("setting, fragment", [({"cell": "bogus"}, "unknown cell 'bogus'"),
                                               ({"gate_activation": "relu"}, "unknown gate activation 'relu'"),
                                               ({"layers": 1000}, "layers must be at most")])
def test_model_config_refuses_unknown_choices(setting, fragment):
    with pytest.raises(SeqgenError, match=fragment):
        ModelConfig(vocab_size=5, **setting)


def test_model_config_from_dict_refuses_unknown_and_missing_settings():
    with pytest.raises(SeqgenError, match="unknown settings: 'attention'"):
        ModelConfig.from_dict({"vocab_size": 5, "attention": 2})
    with pytest.raises(SeqgenError, match="lacks required settings: vocab_size"):
        ModelConfig.from_dict({"rnn_size": 5})
    with pytest.raises(SeqgenError, match="must be an object"):
        ModelConfig.from_dict(["vocab_size", 5])


@pytest.mark.parametrize("setting", [{"rnn_size": 99999999999999999999}, {"rnn_size": 200000},
                                     {"embedding_dim": 200000}, {"rnn_size": 60000, "layers": 8}])
def test_a_huge_model_is_refused_with_the_memory_it_needs(setting):
    with pytest.raises(SeqgenError, match=r"model too large.* about [\d.e+]+ [KMGTP]iB"):
        ModelConfig(vocab_size=52, **setting)


def test_the_memory_bound_follows_the_machine(monkeypatch):
    settings = dict(vocab_size=8000, embedding_dim=128, rnn_size=2048)  # about 1.1 GiB to train
    monkeypatch.setattr(model_config, "physical_memory", lambda: 64 * 2 ** 30)
    ModelConfig(**settings)
    monkeypatch.setattr(model_config, "physical_memory", lambda: 2 ** 30)
    with pytest.raises(SeqgenError, match=r"about 1\.\d GiB to train .* more than the 512\.0 MiB allowed"):
        ModelConfig(**settings)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_weight_shapes_and_parameter_count_are_those_of_the_real_model(cell):
    config = ModelConfig(vocab_size=11, embedding_dim=4, rnn_size=6, layers=3, cell=cell)
    model = build_model(config)
    weights = model_weights(model)
    assert {name: array.shape for name, array in weights.items()} == model_config.weight_shapes(config)
    assert model_config.parameter_count(config) == model.count_params()


def test_unknown_gate_or_cell_is_an_error_never_a_default():
    weights = model_weights(build_model(tiny("lstm", "sigmoid")))
    with pytest.raises(SeqgenError, match="unknown gate activation 'relu'"):
        NumpyModel(weights, "lstm", "relu")
    with pytest.raises(SeqgenError, match="unknown cell 'bogus'"):
        NumpyModel(weights, "bogus", "sigmoid")


@pytest.mark.parametrize("option, value", [("--rnn-size", "99999999999999999999"), ("--embedding-dim", "200000"),
                                           ("--rnn-size", "0"), ("--layers", "-2")])
def test_the_cli_refuses_a_bad_model_size_before_writing_anything(tmp_path, option, value):
    out = tmp_path / "model"
    result = invoke("train", "tabla", CORPUS, "--out", out, option, value, "--epochs", "1", "--quiet")
    assert_clean_error(result, option.lstrip("-").replace("-", "_"))
    assert not out.exists()


def test_the_api_refuses_a_bool_for_a_size(tmp_path):
    with pytest.raises(SeqgenError, match="rnn_size must be a whole number, got True"):
        seqgen.train("tabla", CORPUS, out=tmp_path / "model", rnn_size=True, epochs=1)
    assert not (tmp_path / "model").exists()


@pytest.mark.parametrize("value", [float("nan"), "0.1", True, -0.1, 1.0])
def test_model_config_refuses_a_bad_embedding_dropout(value):
    with pytest.raises(SeqgenError, match="embedding_dropout must be"):
        ModelConfig(vocab_size=5, embedding_dropout=value)


def test_a_model_config_written_before_embedding_dropout_reads_as_without_it():
    older = ModelConfig(vocab_size=5).to_dict()
    del older["embedding_dropout"]  # bundles from before the setting existed
    assert ModelConfig.from_dict(older) == ModelConfig(vocab_size=5, embedding_dropout=0.0)


def test_dropout_acts_in_training_only_and_changes_no_weight():
    """Embedding and layer dropout add no weights, and at inference both are the identity: the
    NumPy forward pass (which knows nothing of dropout) gives the Keras model's probabilities."""
    config = ModelConfig(vocab_size=11, embedding_dim=4, rnn_size=6, dropout=0.5, embedding_dropout=0.5)
    model = build_model(config)
    assert [layer.name for layer in model.layers][1:3] == ["embedding", "embedding_dropout"]
    plain = ModelConfig(vocab_size=11, embedding_dim=4, rnn_size=6)
    assert model_config.weight_shapes(config) == model_config.weight_shapes(plain)
    assert {name: array.shape for name, array in model_weights(model).items()} == model_config.weight_shapes(plain)
    model.set_weights([w * 3 for w in model.get_weights()])
    ids = np.random.default_rng(3).integers(0, 11, (4, 12)).astype("int32")
    inference = model(ids, training=False).numpy()
    numpy_model = NumpyModel(model_weights(model), "lstm", "hard_sigmoid")
    np.testing.assert_allclose(log_softmax(numpy_model.sequence_logits(ids)), np.log(inference), atol=1e-4)
    assert not np.allclose(model(ids, training=True).numpy(), inference, atol=1e-4)
