"""seqgen's form grammars held to the independent checker (issue 9, "Done when").

Every composition here comes from the real CLI (`seqgen sample ... --format text`, run in-process
through typer's runner) with the shipped pretrained tabla model, and is judged by
tests/form_checker.py, which shares no code with seqgen:

- 50 tihais in each of the nine taals: three equal phrases, equal rest gaps, the last stroke on sam
  (and, checked separately, the three phrases equal in time, not only in strokes);
- 20 Teentaal kaidas with two paltas and a two-cycle Ektaal kaida: every theme and palta is
  bhari-bhari-khali-bhari with the khali quarter the first one closed, and a tihai ends the piece on sam;
- chakradars: a tihai whose phrase ends in a tihai;
- the same seed gives the same text; impossible requests exit 2 with one `seqgen: error:` line.
"""

from __future__ import annotations

import functools

import pytest

from cli_helpers import assert_clean_error, invoke
from form_checker import (TAALS, check_chakradar, check_kaida, check_tihai, parse, split_pieces,
                          tihai_shapes)


@functools.lru_cache(maxsize=None)
def sample(*args: str) -> tuple[str, ...]:
    """The pieces `seqgen sample --format text ARGS` prints (cached: each command runs once)."""
    result = invoke("sample", "--format", "text", *args)
    assert result.exit_code == 0, (args, result.stdout, result.stderr)
    return tuple(split_pieces(result.stdout))


def failures(pieces, check, **kwargs) -> list[str]:
    """Each failing piece with the checker's reason, for the assertion message."""
    out = []
    for piece in pieces:
        ok, reason = check(piece, **kwargs)
        if not ok:
            out.append(f"{reason}\n{piece}")
    return out


TIHAI_ARGS = {taal: ("--form", "tihai", "--taal", taal, "--n", "50", "--seed", "1") for taal in TAALS}


@pytest.mark.parametrize("taal", list(TAALS))
def test_fifty_tihais_in_each_taal_land_on_sam(taal):
    pieces = sample(*TIHAI_ARGS[taal])
    assert len(pieces) == 50
    assert all(parse(piece).taal == taal for piece in pieces)
    bad = failures(pieces, check_tihai)
    assert not bad, f"{len(bad)} of 50 {taal} tihais fail; first: {bad[0]}"


@pytest.mark.parametrize("taal", list(TAALS))
def test_tihai_phrases_are_equal_in_time(taal):
    """Equal strokes played at equal speeds, equally spaced: the same tihais, judged in time."""
    bad = failures(sample(*TIHAI_ARGS[taal]), check_tihai, timed=True)
    assert not bad, f"{len(bad)} of 50 {taal} tihais are unequal in time; first: {bad[0]}"


@pytest.mark.parametrize("args, shape", [
    (("--phrase", "5", "--gap", "0"), (5, 0)),
    (("--phrase", "11", "--gap", "3"), (11, 3)),
    (("--taal", "jhaptaal", "--phrase", "7", "--gap", "1"), (7, 1)),
    (("--layakari", "3"), None),
    (("--taal", "jhaptaal", "--layakari", "5"), None),
    (("--layakari", "8", "--phrase", "13", "--gap", "2"), (13, 2)),
    (("--start", "9"), None),
    (("--taal", "ektaal", "--start", "10"), None),
], ids=lambda value: " ".join(value) if isinstance(value, tuple) and isinstance(value[0], str) else None)
def test_tihais_of_any_phrase_gap_layakari_and_start_land_on_sam(args, shape):
    """The grammar's arithmetic for requested phrase and gap lengths, speeds and starts."""
    pieces = sample("--form", "tihai", "--n", "5", "--seed", "5", *args)
    assert len(pieces) == 5
    bad = failures(pieces, check_tihai, timed=True)
    assert not bad, f"{len(bad)} of 5 fail; first: {bad[0]}"
    if shape:
        assert all(shape in tihai_shapes(piece, timed=True) for piece in pieces), pieces[0]
    if "--start" in args:
        start = int(args[args.index("--start") + 1])
        assert all(parse(piece).start == start for piece in pieces)
    if "--layakari" in args:
        speed = int(args[args.index("--layakari") + 1])
        assert all(len(matra.strokes) == speed for piece in pieces for matra in parse(piece).matras)


def test_twenty_teentaal_kaidas_with_paltas_mirror_their_khali_and_end_on_sam():
    pieces = sample("--form", "kaida", "--paltas", "2", "--n", "20", "--seed", "2")
    assert len(pieces) == 20
    bad = failures(pieces, check_kaida, theme_cycles=1, paltas=2)
    assert not bad, f"{len(bad)} of 20 kaidas fail; first: {bad[0]}"


def test_a_two_cycle_ektaal_kaida_mirrors_its_khali_across_the_cycles():
    pieces = sample("--form", "kaida", "--taal", "ektaal", "--theme-cycles", "2", "--paltas", "1",
                    "--n", "3", "--seed", "3")
    assert len(pieces) == 3
    bad = failures(pieces, check_kaida, theme_cycles=2, paltas=1)
    assert not bad, f"{len(bad)} of 3 Ektaal kaidas fail; first: {bad[0]}"


def test_chakradars_are_tihais_of_a_tihai_ending_phrase():
    pieces = sample("--form", "chakradar", "--n", "10", "--seed", "4")
    assert len(pieces) == 10
    bad = failures(pieces, check_chakradar)
    assert not bad, f"{len(bad)} of 10 chakradars fail; first: {bad[0]}"


@pytest.mark.parametrize("args", [
    ("--form", "tihai", "--taal", "jhaptaal", "--n", "3", "--seed", "7"),
    ("--form", "kaida", "--paltas", "1", "--n", "2", "--seed", "7"),
    ("--form", "chakradar", "--n", "2", "--seed", "7"),
])
def test_the_same_seed_gives_the_same_text(args):
    first = invoke("sample", "--format", "text", *args)
    second = invoke("sample", "--format", "text", *args)
    assert first.exit_code == second.exit_code == 0, first.stderr
    assert first.stdout == second.stdout and first.stdout.strip()
    other = invoke("sample", "--format", "text", *args[:-1], "8")
    assert other.stdout != first.stdout  # the seed matters


@pytest.mark.parametrize("args", [
    ("--form", "tihai", "--paltas", "2"),
    ("--form", "theka", "--paltas", "1"),
    ("--form", "tihai", "--phrase", "999"),
    ("--form", "tihai", "--taal", "dadra", "--phrase", "40", "--cycles", "1"),
])
def test_impossible_requests_exit_2_with_one_line(args):
    assert_clean_error(invoke("sample", "--format", "text", "--seed", "1", *args))
