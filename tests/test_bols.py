import pytest

from seqgen.tokenizers.bols import UnknownBol, is_bass, khali, split_word, suggest


@pytest.mark.parametrize(
    "word, bols",
    [
        ("Dha", ("Dha",)),
        ("dha", ("Dha",)),
        ("DHA", ("Dha",)),
        ("DhaGe", ("Dha", "Ge")),
        ("TiRaKiTa", ("Ti", "Ra", "Ki", "Ta")),
        ("Tirkit", ("Ti", "Ra", "Ki", "Ta")),
        ("TiTTiT", ("Tit", "Tit")),
        ("GheGheTiT", ("Ge", "Ge", "Tit")),
        ("Tete", ("Te", "Te")),
        ("TeTe", ("Te", "Te")),
        ("DhiNa", ("Dhi", "Na")),
        ("Dha-", ("Dha", "-")),
        ("S", ("-",)),
        ("ऽ", ("-",)),
        ("DhaS", ("Dha", "-")),
        ("Kat", ("Kat",)),
        ("Kran", ("Kran",)),
    ],
)
def test_split_word_reads_joined_and_aliased_bols(word, bols):
    assert split_word(word) == bols


def test_unknown_word_names_offset_and_suggestions():
    with pytest.raises(UnknownBol) as caught:
        split_word("DhaGx")
    assert caught.value.offset == 3  # "Dha" reads, then "Gx" does not
    assert "DhaGx" in str(caught.value)


def test_suggestions_are_canonical_spellings():
    assert suggest("Dhim")[0] in {"Dhin", "Dhi"}
    assert "Tin" in suggest("Tinn")


def test_khali_counterparts_remove_the_bass():
    for bol in ("Dha", "Dhin", "Dhi", "Ge", "Gi", "Ga", "Dhe", "Dhet"):
        assert is_bass(bol)
        assert not is_bass(khali(bol))
    assert khali("Na") == "Na"
