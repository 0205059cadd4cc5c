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


# -- the lexicon: syllables, classes, khali counterparts ------------------------------------------

import tracemalloc  # noqa: E402

from seqgen.errors import LocatedError, SeqgenError  # noqa: E402
from seqgen.tokenizers.bols import (  # noqa: E402
    CLASSES, DEFAULT_LEXICON, MAX_STROKES, MAX_WORD_CHARS, SYLLABLES, BadWord, declare, is_closed,
    load_lexicon, parse_item, parse_lexicon,
)

REAL_SYLLABLES = ("Taa", "Tii", "Kii", "Kda", "Ghi", "Di", "Da", "Din", "Kar", "Ghen", "Kru", "Chap", "Kri",
                  "Kra", "Ding", "Tun")


def test_lexicon_holds_at_least_40_classed_syllables_with_closed_khali_counterparts():
    assert len(SYLLABLES) >= 40
    assert set(REAL_SYLLABLES) <= set(DEFAULT_LEXICON.syllables)
    for syllable in SYLLABLES:
        assert syllable.kind in CLASSES, syllable
        if syllable.khali is not None:
            assert syllable.khali in DEFAULT_LEXICON.syllables
            assert is_closed(syllable.khali), syllable
        if syllable.kind != "closed":
            assert syllable.khali is not None, f"{syllable.name} has bass but no khali counterpart"


@pytest.mark.parametrize("bol, counterpart", [
    ("Dha", "Ta"), ("Dhin", "Tin"), ("Dhi", "Ti"), ("Ge", "Ke"), ("Gi", "Ki"), ("Ghi", "Ki"), ("Din", "Tin"),
    ("Ghen", "Ke"), ("Kda", "Kra"), ("Di", "Ti"), ("Da", "Ta"),
])
def test_bass_syllables_close_to_their_khali_counterpart(bol, counterpart):
    assert is_bass(bol) and not is_closed(bol)
    assert khali(bol) == counterpart
    assert is_closed(counterpart) and not is_bass(counterpart)


def test_rest_is_neither_bass_nor_closed():
    assert not is_bass("-") and not is_closed("-") and khali("-") == "-"


@pytest.mark.parametrize("word, bols", [
    ("din", ("Din",)), ("Din", ("Din",)), ("dhin", ("Dhin",)), ("tun", ("Tun",)), ("Tu", ("Tu",)),
    ("kra", ("Kra",)), ("Kran", ("Kran",)), ("taa", ("Taa",)), ("Ta", ("Ta",)), ("TII", ("Tii",)),
    ("kii", ("Kii",)), ("KdaDha", ("Kda", "Dha")), ("chaap", ("Chap",)), ("GhenNa", ("Ghen", "Na")),
    ("DingDing", ("Ding", "Ding")), ("KruKriKar", ("Kru", "Kri", "Kar")), ("ghidina", ("Ghi", "Di", "Na")),
    ("dinge", ("Din", "Ge")),  # longest first, yet "ding" + "e" cannot be read: the reading backs off
])
def test_real_syllables_are_their_own_and_keep_their_spelling(word, bols):
    assert split_word(word) == bols


@pytest.mark.parametrize("word, bols", [
    ("DhiTraTiT", ("Dhi", "Tra", "Tit")),  # not Dhet Ra Tit: only the chunk "T" loses its hint
    ("Dha-TiT", ("Dha", "-", "Tit")),
    ("DHAGE", ("Dha", "Ge")),
    ("TIRKIT", ("Ti", "Ra", "Ki", "Ta")),
    ("DhiTRA", ("Dhi", "Tra")),
    ("dhiTra", ("Dhi", "Tra")),
])
def test_capital_hints_survive_where_one_chunk_fails(word, bols):
    assert split_word(word) == bols


@pytest.mark.parametrize("word, syllable, offset", [
    ("DhaGeXyzNa", "Xyz", 5),
    ("dhagexyzna", "xyz", 5),
    ("Xyz", "Xyz", 0),
    ("TaTaKhaNa", "Kha", 4),
    ("DhaGe,TiQq", "Qq", 8),  # the offset counts from the start of the whole matra word
])
def test_unknown_syllable_is_named_with_its_own_offset(word, syllable, offset):
    with pytest.raises(UnknownBol) as caught:
        split_word(word)
    assert (caught.value.syllable, caught.value.offset) == (syllable, offset)
    message = str(caught.value)
    assert message.startswith(f"unknown bol {syllable!r}")
    assert (f"in {word!r}" in message) == (syllable != word)


def test_unknown_syllable_offers_nearest_spellings():
    with pytest.raises(UnknownBol) as caught:
        split_word("DhaGhinNa")
    assert caught.value.syllable == "Ghin"
    assert caught.value.suggestions and set(caught.value.suggestions) <= {"Ghi", "Ghen", "Dhin", "Gi"}
    assert "did you mean" in str(caught.value)


# -- pathological words -----------------------------------------------------------------------------


def test_a_1500_character_word_is_one_clear_error_not_a_recursion_error():
    with pytest.raises(BadWord, match=r"word of 1470 characters .* too long for one matra"):
        split_word("dha" * 490)


def test_a_matra_holds_at_most_20_strokes():
    assert split_word("Dha" * MAX_STROKES) == ("Dha",) * MAX_STROKES
    with pytest.raises(BadWord, match=f"holds {MAX_STROKES + 1} strokes"):
        split_word("Dha" * (MAX_STROKES + 1))


def test_segmenting_is_iterative_and_linear_in_the_length():
    # the lexicon's own reader, past the word cap: 300,000 characters, no recursion limit
    assert DEFAULT_LEXICON.segment("dha" * 100_000) == ("Dha",) * 100_000
    assert DEFAULT_LEXICON.segment("dha" * 100_000 + "q") is None


def test_a_10_mb_word_is_refused_in_bounded_memory():
    word = "x" * 10_000_000
    tracemalloc.start()
    try:
        with pytest.raises(BadWord) as caught:
            split_word(word)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1_000_000  # nothing proportional to the word is built
    assert len(str(caught.value)) < 200 and f"at most {MAX_WORD_CHARS} characters" in str(caught.value)


@pytest.mark.parametrize("word", ["T" * MAX_WORD_CHARS, "xY" * (MAX_WORD_CHARS // 2), "Ta" * 99 + "Q"])
def test_hopeless_words_at_the_length_cap_are_reported(word):
    with pytest.raises(UnknownBol) as caught:
        split_word(word)
    assert len(str(caught.value)) < 200


def test_empty_pulses_are_errors():
    for word, offset in (("Dha,,Ta", 4), (",Dha", 0), ("Dha,", 4)):
        with pytest.raises(BadWord, match="empty pulse") as caught:
            split_word(word)
        assert caught.value.offset == offset


def test_split_matra_keeps_pulses():
    assert DEFAULT_LEXICON.split_matra("DhaGeNa,DhaGeTiTa") == (("Dha", "Ge", "Na"), ("Dha", "Ge", "Ti", "Ta"))
    assert split_word("DhaGeNa,DhaGeTiTa") == ("Dha", "Ge", "Na", "Dha", "Ge", "Ti", "Ta")


# -- declarations -----------------------------------------------------------------------------------


def test_parse_item_reads_name_class_and_khali():
    assert parse_item("tak") == parse_item("Tak")
    item = parse_item("ghin:BASS:ke", ["gin", "Ghinn"])
    assert (item.name, item.kind, item.khali, item.spellings) == ("Ghin", "bass", "Ke", ("gin", "ghinn"))
    assert parse_item("Tak").kind is None  # no class written


@pytest.mark.parametrize("item, message", [
    ("Ta1", "bad syllable name"), ("Tak:loud", "unknown class 'loud'"), ("a:b:c:d", "bad syllable declaration"),
    ("Tak:closed:", "bad syllable name"), ("X" * 13, "bad syllable name"),
])
def test_bad_items_are_refused(item, message):
    with pytest.raises(SeqgenError, match=message):
        parse_item(item)


def test_declared_syllables_read_and_carry_their_class():
    lexicon = declare(DEFAULT_LEXICON, [parse_item("Ghin:bass:Ke", ["gin"]), parse_item("Tak")])
    assert lexicon.split_word("DhaGhinGinTak") == ("Dha", "Ghin", "Ghin", "Tak")
    assert lexicon.is_bass("Ghin") and lexicon.khali("Ghin") == "Ke"
    assert lexicon.is_closed("Tak")  # no class: closed, which the khali rule ignores
    assert [syllable.name for syllable in lexicon.declared()] == ["Ghin", "Tak"]
    assert "Ghin" not in DEFAULT_LEXICON  # the built-in lexicon is untouched


@pytest.mark.parametrize("item, spellings, message", [
    ("Dha:bass", [], "Dha is already known as both"),
    ("Dheen", [], "'Dheen' is already a spelling of Dhin"),
    ("Tak", ["dha"], "'dha' is already a spelling of Dha"),
    ("Tak:both:Ghx", [], "khali counterpart 'Ghx' of Tak is not a known bol"),
    ("Tak:both:Ge", [], "khali counterpart Ge of Tak must be closed"),
])
def test_declarations_that_would_change_the_lexicon_are_refused(item, spellings, message):
    with pytest.raises(SeqgenError, match=message):
        declare(DEFAULT_LEXICON, [parse_item(item, spellings)])


def test_redeclaring_a_known_syllable_changes_nothing_or_adds_spellings():
    assert declare(DEFAULT_LEXICON, [parse_item("kda"), parse_item("Dha:both:Ta")]) is DEFAULT_LEXICON
    lexicon = declare(DEFAULT_LEXICON, [parse_item("Dha", ["dhaaa"])])
    assert lexicon.split_word("dhaaa") == ("Dha",) and lexicon.kind("Dha") == "both"


def test_lexicon_file_format(tmp_path):
    text = "# my gharana\n\nTak:closed = tak thak  # a comment\n  Ghin:bass:Ke\n"
    assert [(number, item.name) for number, item in parse_lexicon(text)] == [(3, "Tak"), (4, "Ghin")]
    path = tmp_path / "lexicon.txt"
    path.write_text(text)
    lexicon = load_lexicon(path)
    assert lexicon.split_word("ThakGhin") == ("Tak", "Ghin")


@pytest.mark.parametrize("text, where, message", [
    ("Tak\nTak Tik\n", ":2:1:", "one syllable a line"),
    ("Tak\n  Tik:noisy\n", ":2:3:", "unknown class 'noisy'"),
    ("Tak = ta-k\n", ":1:1:", "bad spelling 'ta-k'"),
    ("Tak\nDha:bass\n", ":2:1:", "Dha is already known"),
])
def test_bad_lexicon_files_are_located(tmp_path, text, where, message):
    path = tmp_path / "lexicon.txt"
    path.write_text(text)
    with pytest.raises(LocatedError) as caught:
        load_lexicon(path)
    assert f"{path}{where}" in str(caught.value) and message in str(caught.value)
