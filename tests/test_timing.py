"""The clock audio, MIDI and the practice page share: strokes evenly inside matras and pulses, the
cycle position from the taal automaton, loops, and tempos."""

from __future__ import annotations

import pytest

from seqgen.errors import SeqgenError
from seqgen.timing import LAYAS, matra_times, stroke_times, tempo, timeline
from seqgen.tokenizers.tabla_notation import parse

TIHAI = """# taal: teentaal
# form: tihai
# start: 9
DhaGeNa Dha - - | TiTa,KaTaGe Dha - - ||
Dha
"""


def test_strokes_sit_evenly_in_pulses_and_keep_rests():
    strokes = stroke_times(TIHAI, 60)
    assert [(s.bol, s.matra, s.cycle_matra) for s in strokes[:5]] == [
        ("Dha", 0, 9), ("Ge", 0, 9), ("Na", 0, 9), ("Dha", 1, 10), ("-", 2, 11)]
    assert [s.time for s in strokes[:3]] == pytest.approx([0, 1 / 3, 2 / 3])
    pulses = [s for s in strokes if s.matra == 4]  # TiTa,KaTaGe: 2 strokes then 3 in halves
    assert [s.time for s in pulses] == pytest.approx([4, 4.25, 4.5, 4.5 + 1 / 6, 4.5 + 2 / 6])
    assert [s.duration for s in pulses] == pytest.approx([0.25, 0.25, 1 / 6, 1 / 6, 1 / 6])
    assert not strokes[4].sounds
    landing = strokes[-1]
    assert (landing.bol, landing.matra, landing.cycle_matra, landing.time) == ("Dha", 8, 1, 8.0)


def test_matra_times_follow_the_tempo():
    assert matra_times(TIHAI, 120) == pytest.approx([index * 0.5 for index in range(9)])


def test_a_loop_starts_each_time_on_the_same_matra_of_the_cycle():
    strokes = stroke_times(TIHAI, 60, loop=2)
    second = [s for s in strokes if s.repeat == 1]
    assert second[0].time == 16.0 and second[0].cycle_matra == 9  # the next matra 9 after the landing
    clock = timeline(TIHAI, 60, loop=2)
    assert len(clock.matras) == 16 + 9 and clock.matras[9].cycle_matra == 2  # the gap keeps its beats
    assert [beat.mark for beat in clock.matras[:9]] == ["0", "", "", "", "3", "", "", "", "X"]


def test_a_landing_the_next_repetition_begins_on_is_played_once():
    text = "# taal: dadra\n# form: tukda\nDha Dhi Na | Dha Tu Na ||\nDha\n"
    strokes = stroke_times(text, 60, loop=3)
    assert [s.time for s in strokes if s.bol == "Dha"] == [0, 3, 6, 9, 12, 15, 18]
    assert stroke_times(text, 60)[-1].time == 6  # alone, the landing sounds


def test_tempo_by_bpm_or_laya():
    assert tempo() == LAYAS["madhya"] == 90
    assert tempo(laya="Vilambit") == 45 and tempo(laya="drut") == 180 and tempo(bpm=72) == 72.0
    for low, high in ((30, 60), (60, 120), (120, 240)):
        assert low < [speed for speed in LAYAS.values() if low < speed < high][0] < high


@pytest.mark.parametrize("arguments, message", [
    ({"bpm": 0}, "between 10 and 600"), ({"bpm": 9.5}, "between"), ({"bpm": True}, "a number"),
    ({"laya": "presto"}, "unknown laya 'presto'; use one of vilambit, madhya, drut"),
    ({"bpm": 80, "laya": "drut"}, "not both"),
])
def test_bad_tempos_are_one_line(arguments, message):
    with pytest.raises(SeqgenError, match=message) as error:
        tempo(**arguments)
    assert "\n" not in str(error.value)


def test_pieces_that_cannot_be_timed_are_refused():
    with pytest.raises(SeqgenError, match="names no taal"):
        stroke_times("Dha Dhin Dhin Dha ||\n", 80)
    with pytest.raises(SeqgenError, match="unknown taal"):
        stroke_times("# taal: nonesuch\nDha ||\n", 80)
    with pytest.raises(SeqgenError, match=r"<text>:2:\d+: .*cycle 1"):
        stroke_times("# taal: dadra\nDha Dhi | Na Dha Tu Na ||\n", 80)
    with pytest.raises(SeqgenError, match="holds 2 compositions"):
        stroke_times("# taal: dadra\nDha Dhi Na | Dha Tu Na ||\n\n# taal: dadra\nDha Dhi Na | Dha Tu Na ||\n", 80)
    with pytest.raises(SeqgenError, match="loop must be"):
        stroke_times(TIHAI, 80, loop=0)
