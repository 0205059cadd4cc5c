"""``seqgen compare``: rnn, gru and lstm trained with equal budgets on one tiny corpus, the table with
every cell and the Kneser-Ney row, a real PNG of the validation curves, JSON; bad options are one
line and exit code 2. The bundles it keeps are text bundles: `sample` is tested on them here too."""

from __future__ import annotations

import json
import random

import pytest

from cli_helpers import assert_clean_error, invoke
from seqgen.compare import Comparison, parse_cells, parse_orders, table
from seqgen.errors import SeqgenError

TINY = ["--rnn-size", "8", "--embedding-dim", "4", "--seq-length", "8", "--batch-size", "8", "--layers", "1"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Forty short poems of a small vocabulary, two to four lines each, a blank line between them."""
    rng = random.Random(3)
    words = "the cat sat on a mat and dog ran to see what was there in time".split()
    poems = ["\n".join(" ".join(rng.choice(words) for _ in range(rng.randint(3, 6)))
                       for _ in range(rng.randint(2, 4))) for _ in range(40)]
    path = tmp_path_factory.mktemp("compare") / "poems.txt"
    path.write_text("\n\n".join(poems) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def compared(corpus, tmp_path_factory):
    """One real comparison of the three cells, 2 epochs each, bundles kept."""
    folder = tmp_path_factory.mktemp("runs")
    result = invoke("compare", corpus, "--cells", "rnn,gru,lstm", "--epochs", "2", "--orders", "2,3",
                    "--plot", folder / "curves.png", "--out", folder / "bundles", "--format", "json", *TINY)
    assert result.exit_code == 0, result.output
    return folder, json.loads(result.stdout)


def test_every_cell_is_trained_with_the_same_budget(compared):
    _, found = compared
    assert [row["cell"] for row in found["cells"]] == ["rnn", "gru", "lstm"]
    for row in found["cells"]:
        assert row["epochs"] == 2 and len(row["val_curve"]) == 2
        scores = row["held_out"]
        assert 0 <= scores["accuracy"] <= 1 and scores["perplexity"] > 1
        # content tokens leave out the line breaks and </s>
        assert 0 <= scores["content_accuracy"] <= 1 and scores["content_perplexity"] != scores["perplexity"]
        assert row["tokens_per_second"] > 0
    assert len({row["parameters"] for row in found["cells"]}) == 3  # the cells really differ
    assert found["evaluated_on"] == "test" and found["tokens"] > 0
    assert found["baseline"]["order"] in (2, 3) and [row["order"] for row in found["baselines"]] == [2, 3]


def test_the_table_has_every_cell_and_the_baseline(compared):
    _, found = compared
    lines = table(Comparison.from_dict(found)).splitlines()
    for name in ("rnn", "gru", "lstm", "Kneser-Ney, order"):
        assert sum(line.startswith(name) for line in lines) == 1, lines


def test_the_plot_is_a_real_png(compared):
    import matplotlib.image

    folder, found = compared
    data = (folder / "curves.png").read_bytes()
    assert data.startswith(PNG_SIGNATURE) and found["plot"] == str(folder / "curves.png")
    height, width, _ = matplotlib.image.imread(folder / "curves.png").shape
    assert width > 300 and height > 200


def test_sample_prints_text_from_a_text_bundle(compared):
    folder, _ = compared
    result = invoke("sample", "--model", folder / "bundles" / "lstm", "--n", "2", "--length", "12", "--seed", "1")
    assert result.exit_code == 0, result.output
    texts = result.stdout.rstrip("\n").split("\n\n")
    assert len(texts) == 2 and all(len(text.split()) <= 12 for text in texts)
    result = invoke("sample", "--model", folder / "bundles" / "gru", "--format", "json", "--prime", "the cat\nsat",
                    "--length", "5", "--seed", "1")
    assert result.exit_code == 0, result.output
    [text] = json.loads(result.stdout)
    assert text.startswith("the cat\nsat")


def test_sample_refuses_tabla_outputs_for_a_text_bundle(compared):
    folder, _ = compared
    assert_clean_error(invoke("sample", "--model", folder / "bundles" / "rnn", "--format", "svg"), "text model")
    assert_clean_error(invoke("sample", "--model", folder / "bundles" / "rnn", "--prime", "zebra"), "zebra")


def test_a_seconds_budget_probes_two_epochs(corpus):
    result = invoke("compare", corpus, "--cells", "rnn", "--seconds", "0.001", "--orders", "2", "--quiet",
                    "--format", "json", *TINY)
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert found["budget"] == {"kind": "seconds", "seconds": 0.001}
    assert [row["epochs"] for row in found["cells"]] == [2]  # two timed epochs, no room for more


@pytest.mark.parametrize("options, fragment", [
    (["--cells", "rnn,transformer"], "unknown cell 'transformer'"),
    (["--cells", ""], "needs at least one"),
    (["--cells", "gru,lstm,gru"], "names a cell twice"),
    (["--epochs", "2", "--seconds", "9"], "not both"),
    (["--seconds", "-1"], "greater than 0"),
    (["--orders", "2-x"], "--orders"),
    (["--orders", "0,3"], "order must be"),
    (["--plot", "curves.svg"], ".png"),
    (["--format", "yaml"], "--format"),
    (["--domain", "klingon"], "unknown domain"),
])
def test_bad_options_are_one_line(corpus, tmp_path, options, fragment, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert_clean_error(invoke("compare", corpus, *options), fragment)
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing written


def test_parsers():
    assert parse_cells(" LSTM, rnn ") == ("lstm", "rnn")
    assert parse_orders("2-5") == (2, 3, 4, 5) and parse_orders("3") == (3,)
    with pytest.raises(SeqgenError):
        parse_orders("5-2")
