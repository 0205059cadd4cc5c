"""Audio: rendered WAV files on disk, read back and analysed by detectors written here (energy-based
onsets, band energies), against where the notation and the tempo put every stroke."""

from __future__ import annotations

import io
import math
import wave

import numpy as np
import pytest

from seqgen.audio import render_wav, tonic_frequency
from seqgen.errors import SeqgenError
from seqgen.strokes import BAYAN_PARTS, DAYAN_PARTS, parts
from seqgen.timing import stroke_times
from seqgen.tokenizers.bols import DEFAULT_LEXICON, declare, parse_item
from seqgen.tokenizers.tabla_notation import parse

# Pulses of uneven sizes (3+4, 3+2, 3+1+1), rests that make no sound, bayan and dayan alone.
PIECE = """# taal: teentaal
# title: pulses and uneven groups
DhaGeNa,DhaGeTiTa DhaGe TiRaKiTa Dha- | GeGeGe,NaNa DhinDhin TuNa KeTeTe,Ge | Ta Tin - Ta | Ta Dhin KaKa,DhaDha,Ge Dha ||
"""


def read_wav(path):
    with wave.open(str(path)) as reader:
        assert (reader.getnchannels(), reader.getsampwidth()) == (1, 2)
        rate = reader.getframerate()
        samples = np.frombuffer(reader.readframes(reader.getnframes()), "<i2") / 32768.0
    return samples, rate


def onsets(samples, rate, ratio=3.0, gap=0.012):
    """Energy-based onset detection: the energy of the signal's first difference (which a strike's
    broadband attack dominates) in 1 ms frames; an onset is a frame whose next 2 ms hold ``ratio``
    times the energy of the 6 ms before it. Returns onset times in seconds."""
    rise = np.diff(samples, prepend=0.0)
    hop = rate // 1000
    frames = len(rise) // hop
    energy = (rise[:frames * hop].reshape(frames, hop) ** 2).sum(axis=1)
    floor = energy.max() * 1e-3
    found = []
    for k in range(frames - 2):
        before = energy[max(0, k - 6):k].mean() if k else 0.0
        if energy[k:k + 2].mean() > ratio * (before + floor) and (not found or (k - found[-1]) * hop / rate >= gap):
            found.append(k)
    return np.array(found) * hop / rate


def band_energy(samples, rate, low, high, seconds=0.3, offset=0.0):
    start = int(offset * rate)
    chunk = samples[start:start + int(seconds * rate)]
    spectrum = np.abs(np.fft.rfft(chunk)) ** 2
    frequencies = np.fft.rfftfreq(len(chunk), 1 / rate)
    return spectrum[(frequencies >= low) & (frequencies < high)].sum()


def one_stroke(bol, taal="dadra"):
    return f"# taal: {taal}\n{bol} - - | - - - ||\n"


@pytest.mark.parametrize("bpm", [40, 80, 160])
def test_every_stroke_sounds_where_the_notation_and_tempo_put_it(tmp_path, bpm):
    composition = parse(PIECE)[0]
    path = tmp_path / f"piece-{bpm}.wav"
    render_wav(composition, path, bpm)
    samples, rate = read_wav(path)
    found = onsets(samples, rate)
    strokes = stroke_times(composition, bpm)
    expected = np.array([stroke.time for stroke in strokes if stroke.sounds])
    assert len(expected) < len(strokes)  # the rests are there, silent
    for time in expected:
        assert np.min(np.abs(found - time)) <= 0.010, f"no onset within 10 ms of {time:.4f}s at {bpm} bpm"
    for time in found:
        assert np.min(np.abs(expected - time)) <= 0.010, f"an onset at {time:.4f}s where no stroke is"
    # the uneven pulses: the first matra's 3 + 4 strokes sit evenly in its two halves
    seconds = 60 / bpm
    assert [stroke.time / seconds for stroke in strokes[:7]] == pytest.approx([0, 1 / 6, 1 / 3, 0.5, 0.625, 0.75, 0.875])


def test_the_file_lasts_the_piece_and_its_ring(tmp_path):
    samples, rate = read_wav(_write(tmp_path, PIECE, 60))
    assert 16 <= len(samples) / rate <= 16 + 2.5


def test_dha_holds_the_low_bayan_and_the_ringing_dayan_na_only_the_high():
    low, high = (60, 160), (250, 4000)
    energies = {}
    for bol in ("Dha", "Na", "Ge"):
        samples, rate = _samples(one_stroke(bol), 60)
        energies[bol] = (band_energy(samples, rate, *low), band_energy(samples, rate, *high))
    dha, na, ge = energies["Dha"], energies["Na"], energies["Ge"]
    assert dha[0] > 0.3 * ge[0] and dha[1] > 0.3 * na[1]  # both parts, each near full strength
    assert na[0] < 0.01 * dha[0]  # Na has no bass
    assert ge[1] < 0.2 * na[1]  # Ge alone is mostly low


def test_tin_rings_a_step_above_na_and_na_at_the_tonic():
    peaks = {}
    for bol in ("Na", "Tin"):
        samples, rate = _samples(one_stroke(bol), 60, sa="D")
        spectrum = np.abs(np.fft.rfft(samples[:rate]))
        frequencies = np.fft.rfftfreq(rate, 1 / rate)
        band = (frequencies > 150) & (frequencies < 500)
        peaks[bol] = frequencies[band][np.argmax(spectrum[band])]
    assert peaks["Na"] == pytest.approx(tonic_frequency("D"), abs=2)
    assert peaks["Tin"] / peaks["Na"] == pytest.approx(2 ** (2 / 12), rel=0.01)


def test_ge_glides_up_and_tu_sustains_while_te_dies_at_once():
    samples, rate = _samples(one_stroke("Ge"), 60)
    early, late = samples[int(0.015 * rate):int(0.06 * rate)], samples[int(0.3 * rate):int(0.5 * rate)]
    crossings = [np.count_nonzero(np.diff(np.signbit(part))) / (len(part) / rate) / 2 for part in (early, late)]
    assert crossings[1] > crossings[0] * 1.15  # the pitch rose
    def tail(bol):
        samples, rate = _samples(one_stroke(bol), 60)
        return band_energy(samples, rate, 0, 20000, 0.2, 0.4) / band_energy(samples, rate, 0, 20000, 0.2)
    assert tail("Tu") > 4 * tail("Na") > 0
    assert tail("Te") < 1e-6


def test_every_lexicon_syllable_and_declared_ones_sound_by_their_class(tmp_path):
    for name, syllable in DEFAULT_LEXICON.syllables.items():
        found = parts(name)
        assert found, name
        bass = [part for part in found if part in BAYAN_PARTS]
        treble = [part for part in found if part in DAYAN_PARTS]
        if syllable.kind == "both":
            assert bass == ["ge"] and treble == [p for p in parts(syllable.khali) if p in DAYAN_PARTS], name
        elif syllable.kind == "bass":
            assert found == ("ge",), name
        else:
            assert "ge" not in found, name
    lexicon = declare(DEFAULT_LEXICON, [parse_item("Tak:closed"), parse_item("Gum:bass"), parse_item("Dhum:both:Tu")])
    assert (parts("Tak", lexicon), parts("Gum", lexicon), parts("Dhum", lexicon)) == (("dry",), ("ge",), ("tu", "ge"))
    # a piece with every syllable, in one teentaal cycle, renders with a stroke for each
    names = list(DEFAULT_LEXICON.syllables)
    sizes = [3] * (len(names) - 32) + [2] * (48 - len(names))
    words, index = [], 0
    for size in sizes:
        words.append("".join(names[index:index + size]))
        index += size
    text = "# taal: teentaal\n" + " | ".join(" ".join(words[v * 4:v * 4 + 4]) for v in range(4)) + " ||\n"
    composition = parse(text)[0]
    assert sorted(bol for cycle in composition.cycles for m in cycle.matras for bol in m.bols) == sorted(names)
    samples, rate = read_wav(_write(tmp_path, text, 30))
    found = onsets(samples, rate)
    times = [stroke.time for stroke in stroke_times(composition, 30)]
    assert all(np.min(np.abs(found - time)) <= 0.010 for time in times)


def test_click_on_sam_and_softer_on_khali_only_when_asked(tmp_path):
    text = "# taal: teentaal\n" + " | ".join(["Na Na Na Na"] * 4) + " ||\n"
    plain, rate = read_wav(_write(tmp_path, text, 60, name="plain.wav"))
    clicked, _ = read_wav(_write(tmp_path, text, 60, name="click.wav", click=True, loop=2))
    difference = clicked[:len(plain)] - plain  # loop 2 begins the second cycle at 16 s
    window = int(0.04 * rate)
    energy = {second: float((difference[second * rate:second * rate + window] ** 2).sum()) for second in range(16)}
    assert energy[0] > 2 * energy[8] > 0  # sam louder than khali (matra 9)
    assert all(energy[second] < 1e-9 for second in energy if second not in (0, 8))
    second_sam = clicked[16 * rate:16 * rate + window] - plain[:window]
    assert (second_sam ** 2).sum() == pytest.approx(energy[0], rel=0.05)


def test_theka_plays_underneath_at_a_lower_level(tmp_path):
    text = "# taal: dadra\nDha - - | - - - ||\n"
    alone, rate = read_wav(_write(tmp_path, text, 60, name="alone.wav"))
    under, _ = read_wav(_write(tmp_path, text, 60, name="theka.wav", theka=True))
    # dadra's theka, Dha Dhi Na | Dha Tu Na, strikes on every matra; the piece only on the first
    assert all(np.min(np.abs(onsets(alone, rate) - second)) > 0.010 for second in range(1, 6))
    assert all(np.min(np.abs(onsets(under, rate) - second)) <= 0.010 for second in range(6))
    theka = under[:len(alone)] - alone  # the theka alone; its first Dha against the piece's Dha
    assert 0 < band_energy(theka, rate, 0, 20000, 0.05) < 0.25 * band_energy(alone, rate, 0, 20000, 0.05)


def test_loop_repeats_the_piece(tmp_path):
    once, rate = read_wav(_write(tmp_path, PIECE, 120, name="once.wav"))
    twice, _ = read_wav(_write(tmp_path, PIECE, 120, name="twice.wav", loop=2))
    assert len(twice) / rate == pytest.approx(len(once) / rate + 8, abs=0.01)
    found = onsets(twice, rate)
    first = onsets(once, rate)
    assert len(found) == 2 * len(first)
    assert np.allclose(found[len(first):] - 8, first, atol=0.003)


@pytest.mark.parametrize("settings, message", [
    ({"bpm": 0}, "bpm must be between"), ({"bpm": -80}, "bpm must be between"), ({"bpm": 5000}, "bpm must be"),
    ({"bpm": math.nan}, "bpm must be a number"), ({"bpm": "fast"}, "bpm must be a number"),
    ({"sa": "H"}, "unknown tonic 'H'"), ({"sa": "C#9"}, "unknown tonic"), ({"sa": ""}, "unknown tonic"),
    ({"loop": 0}, "loop must be"), ({"sample_rate": 1234}, "sample rate must be"),
])
def test_bad_settings_are_one_line_errors(tmp_path, settings, message):
    path = tmp_path / "out.wav"
    with pytest.raises(SeqgenError, match=message) as error:
        render_wav(PIECE, path, **{"bpm": 80, **settings})
    assert "\n" not in str(error.value)
    assert not path.exists() and not list(tmp_path.iterdir())  # nothing half-written


def test_a_composition_that_does_not_fit_its_taal_is_refused_with_its_place(tmp_path):
    with pytest.raises(SeqgenError, match=r"piece.txt:2:\d+: .*") as error:
        render_wav(parse("# taal: teentaal\nDha Dhin Dhin | Dha ||\n", "piece.txt")[0], tmp_path / "x.wav", 80)
    assert "\n" not in str(error.value)
    with pytest.raises(SeqgenError, match="names no taal"):
        render_wav("Dha Dhin Dhin Dha ||\n", None, 80)


def _samples(text, bpm, **options):
    with wave.open(io.BytesIO(render_wav(text, None, bpm, **options))) as reader:
        rate = reader.getframerate()
        return np.frombuffer(reader.readframes(reader.getnframes()), "<i2") / 32768.0, rate


def _write(tmp_path, text, bpm, name="piece.wav", **options):
    path = tmp_path / name
    render_wav(text, path, bpm, **options)
    return path
