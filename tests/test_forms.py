"""Form grammars: the arithmetic of tihais and chakradars, the quarters and paltas of kaidas, prakars
that keep the theka's skeleton; sampling under them (random logits and the shipped model); the
sections in the output; check recognising a tihai; impossible requests refused in one line."""

import json

import numpy as np
import pytest

import seqgen
from seqgen.constraints import AllOf, TaalConstraint
from seqgen.errors import SeqgenError
from seqgen.evaluation import _corpus_cycles, form_metrics
from seqgen.forms import (FormError, PlanConstraint, TihaiShape, chakradar_plan, find_tihai, kaida_plan,
                          palta_patterns, prakar_plan, theme_quarters, tihai_plan)
from seqgen.sampling import Sampler, SamplingConfig
from seqgen.taals import TAALS, get_taal
from seqgen.tokenizers import Document, create
from seqgen.tokenizers.bols import DEFAULT_LEXICON, khali
from seqgen.tokenizers.tabla_notation import parse
from seqgen.validator import closing_tihai, errors, validate
from seqgen.vocab import PAD, Vocab

from cli_helpers import assert_clean_error, invoke
from fakes import RandomLogitsModel

TABLA = create("tabla")
VOCAB = Vocab.build([], keep=TABLA.structure_tokens)


def sample(plan, taal, form, seed=0, n=4):
    """Pieces drawn with random logits under the plan and the taal automaton, as compositions."""
    meter = TaalConstraint(VOCAB, taal, plan.cycles, form, "off", (plan.layakari,), start=plan.start,
                           theme_cycles=plan.theme_cycles, landing="must" if plan.landing else "no")
    constraint = AllOf(meter, PlanConstraint(VOCAB, plan, meter.bol_ids, DEFAULT_LEXICON))
    sampler = Sampler(RandomLogitsModel(len(VOCAB), seed), VOCAB.end_id, [VOCAB.id(PAD), VOCAB.unk_id, VOCAB.start_id])
    pieces = []
    for ids in sampler.generate([VOCAB.start_id], n, SamplingConfig(seed=seed), constraint):
        composition = TABLA.composition(Document(tuple(VOCAB.decode(ids))))
        composition.headers = [("taal", taal.name), ("form", form)] + (
            [("start", str(plan.start))] if plan.start > 1 else []) + [("theme-cycles", str(plan.theme_cycles))]
        pieces.append(composition)
    return pieces


def strokes(composition):
    return [bol for cycle in composition.cycles for matra in cycle.matras for bol in matra.bols]


# ---------------------------------------------------------------------------------------- tihai arithmetic

@pytest.mark.parametrize("taal", sorted(TAALS))
@pytest.mark.parametrize("layakari", [1, 2, 3, 4])
def test_the_default_tihai_lands_on_sam_in_every_taal_and_layakari(taal, layakari):
    record = get_taal(taal)
    plan = tihai_plan(record, layakari, None, None, None)
    before_sam = (plan.cycles * record.matras - (plan.start - 1)) * layakari
    assert len(plan.steps) == before_sam + 1  # every stroke up to sam, and the one on it
    [section] = [s for s in plan.sections if s.kind == "tihai"]
    assert section.end == len(plan.steps)


@pytest.mark.parametrize("phrase, gap", [(3, 0), (5, 2), (7, 1), (11, 4), (2, 0)])
def test_any_phrase_and_gap_count_back_from_sam(phrase, gap):
    record = get_taal("jhaptaal")
    plan = tihai_plan(record, 2, TihaiShape(phrase, gap), None, None)
    tihai = plan.sections[-1]
    assert tihai.end - tihai.start == 3 * phrase + 2 * gap
    for piece in sample(plan, record, "tihai", seed=phrase):
        assert errors(validate(piece)) == []
        found = closing_tihai(piece, record)
        assert found is not None and found.on_sam and (found.phrase, found.gap) == (phrase, gap)


def test_a_tihai_too_long_for_the_cycles_is_refused():
    with pytest.raises(FormError, match="needs 3 cycles; --cycles 1 is too few"):
        tihai_plan(get_taal("teentaal"), 2, TihaiShape(30, 2), 1, None)


@pytest.mark.parametrize("taal", sorted(TAALS))
def test_random_logits_under_a_tihai_plan_always_give_a_tihai_on_sam(taal):
    record = get_taal(taal)
    for form in ("tihai", "tukda"):
        plan = tihai_plan(record, 2, None, None, None, form)
        for piece in sample(plan, record, form, seed=len(taal)):
            assert errors(validate(piece)) == [], piece.text()
            found = closing_tihai(piece, record)
            assert found is not None and found.on_sam, piece.text()
            assert DEFAULT_LEXICON.kind(strokes(piece)[-1]) == "both"  # a resonant stroke on sam


def test_a_chakradar_is_a_tihai_of_phrases_that_end_in_a_tihai():
    record = get_taal("teentaal")
    plan = chakradar_plan(record, 2, None, None)
    for piece in sample(plan, record, "chakradar", seed=3):
        assert errors(validate(piece)) == []
        outer = closing_tihai(piece, record)
        assert outer is not None and outer.on_sam
        phrase = strokes(piece)[-outer.phrase:]
        inner = find_tihai(phrase)
        assert inner is not None and inner.start > 0  # a lead, then the small tihai


# ---------------------------------------------------------------------------------------- kaida

@pytest.mark.parametrize("taal, theme_cycles", [("teentaal", 1), ("ektaal", 2), ("jhaptaal", 1), ("dadra", 1),
                                                ("rupak", 2), ("dhamar", 1)])
def test_kaidas_mirror_their_khali_quarter_in_theme_and_paltas(taal, theme_cycles):
    record = get_taal(taal)
    plan = kaida_plan(record, 4, theme_cycles, 2, seed=1)
    unit = theme_cycles * record.matras
    q1, q2, q3, q4 = theme_quarters(unit)
    for piece in sample(plan, record, "kaida", seed=7, n=3):
        assert validate(piece) == [], piece.text()  # not even a khali warning
        matras = [matra for cycle in piece.cycles for matra in cycle.matras]
        for begin in range(0, 3 * unit, unit):  # theme and two paltas
            part = matras[begin:begin + unit]
            first = [bol for index in q1 for bol in part[index].bols]
            assert [bol for index in q3 for bol in part[index].bols] == [khali(bol) for bol in first]
            assert not any(DEFAULT_LEXICON.is_bass(bol) for index in q3 for bol in part[index].bols)
            for quarter in (q1, q2, q4):
                assert any(DEFAULT_LEXICON.is_bass(bol) for index in quarter for bol in part[index].bols)
            assert [part[index].bols for index in q4] == [part[index].bols for index in q2]
        assert closing_tihai(piece, record).on_sam


def test_paltas_rebuild_the_first_half_from_the_themes_own_matras():
    patterns = palta_patterns(4, 8)
    assert len(patterns) >= 5 and len(set(patterns)) == len(patterns)
    for pattern in patterns:
        assert len(pattern) == 8 and pattern[-1] == 7 and pattern != tuple(range(8))
        assert set(pattern) <= set(range(8))


def test_a_theme_that_cannot_be_mirrored_or_too_many_paltas_are_refused():
    with pytest.raises(FormError, match="theme-cycles 2"):
        kaida_plan(get_taal("rupak"), 4, 1, 0, None)
    with pytest.raises(FormError, match="different paltas"):
        kaida_plan(get_taal("dadra"), 4, 1, 9, None)


# ---------------------------------------------------------------------------------------- prakar

@pytest.mark.parametrize("taal", sorted(TAALS))
def test_a_prakar_keeps_the_thekas_sam_and_vibhag_cadences(taal):
    record = get_taal(taal)
    [theka] = parse(record.theka)
    theka_matras = theka.cycles[0].matras
    plan = prakar_plan(record, 2, 2, DEFAULT_LEXICON)
    for piece in sample(plan, record, "prakar", seed=2, n=2):
        assert errors(validate(piece)) == []
        for cycle in piece.cycles:
            matras = cycle.matras
            ends = [start - 2 + size for start, size in zip(record.vibhag_starts, record.vibhags)]
            for index in [0, *ends]:
                if theka_matras[index].bols[0] != "-":
                    assert matras[index].bols[0] == theka_matras[index].bols[0]
            for index, matra in enumerate(theka_matras):
                if not any(DEFAULT_LEXICON.is_bass(bol) for bol in matra.bols):
                    assert not any(DEFAULT_LEXICON.is_bass(bol) for bol in matras[index].bols)


# ---------------------------------------------------------------------------------------- through the library and CLI

def test_the_api_returns_sections_and_text_that_checks(tmp_path):
    [piece] = seqgen.load("pretrained:tabla").compositions(form="kaida", paltas=2, seed=3)
    kinds = [section["kind"] for section in piece["sections"]]
    assert kinds[:3] == ["theme", "palta 1", "palta 2"] and kinds[-1] == "tihai"
    assert piece["sections"][0]["matras"] == [1, 16]
    assert piece["sections"][1]["text"].split()[0] == piece["cycles"][1][0]
    assert "# sections: theme 1-16; palta 1 17-32; palta 2 33-48" in piece["text"]
    path = tmp_path / "k.txt"
    path.write_text(piece["text"] + "\n")
    result = invoke("check", path, "--strict")
    assert result.exit_code == 0, result.output
    assert "tihai: a phrase of" in result.stdout and "lands on sam" in result.stdout


def test_the_same_seed_gives_the_same_piece():
    first = invoke("sample", "--form", "tihai", "--taal", "teentaal", "--seed", "9", "--format", "json")
    second = invoke("sample", "--form", "tihai", "--taal", "teentaal", "--seed", "9", "--format", "json")
    assert first.exit_code == 0 and first.stdout == second.stdout
    [piece] = json.loads(first.stdout)
    assert piece["sections"][-1]["kind"] == "tihai" and piece["sections"][-1]["matras"][1] == len(
        [matra for cycle in piece["cycles"] for matra in cycle])  # it ends with the landing


def test_the_grid_names_the_sections():
    result = invoke("sample", "--form", "kaida", "--paltas", "1", "--seed", "1", "--format", "grid")
    assert result.exit_code == 0
    assert "[theme (from matra 1)]" in result.stdout and "[palta 1 (from matra 1)]" in result.stdout
    assert "tihai (from matra" in result.stdout


@pytest.mark.parametrize("args, fragment", [
    (["--form", "tihai", "--paltas", "2"], "paltas vary a theme"),
    (["--paltas", "2"], "paltas vary a theme"),
    (["--form", "tihai", "--phrase", "30", "--cycles", "1"], "is too few"),
    (["--form", "tihai", "--phrase", "999"], "at most 8 cycles"),
    (["--form", "kaida", "--phrase", "4"], "--phrase and --gap shape a tihai"),
    (["--form", "kaida", "--taal", "rupak"], "try --theme-cycles 2"),
    (["--form", "kaida", "--paltas", "40"], "at most 12 paltas"),
    (["--form", "kaida", "--start", "5"], "a kaida begins on sam"),
    (["--form", "tihai", "--gap", "-1"], "gap strokes must be at least 0"),
])
def test_impossible_form_requests_are_one_line(args, fragment):
    assert_clean_error(invoke("sample", *args), fragment)


def test_check_says_when_a_tihai_form_has_no_tihai(tmp_path):
    theka = "Dha Dhin Dhin Dha | Dha Dhin Dhin Dha | Dha Tin Tin Ta | Ta Dhin Dhin Dha ||"
    path = tmp_path / "t.txt"
    path.write_text(f"# taal: teentaal\n# form: tihai\n{theka}\nDha\n")
    result = invoke("check", path)
    assert result.exit_code == 0 and "no tihai" in result.stdout
    assert invoke("check", path, "--strict").exit_code == 1


def test_evaluate_measures_forms_and_novelty():
    bundle = seqgen.load("pretrained:tabla").bundle
    metrics = form_metrics(bundle, samples=2)
    assert set(metrics["per_taal"]) == set(TAALS)
    assert all(shares == {"tihai_on_sam": 1.0, "kaida_mirrored": 1.0} for shares in metrics["per_taal"].values())
    corpus = _corpus_cycles(bundle)
    assert len(corpus) > 100
    assert 0.0 <= metrics["novelty"]["copied_from_corpus"] <= 1.0 and metrics["novelty"]["cycles"] > 0


def test_finding_a_tihai_is_linear_so_check_handles_one_huge_composition(tmp_path):
    # a cubic search would never finish on this; only the tail of a piece is searched
    assert find_tihai(["Dha", "Ge", "Na", "Ti"] * 500_000 + ["-", "Dha"]) is None
    # 3,000 cycles of random two-stroke matras: no phrase comes three times into the final Dha
    rng = np.random.default_rng(0)
    bols = ["Dha", "Dhin", "Ta", "Tin", "Na", "Ge", "Ke", "Ti"]

    def vibhag():
        return " ".join("".join(rng.choice(bols, size=2)) for _ in range(4))

    lines = [" | ".join(vibhag() for _ in range(4)) + " ||" for _ in range(3000)]
    path = tmp_path / "long.txt"
    path.write_text("# taal: teentaal\n# form: tihai\n" + "\n".join(lines) + "\nDha\n")
    result = invoke("check", path)
    assert result.exit_code == 0 and "no tihai" in result.stdout
