"""Fuzzing: arbitrary text through the readers, the validator and the lyric tokenizer never raises
anything but seqgen's own errors."""

from hypothesis import given, settings
from hypothesis import strategies as st

from seqgen.checking import check_text
from seqgen.errors import SeqgenError
from seqgen.taals import TAALS
from seqgen.tokenizers import create
from seqgen.tokenizers.tabla_notation import read
from seqgen.validator import validate

_pieces = st.sampled_from(list("DhaGeTiRkNn-|S #:\n ऽ") + ["# taal: teentaal\n", "# form: kaida\n", "Dha ", "|| "])
_notation = st.lists(_pieces, max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=_notation | st.text(max_size=80), taal=st.sampled_from([None, *TAALS]))
def test_validator_never_crashes(text, taal):
    for composition, _ in read(text):
        for problem in validate(composition, taal):
            assert str(problem)


@settings(max_examples=200, deadline=None)
@given(text=_notation, taal=st.sampled_from([None, "teentaal", "rupak"]))
def test_check_text_reports_instead_of_raising(text, taal):
    report = check_text(text, "fuzz.txt", taal)
    assert report.summary()
    assert all(problem.startswith("fuzz.txt") for problem in report.problems)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_japanese_tokenizer_round_trips_any_text_to_its_normal_form(text):
    japanese = create("japanese")
    try:
        documents = japanese.tokenize(text)
    except SeqgenError:
        return
    canonical = japanese.detokenize(documents)
    assert japanese.detokenize(japanese.tokenize(canonical)) == canonical
