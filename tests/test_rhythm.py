"""The taal automaton and everything that reads by it: the validator (pickup starts, sam landings,
strokes per matra, khali findings and theme inference), the sampling constraint and the grid agree."""

import numpy as np
import pytest

from seqgen.checking import check_text, require_valid
from seqgen.constraints import TaalConstraint, allowed_after
from seqgen.errors import SeqgenError
from seqgen.render import grid
from seqgen.rhythm import Beat, Event, Meter, RhythmError, khali_quarter, walk
from seqgen.taals import TAALS, get_taal
from seqgen.tokenizers import create
from seqgen.tokenizers.tabla import composition_tokens, start_token
from seqgen.tokenizers.tabla_notation import parse
from seqgen.validator import errors, first_sounding_matra, infer_theme_cycles, validate
from seqgen.vocab import Vocab

from cli_helpers import invoke

S, P, M, V, C, END = Event.STROKE, Event.PULSE, Event.MATRA, Event.VIBHAG, Event.CYCLE, Event.END
TEENTAAL = get_taal("teentaal")
THEKA = "Dha Dhin Dhin Dha | Dha Dhin Dhin Dha | Dha Tin Tin Ta | Ta Dhin Dhin Dha ||"


def events_of(text):
    """The rhythm events of notation, as the tokenizer streams them."""
    [composition] = parse(text)
    symbols = {",": P, "_": M, "|": V, "||": C}
    return [symbols.get(token, S) for token in composition_tokens(composition) if not token.startswith("<")]


def problems(text, taal=None):
    [composition] = parse(text, "f.txt")
    return validate(composition, taal)


# ---------------------------------------------------------------------------------------- the automaton

def test_a_theka_walks_to_sam_and_may_end_there():
    meter = Meter(TEENTAAL)
    beat = walk(meter, events_of(THEKA))
    assert beat.cycle_bars == 1 and meter.matra_of(beat) == 0 and END in meter.allowed(beat)


@pytest.mark.parametrize("taal", sorted(TAALS))
def test_bars_fall_exactly_where_each_taal_divides_its_cycle(taal):
    record = get_taal(taal)
    meter, beat, bars = Meter(record), Beat(), []
    for matra in range(1, record.matras + 1):
        beat = walk(meter, [S, M], beat)
        if beat.bar_due is not None:
            bars.append(matra)
            beat = meter.advance(beat, beat.bar_due)
    assert bars == [sum(record.vibhags[:index + 1]) for index in range(len(record.vibhags))]


@pytest.mark.parametrize("strokes", [1, 3, 5, 6, 8, 16, 20])
def test_a_matra_holds_1_to_20_strokes(strokes):
    meter = Meter(TEENTAAL)
    walk(meter, [S] * strokes + [M])
    with pytest.raises(RhythmError, match="more than 20"):
        walk(meter, [S] * 21)


def test_pulses_split_a_matra_unevenly_and_never_empty():
    meter = Meter(TEENTAAL)
    beat = walk(meter, [S, S, S, P, S, S, S, S, M])  # DhaGeNa,DhaGeTiTa: 3 + 4
    assert beat.done == 1
    with pytest.raises(RhythmError):
        walk(meter, [S, P, P])
    with pytest.raises(RhythmError):
        walk(meter, [P])


def test_a_uniform_meter_keeps_the_first_matras_stroke_count():
    meter = Meter(TEENTAAL, uniform=True)
    beat = walk(meter, [S, S, M])
    assert S not in meter.allowed(walk(meter, [S, S], beat))
    with pytest.raises(RhythmError):
        walk(meter, [S, M], beat)


def test_a_pickup_starts_mid_cycle_and_lands_on_sam():
    meter = Meter(TEENTAAL, start=13, cycles=1, landing="must")
    beat = walk(meter, [S, M] * 4)
    assert beat.bar_due is C  # matras 13-16 close the cycle
    beat = walk(meter, [C, S, S, M], beat)
    assert beat.ended and meter.allowed(beat) == {END}


def test_the_khali_quarter_follows_the_themes_length_not_the_taal():
    assert khali_quarter(16) == range(8, 12)           # one teentaal cycle: vibhag 3
    assert khali_quarter(24) == range(12, 18)          # two ektaal cycles: the first half of the second
    two_cycle = Meter(get_taal("ektaal"), khali="hard", theme_matras=24)
    flags = [two_cycle.is_khali(Beat(done=done)) for done in range(24)]
    assert flags == [12 <= done < 18 for done in range(24)]


# ---------------------------------------------------------------------------------------- the validator

def test_a_pickup_tihai_with_a_start_header_is_valid_and_lands_on_sam():
    text = ("# taal: teentaal\n# form: tihai\n# start: 7\n"
            "DhaGe TiTa | Dha - DhaGe TiTa | Dha - DhaGe TiTa ||\nDha")
    assert problems(text) == []
    [problem] = problems(text.replace("# start: 7", "# start: 9"))
    assert "has 10 matras; starting at matra 9 of teentaal it should have 8" in problem.message


def test_a_short_first_cycle_without_a_header_is_an_error_that_suggests_the_start():
    [problem] = problems("# taal: teentaal\n# form: tihai\nDhaGe TiTa | Dha - DhaGe TiTa | Dha - DhaGe TiTa ||\nDha")
    assert "has 10 matras; teentaal has 16" in problem.message and "'# start: 7'" in problem.message


def test_a_pickup_written_with_leading_rests_is_a_whole_cycle():
    text = ("# taal: teentaal\n# form: tihai\n"
            "- - - - | - - DhaGe TiTa | Dha - DhaGe TiTa | Dha - DhaGe TiTa ||\nDha")
    assert problems(text) == []
    [composition] = parse(text)
    assert first_sounding_matra(composition, TEENTAAL) == 7


def test_a_pickup_with_its_vibhags_wrong_names_the_layout():
    [problem] = problems("# taal: teentaal\n# start: 9\nDha Dha Dha | Dha Dha Dha Dha Dha ||\nDha")
    assert "vibhags are 3+5; teentaal divides these matras 4+4" in problem.message


def test_matras_of_any_stroke_count_and_uneven_pulses_are_valid():
    text = ("# taal: teentaal\n# form: rela\n"
            "DhaTiTaDha,TiTaDhaDha DhaGeNa,DhaGeTiTa DhaTiTa Dha | DhaTiTaDhaTiTaDhaDhaTiTaDhaTiTaDhaDhaTiTa "
            "Dha-Ti Ta DhaGe | TaTiTaTa,TiTaTaTa TaKeNa,TaKeTiTa TaTiTa Ta | DhaTiTaDhaTiTaDhaDhaTiTaDhaTiTaDhaDhaTiTa "
            "Dha-Ti Ta DhaGe ||")
    assert errors(problems(text)) == []


def test_khali_departures_are_warnings_and_never_stop_training():
    kaida = ("# taal: teentaal\n# form: kaida\nDhaDha TiTe DhaDha TiTe | DhaDha TiTe DhaGe TinNa | "
             "TaTa TiTe DhaTa TiTe | DhaDha TiTe DhaGe DhinNa ||")
    [finding] = problems(kaida)
    assert finding.warning and "keeps its bass (Dha in DhaTa)" in finding.message
    report = check_text(kaida, "k.txt")
    assert not report.problems and len(report.warnings) == 1
    assert len(check_text(kaida, "k.txt", strict=True).problems) == 1
    require_valid(kaida, "k.txt")  # training accepts it


def test_a_two_cycle_ektaal_kaida_without_a_header_is_never_flagged():
    first = "DhaGe TiRaKiTa | DhaGe TiRaKiTa | DhaGe TinNa | KeNa TiRaKiTa | DhaGe TiRaKiTa | DhiNa DhaGe ||"
    second = "TaKe TiRaKiTa | TaKe TiRaKiTa | TaKe TinNa | KeNa TiRaKiTa | DhaGe TiRaKiTa | DhiNa DhaGe ||"
    text = f"# taal: ektaal\n# form: kaida\n{first}\n{second}"
    assert problems(text) == []
    [composition] = parse(text)
    matras = [matra for cycle in composition.cycles for matra in cycle.matras]
    assert infer_theme_cycles(matras, get_taal("ektaal"), composition.lexicon) == 2
    with_palta = f"{text}\n{first}\n{second}"  # theme and one palta: still two-cycle units
    assert problems(with_palta) == []


def test_a_one_cycle_kaida_is_inferred_as_one_cycle():
    theme = ("DhaDha TiTe DhaDha TiTe | DhaDha TiTe DhaGe TinNa | TaTa TiTe TaTa TiTe | "
             "DhaDha TiTe DhaGe DhinNa ||")
    [composition] = parse(f"# taal: teentaal\n# form: kaida\n{theme}\n{theme}")
    matras = [matra for cycle in composition.cycles for matra in cycle.matras]
    assert infer_theme_cycles(matras, TEENTAAL, composition.lexicon) == 1


def test_a_bad_start_header_is_reported():
    assert "must be a matra number from 1 to 16" in problems(f"# taal: teentaal\n# start: 17\n{THEKA}")[0].message


# ---------------------------------------------------------------------------------------- they agree

def test_the_constraint_allows_exactly_what_the_validator_accepts():
    vocab = Vocab.build([], keep=create("tabla").structure_tokens)
    constraint = TaalConstraint(vocab, TEENTAAL, 1, "tihai", start=7, layakaris=(1, 2), uniform=False)
    text = "# taal: teentaal\n# form: tihai\n# start: 7\nDhaGe TiTa | Dha - DhaGe TiTa | Dha - DhaGe TiTa ||\nDha"
    assert problems(text) == []
    [composition] = parse(text)
    tokens = [token for token in composition_tokens(composition) if not token.startswith("<")]
    ids = vocab.encode(tokens)
    state = constraint.read_prefix(ids)
    assert np.flatnonzero(np.isfinite(constraint.bias(state))).tolist() == [vocab.end_id]
    early = vocab.encode(tokens[:-4] + ["||"])  # a bar one matra early: refused by both
    with pytest.raises(SeqgenError):
        constraint.read_prefix(early)
    assert not allowed_after(constraint, ids[:3])[vocab.id("||")]


def test_the_token_stream_says_where_a_pickup_starts():
    [composition] = parse("# taal: teentaal\n# form: tihai\n# start: 13\nDha Dha Dha Dha ||\nDha")
    assert composition_tokens(composition)[:3] == ["<taal:teentaal>", "<form:tihai>", start_token(13)]


def test_the_grid_shows_a_pickup_under_its_own_matra_numbers_and_the_landing_on_sam():
    text = grid([["DhaGe", "TiTa", "Dha", "-"], ["Dha"]], TEENTAAL, start=13)
    numbers, bols, marks, _, landing_numbers, landing_bols, landing_marks = text.splitlines()
    assert numbers.split("|")[-1].split() == ["13", "14", "15", "16"]
    assert bols.split("|")[-1].split() == ["DhaGe", "TiTa", "Dha", "-"]
    assert marks.split("|")[-1].strip() == "3" and marks.split("|")[0].strip() == ""
    assert (landing_numbers, landing_bols, landing_marks) == ("1", "Dha", "X")


def test_sample_a_pickup_tihai_from_the_cli_and_check_it(tmp_path):
    result = invoke("sample", "--form", "tihai", "--start", "9", "--cycles", "1", "--layakari", "2",
                    "--seed", "4", "--format", "text")
    assert result.exit_code == 0, result.output
    path = tmp_path / "t.txt"
    path.write_text(result.stdout)
    assert "# start: 9" in result.stdout
    checked = invoke("check", path)
    assert checked.exit_code == 0, checked.output
    [composition] = parse(result.stdout)
    assert [len(cycle.matras) for cycle in composition.cycles] == [8, 1]


def test_sample_refuses_a_start_outside_the_taal():
    result = invoke("sample", "--taal", "dadra", "--start", "7")
    assert result.exit_code == 2 and "start matra must be between 1 and 6" in result.stderr


def test_a_tihai_that_lands_one_matra_early_is_an_error():
    # its last Dha falls on matra 16, not on sam: the landing after '||' is missing
    text = "# taal: teentaal\n# form: tihai\n# start: 9\ntirkit dha - tirkit | dha - tirkit dha ||"
    [problem] = problems(text)
    assert not problem.warning and "must fall on sam" in problem.message
    assert problems(text + "\nDha") == []


def test_any_form_may_close_with_a_landing_on_sam():
    theme = "dhadha tete dhadha tete | dhadha tete dhage tinna | tata tete tata tete | dhadha tete dhage dhinna ||"
    tihai = "dhadha tete dhage dhinna | dha - dhadha tete | dhage dhinna dha - | dhadha tete dhage dhinna ||"
    assert errors(problems(f"# taal: teentaal\n# form: kaida\n{theme}\n{tihai}\ndha")) == []
    assert problems(f"# taal: teentaal\n# form: theka\n{THEKA}\nDha") == []
    assert "not closed" in problems(f"# taal: teentaal\n# form: theka\n{THEKA}\nDha Dha")[0].message
