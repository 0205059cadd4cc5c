"""Tabla audio in NumPy: every stroke synthesized (no sample files), mixed at the notation's times,
written as a 16-bit mono WAV with the standard library's ``wave``.

Each part of a bol (``strokes``) is a short decaying tone, made once per rendering and then placed
at every stroke that plays it:

- ``na``: the tonic with overtones at 2, 3.01, 4.03, 5.08, 6.3 and 7.9 times it (the upper ones
  inharmonic and quick to die), over a short strike noise;
- ``tin``: the same a whole step higher, its fundamental stronger and longer;
- ``tu``: the tonic almost alone, sustained for about a second;
- ``dry``: a strike noise and an octave partial damped within ~20 ms;
- ``ge``: a low tone whose pitch glides up from ~85 to ~125 Hz as the palm presses, ringing ~0.5 s;
- ``ka``: a flat slap, a low noise thump gone in ~25 ms.

A drum plays one stroke at a time: a new stroke on the dayan (or bayan) stops the one before it with
a 2 ms fade, as a hand striking the skin stops its ring; a rest lets it ring on. Combined bols sound
their dayan and bayan parts together. Options add a click on sam and a softer one on the khali mark,
loop the piece, and lay the taal's theka underneath at a lower level. When strokes fall is
``timing``'s job; the tonic name is read here.
"""

from __future__ import annotations

import io
import re
import wave
from functools import lru_cache
from pathlib import Path

import numpy as np

from seqgen.errors import SeqgenError
from seqgen.strokes import BAYAN_PARTS, parts
from seqgen.timing import StrokeTime, Timeline, single, timeline
from seqgen.tokenizers.bols import Lexicon
from seqgen.tokenizers.tabla_notation import Composition, parse

_NOTE = re.compile(r"([A-Ga-g])([#b♯♭]?)([0-9])?")
_SEMITONES = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
# A dayan is tuned between about A3 (220 Hz, a large one) and G#4 (415 Hz, a small one): a tonic
# named without an octave is taken in that range.
MIN_OCTAVE, MAX_OCTAVE = 3, 5
SAMPLE_RATES = (8000, 11025, 16000, 22050, 32000, 44100, 48000, 88200, 96000)
FADE_SECONDS = 0.002  # a drum's ring stopped by its next stroke fades out over this
# A Dha (the loudest stroke) peaks near 0.6 and a theka adds a third of that, so ordinary pieces
# never reach the limiter, which only scales down a mix that would clip.
MASTER = 0.45
THEKA_LEVEL = 0.35
CLICK_LEVELS = {"sam": 0.3, "khali": 0.15}
_PEAK = 0.95


def tonic_frequency(sa: str) -> float:
    """Frequency of the tonic ``sa``: a note name, ``C#``, ``Db``, ``A``, optionally with an octave
    from 3 to 5 (``C#4``); without one, the note in A3..G#4, where dayans are tuned."""
    match = _NOTE.fullmatch(sa.strip()) if isinstance(sa, str) else None
    if match is None or (match.group(3) and not MIN_OCTAVE <= int(match.group(3)) <= MAX_OCTAVE):
        raise SeqgenError(f"unknown tonic {sa!r}; use a note name C, C#, Db, D ... B, optionally with an "
                          f"octave from {MIN_OCTAVE} to {MAX_OCTAVE} (e.g. C#4)")
    letter, accidental, octave = match.group(1).upper(), match.group(2), match.group(3)
    semitone = _SEMITONES[letter] + {"#": 1, "♯": 1, "b": -1, "♭": -1}.get(accidental, 0)
    if octave is None:
        octave = 3 if semitone >= 9 else 4  # A, A#, B below middle C; the rest above it
    midi = 12 * (int(octave) + 1) + semitone
    return 440.0 * 2 ** ((midi - 69) / 12)


def render_wav(composition: Composition | str, path: str | Path | None, bpm, sa: str = "C#", click: bool = False,
               loop: int = 1, theka: bool = False, sample_rate: int = 44100, taal: str | None = None) -> bytes:
    """The WAV file (bytes) of ``composition`` at ``bpm`` matras a minute; also written to ``path``.

    Args:
        composition: a parsed composition, or notation text holding one.
        path: where to write the file (atomically), or None.
        bpm: matras a minute (see ``timing.tempo`` for named layas).
        sa: the tonic the dayan is tuned to.
        click: a click on sam and a softer one on the khali mark.
        loop: times to play the piece.
        theka: the taal's theka underneath, at a lower level.
        sample_rate: samples a second.
        taal: overrides the composition's taal header.

    Raises:
        SeqgenError: a bad tempo, tonic, loop count or sample rate, or a composition that does not
            fit its taal.
    """
    samples = render(single(composition), bpm, sa, click, loop, theka, sample_rate, taal)
    data = wav_bytes(samples, sample_rate)
    if path is not None:
        from seqgen.bundle import atomic_write

        atomic_write(Path(path), data)
    return data


def render(composition: Composition, bpm, sa: str = "C#", click: bool = False, loop: int = 1,
           theka: bool = False, sample_rate: int = 44100, taal: str | None = None) -> np.ndarray:
    """The mixed signal (float32, peak at most 0.95) of ``render_wav``."""
    frequency = tonic_frequency(sa)
    rate = _sample_rate(sample_rate)
    clock = timeline(composition, bpm, taal, loop)
    voices = Voices(frequency, rate)
    last = max((stroke.time for stroke in clock.strokes), default=0.0)
    out = np.zeros(int((max(clock.duration, last + 1.2) + 0.05) * rate), dtype=np.float64)
    _play(out, clock.strokes, voices, composition.lexicon, MASTER)
    if theka:
        _play(out, theka_strokes(clock), voices, composition.lexicon, MASTER * THEKA_LEVEL)
    if click:
        _clicks(out, clock, rate)
    peak = float(np.max(np.abs(out))) if out.size else 0.0
    if peak > _PEAK:
        out *= _PEAK / peak
    return out.astype(np.float32)


def wav_bytes(samples: np.ndarray, sample_rate: int) -> bytes:
    """A 16-bit mono PCM WAV file of ``samples`` (floats in [-1, 1])."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(sample_rate)
        writer.writeframes(pcm.tobytes())
    return buffer.getvalue()


def theka_strokes(clock: Timeline) -> list[StrokeTime]:
    """The taal's theka under every matra of the timeline (loop gaps included), matched by cycle matra."""
    theka = [matra for cycle in parse(clock.taal.theka)[0].cycles for matra in cycle.matras]
    seconds = clock.matra_seconds
    strokes = []
    for index, beat in enumerate(clock.matras):
        matra = theka[beat.cycle_matra - 1]
        pulse_seconds = seconds / len(matra.pulses)
        for number, pulse in enumerate(matra.pulses):
            for place, bol in enumerate(pulse):
                time = beat.time + number * pulse_seconds + place * pulse_seconds / len(pulse)
                strokes.append(StrokeTime(bol, time, index, beat.cycle_matra, pulse_seconds / len(pulse)))
    return strokes


def _sample_rate(rate) -> int:
    if isinstance(rate, bool) or rate not in SAMPLE_RATES:
        raise SeqgenError(f"sample rate must be one of {', '.join(map(str, SAMPLE_RATES))}, got {rate!r}")
    return int(rate)


def _play(out: np.ndarray, strokes: list[StrokeTime], voices: "Voices", lexicon: Lexicon, level: float) -> None:
    """Add the strokes to ``out``, each drum choked by its own next stroke."""
    rate = voices.rate
    drums: dict[str, list[tuple[int, str]]] = {"dayan": [], "bayan": []}
    for stroke in strokes:
        for part in parts(stroke.bol, lexicon):
            drums["bayan" if part in BAYAN_PARTS else "dayan"].append((round(stroke.time * rate), part))
    fade = max(1, int(FADE_SECONDS * rate))
    for hits in drums.values():
        hits.sort()
        for number, (onset, part) in enumerate(hits):
            sound = voices.part(part)
            room = min(len(sound), len(out) - onset)
            if number + 1 < len(hits):
                room = min(room, hits[number + 1][0] - onset)
            if room <= 0:
                continue
            segment = sound[:room] * level
            if room < len(sound):  # stopped by the next stroke: fade out rather than click
                tail = min(fade, room)
                segment[-tail:] *= np.linspace(1.0, 0.0, tail)
            out[onset:onset + room] += segment


def _clicks(out: np.ndarray, clock: Timeline, rate: int) -> None:
    """A bright blip on every sam, a softer one on every khali mark."""
    t = np.arange(int(0.03 * rate)) / rate
    blip = np.sin(2 * np.pi * 2000.0 * t) * np.exp(-t / 0.006)
    for beat in clock.matras:
        kind = "sam" if beat.cycle_matra == 1 else "khali" if beat.mark == "0" else None
        if kind is None:
            continue
        onset = round(beat.time * rate)
        room = min(len(blip), len(out) - onset)
        out[onset:onset + room] += CLICK_LEVELS[kind] * blip[:room]


class Voices:
    """The waveform of each part at one tonic and sample rate, made on first use."""

    def __init__(self, tonic: float, rate: int):
        self.tonic = tonic
        self.rate = rate

    def part(self, name: str) -> np.ndarray:
        return _part(name, round(self.tonic, 6), self.rate)


@lru_cache(maxsize=64)
def _part(name: str, tonic: float, rate: int) -> np.ndarray:
    wave_ = _SYNTHS[name](tonic, rate)
    wave_.setflags(write=False)
    return wave_


def _time(seconds: float, rate: int) -> np.ndarray:
    return np.arange(int(seconds * rate)) / rate


def _attack(t: np.ndarray) -> np.ndarray:
    # under a millisecond to full level: a struck skin, without a digital click
    return 1.0 - np.exp(-t / 0.0004)


def _noise(t: np.ndarray, decay: float, smooth: int, seed: int) -> np.ndarray:
    """A strike noise decaying over ``decay`` seconds; ``smooth`` samples of averaging darken it."""
    noise = np.random.default_rng(seed).standard_normal(len(t))
    if smooth > 1:
        noise = np.convolve(noise, np.ones(smooth) / np.sqrt(smooth), mode="same")
    return noise * np.exp(-t / decay)


def _ringing(tonic: float, rate: int, ratios, amplitudes, decays, seconds: float) -> np.ndarray:
    t = _time(seconds, rate)
    tone = sum(amplitude * np.sin(2 * np.pi * tonic * ratio * t) * np.exp(-t / decay)
               for ratio, amplitude, decay in zip(ratios, amplitudes, decays))
    return _attack(t) * tone


_OVERTONES = (1.0, 2.0, 3.01, 4.03, 5.08, 6.3, 7.9)


def _na(tonic: float, rate: int) -> np.ndarray:
    tone = _ringing(tonic, rate, _OVERTONES, (0.5, 0.35, 0.25, 0.16, 0.1, 0.06, 0.04),
                    (0.30, 0.25, 0.18, 0.12, 0.09, 0.04, 0.03), 1.2)
    t = _time(1.2, rate)
    return 0.55 * (tone + 0.12 * _noise(t, 0.004, 1, 1))


def _tin(tonic: float, rate: int) -> np.ndarray:
    step = tonic * 2 ** (2 / 12)
    tone = _ringing(step, rate, _OVERTONES[:5], (0.7, 0.3, 0.18, 0.1, 0.05), (0.45, 0.3, 0.2, 0.12, 0.08), 1.6)
    t = _time(1.6, rate)
    return 0.5 * (tone + 0.1 * _noise(t, 0.004, 1, 2))


def _tu(tonic: float, rate: int) -> np.ndarray:
    tone = _ringing(tonic, rate, (1.0, 2.0, 3.01), (0.9, 0.15, 0.05), (0.8, 0.3, 0.15), 2.5)
    t = _time(2.5, rate)
    return 0.5 * (tone + 0.25 * _noise(t, 0.003, 1, 3))


def _dry(tonic: float, rate: int) -> np.ndarray:
    t = _time(0.15, rate)
    tone = np.sin(2 * np.pi * 2 * tonic * t) * np.exp(-t / 0.015)
    return 0.5 * _attack(t) * (0.6 * tone + 0.5 * _noise(t, 0.008, 2, 4))


def _ge(tonic: float, rate: int) -> np.ndarray:
    t = _time(1.5, rate)
    # the palm pressing into the skin raises the pitch quickly, then holds it
    frequency = 85.0 + 40.0 * (1.0 - np.exp(-t / 0.09))
    phase = 2 * np.pi * np.cumsum(frequency) / rate
    tone = (np.sin(phase) + 0.25 * np.sin(2 * phase)) * np.exp(-t / 0.45)
    return 0.6 * _attack(t) * tone + 0.25 * _noise(t, 0.003, 2, 5)  # the fingers strike, then the skin rings


def _ka(tonic: float, rate: int) -> np.ndarray:
    t = _time(0.12, rate)
    thump = np.sin(2 * np.pi * 150.0 * t) * np.exp(-t / 0.02)
    slap = _noise(t, 0.012, max(1, rate // 4000), 6)
    return 0.5 * _attack(t) * (0.6 * thump + 0.35 * slap)


_SYNTHS = {"na": _na, "tin": _tin, "tu": _tu, "dry": _dry, "ge": _ge, "ka": _ka}
