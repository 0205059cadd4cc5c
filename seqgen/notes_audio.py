"""Melodies as sound: a small additive synth in NumPy, written as WAV by ``audio.wav_bytes``.

Every note (tied events joined, ``notes_midi.sounding_notes``) is a tone at its equal-tempered
frequency (A4 = 440 Hz): a sine with a softer octave and twelfth, so it sounds like a plain organ
or a soft triangle wave rather than a test tone, under an envelope of a 10 ms attack, a decay
towards 70% (time constant 100 ms) and a 60 ms release after the note's end (so repeated notes are
heard as two).
Chords sum their notes; the mix is scaled down only when it would clip. Rests are silence.
When notes fall comes from the piece's grid steps at ``bpm`` beats (quarter notes) a minute.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seqgen.audio import SAMPLE_RATES, wav_bytes
from seqgen.errors import SeqgenError
from seqgen.notes_midi import DEFAULT_BPM, check_bpm, sounding_notes
from seqgen.tokenizers.note_names import GRID, Piece

PARTIALS = ((1, 1.0), (2, 0.3), (3, 0.12))  # (multiple of the fundamental, amplitude)
ATTACK, DECAY, SUSTAIN, RELEASE = 0.010, 0.100, 0.7, 0.060
LEVEL = 0.25  # one note's peak: four-note chords stay below clipping
_PEAK = 0.95


def frequency(pitch: int) -> float:
    return 440.0 * 2 ** ((pitch - 69) / 12)


def render_wav(piece: Piece, path: str | Path | None = None, bpm: float = DEFAULT_BPM,
               sample_rate: int = 44100) -> bytes:
    """The WAV file (bytes) of ``piece`` at ``bpm`` beats a minute; also written to ``path`` (atomically)."""
    if sample_rate not in SAMPLE_RATES:
        raise SeqgenError(f"sample rate must be one of {', '.join(map(str, SAMPLE_RATES))}, got {sample_rate!r}")
    data = wav_bytes(render(piece, check_bpm(bpm), sample_rate), sample_rate)
    if path is not None:
        from seqgen.bundle import atomic_write

        atomic_write(Path(path), data)
    return data


def render(piece: Piece, bpm: float, sample_rate: int) -> np.ndarray:
    """The mixed signal (float32, peak at most 0.95)."""
    step_seconds = 60.0 / bpm / GRID
    total = sum(event.steps for event in piece.events) * step_seconds
    out = np.zeros(int((total + RELEASE) * sample_rate) + 1, dtype=np.float64)
    for start, length, pitch in sounding_notes(piece):
        tone = _tone(frequency(pitch), length * step_seconds, sample_rate)
        first = int(round(start * step_seconds * sample_rate))
        part = out[first:first + len(tone)]
        part += tone[:len(part)]
    peak = float(np.max(np.abs(out))) if out.size else 0.0
    if peak > _PEAK:
        out *= _PEAK / peak
    return out.astype(np.float32)


def _tone(hertz: float, seconds: float, rate: int) -> np.ndarray:
    t = np.arange(int((seconds + RELEASE) * rate)) / rate
    wave = sum(amplitude * np.sin(2 * np.pi * hertz * multiple * t) for multiple, amplitude in PARTIALS
               if hertz * multiple < rate / 2)  # partials above Nyquist would alias
    return LEVEL * wave * _envelope(t, seconds)


def _envelope(t: np.ndarray, seconds: float) -> np.ndarray:
    rise = np.clip(t / ATTACK, 0.0, 1.0)
    fall = SUSTAIN + (1.0 - SUSTAIN) * np.exp(-np.maximum(t - ATTACK, 0.0) / DECAY)
    release = np.clip(1.0 - (t - seconds) / RELEASE, 0.0, 1.0)
    return rise * fall * release
