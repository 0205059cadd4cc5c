from seqgen.tokenizers.tabla_notation import parse
from seqgen.rhythm import khali_quarter
from seqgen.validator import validate

THEKA = "Dha Dhin Dhin Dha | Dha Dhin Dhin Dha | Dha Tin Tin Ta | Ta Dhin Dhin Dha ||"
KAIDA = ("DhaDha TiTe DhaDha TiTe | DhaDha TiTe DhaGe TinNa | "
         "TaTa TiTe TaTa TiTe | DhaDha TiTe DhaGe DhinNa ||")


def problems(text, taal=None):
    [composition] = parse(text, "f.txt")
    return [str(problem) for problem in validate(composition, taal)]


def test_theka_is_valid():
    assert problems(f"# taal: teentaal\n# form: theka\n{THEKA}") == []


def test_taal_option_overrides_missing_header():
    assert problems(THEKA, "teentaal") == []
    assert "no taal" in problems(THEKA)[0]


def test_wrong_matra_count_names_cycle_line_and_column():
    text = f"# taal: teentaal\n# title: short\n{THEKA}\nDha Dhin Dhin Dha | Dha Dhin Dhin Dha | Dha Tin Tin Ta | Ta Dhin Dhin ||"
    [message] = problems(text)
    assert message == "f.txt:4:1: 'short': cycle 2: has 15 matras; teentaal has 16"


def test_misplaced_vibhag_bar_points_at_the_matra():
    text = "# taal: teentaal\nDha Dhin Dhin | Dha Dha Dhin Dhin Dha | Dha Tin Tin Ta | Ta Dhin Dhin Dha ||"
    [message] = problems(text)
    assert message.startswith("f.txt:2:17:")  # the first matra where a vibhag should not start
    assert "vibhags are 3+5+4+4" in message


def test_unclosed_cycle_is_reported():
    [message] = problems("# taal: dadra\nDha Dhi Na | Dha Tu")
    assert "not closed" in message


def test_unknown_taal_header_is_a_problem_not_a_crash():
    assert "unknown taal 'tintal'" in problems(f"# taal: tintal\n{THEKA}")[0]


def test_kaida_keeping_the_khali_rule_is_valid():
    assert problems(f"# taal: teentaal\n# form: kaida\n{KAIDA}") == []


def test_kaida_with_bass_in_khali_quarter_is_reported():
    bad = KAIDA.replace("TaTa TiTe TaTa", "TaTa TiTe DhaTa")
    [message] = problems(f"# taal: teentaal\n# form: kaida\n{bad}")
    assert "khali quarter keeps its bass (Dha in DhaTa)" in message
    assert "f.txt:3:" in message


def test_theka_is_not_held_to_the_hard_khali_rule():
    assert problems(f"# taal: teentaal\n# form: theka\n{THEKA}\n{THEKA}") == []


def test_two_cycle_theme_puts_khali_in_the_second_cycle():
    assert khali_quarter(24) == range(12, 18)  # two ektaal cycles
    line1 = "DhaGe TiRaKiTa | DhaGe TiRaKiTa | DhaGe TinNa | KeNa TiRaKiTa | DhaGe TiRaKiTa | DhiNa DhaGe ||"
    line2 = "TaKe TiRaKiTa | TaKe TiRaKiTa | TaKe TinNa | KeNa TiRaKiTa | DhaGe TiRaKiTa | DhiNa DhaGe ||"
    header = "# taal: ektaal\n# form: kaida\n# theme-cycles: 2\n"
    assert problems(header + line1 + "\n" + line2) == []
    assert problems(header + line2 + "\n" + line1) != []


def test_tihai_may_land_on_sam_after_the_last_cycle():
    text = f"# taal: teentaal\n# form: tihai\n{THEKA}\n{THEKA}\nDha"
    assert problems(text) == []
    assert "must fall on sam" in problems(text[:-len("\nDha")])[0]  # a tihai needs its landing
    assert problems(text.replace("tihai", "theka")) == []  # any piece may end on sam
    assert "not closed" in problems(text.replace("tihai", "theka") + " Dhin")[0]
