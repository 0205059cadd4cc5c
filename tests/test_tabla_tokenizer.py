from hypothesis import given, settings
from hypothesis import strategies as st

from seqgen.errors import NotationError
from seqgen.tokenizers import Document, create, from_spec
from seqgen.tokenizers.bols import CANONICAL_BOLS
from seqgen.tokenizers.tabla import tokens_to_composition

from conftest import GOLDEN

tabla = create("tabla")


def test_golden_tokens_and_canonical_text():
    text = (GOLDEN / "tabla_input.txt").read_text()
    documents = tabla.tokenize(text, "tabla_input.txt")
    tokens = "".join(" ".join(document.tokens) + "\n" for document in documents)
    assert tokens == (GOLDEN / "tabla_tokens.txt").read_text()
    assert tabla.detokenize(documents) == (GOLDEN / "tabla_canonical.txt").read_text()


def test_canonical_text_is_a_fixed_point():
    canonical = (GOLDEN / "tabla_canonical.txt").read_text()
    assert tabla.detokenize(tabla.tokenize(canonical)) == canonical


def test_generated_tokens_without_headers_rebuild_taal_and_form():
    tokens = ("<taal:dadra>", "<form:theka>", "Dha", "_", "Dhi", "_", "Na", "_", "|",
              "Dha", "_", "Tu", "_", "Na", "_", "||")
    assert tabla.detokenize([Document(tokens)]) == "# taal: dadra\n# form: theka\nDha Dhi Na | Dha Tu Na ||\n"


def test_spec_round_trip():
    assert from_spec(tabla.spec()).spec() == tabla.spec()


# Compositions built from canonical bols: 1-3 cycles of 1-4 vibhags of 1-4 matras of 1-4 bols.
_bols = st.sampled_from(CANONICAL_BOLS)
_matra = st.lists(_bols, min_size=1, max_size=4).map("".join)
_vibhag = st.lists(_matra, min_size=1, max_size=4).map(" ".join)
_cycle = st.lists(_vibhag, min_size=1, max_size=4).map(lambda vibhags: " | ".join(vibhags) + " ||")
_composition = st.lists(_cycle, min_size=1, max_size=3).map("\n".join)


@settings(max_examples=200, deadline=None)
@given(st.lists(_composition, min_size=1, max_size=3))
def test_round_trip_of_any_canonical_composition(compositions):
    text = "\n\n".join(f"# taal: teentaal\n{body}" for body in compositions) + "\n"
    documents = tabla.tokenize(text)
    assert tabla.detokenize(documents) == text
    for document in documents:
        assert tokens_to_composition(document.tokens).cycles == tabla.composition(document).cycles


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("DhaGeTiRkN-|S #:\n\tऽx漢")), max_size=80) | st.text(max_size=60))
def test_arbitrary_text_either_tokenizes_or_raises_notation_error(text):
    try:
        documents = tabla.tokenize(text)
    except NotationError as error:
        assert error.problems
        return
    canonical = tabla.detokenize(documents)
    assert tabla.detokenize(tabla.tokenize(canonical)) == canonical
