"""Tests of the independent form checker (tests/form_checker.py) on hand-written pieces.

The checker is the judge of seqgen's form grammars, so it is tested first on its own: correct and
broken tihais, chakradars and kaidas written by hand, and the tihais of the shipped corpora.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from form_checker import (FormError, check_chakradar, check_kaida, check_tihai, check_unit, parse,
                          read_matra, split_pieces)

CORPORA = Path(__file__).resolve().parent.parent / "corpora"

THEKA = "Dha Dhin Dhin Dha | Dha Dhin Dhin Dha | Dha Tin Tin Ta | Ta Dhin Dhin Dha ||"

# Phrase DhaGe TiRaKiTa Dha (7 strokes over 3 matras), gap "-" (one matra), from matra 7 of cycle 2.
DAM_TIHAI = f"""# taal: teentaal
# form: tihai
{THEKA}
Dha Dhin Dhin Dha | Dha Dhin DhaGe TiRaKiTa | Dha - DhaGe TiRaKiTa | Dha - DhaGe TiRaKiTa ||
Dha
"""

# Phrase TiTa Dha with no gap, after a Dadra theka.
BEDAM_TIHAI = """# taal: dadra
# form: tihai
Dha Dhi Na | Dha Tu Na ||
- TiTa Dha | TiTa Dha TiTa ||
Dha
"""

# Rupak, beginning at matra 5 (a pickup): TiRaKiTa TaKa Dha, gap "-".
PICKUP_TIHAI = """# taal: rupak
# form: tihai
# start: 5
TiRaKiTa | TaKa Dha || - TiRaKiTa TaKa | Dha - | TiRaKiTa TaKa ||
Dha
"""

# The same phrase in Ektaal from matra 10, gap of two rests.
EKTAAL_PICKUP = """# taal: ektaal
# form: tihai
# start: 10
DhaGe | TiRaKiTa DhinNa || Dha - | - DhaGe | TiRaKiTa DhinNa | Dha - | - DhaGe | TiRaKiTa DhinNa ||
Dha
"""

# The third phrase's Dha falls on matra 16 and sam gets one more Dha: it lands a stroke early.
EARLY_TIHAI = f"""# taal: teentaal
# form: tihai
{THEKA}
Dha Dhin Dhin DhaGe | TiRaKiTa Dha - - | DhaGe TiRaKiTa Dha - | - DhaGe TiRaKiTa Dha ||
Dha
"""

# The second phrase plays TeTeKaTa where the others play TiRaKiTa.
UNEQUAL_PHRASES = f"""# taal: teentaal
# form: tihai
{THEKA}
Dha Dhin Dhin Dha | Dha Dhin DhaGe TiRaKiTa | Dha - DhaGe TeTeKaTa | Dha - DhaGe TiRaKiTa ||
Dha
"""

# Gaps of two matras, then one.
UNEQUAL_GAPS = f"""# taal: teentaal
# form: tihai
{THEKA}
Dha Dhin Dhin Dha | Dha DhaGe TiRaKiTa Dha | - - DhaGe TiRaKiTa | Dha - DhaGe TiRaKiTa ||
Dha
"""

# The same strokes three times, but the second phrase squeezed into one matra: equal in strokes,
# unequal in time.
SQUEEZED_TIHAI = f"""# taal: teentaal
# form: tihai
{THEKA}
Dha Dhin Dhin Dha | Dha Dhin Dhin DhaGe | TiRaKiTa Dha - DhaGeTiRaKiTa | Dha - DhaGe TiRaKiTa ||
Dha
"""

# Phrase KiTaTaKa Dha - Dha - Dha (ending in the small tihai Dha - Dha - Dha), gap "-", from matra 14.
CHAKRADAR = """# taal: teentaal
# form: chakradar
# start: 14
KiTaTaKa Dha - ||
Dha - Dha - | KiTaTaKa Dha - Dha | - Dha - KiTaTaKa | Dha - Dha - ||
Dha
"""

THEME = ("DhaDha TiTe DhaDha TiTe | DhaDha TiTe DhaGe TinNa | TaTa TiTe TaTa TiTe | "
         "DhaDha TiTe DhaGe DhinNa ||")
PALTA = ("DhaDha DhaDha TiTe TiTe | DhaDha TiTe DhaGe TinNa | TaTa TaTa TiTe TiTe | "
         "DhaDha TiTe DhaGe DhinNa ||")
CLOSING = "DhaDha TiTe DhaGe DhinNa | Dha - DhaDha TiTe | DhaGe DhinNa Dha - | DhaDha TiTe DhaGe DhinNa ||\nDha"


def kaida(*units: str, closing: str = CLOSING, header: str = "# taal: teentaal\n# form: kaida\n") -> str:
    return header + "\n".join(units) + "\n" + closing + "\n"


KAIDA = kaida(THEME, PALTA)
KAIDA_KHALI_KEEPS_DHA = kaida(THEME, PALTA.replace("TaTa TaTa TiTe TiTe", "TaTa DhaTa TiTe TiTe"))
KAIDA_Q1_WITHOUT_BASS = kaida(THEME.replace("DhaDha TiTe DhaDha TiTe |", "TaTa TiTe TaTa TiTe |"), PALTA)

EKTAAL_KAIDA = """# taal: ektaal
# form: kaida
# theme-cycles: 2
DhaTi DhaGe | NaDha TiRa | KiTa DhaTi | DhaGe NaDha | TiRa KiTa | TinNa KeNa ||
TaTi TaKe | NaTa TiRa | KiTa TaTi | DhaGe NaDha | TiRa KiTa | DhinNa GeNa ||
TiRa KiTa | Dha - | - TiRa | KiTa Dha | - - | TiRa KiTa ||
Dha
"""


# ------------------------------------------------------------------------------- reading the text

def test_matras_split_at_capitals_and_commas_separate_pulses():
    assert read_matra("DhaGeTiRaKiTa").strokes == ("Dha", "Ge", "Ti", "Ra", "Ki", "Ta")
    assert read_matra("Dha--").strokes == ("Dha", "-", "-")
    matra = read_matra("DhaGeNa,DhaGeTiTa")
    assert matra.pulses == (("Dha", "Ge", "Na"), ("Dha", "Ge", "Ti", "Ta"))
    assert matra.onsets(0)[3] == 0.5  # the second pulse starts halfway through the matra
    for bad in ("dhage", "Dha,,Ge", "Dha Ge", "Dha1"):
        with pytest.raises(FormError):
            read_matra(bad)


def test_parse_counts_matras_and_bars_honouring_start():
    piece = parse(PICKUP_TIHAI)
    assert (piece.taal, piece.start, len(piece.matras), piece.landing.word) == ("rupak", 5, 10, "Dha")
    assert parse(DAM_TIHAI).landing.word == "Dha"


@pytest.mark.parametrize("text, fragment", [
    ("# taal: teentaal\nDha Dhin Dhin Dha | Dha Dhin Dhin Dha | Dha Tin Tin Ta | Ta Dhin Dhin ||\n",
     "'||' before matra 16"),
    ("# taal: teentaal\nDha Dhin Dhin Dha Dha | Dhin Dhin Dha | Dha Tin Tin Ta | Ta Dhin Dhin Dha ||\n",
     "missing '|'"),
    ("# taal: jhaptaal\nDhi Na | Dhi Dhi Na | Ti Na | Dhi Dhi Na ||\nDhi Na\n", "incomplete last cycle"),
    ("# taal: rupak\n# start: 5\nTiRaKiTa | TaKa Dha || - TiRaKiTa TaKa | Dha - | TiRaKiTa TaKa ||\n",
     "must end with its landing"),
    ("# taal: tintal\nDha ||\n", "unknown taal"),
])
def test_parse_refuses_incomplete_cycles(text, fragment):
    with pytest.raises(FormError, match=re.escape(fragment)):
        parse(text)


def test_split_pieces_at_blank_lines_and_new_taal_headers():
    pieces = split_pieces(DAM_TIHAI + "\n" + BEDAM_TIHAI + PICKUP_TIHAI)
    assert [parse(piece).taal for piece in pieces] == ["teentaal", "dadra", "rupak"]


# ------------------------------------------------------------------------------------------ tihai

@pytest.mark.parametrize("text, phrase, gap, start", [
    (DAM_TIHAI, 7, 1, "matra 7"),
    (BEDAM_TIHAI, 3, 0, "matra 2"),
    (PICKUP_TIHAI, 7, 1, "matra 5"),
    (EKTAAL_PICKUP, 9, 2, "matra 10"),
])
def test_good_tihais_pass(text, phrase, gap, start):
    for timed in (False, True):
        ok, reason = check_tihai(text, timed=timed)
        assert ok, reason
        assert f"a {phrase}-stroke phrase, gap {gap}" in reason and f"from {start}" in reason


@pytest.mark.parametrize("text", [EARLY_TIHAI, UNEQUAL_PHRASES, UNEQUAL_GAPS], ids=["early", "phrases", "gaps"])
def test_bad_tihais_fail(text):
    ok, reason = check_tihai(text)
    assert not ok and "no phrase played three times" in reason


def test_a_tihai_without_its_landing_or_with_a_long_landing_fails():
    ok, reason = check_tihai(DAM_TIHAI.replace("||\nDha\n", "||\n"))
    assert not ok and "must end with its landing matra" in reason
    formless = DAM_TIHAI.replace("# form: tihai\n", "").replace("||\nDha\n", "||\n")
    assert check_tihai(formless) == (False, "no landing matra after the last '||'")
    ok, reason = check_tihai(DAM_TIHAI.replace("||\nDha\n", "||\nDhaGe\n"))
    assert not ok and "not one stroke on sam" in reason


def test_timing_tells_a_squeezed_phrase_apart():
    assert check_tihai(SQUEEZED_TIHAI)[0]
    ok, reason = check_tihai(SQUEEZED_TIHAI, timed=True)
    assert not ok, reason


def test_chakradar_needs_a_tihai_inside_the_phrase():
    ok, reason = check_chakradar(CHAKRADAR, timed=True)
    assert ok and "a 9-stroke phrase (gap 1)" in reason and "tihai of 1 strokes (gap 1)" in reason, reason
    assert check_tihai(CHAKRADAR)[0]
    assert not check_chakradar(DAM_TIHAI)[0]
    broken = CHAKRADAR.replace("| Dha - Dha - ||\nDha", "| Dha - Ta - ||\nDha")
    assert not check_chakradar(broken)[0] and not check_tihai(broken)[0]


def test_filled_inner_gaps_only_on_request():
    text = """# taal: teentaal
# form: chakradar
# start: 14
KiTaTaKa Dha TiTa ||
Dha TiTa Dha - | KiTaTaKa Dha TiTa Dha | TiTa Dha - KiTaTaKa | Dha TiTa Dha TiTa ||
Dha
"""
    assert check_tihai(text, timed=True)[0]
    assert not check_chakradar(text)[0]
    assert check_chakradar(text, filled_gaps=True)[0]


# ------------------------------------------------------------------------------------------ kaida

def test_a_teentaal_kaida_with_a_palta_and_tihai_passes():
    ok, reason = check_kaida(KAIDA, theme_cycles=1, paltas=1, timed=True)
    assert ok and "theme and 1 paltas" in reason, reason
    assert check_kaida(KAIDA, theme_cycles=1)[0]  # unit count found without being told


def test_a_two_cycle_ektaal_kaida_passes_with_theme_cycles_2():
    assert check_kaida(EKTAAL_KAIDA, theme_cycles=2, paltas=0)[0]
    ok, reason = check_kaida(EKTAAL_KAIDA, theme_cycles=1, paltas=1)
    assert not ok  # quartered as two one-cycle themes, the khali lands in the wrong place


def test_a_khali_quarter_that_keeps_a_dha_fails():
    ok, reason = check_kaida(KAIDA_KHALI_KEEPS_DHA, theme_cycles=1, paltas=1)
    assert not ok and reason.startswith("palta 1: the khali quarter") and "keeps bass: Dha" in reason


def test_a_first_quarter_without_bass_fails():
    ok, reason = check_kaida(KAIDA_Q1_WITHOUT_BASS, theme_cycles=1, paltas=1)
    assert not ok and reason.startswith("theme: Q1") and "no bass" in reason


def test_khali_must_mirror_the_first_quarter_stroke_for_stroke_and_in_time():
    matras = parse(KAIDA).matras[:16]
    assert check_unit(matras)[0]
    swapped = matras[:8] + [read_matra("TiTe"), read_matra("TaTa")] + matras[10:]
    assert "is not the first" in check_unit(swapped)[1]
    regrouped = matras[:8] + [read_matra("TaTaTi"), read_matra("Te")] + matras[10:]
    assert "is not the first" in check_unit(regrouped)[1]
    same_time = matras[:8] + [read_matra("Ta,Ta"), read_matra("TiTe")] + matras[10:]
    assert check_unit(same_time)[0]  # two pulses of one stroke sound as TaTa


def test_a_kaida_without_its_tihai_or_with_the_wrong_number_of_paltas_fails():
    ok, reason = check_kaida(kaida(THEME, PALTA, closing=""), theme_cycles=1)
    assert not ok and "no landing" in reason
    no_tihai = kaida(THEME, PALTA, closing=THEME + "\nDha")
    assert not check_kaida(no_tihai, theme_cycles=1, paltas=1)[0]
    assert not check_kaida(KAIDA, theme_cycles=1, paltas=2)[0]


# ---------------------------------------------------------------------------- the shipped corpora

def corpus_pieces(*forms: str):
    for path in sorted(CORPORA.glob("*.txt")):
        for text in split_pieces(path.read_text(encoding="utf-8")):
            if parse(text).headers.get("form") in forms:
                yield text


def test_every_corpus_tihai_and_chakradar_passes_the_tihai_check():
    pieces = list(corpus_pieces("tihai", "chakradar"))
    assert len(pieces) >= 100
    failures = [text for text in pieces if not check_tihai(text, timed=True)[0]]
    assert not failures, failures[:2]
