import pytest

from seqgen.errors import SeqgenError
from seqgen.taals import TAALS, get_taal
from seqgen.tokenizers.tabla_notation import parse


def test_registry_holds_the_nine_design_taals():
    assert set(TAALS) == {"teentaal", "jhaptaal", "ektaal", "rupak", "keherwa", "dadra",
                          "jhoomra", "deepchandi", "dhamar"}


@pytest.mark.parametrize("name", list(TAALS))
def test_each_theka_fits_its_own_layout(name):
    taal = TAALS[name]
    [composition] = parse(taal.theka)
    [cycle] = composition.cycles
    assert [len(vibhag) for vibhag in cycle.vibhags] == list(taal.vibhags)
    assert len(taal.marks) == len(taal.vibhags)


def test_teentaal_layout():
    taal = get_taal("Teentaal")
    assert taal.matras == 16
    assert taal.vibhag_starts == (1, 5, 9, 13)
    assert taal.marks == ("X", "2", "0", "3")
    assert taal.vibhag_of(9) == 2


def test_rupak_sam_is_khali():
    assert get_taal("rupak").marks[0] == "0"


def test_unknown_taal_lists_the_known_ones():
    with pytest.raises(SeqgenError, match="teentaal"):
        get_taal("tintal")
