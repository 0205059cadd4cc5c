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
