import pytest

from seqgen.errors import NotationError
from seqgen.tokenizers.tabla_notation import format_compositions, parse, read

THEKA = "Dha Dhin Dhin Dha | Dha Dhin Dhin Dha | Dha Tin Tin Ta | Ta Dhin Dhin Dha ||"


def test_canonical_theka_is_a_fixed_point():
    text = f"# taal: teentaal\n# form: theka\n# title: Teentaal theka\n{THEKA}\n"
    assert format_compositions(parse(text)) == text


def test_tolerant_input_becomes_canonical():
    messy = "# TAAL: Teentaal\ndha DHIN dhin dha| Dha Dhin Dhin Dha |dha tin\ntin ta | ta dhin dhin dha||\n"
    canonical = format_compositions(parse(messy))
    assert canonical == f"# taal: teentaal\n{THEKA}\n"
    assert format_compositions(parse(canonical)) == canonical


def test_each_word_is_one_matra_even_a_spaced_tir_kit():
    [composition] = parse("Ta Ta Tir Kit | TirKit Dha ||")
    assert [matra.text for matra in composition.cycles[0].matras] == ["Ta", "Ta", "TiRa", "KiTa", "TiRaKiTa", "Dha"]
    assert [len(vibhag) for vibhag in composition.cycles[0].vibhags] == [4, 2]


def test_several_cycles_on_one_line_and_one_cycle_over_lines():
    [composition] = parse("Dha Dha | Ta Ta || Ge Ge |\nKe Ke ||\n")
    assert len(composition.cycles) == 2
    assert format_compositions([composition]) == "Dha Dha | Ta Ta ||\nGe Ge | Ke Ke ||\n"


def test_blank_line_and_new_header_block_start_new_compositions():
    text = "# title: a\nDha ||\n# title: b\nTa ||\n\nGe ||\n"
    assert [c.title for c in parse(text)] == ["a", "b", None]


def test_comment_lines_survive_formatting():
    text = "# made for a test, by hand\n\n# taal: dadra\nDha Dhi Na | Dha Tu Na ||\n"
    assert format_compositions(parse(text)) == text


def test_unknown_bols_are_all_reported_with_line_and_column():
    text = "# taal: teentaal\nDha Dhx Dhin Dha | Dha ||\nTa Tq ||\n"
    with pytest.raises(NotationError) as caught:
        parse(text, "f.txt")
    messages = [str(problem) for problem in caught.value.problems]
    assert messages[0].startswith("f.txt:2:5: unknown bol 'Dhx'")
    assert "did you mean" in messages[0]
    assert messages[1].startswith("f.txt:3:4: unknown bol 'Tq'")


def test_empty_vibhag_is_an_error():
    with pytest.raises(NotationError, match=r"1:7: empty vibhag"):
        parse("Dha | | Ta ||")


def test_read_keeps_going_after_a_broken_composition():
    pairs = read("Dha Xyz ||\n\nDha Ta ||\n")
    assert [len(problems) for _, problems in pairs] == [1, 0]
    assert pairs[1][0].cycles[0].matras[1].bols == ("Ta",)


def test_unclosed_last_cycle_is_kept_without_bar():
    [composition] = parse("Dha Dha | Ta")
    assert not composition.cycles[0].closed
    assert format_compositions([composition]) == "Dha Dha | Ta\n"


# -- real spellings, pulses and declared syllables ---------------------------------------------------

import tracemalloc  # noqa: E402

from seqgen.tokenizers.tabla_notation import MAX_PROBLEMS, Matra  # noqa: E402


def test_real_spellings_in_any_case_read_and_print_canonically():
    text = "# taal: keherwa\nDHIN din TUN kda | taa tii KII chaap ||\n"
    assert format_compositions(parse(text)) == "# taal: keherwa\nDhin Din Tun Kda | Taa Tii Kii Chap ||\n"


def test_capital_hints_survive_in_notation():
    [composition] = parse("DhiTraTiT Dha ||")
    assert composition.cycles[0].matras[0].bols == ("Dhi", "Tra", "Tit")
    assert format_compositions([composition]) == "DhiTraTit Dha ||\n"


def test_pulses_inside_a_matra_are_kept_and_printed_back():
    text = "DhaGeNa,DhaGeTiTa DhaTiTaDha,TiTaDhaDha,DhaTiTaDha,TiTaDhaDha Dha,- Dha ||\n"
    [composition] = parse(text)
    first, chaugun, split, plain = composition.cycles[0].matras
    assert first.pulses == (("Dha", "Ge", "Na"), ("Dha", "Ge", "Ti", "Ta"))
    assert first.bols == ("Dha", "Ge", "Na", "Dha", "Ge", "Ti", "Ta")
    assert [len(pulse) for pulse in chaugun.pulses] == [4, 4, 4, 4]
    assert split.pulses == (("Dha",), ("-",)) and plain.pulses == (("Dha",),)
    assert format_compositions([composition]) == text
    messy = "dhagena,DHAGETITA dhatitadha,titadhadha,dhatitadha,titadhadha dha,S dha ||\n"
    assert format_compositions(parse(messy)) == text


@pytest.mark.parametrize("strokes", [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 16, 20])
def test_matras_of_1_to_16_strokes_and_20_at_most(strokes):
    word = "TiRaKiTa" * (strokes // 4) + "Dha" * (strokes % 4)
    [composition] = parse(f"{word} ||")
    assert len(composition.cycles[0].matras[0].bols) == strokes
    with pytest.raises(NotationError, match=r":1:1: matra .* holds 21 strokes"):
        parse("TiRaKiTa" * 5 + "Dha ||", "f.txt")


def test_matra_of_pulses_must_hold_its_bols():
    assert Matra(("Dha", "Ge")) == Matra.of_pulses([("Dha", "Ge")])
    with pytest.raises(ValueError):
        Matra(("Dha", "Ge"), pulses=(("Dha",), ("Ta",)))


def test_empty_pulse_is_located():
    with pytest.raises(NotationError) as caught:
        parse("Dha DhaGe,,TiTa ||", "f.txt")
    assert str(caught.value.problems[0]).startswith("f.txt:1:11: empty pulse")


def test_unknown_syllable_error_names_the_syllable_at_its_own_column():
    with pytest.raises(NotationError) as caught:
        parse("# taal: keherwa\nDha Ge  DhaGeXyzNa Na ||\n", "f.txt")
    message = str(caught.value.problems[0])
    assert message.startswith("f.txt:2:14: unknown bol 'Xyz' in 'DhaGeXyzNa'")


def test_header_declares_syllables_from_its_composition_on():
    text = ("Tak Dha ||\n\n"
            "# BOLS: tak:Closed ghin:BASS:ke\n# taal: dadra\nTak Ghin Na | Ta Tak,Ghin Na ||\n\n"
            "TakTak ||\n")
    pairs = read(text, "f.txt")
    assert [len(problems) for _, problems in pairs] == [1, 0, 0]
    assert "unknown bol 'Tak'" in str(pairs[0][1][0])
    declared = pairs[1][0]
    assert declared.header("bols") == "Tak:closed Ghin:bass:Ke"
    assert declared.lexicon.is_bass("Ghin") and not declared.lexicon.is_bass("Tak")
    assert declared.cycles[0].matras[4].pulses == (("Tak",), ("Ghin",))
    assert pairs[2][0].cycles[0].matras[0].bols == ("Tak", "Tak")
    assert pairs[0][0].lexicon.is_bass("Ghin") is False
    canonical = format_compositions([composition for composition, _ in pairs[1:]])
    assert canonical.startswith("# bols: Tak:closed Ghin:bass:Ke\n# taal: dadra\nTak Ghin Na | Ta Tak,Ghin Na ||")
    assert format_compositions(parse(canonical)) == canonical


def test_bad_declarations_are_located_at_their_item():
    with pytest.raises(NotationError) as caught:
        parse("#  bols: Tak Dha:bass Ghx:bass:Qq\nDha ||\n", "f.txt")
    messages = [str(problem) for problem in caught.value.problems]
    assert messages[0].startswith("f.txt:1:14: Dha is already known as both")
    assert messages[1].startswith("f.txt:1:23: khali counterpart 'Qq' of Ghx is not a known bol")


def test_a_lexicon_applies_to_the_whole_text():
    from seqgen.tokenizers.bols import DEFAULT_LEXICON, declare, parse_item

    lexicon = declare(DEFAULT_LEXICON, [parse_item("Tak:closed")])
    [composition] = parse("Tak Dha ||", lexicon=lexicon)
    assert composition.cycles[0].matras[0].bols == ("Tak",)
    with pytest.raises(NotationError):
        parse("Tak Dha ||")


def test_a_1500_character_line_is_one_clear_problem():
    with pytest.raises(NotationError) as caught:
        parse("dha" * 490, "f.txt")
    [problem] = caught.value.problems
    assert str(problem).startswith("f.txt:1:1: word of 1470 characters")


def test_a_10_mb_file_of_one_word_is_refused_quickly_in_bounded_memory():
    text = "Dha Dha | " + "x" * 10_000_000 + " ||\n"
    tracemalloc.start()
    try:
        pairs = read(text, "big.txt")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    [(_, [problem])] = pairs
    assert str(problem).startswith("big.txt:1:11: word of 10000000 characters")
    assert peak < 30_000_000  # the line list (one copy of the text) and little else


def test_reading_stops_after_too_many_problems():
    pairs = read("Xq " * 200_000 + "\n" + "Dha ||\n" * 10, "f.txt")
    problems = [problem for _, found in pairs for problem in found]
    assert len(problems) == MAX_PROBLEMS + 1
    assert "stopped reading" in str(problems[-1])


def test_a_long_line_reads_in_one_pass():
    # 1 MB in one line (no line breaks): the reader walks it once
    text = "# taal: teentaal\n" + " ".join(["Dha Dhin Dhin Dha | Dha Dhin Dhin Dha | Dha Tin Tin Ta | "
                                           "Ta Dhin Dhin Dha ||"] * 13_000) + "\n"
    [composition] = parse(text)
    assert len(composition.cycles) == 13_000
