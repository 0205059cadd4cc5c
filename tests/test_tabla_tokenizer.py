import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seqgen.errors import NotationError, SeqgenError
from seqgen.tokenizers import Document, create, from_spec
from seqgen.tokenizers.bols import CANONICAL_BOLS
from seqgen.tokenizers.tabla import TablaTokenizer, tokens_to_composition
from seqgen.tokenizers.tabla_notation import parse

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


# Compositions built from canonical bols: 1-3 cycles of 1-4 vibhags of 1-4 matras of 1-3 pulses of 1-4 bols.
_bols = st.sampled_from(CANONICAL_BOLS)
_pulse = st.lists(_bols, min_size=1, max_size=4).map("".join)
_matra = st.lists(_pulse, min_size=1, max_size=3).map(",".join)
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


def test_pulses_become_comma_tokens_and_come_back():
    text = "# taal: dadra\nDhaGeNa,DhaGeTiTa Dha,- Na | DhaTiTaDha,TiTaDhaDha,DhaTiTaDha,TiTaDhaDha Tu Na ||\n"
    [document] = tabla.tokenize(text)
    assert " ".join(document.tokens) == (
        "<taal:dadra> Dha Ge Na , Dha Ge Ti Ta _ Dha , - _ Na _ | "
        "Dha Ti Ta Dha , Ti Ta Dha Dha , Dha Ti Ta Dha , Ti Ta Dha Dha _ Tu _ Na _ ||")
    assert tabla.detokenize([document]) == text
    assert "," in tabla.structure_tokens


def test_decoding_is_lenient_about_stray_pulse_separators():
    composition = tokens_to_composition((",", "Dha", ",", ",", "Ge", ",", "_", "Na", "||"))
    assert [matra.text for matra in composition.cycles[0].matras] == ["Dha,Ge", "Na"]


def test_every_built_in_syllable_is_a_structure_token():
    assert set(CANONICAL_BOLS) <= set(tabla.structure_tokens)
    assert {"Din", "Tun", "Kra", "Taa", "Kda", "Chap"} <= set(tabla.structure_tokens)


LEXICON_RECORDS = [{"name": "Tak", "class": "closed", "spellings": ["thak"]},
                   {"name": "Ghin", "class": "bass", "khali": "Ke"}]


def test_lexicon_declarations_travel_in_the_spec():
    tokenizer = TablaTokenizer(bols=LEXICON_RECORDS)
    assert tokenizer.spec() == {"name": "tabla", "bols": LEXICON_RECORDS}
    rebuilt = from_spec(tokenizer.spec())
    assert rebuilt.spec() == tokenizer.spec()
    [document] = rebuilt.tokenize("# taal: dadra\nthak Ghin Na | Tak,Ghin Tu Na ||\n")
    assert document.tokens[1:5] == ("Tak", "_", "Ghin", "_")
    assert {"Tak", "Ghin"} <= set(rebuilt.structure_tokens)
    assert rebuilt.lexicon.is_bass("Ghin") and rebuilt.lexicon.khali("Ghin") == "Ke"
    with pytest.raises(NotationError, match="unknown bol 'Tak'"):
        tabla.tokenize("Tak ||")


def test_rebuilt_compositions_name_their_declared_syllables():
    tokenizer = TablaTokenizer(bols=LEXICON_RECORDS)
    text = tokenizer.detokenize([Document(("<taal:dadra>", "Tak", "_", "Ghin", "_", "Na", "_", "|",
                                           "Dha", "_", "Tu", "_", "Na", "_", "||"))])
    assert text == "# taal: dadra\n# bols: Tak:closed Ghin:bass:Ke\nTak Ghin Na | Dha Tu Na ||\n"
    [composition] = parse(text)  # reads back with the built-in lexicon alone
    assert composition.lexicon.is_bass("Ghin")


def test_fit_learns_syllables_the_corpus_declares():
    tokenizer = create("tabla")
    tokenizer.fit(["# bols: Tak:closed\n# taal: dadra\nTak Dha Na | Ta Tu Na ||\n", "Dha ||\n"])
    assert tokenizer.spec()["bols"] == [{"name": "Tak", "class": "closed"}]
    with pytest.raises(SeqgenError, match="declares a syllable two ways"):
        tokenizer.fit(["# bols: Tak:bass\nTak ||\n"])


@pytest.mark.parametrize("records", [
    "Tak", [{"class": "closed"}], [{"name": "Tak", "class": 3}], [{"name": "Dha", "class": "bass"}],
    [{"name": "T4k"}], [{"name": "Tak", "spellings": "tak"}],
])
def test_damaged_spec_declarations_are_seqgen_errors(records):
    with pytest.raises(SeqgenError):
        from_spec({"name": "tabla", "bols": records})


def test_a_rebuilt_header_declares_the_khali_counterparts_it_needs():
    tokenizer = TablaTokenizer(bols=[{"name": "Tak", "class": "closed"},
                                     {"name": "Dhak", "class": "both", "khali": "Tak"}])
    text = tokenizer.detokenize([Document(("Dhak", "_", "Na", "_", "||"))])
    assert text == "# bols: Tak:closed Dhak:both:Tak\nDhak Na ||\n"
    assert parse(text)[0].lexicon.khali("Dhak") == "Tak"
